#pragma once

#include <QVariant>
#include <QWidget>
#include <map>
#include <nlohmann/json.hpp>

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace bilevel::widgets {

// The settings of dataset learning a person edits in the dataset mode (issue 11 §3): noise σ,
// patch size and patches per image, the validation fraction, the generated images' count and
// side, and train.steps, dataset.batch, train.validate_every, train.algorithm and where θ starts
// (train.initial_model: the default parameters or a learned model file). Labels and
// tooltips are the registry's (core/registry/Settings.cpp). Like ParameterPanel it shows a
// configuration and reports each edit as a dotted key and value; the window applies it through
// the document's undo stack. Settings that do not apply (patches per image for whole images, the
// generated images' count and side for a folder) are greyed, never hidden.
class DatasetSettingsForm : public QWidget {
  Q_OBJECT

 public:
  explicit DatasetSettingsForm(QWidget* parent = nullptr);

  // Shows `configuration`'s settings without emitting anything.
  void setConfiguration(const nlohmann::json& configuration);
  // While a run works the settings are locked (they would not change it).
  void setLocked(bool locked);
  // The learned model file that "Start from" offers besides the default parameters (the one
  // loaded or saved last; "" for none). A configuration whose train.initial_model names a file
  // offers that one.
  void setOfferedModel(const QString& path);

  // The editor of `key` ("dataset.patch_size", ...), for tests; nullptr for another key.
  QWidget* editor(const QString& key) const;

 signals:
  void settingChanged(const QString& key, const QVariant& value);

 private:
  QSpinBox* addInteger(const char* key, const QString& special = {});
  QDoubleSpinBox* addNumber(const char* key, double step, int decimals);
  void updateEnabled();
  void updateStart();

  std::map<QString, QWidget*> editors_;
  QComboBox* algorithm_ = nullptr;
  // train.initial_model: "default parameters" or the configured (else offered) model file.
  QComboBox* start_ = nullptr;
  QString configuredModel_, offeredModel_;
  bool generated_ = false;
  bool locked_ = false;
};

}  // namespace bilevel::widgets
