#pragma once

#include <QVariant>
#include <QWidget>
#include <nlohmann/json.hpp>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;
class QSpinBox;

namespace bilevel::widgets {

// The settings of a learning run as a person edits them: task preset, model and its weights,
// noise, inner solver, hypergradient method (each with a tooltip that says what it computes and
// costs) and outer optimiser. The lists, labels, tooltips and which fields a model uses come from
// the registry (core/registry); an entry that cannot be picked with the others (a method/solver
// pair the method refuses, a model not available yet) is disabled with the reason as its tooltip.
// It shows a configuration (the JSON of core/config) and reports each edit as a dotted
// configuration key and value; the window validates and applies it.
class ParameterPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ParameterPanel(QWidget* parent = nullptr);

  // Shows the settings of `configuration` without emitting anything. Only the settings the chosen
  // model reads (registry: ModelEntry::settings) are enabled: λ and ε for Huber-TV, the filter
  // bank's size, penalty and ν for Fields of Experts.
  void setConfiguration(const nlohmann::json& configuration);
  // What noise σ and PSNR are relative to, under σ: the clean image's intensity range as
  // core/image/IntensityRange.h describes it ("the data range 1000–3000 of the 16-bit file").
  void setIntensityRange(const QString& description);
  QString intensityRangeText() const;
  // The preset the settings came from; empty shows "custom".
  void setPreset(const QString& name);
  // While learning runs, settings that would change the problem are locked.
  void setLearningActive(bool active);
  // Shows the weight the run has reached: the slider follows a scalar λ; a map shows its range.
  void showParameters(double lambdaMin, double lambdaMax);

  double lambda() const;
  // For tests and the window: the entry `name` of the list that edits `key` ("model.type",
  // "solver.type", "hypergradient.method", "outer.optimizer"): whether it can be picked, and its
  // tooltip (the registry's description, and when disabled the reason).
  bool entryEnabled(const QString& key, const QString& name) const;
  QString entryToolTip(const QString& key, const QString& name) const;

 signals:
  void presetChosen(const QString& name);
  // key: a dotted configuration key ("model.type", "noise.sigma", …); value: its new value.
  void settingChanged(const QString& key, const QVariant& value);
  // Every movement of the λ slider or spin box (the live preview follows it).
  void lambdaEdited(double lambda);

 private:
  void setLambdaControls(double lambda);
  void updateEnabledControls();

  QComboBox* preset_;
  QComboBox* model_;
  QSlider* lambdaSlider_;
  QDoubleSpinBox* lambda_;
  QLabel* learnedRange_;
  QDoubleSpinBox* epsilon_;
  QSpinBox* gridRows_;
  QSpinBox* gridCols_;
  QSpinBox* filters_;
  QSpinBox* filterSize_;
  QComboBox* penalty_;
  QDoubleSpinBox* nu_;
  QDoubleSpinBox* sigma_;
  QLabel* intensityRange_;
  QSpinBox* seed_;
  QComboBox* solver_;
  QComboBox* tolerance_;
  QSpinBox* unrolledIterations_;
  QComboBox* method_;
  QComboBox* optimizer_;
  QSpinBox* outerIterations_;
  QDoubleSpinBox* outerStep_;
  bool learning_ = false;
  bool updating_ = false;
};

}  // namespace bilevel::widgets
