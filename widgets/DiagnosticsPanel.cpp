#include "widgets/DiagnosticsPanel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

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
  status_->setWordWrap(true);
  header->addWidget(run_);
  header->addWidget(status_, 1);
  layout->addLayout(header);

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

  sequencePlot_ = new SeriesPlot(tr("Derivative sequence ‖J⁽ⁿ⁾v − J*v‖ / ‖J*v‖"), tr("n"),
                                 tr("relative error"));
  sequencePlot_->setLogarithmicY(true);
  sequencePlot_->setIntegerX(true);
  sequencePlot_->setToolTip(
      tr("How fast the derivative of the n-th solver iterate approaches the derivative of the "
         "solution: unrolling differentiates along the iterates from the noisy image, FPAD the "
         "same map at the fixed point x*. The dashed line is the linear rate: ρⁿ from the model's "
         "bounds μ and L for a smooth model; for TV the rate measured on the unrolled sequence "
         "after its iterates identified the jump set of x*, drawn from that iteration on (the "
         "manifold tangent is the reference J*v)."));
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
    ++refusedRows_;
    status_->setText(tr("%1 of %2 methods done").arg(table_->rowCount()).arg(expectedRows_));
    return;
  }
  const bool usable = row.summary.usable();
  table_->setItem(r, kNorm, cell(scientific(row.hypergradientNorm), description));
  auto* error =
      cell(row.method == "finite-difference" ? tr("reference") : scientific(row.relativeError),
           description);
  if (row.method != "finite-difference") {
    const QColor colour = !usable || !(row.relativeError < kUsable) ? QColor(200, 70, 60)
                          : row.relativeError < kExact              ? QColor(60, 150, 80)
                                                                    : QColor(200, 150, 40);
    error->setForeground(colour);
  }
  table_->setItem(r, kError, error);
  table_->setItem(
      r, kAbsoluteError,
      cell(row.method == "finite-difference" ? QStringLiteral("—") : scientific(row.absoluteError),
           description));
  table_->setItem(r, kCosine, cell(QString::number(row.cosine, 'f', 6), description));
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
  if (row.method == "finite-difference") referenceNorm_ = row.hypergradientNorm;
}

void DiagnosticsPanel::setDerivativeSequence(const DerivativeSequence& sequence) {
  sequencePlot_->removeAllSeries();
  sequenceNote_->setText(QString::fromStdString(sequence.unavailable));
  sequenceNote_->setVisible(!sequence.unavailable.empty());
  if (!sequence.unavailable.empty()) return;
  const int unrolled = sequencePlot_->addSeries(tr("unrolled (along the iterates)"));
  sequencePlot_->setPoints(unrolled, indexed(sequence.unrolled));
  const int fpad = sequencePlot_->addSeries(tr("FPAD (at x*)"));
  sequencePlot_->setPoints(fpad, indexed(sequence.fpad));
  if (const RateReference rate = rateReference(sequence); !rate.values.empty()) {
    const int reference = sequencePlot_->addSeries(
        rate.measured ? tr("measured ρ = %1 after identification").arg(rate.rate, 0, 'f', 5)
                      : tr("ρⁿ, ρ = %1 from μ and L").arg(rate.rate, 0, 'f', 5),
        QColor(150, 150, 150), true);
    sequencePlot_->setPoints(reference, indexed(rate.values, rate.first));
  }
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
    status_->setText(tr("All %1 methods compared with finite differences (‖∇U_FD‖ = %2).")
                         .arg(table_->rowCount())
                         .arg(referenceNorm_, 0, 'g', 3) +
                     (refusedRows_ > 0 ? tr(" %n refused this solver or model; their rows say why.",
                                            "", refusedRows_)
                                       : QString()));
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
