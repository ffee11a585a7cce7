#include "widgets/DiagnosticsPanel.h"

#include <QGraphicsOpacityEffect>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "registry/Registry.h"
#include "widgets/ImageView.h"
#include "widgets/SeriesPlot.h"

namespace bilevel::widgets {

namespace {

enum Column {
  kMethod,
  kNorm,
  kError,
  kAbsoluteError,
  kCosine,
  kIterations,
  kResidual,
  kTime,
  kMemory,
  kColumns
};

// Agreement thresholds for the colour of the relative-error cell: what the tests demand of exact
// methods, and what a usable approximation reaches.
constexpr double kExact = 1e-5, kUsable = 1e-2;
// No method can be judged closer to the truth than the reference's own error (the spread of
// finite differences at h and 2h): within this many times it a method agrees, within the second
// it is usable. ‖∇U_FD‖ below kNoiseLevel times that error is a stationary point, where relative
// error and cosine compare noise and the absolute error is the verdict.
constexpr double kWithinReference = 3.0, kUsableReference = 30.0, kNoiseLevel = 10.0;

// Narrower than this the pairs of charts stack: two charts' minimum widths and their margins.
constexpr int kNarrow = 560;

const QColor kAgrees(60, 150, 80), kUsableColour(200, 150, 40), kDisagrees(200, 70, 60),
    kMeaningless(130, 130, 130);

QString scientific(double value) {
  return std::isfinite(value) ? QString::number(value, 'e', 2) : QStringLiteral("—");
}

QString duration(double seconds) {
  return seconds < 1.0 ? QStringLiteral("%1 ms").arg(seconds * 1e3, 0, 'f', 1)
                       : QStringLiteral("%1 s").arg(seconds, 0, 'f', 2);
}

QTableWidgetItem* cell(const QString& text, const QString& tooltip = {}) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  if (!tooltip.isEmpty()) item->setToolTip(tooltip);
  return item;
}

std::vector<QPointF> indexed(const std::vector<double>& values, int first = 0) {
  std::vector<QPointF> points;
  points.reserve(values.size());
  for (std::size_t n = 0; n < values.size(); ++n)
    points.emplace_back(double(first) + double(n), values[n]);
  return points;
}

}  // namespace

DiagnosticsPanel::DiagnosticsPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  auto* header = new QHBoxLayout;
  run_ = new QPushButton(tr("Run diagnostics"));
  run_->setToolTip(
      tr("Computes the hypergradient at the current parameters with every method and "
         "compares each with central finite differences (F7)."));
  status_ = new QLabel(tr("Compare every hypergradient method at the current parameters."));
  status_->setObjectName(QStringLiteral("diagnosticsStatus"));
  status_->setWordWrap(true);
  header->addWidget(run_);
  header->addWidget(status_, 1);
  layout->addLayout(header);
  staleLabel_ = new QLabel;
  staleLabel_->setObjectName(QStringLiteral("diagnosticsStaleLabel"));
  staleLabel_->setStyleSheet(QStringLiteral("color: #e0b050; font-weight: bold"));
  staleLabel_->setWordWrap(true);
  staleLabel_->hide();
  layout->addWidget(staleLabel_);

  table_ = new QTableWidget(0, kColumns);
  table_->setHorizontalHeaderLabels({tr("Method"), tr("‖∇U‖"), tr("rel. error"), tr("abs. error"),
                                     tr("cosine"), tr("iters"), tr("residual"), tr("time"),
                                     tr("memory")});
  const QStringList headerTips = {
      tr("Hover a method for what it computes and what it costs."),
      tr("Norm of the hypergradient ∇U(θ)."),
      tr("‖∇U − ∇U_FD‖ / ‖∇U_FD‖ against central finite differences of tightly solved lower "
         "levels."),
      tr("‖∇U − ∇U_FD‖. Near an optimum ∇U → 0 and the relative error only measures the "
         "finite-difference reference's own error; compare this instead."),
      tr("Cosine of the angle to the finite-difference gradient: 1 means the same direction."),
      tr("CG steps, series terms, recursion or unrolled steps, or solves."),
      tr("Relative residual ‖H a − ∂ₓL‖ / ‖∂ₓL‖ of the adjoint the method used."),
      tr("Wall time of the lower-level solve plus the hypergradient."),
      tr("Memory the method held beyond x and θ.")};
  for (int c = 0; c < kColumns; ++c)
    table_->horizontalHeaderItem(c)->setToolTip(headerTips[c]);
  table_->verticalHeader()->setVisible(false);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(kMethod, QHeaderView::Stretch);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setAlternatingRowColors(true);

  sequencePlot_ =
      new SeriesPlot(tr("Derivative sequence ‖J⁽ⁿ⁾v − J*v‖ / ‖J*v‖"), tr("n"), tr("rel. error"));
  sequencePlot_->setLogarithmicY(true);
  sequencePlot_->setIntegerX(true);
  sequenceTip_ =
      tr("How fast the derivative of the n-th solver iterate approaches the derivative of the "
         "solution: unrolling differentiates along the iterates from the noisy image, FPAD the "
         "same map at the fixed point x*. The dashed line is the linear rate: ρⁿ from the model's "
         "bounds μ and L for a smooth model; for TV the rate measured on the unrolled sequence "
         "after its iterates identified the jump set of x*, drawn from that iteration on (the "
         "manifold tangent is the reference J*v).");
  sequencePlot_->setToolTip(sequenceTip_);
  residualPlot_ =
      new SeriesPlot(tr("Adjoint solves: relative residual"), tr("iteration"), tr("residual"));
  residualPlot_->setLogarithmicY(true);
  residualPlot_->setIntegerX(true);
  residualPlot_->setToolTip(
      tr("Residual history of the adjoint system H a = ∂ₓL for the methods "
         "that solve it iteratively (CG, Neumann series, FPAD)."));
  // Why there is no derivative sequence (a solver without an iteration map), above its plot.
  sequenceNote_ = new QLabel;
  sequenceNote_->setWordWrap(true);
  sequenceNote_->setVisible(false);
  auto* sequenceBox = new QWidget;
  auto* sequenceLayout = new QVBoxLayout(sequenceBox);
  sequenceLayout->setContentsMargins(0, 0, 0, 0);
  sequenceLayout->addWidget(sequenceNote_);
  sequenceLayout->addWidget(sequencePlot_, 1);
  auto* plots = new QSplitter(Qt::Horizontal);
  plots->addWidget(sequenceBox);
  plots->addWidget(residualPlot_);

  // TV: how the primal–dual iteration identifies the manifold, and its gap.
  identificationPlot_ =
      new SeriesPlot(tr("Support identification (Chambolle–Pock)"), tr("iteration"), tr("pixels"));
  identificationPlot_->setIntegerX(true);
  identificationPlot_->setToolTip(
      tr("The jump set of the iterate x_k (pixels where |∇x_k| > 1e-6) along the iterations that "
         "unrolling differentiates, and how many pixels entered or left it since the previous "
         "record (right axis). From the marked iteration on it no longer changes: the iterates "
         "lie on the manifold of x*, and unrolling converges linearly."));
  gapPlot_ = new SeriesPlot(tr("Primal–dual gap"), tr("iteration"), tr("relative gap"));
  gapPlot_->setLogarithmicY(true);
  gapPlot_->setIntegerX(true);
  gapPlot_->setToolTip(
      tr("(P(x_k) − D(q_k)) / (P(y) − D(0)) along the same iterations: it bounds the energy "
         "error and ½‖x_k − x*‖²."));
  auto* supportRow = new QSplitter(Qt::Horizontal);
  supportRow->addWidget(identificationPlot_);
  supportRow->addWidget(gapPlot_);
  supportRow->setVisible(false);
  supportRow_ = supportRow;

  sensitivityView_ = new ImageView(tr("Sensitivity ∂x*/∂θ·v"));
  sensitivityView_->setColormap(Colormap::Diverging);
  sensitivityView_->setToolTip(
      tr("How each pixel of the reconstruction moves when the parameters "
         "move along v (for a scalar λ: ∂x*/∂λ)."));
  adjointView_ = new ImageView(tr("Adjoint a = H⁻¹∂ₓL"));
  adjointView_->setColormap(Colormap::Diverging);
  adjointView_->setToolTip(
      tr("The adjoint every implicit method solves for: where the loss "
         "pulls the reconstruction, propagated through the Hessian."));
  auto* maps = new QSplitter(Qt::Horizontal);
  maps->addWidget(sensitivityView_);
  maps->addWidget(adjointView_);

  auto* vertical = new QSplitter(Qt::Vertical);
  vertical->addWidget(table_);
  vertical->addWidget(plots);
  vertical->addWidget(supportRow);
  vertical->addWidget(maps);
  vertical->setStretchFactor(0, 3);
  vertical->setStretchFactor(1, 3);
  vertical->setStretchFactor(2, 3);
  vertical->setStretchFactor(3, 3);
  layout->addWidget(vertical, 1);
  results_ = vertical;
  rows_ = {plots, supportRow, maps};

  connect(run_, &QPushButton::clicked, this, &DiagnosticsPanel::runRequested);
}

int DiagnosticsPanel::rowCount() const {
  return table_->rowCount();
}

QString DiagnosticsPanel::cellText(int row, int column) const {
  const QTableWidgetItem* item = table_->item(row, column);
  return item ? item->text() : QString();
}

int DiagnosticsPanel::cellColumnSpan(int row, int column) const {
  return table_->columnSpan(row, column);
}

QString DiagnosticsPanel::derivativeSequenceNote() const {
  return sequenceNote_->text();
}

void DiagnosticsPanel::begin(int methodCount) {
  setStale(false);
  verdicts_.clear();
  referenceError_ = 0.0;
  atNoiseLevel_ = false;
  expectedRows_ = methodCount;
  table_->setRowCount(0);
  table_->clearSpans();
  refusedRows_ = 0;
  sequenceNote_->clear();
  sequenceNote_->setVisible(false);
  sequencePlot_->removeAllSeries();
  residualPlot_->removeAllSeries();
  sensitivityView_->clear();
  adjointView_->clear();
  identificationPlot_->removeAllSeries();
  gapPlot_->removeAllSeries();
  supportRow_->setVisible(false);
  status_->setText(tr("Computing the finite-difference reference…"));
}

void DiagnosticsPanel::addAgreementRow(const MethodAgreementRow& row) {
  const int r = table_->rowCount();
  table_->insertRow(r);
  const QString description = QString::fromStdString(row.description);
  auto* name = new QTableWidgetItem(QString::fromStdString(row.method));
  name->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
  name->setToolTip(description);
  table_->setItem(r, kMethod, name);
  if (!row.refusal.empty()) {
    // A method that cannot serve this solver or model computed nothing: its row says why in
    // place of numbers (MethodAgreementRow::refusal), across the whole row. The span starts in the
    // method's column, which stretches, so the long sentence does not widen the number columns
    // (they resize to their contents).
    const QString refusal = QString::fromStdString(row.refusal);
    name->setText(name->text() + tr(" (refused): ") + refusal);
    name->setToolTip(description + QStringLiteral("\n\n") + refusal);
    name->setForeground(QColor(120, 120, 120));
    table_->setSpan(r, kMethod, 1, kColumns);
    table_->resizeRowToContents(r);  // the sentence may wrap to a second line
    verdicts_.push_back(QColor());
    ++refusedRows_;
    status_->setText(tr("%1 of %2 methods done").arg(table_->rowCount()).arg(expectedRows_));
    return;
  }
  const bool usable = row.summary.usable();
  const bool reference = row.method == registry::referenceMethod().name;
  table_->setItem(r, kNorm, cell(scientific(row.hypergradientNorm), description));
  auto* error = cell(reference ? tr("reference") : scientific(row.relativeError), description);
  auto* absolute = cell(reference ? QStringLiteral("—") : scientific(row.absoluteError),
                        reference ? tr("The reference's own error, from finite differences at "
                                       "steps h and 2h: ≈ %1")
                                        .arg(scientific(row.referenceError))
                                  : description);
  auto* cosine = cell(QString::number(row.cosine, 'f', 6), description);
  // ‖g_ref‖ from this row's two errors (relative = absolute / ‖g_ref‖).
  if (row.relativeError > 0.0 && std::isfinite(row.relativeError))
    referenceNorm_ = row.absoluteError / row.relativeError;
  if (reference) referenceNorm_ = row.hypergradientNorm;
  if (std::isfinite(row.referenceError) && row.referenceError > 0.0) {
    referenceError_ = row.referenceError;
    atNoiseLevel_ = referenceNorm_ <= kNoiseLevel * referenceError_;
  }
  QColor verdict;
  if (!reference) {
    // One rule for every θ: agreement to kExact relative, or to the reference's own error when
    // that is larger (near a stationary point, where ‖g_ref‖ is as small as its error).
    const double scale = referenceNorm_;  // 0 when unknown: only an exact match agrees
    const double agrees = std::max(kExact * scale, kWithinReference * referenceError_);
    const double close = std::max(kUsable * scale, kUsableReference * referenceError_);
    verdict = !usable || !(row.absoluteError <= close) ? kDisagrees
              : row.absoluteError <= agrees            ? kAgrees
                                                       : kUsableColour;
    if (atNoiseLevel_) {
      // The relative error and cosine compare noise here: greyed, the absolute error judged.
      absolute->setForeground(verdict);
      const QString why =
          tr("‖∇U_FD‖ is at the finite-difference reference's own error (≈ %1): relative error "
             "and cosine compare noise at a stationary point; judge by the absolute error.")
              .arg(scientific(referenceError_));
      for (QTableWidgetItem* item : {error, cosine}) {
        item->setForeground(kMeaningless);
        item->setToolTip(why);
      }
    } else {
      error->setForeground(verdict);
    }
  }
  verdicts_.push_back(verdict);
  table_->setItem(r, kError, error);
  table_->setItem(r, kAbsoluteError, absolute);
  table_->setItem(r, kCosine, cosine);
  table_->setItem(r, kIterations, cell(QString::number(row.summary.iterations), description));
  table_->setItem(r, kResidual, cell(scientific(row.summary.residual), description));
  table_->setItem(r, kTime, cell(duration(row.seconds), description));
  table_->setItem(
      r, kMemory,
      cell(QStringLiteral("%1 MB").arg(row.summary.workingMegabytes, 0, 'f', 1), description));
  if (!usable) {
    name->setText(name->text() + QStringLiteral(" (") +
                  QString::fromStdString(toString(row.summary.termination)) + QStringLiteral(")"));
  }
  if (row.summary.residualHistory.size() > 1) {
    const int series = residualPlot_->addSeries(QString::fromStdString(row.method));
    residualPlot_->setPoints(series, indexed(row.summary.residualHistory));
  }
  status_->setText(tr("%1 of %2 methods done").arg(table_->rowCount()).arg(expectedRows_));
}

QSize DiagnosticsPanel::minimumSizeHint() const {
  // One chart across: narrower than two, the rows of charts stack (resizeEvent) rather than
  // forcing a scroll area to scroll sideways.
  QSize size = QWidget::minimumSizeHint();
  size.setWidth(std::min(size.width(), kNarrow / 2));
  return size;
}

void DiagnosticsPanel::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  const Qt::Orientation orientation = width() < kNarrow ? Qt::Vertical : Qt::Horizontal;
  for (QSplitter* row : rows_)
    if (row->orientation() != orientation) row->setOrientation(orientation);
}

Qt::Orientation DiagnosticsPanel::chartRowOrientation() const {
  return rows_.front()->orientation();
}

QColor DiagnosticsPanel::verdictColour(int row) const {
  return row >= 0 && row < int(verdicts_.size()) ? verdicts_[row] : QColor();
}

QString DiagnosticsPanel::statusText() const {
  return status_->text();
}

QString DiagnosticsPanel::staleText() const {
  return stale_ ? staleLabel_->text() : QString();
}

void DiagnosticsPanel::setStale(bool stale, const QString& why) {
  stale_ = stale;
  staleLabel_->setText(stale ? tr("stale: %1").arg(why) : QString());
  staleLabel_->setToolTip(
      stale ? tr("These results were computed for other settings or parameters; Run diagnostics "
                 "computes them for the current ones.")
            : QString());
  staleLabel_->setVisible(stale);
  if (stale) {
    auto* effect = new QGraphicsOpacityEffect(results_);
    effect->setOpacity(0.4);
    results_->setGraphicsEffect(effect);  // takes ownership, deletes a previous one
  } else {
    results_->setGraphicsEffect(nullptr);
  }
}

void DiagnosticsPanel::setDerivativeSequence(const DerivativeSequence& sequence) {
  sequencePlot_->removeAllSeries();
  sequenceNote_->setText(QString::fromStdString(sequence.unavailable));
  sequenceNote_->setVisible(!sequence.unavailable.empty());
  if (!sequence.unavailable.empty()) return;
  // Short names, so that a one-column chart (1024×700) shows them whole beside the plot; what
  // each curve is, in full, is in the chart's tooltip.
  const int unrolled = sequencePlot_->addSeries(tr("unrolled"));
  sequencePlot_->setPoints(unrolled, indexed(sequence.unrolled));
  const int fpad = sequencePlot_->addSeries(tr("FPAD"));
  sequencePlot_->setPoints(fpad, indexed(sequence.fpad));
  QString curves = tr("unrolled: along the iterates; FPAD: at x*.");
  if (const RateReference rate = rateReference(sequence); !rate.values.empty()) {
    const int reference = sequencePlot_->addSeries(tr("ρ = %1").arg(rate.rate, 0, 'f', 4),
                                                   QColor(150, 150, 150), true);
    sequencePlot_->setPoints(reference, indexed(rate.values, rate.first));
    curves +=
        QLatin1Char(' ') +
        (rate.measured
             ? tr("Dashed: ρⁿ, ρ = %1 measured after identification.").arg(rate.rate, 0, 'f', 5)
             : tr("Dashed: ρⁿ, ρ = %1 from μ and L.").arg(rate.rate, 0, 'f', 5));
  }
  sequencePlot_->setToolTip(sequenceTip_ + QStringLiteral("\n\n") + curves);
  if (sequence.manifold && sequence.identifiedAt < 0) {
    sequenceNote_->setText(
        tr("The unrolled iterates had not identified the jump set of x* after %1 iterations: no "
           "linear phase to measure a rate on yet.")
            .arg(int(sequence.unrolled.size()) - 1));
    sequenceNote_->setVisible(true);
  }
  if (sequence.identifiedAt >= 0) {
    // Where the unrolled iterates reached x*'s jump set: the linear phase starts there.
    double low = 1.0;
    for (const auto* values : {&sequence.unrolled, &sequence.fpad})
      for (double v : *values)
        if (v > 0.0) low = std::min(low, v);
    const int marker = sequencePlot_->addSeries(tr("identified at %1").arg(sequence.identifiedAt),
                                                QColor(60, 150, 80), true);
    sequencePlot_->setPoints(
        marker, {QPointF(sequence.identifiedAt, low), QPointF(sequence.identifiedAt, 1.0)});
  }
}

void DiagnosticsPanel::setSensitivityMaps(const SensitivityMaps& maps) {
  if (maps.sensitivity.size() > 0) sensitivityView_->setImage(maps.sensitivity);
  if (maps.adjoint.size() > 0) adjointView_->setImage(maps.adjoint);
  if (maps.sensitivityResidualHistory.size() > 1) {
    const int series = residualPlot_->addSeries(tr("CG for ∂x*/∂θ·v"), QColor(150, 150, 150), true);
    residualPlot_->setPoints(series, indexed(maps.sensitivityResidualHistory));
  }
}

bool DiagnosticsPanel::supportShown() const {
  return !supportRow_->isHidden();
}

void DiagnosticsPanel::setSupportIdentification(const SupportIdentification& support) {
  identificationPlot_->removeAllSeries();
  gapPlot_->removeAllSeries();
  supportRow_->setVisible(true);
  if (support.iterations.empty()) return;
  std::vector<QPointF> size, changes, gap;
  double largest = 0.0;
  for (std::size_t i = 0; i < support.iterations.size(); ++i) {
    const double k = support.iterations[i];
    size.emplace_back(k, double(support.supportSize[i]));
    changes.emplace_back(k, double(support.supportChanges[i]));
    gap.emplace_back(k, support.relativeGap[i]);
    largest = std::max(largest, double(support.supportSize[i]));
  }
  const int sizeSeries = identificationPlot_->addSeries(tr("jump set |S_k|"));
  identificationPlot_->setPoints(sizeSeries, size);
  const int changeSeries =
      identificationPlot_->addSeries(tr("changes |S_k Δ S_k−1|"), QColor(200, 110, 40));
  identificationPlot_->setPoints(changeSeries, changes);
  identificationPlot_->setSecondaryAxis(changeSeries, tr("changed"));
  // The identification iteration as a vertical line over the jump set's range.
  if (support.identifiedAt >= 0) {
    const int marker = identificationPlot_->addSeries(
        tr("identified at %1").arg(support.identifiedAt), QColor(60, 150, 80), true);
    identificationPlot_->setPoints(
        marker, {QPointF(support.identifiedAt, 0.0), QPointF(support.identifiedAt, largest)});
  } else {
    identificationPlot_->setSeriesName(sizeSeries, tr("jump set |S_k| (not identified)"));
  }
  const int gapSeries = gapPlot_->addSeries(tr("relative gap"));
  gapPlot_->setPoints(gapSeries, gap);
  if (support.identifiedAt >= 0) {
    // The same iteration on the gap's log axis: from the gap's largest to its smallest value.
    double low = 1.0, high = 0.0;
    for (double g : support.relativeGap) {
      if (!(g > 0.0)) continue;
      low = std::min(low, g);
      high = std::max(high, g);
    }
    if (high > 0.0) {
      const int marker = gapPlot_->addSeries(tr("identified at %1").arg(support.identifiedAt),
                                             QColor(60, 150, 80), true);
      gapPlot_->setPoints(
          marker, {QPointF(support.identifiedAt, low), QPointF(support.identifiedAt, high)});
    }
  }
}

void DiagnosticsPanel::finish(const QString& reason, const QString& message) {
  if (reason == QLatin1String("done")) {
    QString text = tr("All %1 methods compared with finite differences (‖∇U_FD‖ = %2, its own "
                      "error ≈ %3).")
                       .arg(table_->rowCount())
                       .arg(referenceNorm_, 0, 'g', 3)
                       .arg(referenceError_, 0, 'g', 2);
    if (atNoiseLevel_) {
      text +=
          tr(" ‖∇U‖ is at the reference's noise level: θ is at a stationary point, where "
             "relative error and cosine compare noise (greyed); methods are judged by "
             "absolute error.");
    }
    if (refusedRows_ > 0)
      text += tr(" %n refused this solver or model; their rows say why.", "", refusedRows_);
    status_->setText(text);
  } else if (reason == QLatin1String("cancelled")) {
    status_->setText(tr("Stopped after %1 methods.").arg(table_->rowCount()));
  } else {
    status_->setText(tr("Failed: %1").arg(message));
  }
}

void DiagnosticsPanel::setRunning(bool running) {
  run_->setEnabled(!running);
}

}  // namespace bilevel::widgets
