#pragma once

#include <QColor>
#include <QWidget>
#include <vector>

#include "diagnostics/DerivativeSequence.h"
#include "diagnostics/MethodAgreement.h"
#include "diagnostics/SensitivityMaps.h"
#include "diagnostics/SupportIdentification.h"

class QLabel;
class QPushButton;
class QSplitter;
class QTableWidget;

namespace bilevel::widgets {

class ImageView;
class SeriesPlot;

// The Jacobian diagnostics of DESIGN.md §2 as a person reads them: the agreement table of every
// hypergradient method with finite differences (value, relative error, cosine, time, memory; each
// method's tooltip says what it computes and costs), the derivative-sequence plot of unrolled vs
// FPAD, the adjoint solvers' residual histories, and the sensitivity and adjoint maps as images. A
// method that refuses the solver or model gets a row with its reason instead of numbers, and a
// solver without an iteration map gets the reason in place of the derivative sequences. For TV
// (the primal–dual kind) a row of two more plots appears: the support identification (the jump
// set's size and its changes against the iteration, the identification iteration marked) and the
// relative primal–dual gap on a log scale.
// It only shows results; the window runs the computation off the GUI thread.
class DiagnosticsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit DiagnosticsPanel(QWidget* parent = nullptr);

  // A new run over `methodCount` methods: clears the previous results.
  void begin(int methodCount);
  void addAgreementRow(const bilevel::MethodAgreementRow& row);
  void setDerivativeSequence(const bilevel::DerivativeSequence& sequence);
  void setSensitivityMaps(const bilevel::SensitivityMaps& maps);
  // TV: shows the identification and gap plots (hidden again by begin()).
  void setSupportIdentification(const bilevel::SupportIdentification& support);
  // reason: "done", "cancelled" or "failed".
  void finish(const QString& reason, const QString& message);
  void setRunning(bool running);
  // The results were computed for another configuration or θ than the current one (`why`, e.g.
  // "configuration changed"): greyed, with a "stale: why" label, until the next run (or until
  // the configuration is back to theirs: stale = false).
  void setStale(bool stale, const QString& why = {});
  bool isStale() const { return stale_; }
  QString staleText() const;
  // Whether ‖∇U_FD‖ is at the reference's own error (a stationary point), so that methods are
  // judged by absolute error; what the status line says about it.
  bool judgedByAbsoluteError() const { return atNoiseLevel_; }
  QString statusText() const;
  // The colour a row's verdict cell was given (for tests): green agrees, amber usable, red not;
  // invalid for the reference and refused rows.
  QColor verdictColour(int row) const;
  // Horizontal (charts side by side) or, narrower than two charts, Vertical (stacked).
  Qt::Orientation chartRowOrientation() const;

  QSize minimumSizeHint() const override;

  int rowCount() const;
  // For tests: the text of a cell (row, column in display order) and its column span.
  QString cellText(int row, int column) const;
  int cellColumnSpan(int row, int column) const;
  // Why the derivative sequences are missing, or (TV) that the unrolled iterates did not identify
  // the support within the run; empty otherwise.
  QString derivativeSequenceNote() const;
  SeriesPlot* derivativeSequencePlot() const { return sequencePlot_; }
  SeriesPlot* residualPlot() const { return residualPlot_; }
  SeriesPlot* identificationPlot() const { return identificationPlot_; }
  SeriesPlot* gapPlot() const { return gapPlot_; }
  // Whether the identification and gap plots are shown (a TV run delivered them).
  bool supportShown() const;
  ImageView* sensitivityView() const { return sensitivityView_; }
  ImageView* adjointView() const { return adjointView_; }

 signals:
  void runRequested();

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  QPushButton* run_;
  QLabel* status_;
  QTableWidget* table_;
  SeriesPlot* sequencePlot_;
  QString sequenceTip_;  // what the derivative-sequence chart shows; its curves are added per run
  SeriesPlot* residualPlot_;
  SeriesPlot* identificationPlot_;
  SeriesPlot* gapPlot_;
  QWidget* supportRow_;
  ImageView* sensitivityView_;
  ImageView* adjointView_;
  QLabel* sequenceNote_;
  QLabel* staleLabel_;
  QWidget* results_;
  int expectedRows_ = 0;
  int refusedRows_ = 0;
  double referenceNorm_ = 0.0;
  double referenceError_ = 0.0;
  bool atNoiseLevel_ = false;
  bool stale_ = false;
  std::vector<QColor> verdicts_;
  std::vector<QSplitter*> rows_;  // the pairs of charts and of maps
};

}  // namespace bilevel::widgets
