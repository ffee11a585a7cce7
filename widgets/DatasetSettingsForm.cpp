#include "widgets/DatasetSettingsForm.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QSignalBlocker>
#include <QSpinBox>
#include <limits>

#include "data/Dataset.h"
#include "learning/DatasetLearning.h"
#include "registry/Registry.h"

namespace bilevel::widgets {

namespace {

const registry::Setting& settingOf(const char* key) {
  const registry::Setting* setting = registry::findSetting(key);
  Q_ASSERT(setting);
  return *setting;
}

const nlohmann::json* valueAt(const nlohmann::json& json, const QString& key) {
  const nlohmann::json* node = &json;
  for (const QString& part : key.split(QLatin1Char('.'))) {
    const std::string name = part.toStdString();
    if (!node->is_object() || !node->contains(name)) return nullptr;
    node = &(*node)[name];
  }
  return node;
}

}  // namespace

DatasetSettingsForm::DatasetSettingsForm(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("datasetSettingsForm"));
  auto* form = new QFormLayout(this);
  form->setContentsMargins(0, 0, 0, 0);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  const auto row = [&](const char* key, QWidget* editor) {
    const registry::Setting& setting = settingOf(key);
    editor->setToolTip(QString::fromStdString(setting.description));
    form->addRow(QString::fromStdString(setting.label), editor);
    editors_[QString::fromLatin1(key)] = editor;
  };
  row("noise.sigma", addNumber("noise.sigma", 0.01, 3));
  row("dataset.count", addInteger("dataset.count"));
  row("dataset.size", addInteger("dataset.size"));
  row("dataset.patch_size", addInteger("dataset.patch_size", tr("whole images")));
  row("dataset.patches", addInteger("dataset.patches"));
  auto* fraction = addNumber("dataset.validation", 0.05, 2);
  fraction->setMaximum(0.95);
  row("dataset.validation", fraction);
  row("dataset.batch", addInteger("dataset.batch", tr("all (full batch)")));
  row("train.steps", addInteger("train.steps"));
  row("train.validate_every", addInteger("train.validate_every"));
  algorithm_ = new QComboBox;
  algorithm_->setObjectName(QStringLiteral("train.algorithm"));
  for (const LearningAlgorithmKind kind : learningAlgorithmKinds())
    algorithm_->addItem(QString::fromStdString(toString(kind)));
  connect(algorithm_, &QComboBox::activated, this, [this](int index) {
    emit settingChanged(QStringLiteral("train.algorithm"), algorithm_->itemText(index));
  });
  row("train.algorithm", algorithm_);
  start_ = new QComboBox;
  start_->setObjectName(QStringLiteral("train.initial_model"));
  connect(start_, &QComboBox::activated, this, [this](int index) {
    emit settingChanged(QStringLiteral("train.initial_model"), start_->itemData(index).toString());
  });
  row("train.initial_model", start_);
  updateStart();
}

QSpinBox* DatasetSettingsForm::addInteger(const char* key, const QString& special) {
  const registry::Setting& setting = settingOf(key);
  auto* box = new QSpinBox;
  box->setObjectName(QString::fromLatin1(key));
  box->setKeyboardTracking(false);  // one edit when the value is entered, not per digit
  box->setRange(int(setting.minimum.value_or(0.0)),
                int(setting.maximum.value_or(double(std::numeric_limits<int>::max()))));
  if (!special.isEmpty()) box->setSpecialValueText(special);
  const QString name = QString::fromLatin1(key);
  connect(box, &QSpinBox::valueChanged, this, [this, name](int value) {
    emit settingChanged(name, value);
    updateEnabled();
  });
  return box;
}

QDoubleSpinBox* DatasetSettingsForm::addNumber(const char* key, double step, int decimals) {
  const registry::Setting& setting = settingOf(key);
  auto* box = new QDoubleSpinBox;
  box->setObjectName(QString::fromLatin1(key));
  box->setKeyboardTracking(false);
  box->setDecimals(decimals);
  box->setSingleStep(step);
  box->setRange(setting.minimum.value_or(0.0), setting.maximum.value_or(1e9));
  const QString name = QString::fromLatin1(key);
  connect(box, &QDoubleSpinBox::valueChanged, this,
          [this, name](double value) { emit settingChanged(name, value); });
  return box;
}

QWidget* DatasetSettingsForm::editor(const QString& key) const {
  const auto found = editors_.find(key);
  return found == editors_.end() ? nullptr : found->second;
}

void DatasetSettingsForm::setConfiguration(const nlohmann::json& configuration) {
  for (const auto& [key, widget] : editors_) {
    const nlohmann::json* value = valueAt(configuration, key);
    if (!value || widget == start_) continue;
    const QSignalBlocker block(widget);
    if (auto* integer = qobject_cast<QSpinBox*>(widget); integer && value->is_number()) {
      integer->setValue(value->get<int>());
    } else if (auto* number = qobject_cast<QDoubleSpinBox*>(widget); number && value->is_number()) {
      number->setValue(value->get<double>());
    } else if (auto* choice = qobject_cast<QComboBox*>(widget); choice && value->is_string()) {
      choice->setCurrentText(QString::fromStdString(value->get<std::string>()));
    }
  }
  const nlohmann::json* initial = valueAt(configuration, QStringLiteral("train.initial_model"));
  configuredModel_ = initial && initial->is_string()
                         ? QString::fromStdString(initial->get<std::string>())
                         : QString();
  updateStart();
  const nlohmann::json* folder = valueAt(configuration, QStringLiteral("dataset.folder"));
  generated_ = folder && folder->is_string() && isGeneratedFolder(folder->get<std::string>());
  updateEnabled();
}

void DatasetSettingsForm::setLocked(bool locked) {
  locked_ = locked;
  updateEnabled();
}

void DatasetSettingsForm::setOfferedModel(const QString& path) {
  offeredModel_ = path;
  updateStart();
}

void DatasetSettingsForm::updateStart() {
  const QString model = configuredModel_.isEmpty() ? offeredModel_ : configuredModel_;
  const QSignalBlocker block(start_);
  start_->clear();
  start_->addItem(tr("default parameters"), QString());
  if (!model.isEmpty()) {
    start_->addItem(tr("learned model %1").arg(QFileInfo(model).fileName()), model);
    start_->setItemData(1, QDir::toNativeSeparators(model), Qt::ToolTipRole);
  }
  start_->setCurrentIndex(configuredModel_.isEmpty() ? 0 : 1);
}

void DatasetSettingsForm::updateEnabled() {
  const auto* patchSize = static_cast<QSpinBox*>(editors_.at(QStringLiteral("dataset.patch_size")));
  for (const auto& [key, widget] : editors_) {
    bool applies = true;
    if (key == QLatin1String("dataset.patches")) applies = patchSize->value() > 0;
    if (key == QLatin1String("dataset.count") || key == QLatin1String("dataset.size"))
      applies = generated_;
    widget->setEnabled(!locked_ && applies);
  }
}

}  // namespace bilevel::widgets
