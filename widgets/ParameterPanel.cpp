#include "widgets/ParameterPanel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>

#include "config/Configuration.h"
#include "hypergradients/HypergradientMethod.h"

namespace bilevel::widgets {

namespace {

// The λ slider is logarithmic: regularisation weights are chosen by orders of magnitude.
constexpr double kLambdaMin = 1e-4, kLambdaMax = 10.0;
constexpr int kSliderSteps = 500;

int sliderPosition(double lambda) {
  const double t =
      (std::log10(std::clamp(lambda, kLambdaMin, kLambdaMax)) - std::log10(kLambdaMin)) /
      (std::log10(kLambdaMax) - std::log10(kLambdaMin));
  return int(std::lround(t * kSliderSteps));
}

double sliderLambda(int position) {
  const double t = double(position) / kSliderSteps;
  return std::pow(10.0,
                  std::log10(kLambdaMin) + t * (std::log10(kLambdaMax) - std::log10(kLambdaMin)));
}

QComboBox* comboBox(const std::vector<std::pair<QString, QString>>& entries = {}) {
  auto* box = new QComboBox;
  // Long entries must not widen the dock; the popup still shows them in full.
  box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  box->setMinimumContentsLength(12);
  for (const auto& [label, value] : entries)
    box->addItem(label, value);
  return box;
}

void selectData(QComboBox* box, const QString& value) {
  const int index = box->findData(value);
  if (index >= 0) box->setCurrentIndex(index);
}

const char* methodLabel(const std::string& name) {
  if (name == "implicit-cg") return "Implicit (CG)";
  if (name == "implicit-neumann") return "Implicit (Neumann series)";
  if (name == "jacobian-free") return "Jacobian-free";
  if (name == "shine") return "SHINE (quasi-Newton)";
  if (name == "unrolled") return "Unrolled (reverse mode)";
  if (name == "forward") return "Forward mode";
  if (name == "fpad") return "Fixed-point AD (FPAD)";
  if (name == "finite-difference") return "Finite differences";
  return nullptr;
}

}  // namespace

ParameterPanel::ParameterPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);

  auto* task = new QGroupBox(tr("Task"));
  auto* taskForm = new QFormLayout(task);
  preset_ = comboBox();
  for (const auto& name : presetNames())
    preset_->addItem(QString::fromStdString(name));
  preset_->setToolTip(tr("Built-in settings to start from (bilevel-cli presets)."));
  taskForm->addRow(tr("Preset"), preset_);
  sigma_ = new QDoubleSpinBox;
  sigma_->setRange(0.0, 1.0);
  sigma_->setDecimals(3);
  sigma_->setSingleStep(0.01);
  sigma_->setToolTip(
      tr("Standard deviation of the Gaussian noise added to the clean image "
         "(intensities in [0, 1]). Ignored when a noisy image is loaded."));
  taskForm->addRow(tr("Noise σ"), sigma_);
  seed_ = new QSpinBox;
  seed_->setRange(0, 1 << 30);
  seed_->setToolTip(tr("Seed of the noise, so a run can be repeated exactly."));
  taskForm->addRow(tr("Noise seed"), seed_);
  layout->addWidget(task);

  auto* model = new QGroupBox(tr("Lower level: model"));
  auto* modelForm = new QFormLayout(model);
  model_ = comboBox({{tr("Quadratic (Tikhonov)"), "quadratic"},
                     {tr("Huber-TV"), "huber-tv"},
                     {tr("Huber-TV weight map"), "huber-tv-map"}});
  model_->setItemData(
      0, tr("E(x) = ½‖x − y‖² + (λ/2)‖∇x‖²: smooth, solved in closed form by the DCT."),
      Qt::ToolTipRole);
  model_->setItemData(1,
                      tr("E(x) = ½‖x − y‖² + λ Σ h_ε(|∇x|): edge-preserving total variation, "
                         "smoothed by the Huber function."),
                      Qt::ToolTipRole);
  model_->setItemData(2,
                      tr("Huber-TV with a spatial weight λ(x), bilinear on a coarse control "
                         "grid: one learned weight per grid node."),
                      Qt::ToolTipRole);
  modelForm->addRow(tr("Model"), model_);
  lambdaSlider_ = new QSlider(Qt::Horizontal);
  lambdaSlider_->setRange(0, kSliderSteps);
  lambdaSlider_->setToolTip(
      tr("Regularisation weight λ (logarithmic). The reconstruction "
         "follows as you drag."));
  lambda_ = new QDoubleSpinBox;
  lambda_->setObjectName(QStringLiteral("lambdaSpinBox"));
  lambda_->setRange(kLambdaMin, kLambdaMax);
  lambda_->setDecimals(5);
  lambda_->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
  auto* lambdaRow = new QHBoxLayout;
  lambdaRow->addWidget(lambdaSlider_, 1);
  lambdaRow->addWidget(lambda_);
  modelForm->addRow(tr("λ"), lambdaRow);
  learnedRange_ = new QLabel;
  learnedRange_->setWordWrap(true);
  learnedRange_->setVisible(false);
  modelForm->addRow(QString(), learnedRange_);
  epsilon_ = new QDoubleSpinBox;
  epsilon_->setRange(1e-4, 1.0);
  epsilon_->setDecimals(4);
  epsilon_->setSingleStep(0.001);
  epsilon_->setToolTip(
      tr("Huber parameter ε: below it the penalty is quadratic (smooth), above "
         "it linear (edges)."));
  modelForm->addRow(tr("Huber ε"), epsilon_);
  gridRows_ = new QSpinBox;
  gridRows_->setRange(1, 64);
  gridCols_ = new QSpinBox;
  gridCols_->setRange(1, 64);
  auto* gridRow = new QHBoxLayout;
  gridRow->addWidget(gridRows_);
  gridRow->addWidget(new QLabel(QStringLiteral("×")));
  gridRow->addWidget(gridCols_);
  gridRows_->setToolTip(tr("Control grid of the weight map (rows × columns)."));
  gridCols_->setToolTip(gridRows_->toolTip());
  modelForm->addRow(tr("Map grid"), gridRow);
  layout->addWidget(model);

  auto* inner = new QGroupBox(tr("Lower level: solver"));
  auto* innerForm = new QFormLayout(inner);
  solver_ =
      comboBox({{tr("Accelerated gradient"), "accelerated-gradient"}, {tr("L-BFGS"), "lbfgs"}});
  solver_->setItemData(0, tr("Nesterov's accelerated gradient with adaptive restart, step 1/L."),
                       Qt::ToolTipRole);
  solver_->setItemData(1, tr("Limited-memory BFGS with a line search."), Qt::ToolTipRole);
  innerForm->addRow(tr("Solver"), solver_);
  tolerance_ = comboBox();
  for (int e = 4; e <= 12; ++e)
    tolerance_->addItem(QStringLiteral("1e-%1").arg(e), std::pow(10.0, -e));
  tolerance_->setToolTip(
      tr("Stop when ‖∇ₓE‖ falls below this fraction of its value at the noisy "
         "image."));
  innerForm->addRow(tr("Tolerance"), tolerance_);
  unrolledIterations_ = new QSpinBox;
  unrolledIterations_->setRange(0, 100000);
  unrolledIterations_->setSpecialValueText(tr("to tolerance"));
  unrolledIterations_->setToolTip(
      tr("Fixed number K of solver iterations that unrolled and "
         "forward-mode differentiation run through."));
  innerForm->addRow(tr("Unrolled K"), unrolledIterations_);
  layout->addWidget(inner);

  auto* outer = new QGroupBox(tr("Upper level: learning"));
  auto* outerForm = new QFormLayout(outer);
  method_ = comboBox();
  for (const auto& name : hypergradientMethodNames()) {
    const char* label = methodLabel(name);
    method_->addItem(label ? tr(label) : QString::fromStdString(name),
                     QString::fromStdString(name));
    method_->setItemData(method_->count() - 1,
                         QString::fromStdString(makeHypergradientMethod(name, {})->description()),
                         Qt::ToolTipRole);
  }
  outerForm->addRow(tr("Hypergradient"), method_);
  optimizer_ = comboBox({{tr("L-BFGS"), "lbfgs"},
                         {tr("Adam"), "adam"},
                         {tr("Gradient descent"), "gradient-descent"}});
  optimizer_->setToolTip(tr("Outer optimiser on log λ, so that weights stay positive."));
  outerForm->addRow(tr("Optimiser"), optimizer_);
  outerIterations_ = new QSpinBox;
  outerIterations_->setRange(1, 100000);
  outerIterations_->setToolTip(tr("Outer iterations one press of Learn runs at most."));
  outerForm->addRow(tr("Iterations"), outerIterations_);
  outerStep_ = new QDoubleSpinBox;
  outerStep_->setRange(1e-4, 10.0);
  outerStep_->setDecimals(4);
  outerStep_->setToolTip(tr("Initial step of gradient descent and Adam (on log λ)."));
  outerForm->addRow(tr("Step"), outerStep_);
  layout->addWidget(outer);
  layout->addStretch(1);

  auto emitSetting = [this](const QString& key, const QVariant& value) {
    if (!updating_) emit settingChanged(key, value);
  };
  connect(preset_, &QComboBox::activated, this, [this](int) {
    if (preset_->currentText() != tr("custom")) emit presetChosen(preset_->currentText());
  });
  auto connectCombo = [&](QComboBox* box, const QString& key) {
    connect(box, &QComboBox::activated, this,
            [box, key, emitSetting](int) { emitSetting(key, box->currentData()); });
  };
  connectCombo(model_, QStringLiteral("model.type"));
  connectCombo(solver_, QStringLiteral("solver.type"));
  connectCombo(tolerance_, QStringLiteral("solver.tolerance"));
  connectCombo(method_, QStringLiteral("hypergradient.method"));
  connectCombo(optimizer_, QStringLiteral("outer.optimizer"));
  connect(model_, &QComboBox::currentIndexChanged, this, [this] { updateEnabledControls(); });
  auto connectSpin = [&](auto* box, const QString& key) {
    connect(box, &std::remove_pointer_t<decltype(box)>::editingFinished, this,
            [box, key, emitSetting] { emitSetting(key, box->value()); });
  };
  connectSpin(sigma_, QStringLiteral("noise.sigma"));
  connectSpin(seed_, QStringLiteral("noise.seed"));
  connectSpin(epsilon_, QStringLiteral("model.epsilon"));
  connectSpin(unrolledIterations_, QStringLiteral("solver.iterations"));
  connectSpin(outerIterations_, QStringLiteral("outer.iterations"));
  connectSpin(outerStep_, QStringLiteral("outer.step"));
  auto gridChanged = [this, emitSetting] {
    emitSetting(QStringLiteral("model.grid"), QVariantList{gridRows_->value(), gridCols_->value()});
  };
  connect(gridRows_, &QSpinBox::editingFinished, this, gridChanged);
  connect(gridCols_, &QSpinBox::editingFinished, this, gridChanged);

  connect(lambdaSlider_, &QSlider::valueChanged, this, [this](int position) {
    if (updating_) return;
    const double lambda = sliderLambda(position);
    {
      const QSignalBlocker block(lambda_);
      lambda_->setValue(lambda);
    }
    learnedRange_->setVisible(false);
    emit lambdaEdited(lambda);
  });
  connect(lambdaSlider_, &QSlider::sliderReleased, this,
          [this, emitSetting] { emitSetting(QStringLiteral("model.lambda"), lambda_->value()); });
  connect(lambda_, &QDoubleSpinBox::valueChanged, this, [this](double lambda) {
    if (updating_) return;
    {
      const QSignalBlocker block(lambdaSlider_);
      lambdaSlider_->setValue(sliderPosition(lambda));
    }
    learnedRange_->setVisible(false);
    emit lambdaEdited(lambda);
  });
  connect(lambda_, &QDoubleSpinBox::editingFinished, this,
          [this, emitSetting] { emitSetting(QStringLiteral("model.lambda"), lambda_->value()); });
}

void ParameterPanel::setPreset(const QString& name) {
  const QSignalBlocker block(preset_);
  int index = preset_->findText(name);
  if (index < 0) {
    index = preset_->findText(tr("custom"));
    if (index < 0) {
      preset_->addItem(tr("custom"));
      index = preset_->count() - 1;
    }
  }
  preset_->setCurrentIndex(index);
}

double ParameterPanel::lambda() const {
  return lambda_->value();
}

void ParameterPanel::setLambdaControls(double lambda) {
  updating_ = true;
  lambda_->setValue(lambda);
  lambdaSlider_->setValue(sliderPosition(lambda));
  updating_ = false;
}

void ParameterPanel::setConfiguration(const nlohmann::json& c) {
  updating_ = true;
  const auto text = [](const nlohmann::json& v) {
    return QString::fromStdString(v.get<std::string>());
  };
  selectData(model_, text(c["model"]["type"]));
  epsilon_->setValue(c["model"]["epsilon"].get<double>());
  gridRows_->setValue(c["model"]["grid"][0].get<int>());
  gridCols_->setValue(c["model"]["grid"][1].get<int>());
  sigma_->setValue(c["noise"]["sigma"].get<double>());
  seed_->setValue(c["noise"]["seed"].get<int>());
  selectData(solver_, text(c["solver"]["type"]));
  const double tolerance = c["solver"]["tolerance"].get<double>();
  int best = 0;
  for (int i = 0; i < tolerance_->count(); ++i) {
    if (std::abs(std::log10(tolerance_->itemData(i).toDouble()) - std::log10(tolerance)) <
        std::abs(std::log10(tolerance_->itemData(best).toDouble()) - std::log10(tolerance)))
      best = i;
  }
  tolerance_->setCurrentIndex(best);
  unrolledIterations_->setValue(c["solver"]["iterations"].get<int>());
  selectData(method_, text(c["hypergradient"]["method"]));
  selectData(optimizer_, text(c["outer"]["optimizer"]));
  outerIterations_->setValue(std::max(1, c["outer"]["iterations"].get<int>()));
  outerStep_->setValue(c["outer"]["step"].get<double>());
  updating_ = false;
  setLambdaControls(c["model"]["lambda"].get<double>());
  learnedRange_->setVisible(false);
  updateEnabledControls();
}

void ParameterPanel::showParameters(double lambdaMin, double lambdaMax) {
  if (lambdaMin == lambdaMax) {
    setLambdaControls(lambdaMin);
    learnedRange_->setVisible(false);
    return;
  }
  learnedRange_->setText(
      tr("learned grid: λ from %1 to %2").arg(lambdaMin, 0, 'g', 4).arg(lambdaMax, 0, 'g', 4));
  learnedRange_->setVisible(true);
}

void ParameterPanel::setLearningActive(bool active) {
  learning_ = active;
  updateEnabledControls();
}

void ParameterPanel::updateEnabledControls() {
  const QString model = model_->currentData().toString();
  for (QWidget* w : std::initializer_list<QWidget*>{
           preset_, model_, lambdaSlider_, lambda_, sigma_, seed_, solver_, tolerance_,
           unrolledIterations_, method_, optimizer_, outerIterations_, outerStep_})
    w->setEnabled(!learning_);
  epsilon_->setEnabled(!learning_ && model != QLatin1String("quadratic"));
  gridRows_->setEnabled(!learning_ && model == QLatin1String("huber-tv-map"));
  gridCols_->setEnabled(gridRows_->isEnabled());
}

}  // namespace bilevel::widgets
