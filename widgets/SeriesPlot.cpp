#include "widgets/SeriesPlot.h"

#include <QChart>
#include <QChartView>
#include <QFontMetrics>
#include <QGraphicsLayout>
#include <QGraphicsLineItem>
#include <QLegend>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPen>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtDebug>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace bilevel::widgets {

namespace {

// Dark palette of an imaging tool: a near-black plot area so curves read like on a scope, muted
// grid, and series colours that stay distinct from each other on it.
const QColor kBackground(0x1f, 0x21, 0x26);
const QColor kPlotArea(0x16, 0x18, 0x1c);
const QColor kGrid(0x3a, 0x3f, 0x47);
const QColor kMinorGrid(0x27, 0x2b, 0x31);
const QColor kAxisLine(0x5c, 0x63, 0x6e);
const QColor kLabel(0xc5, 0xcb, 0xd3);
const QColor kTitle(0xee, 0xf1, 0xf5);
const std::array<QColor, 8> kPalette = {QColor(0x4d, 0xc3, 0xff), QColor(0xff, 0xa9, 0x4d),
                                        QColor(0x69, 0xdb, 0x7c), QColor(0xff, 0x6b, 0x6b),
                                        QColor(0xb1, 0x97, 0xfc), QColor(0xff, 0xd4, 0x3b),
                                        QColor(0x66, 0xd9, 0xe8), QColor(0xad, 0xb5, 0xbd)};

QFont scaledFont(double pointSize, bool bold = false) {
  QFont font;
  font.setPointSizeF(pointSize);
  font.setBold(bold);
  return font;
}

// 1, 2 or 5 times a power of ten, so that `span` holds about `ticks` intervals.
double niceStep(double span, double ticks) {
  if (!(span > 0.0) || !std::isfinite(span)) return 1.0;
  const double raw = span / ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / magnitude;
  return (r <= 1.0 ? 1.0 : r <= 2.0 ? 2.0 : r <= 5.0 ? 5.0 : 10.0) * magnitude;
}

QString labelFormat(double step, double largest) {
  if (largest >= 1e6 || step < 1e-4) return QStringLiteral("%.3g");
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return QStringLiteral("%.%1f").arg(decimals);
}

}  // namespace

void SeriesPlot::Extent::include(double v) {
  if (!valid) {
    min = max = v;
    valid = true;
  } else {
    min = std::min(min, v);
    max = std::max(max, v);
  }
}

SeriesPlot::SeriesPlot(const QString& title, const QString& xLabel, const QString& yLabel,
                       QWidget* parent)
    : QWidget(parent), yLabel_(yLabel) {
  chart_ = new QChart;
  chart_->setTheme(QChart::ChartThemeDark);
  chart_->setBackgroundBrush(kBackground);
  chart_->setBackgroundRoundness(0);
  chart_->setPlotAreaBackgroundBrush(kPlotArea);
  chart_->setPlotAreaBackgroundVisible(true);
  chart_->setTitle(title);
  chart_->setTitleFont(scaledFont(10.5, true));
  chart_->setTitleBrush(kTitle);
  chart_->setMargins(QMargins(6, 2, 6, 2));
  chart_->layout()->setContentsMargins(0, 0, 0, 0);
  chart_->setAnimationOptions(QChart::NoAnimation);  // live data: animations would lag behind

  QLegend* legend = chart_->legend();
  legend->setAlignment(Qt::AlignBottom);
  legend->setFont(scaledFont(8.5));
  legend->setLabelColor(kLabel);
  legend->setMarkerShape(QLegend::MarkerShapeFromSeries);
  legend->setVisible(false);

  xAxis_ = new QValueAxis;
  xAxis_->setTitleText(xLabel);
  styleAxis(xAxis_);
  chart_->addAxis(xAxis_, Qt::AlignBottom);
  rebuildYAxis();
  applyX();
  connect(chart_, &QChart::plotAreaChanged, this, [this] { placeMarkers(); });
  connect(xAxis_, &QValueAxis::rangeChanged, this, [this] { placeMarkers(); });

  view_ = new QChartView(chart_, this);
  view_->setRenderHint(QPainter::Antialiasing);
  view_->setFrameShape(QFrame::NoFrame);
  view_->setBackgroundBrush(kBackground);
  view_->setMinimumSize(260, 190);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(view_);
}

SeriesPlot::~SeriesPlot() = default;

QChart* SeriesPlot::chart() const {
  return chart_;
}

void SeriesPlot::styleAxis(QAbstractAxis* axis) const {
  axis->setLabelsFont(scaledFont(8.5));
  axis->setLabelsBrush(kLabel);
  axis->setTitleFont(scaledFont(9));
  axis->setTitleBrush(kLabel);
  axis->setLinePenColor(kAxisLine);
  axis->setGridLineColor(kGrid);
  axis->setMinorGridLineColor(kMinorGrid);
  axis->setShadesVisible(false);
}

void SeriesPlot::setLogarithmicY(bool logarithmic) {
  if (logarithmic == logarithmic_) return;
  logarithmic_ = logarithmic;
  rebuildYAxis();
  // Points a log axis left out come back on a linear one and vice versa.
  for (Series& s : series_) {
    if (!s.secondary) redraw(s);
  }
  recomputeExtents();
  applyX();
  applyY();
}

void SeriesPlot::setIntegerX(bool integer) {
  integerX_ = integer;
  applyX();
}

void SeriesPlot::setIntegerY(bool integer) {
  integerY_ = integer;
  if (!logarithmic_) applyY();
}

void SeriesPlot::rebuildYAxis() {
  if (yAxis_) {
    for (Series& s : series_) {
      if (!s.secondary) s.line->detachAxis(yAxis_);
    }
    chart_->removeAxis(yAxis_);
    delete yAxis_;
  }
  if (logarithmic_) {
    auto* axis = new QLogValueAxis;
    axis->setBase(10.0);
    axis->setLabelFormat(QStringLiteral("%g"));
    axis->setMinorTickCount(8);  // 2…9 within each decade
    yAxis_ = axis;
  } else {
    auto* axis = new QValueAxis;
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0.0);
    yAxis_ = axis;
  }
  yAxis_->setTitleText(yLabel_);
  styleAxis(yAxis_);
  chart_->addAxis(yAxis_, Qt::AlignLeft);
  for (Series& s : series_) {
    if (!s.secondary) s.line->attachAxis(yAxis_);
  }
  y_.shown = false;
}

int SeriesPlot::addSeries(const QString& name, QColor colour, bool dashed) {
  Series s;
  s.line = new QLineSeries;
  s.line->setName(name);
  chart_->addSeries(s.line);
  s.line->attachAxis(xAxis_);
  s.line->attachAxis(yAxis_);
  // The theme decorates a series as it is added, so the pen is set afterwards.
  if (!colour.isValid()) colour = kPalette[series_.size() % kPalette.size()];
  QPen pen(colour);
  pen.setWidthF(dashed ? 1.6 : 2.0);
  pen.setStyle(dashed ? Qt::DashLine : Qt::SolidLine);
  pen.setCapStyle(Qt::RoundCap);
  pen.setJoinStyle(Qt::RoundJoin);
  s.line->setPen(pen);
  s.line->setBrush(colour);  // point markers
  s.line->setMarkerSize(5.0);
  series_.push_back(std::move(s));
  updateLegend();
  return static_cast<int>(series_.size()) - 1;
}

void SeriesPlot::setSeriesName(int series, const QString& name) {
  if (series < 0 || series >= seriesCount()) return;
  series_[series].line->setName(name);
  updateLegend();
}

void SeriesPlot::setPointsVisible(int series, bool visible) {
  if (series < 0 || series >= seriesCount()) return;
  series_[series].line->setPointsVisible(visible);
}

void SeriesPlot::removeAllSeries() {
  chart_->removeAllSeries();  // deletes the series
  series_.clear();
  if (secondaryAxis_) {
    chart_->removeAxis(secondaryAxis_);
    delete secondaryAxis_;
    secondaryAxis_ = nullptr;
  }
  x_ = {};
  y_ = {};
  secondary_ = {};
  clearMarkers();
  applyX();
  applyY();
  updateLegend();
}

void SeriesPlot::updateLegend() {
  // With one series the title already says what the curve is.
  QLegend* legend = chart_->legend();
  legend->setVisible(series_.size() > 1);
  if (series_.size() <= 1) return;
  // QLegend elides labels that do not fit in its row; one row needs the marker, the spacing and
  // the full text of every entry.
  const QFontMetrics metrics(legend->font());
  int needed = 0;
  for (const Series& s : series_)
    needed += metrics.horizontalAdvance(s.line->name()) + 2 * metrics.height() + 8;
  const Qt::Alignment alignment = needed <= width() ? Qt::AlignBottom : Qt::AlignRight;
  if (legend->alignment() != alignment) legend->setAlignment(alignment);
}

Qt::Alignment SeriesPlot::legendAlignment() const {
  return chart_->legend()->alignment();
}

void SeriesPlot::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  updateLegend();
}

bool SeriesPlot::plottable(const Series& series, const QPointF& p) const {
  if (!std::isfinite(p.x()) || !std::isfinite(p.y())) return false;
  return series.secondary || !logarithmic_ || p.y() > 0.0;
}

void SeriesPlot::append(int series, double x, double y) {
  if (series < 0 || series >= seriesCount()) {
    qWarning("SeriesPlot::append: no series %d in \"%s\"", series, qPrintable(chart_->title()));
    return;
  }
  Series& s = series_[series];
  const QPointF p(x, y);
  s.data.push_back(p);
  // The bucket before p is full: its low and high replace its points, O(bucket) once per
  // bucket. Too many buckets: the bucket doubles and the series is decimated anew, O(data) each
  // time the data have doubled. Both are O(1) per point on average. A bucket is closed only when
  // a point follows it, so the newest point is always plotted as it is.
  if (s.data.size() - 1 - s.closed >= s.bucket) closeBucket(s);
  if (s.closed > s.bucket * kMaxBuckets) {
    redraw(s);
  } else if (plottable(s, p)) {
    s.line->append(p);
    ++s.open;
  }
  if (!plottable(s, p)) return;
  // Only a point outside the shown range changes an axis; the others cost just the append.
  const bool xInside = x_.inside(x);
  x_.include(x);
  if (!xInside) applyX();
  Extent& yExtent = s.secondary ? secondary_ : y_;
  const bool yInside = yExtent.inside(y);
  yExtent.include(y);
  if (!yInside) s.secondary ? applySecondary() : applyY();
}

void SeriesPlot::appendExtremes(const Series& series, std::size_t begin, std::size_t end,
                                QList<QPointF>& shown) const {
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  std::size_t first = kNone, low = kNone, high = kNone;
  for (std::size_t i = begin; i < end; ++i) {
    const QPointF& p = series.data[i];
    if (!plottable(series, p)) continue;
    if (first == kNone) first = i;
    if (low == kNone || p.y() < series.data[low].y()) low = i;
    if (high == kNone || p.y() > series.data[high].y()) high = i;
  }
  if (first == kNone) return;  // nothing plottable in the bucket
  // The series' first point starts the curve where the data start.
  std::array<std::size_t, 3> kept = {begin == 0 ? first : low, low, high};
  std::sort(kept.begin(), kept.end());
  const auto last = std::unique(kept.begin(), kept.end());
  for (auto it = kept.begin(); it != last; ++it)
    shown.append(series.data[*it]);
}

void SeriesPlot::closeBucket(Series& series) {
  const std::size_t begin = series.closed;
  series.closed += series.bucket;
  if (series.bucket == 1) {
    series.open = 0;  // a bucket of one point is that point
    return;
  }
  QList<QPointF> extremes;
  appendExtremes(series, begin, series.closed, extremes);
  const int count = static_cast<int>(series.line->count());
  // Every change of the line makes Qt Charts recompute the geometry of all its points, so only
  // what differs is changed: a bucket whose low and high are its first points (two points, or a
  // monotone run) costs no replacement.
  const int keep = std::min(series.open, static_cast<int>(extremes.size()));
  for (int k = 0; k < keep; ++k) {
    const int index = count - series.open + k;
    if (series.line->at(index) != extremes[k]) series.line->replace(index, extremes[k]);
  }
  if (series.open > keep) series.line->removePoints(count - series.open + keep, series.open - keep);
  series.open = 0;
}

void SeriesPlot::redraw(Series& series) {
  const std::size_t n = series.data.size();
  // The smallest power of two that needs at most kMaxBuckets full buckets before the last one,
  // which holds 1 … bucket points (the newest among them).
  series.bucket = 1;
  while (n > 0 && (n - 1) / series.bucket > kMaxBuckets)
    series.bucket *= 2;
  series.closed = n == 0 ? 0 : (n - 1) / series.bucket * series.bucket;
  QList<QPointF> shown;
  shown.reserve(
      static_cast<qsizetype>(std::min<std::size_t>(n, 2 * kMaxBuckets + 1 + series.bucket)));
  for (std::size_t begin = 0; begin < series.closed; begin += series.bucket) {
    if (series.bucket == 1) {
      if (plottable(series, series.data[begin])) shown.append(series.data[begin]);
    } else {
      appendExtremes(series, begin, begin + series.bucket, shown);
    }
  }
  series.open = 0;
  for (std::size_t i = series.closed; i < n; ++i) {
    if (plottable(series, series.data[i])) {
      shown.append(series.data[i]);
      ++series.open;
    }
  }
  series.line->replace(shown);
}

void SeriesPlot::setPoints(int series, const std::vector<QPointF>& points) {
  if (series < 0 || series >= seriesCount()) {
    qWarning("SeriesPlot::setPoints: no series %d in \"%s\"", series, qPrintable(chart_->title()));
    return;
  }
  Series& s = series_[series];
  s.data = points;
  redraw(s);
  recomputeExtents();
  applyX();
  applyY();
  applySecondary();
}

void SeriesPlot::clear() {
  for (Series& s : series_) {
    s.data.clear();
    s.data.shrink_to_fit();  // a long run's points are not kept for the next one
    s.bucket = 1;
    s.closed = 0;
    s.open = 0;
    s.line->clear();
  }
  x_ = {};
  y_ = {};
  secondary_ = {};
  applyX();
  applyY();
  applySecondary();
}

int SeriesPlot::dataCount(int series) const {
  if (series < 0 || series >= seriesCount()) return 0;
  return static_cast<int>(series_[series].data.size());
}

QPointF SeriesPlot::dataPoint(int series, int index) const {
  return series_.at(std::size_t(series)).data.at(std::size_t(index));
}

int SeriesPlot::pointCount(int series) const {
  if (series < 0 || series >= seriesCount()) return 0;
  return static_cast<int>(series_[series].line->count());
}

void SeriesPlot::setSecondaryAxis(int series, const QString& label) {
  if (series < 0 || series >= seriesCount()) return;
  Series& s = series_[series];
  if (!secondaryAxis_) {
    secondaryAxis_ = new QValueAxis;
    secondaryAxis_->setTickType(QValueAxis::TicksDynamic);
    secondaryAxis_->setTickAnchor(0.0);
    styleAxis(secondaryAxis_);
    // Its own grid would fight with the primary one.
    secondaryAxis_->setGridLineVisible(false);
    chart_->addAxis(secondaryAxis_, Qt::AlignRight);
  }
  secondaryAxis_->setTitleText(label);
  // Labels in the series' colour tie the right-hand scale to its curve.
  secondaryAxis_->setLabelsBrush(s.line->pen().color());
  secondaryAxis_->setTitleBrush(s.line->pen().color());
  if (!s.secondary) {
    s.line->detachAxis(yAxis_);
    s.line->attachAxis(secondaryAxis_);
    s.secondary = true;
    redraw(s);
  }
  recomputeExtents();
  applyY();
  applySecondary();
}

void SeriesPlot::recomputeExtents() {
  x_ = {};
  y_ = {};
  secondary_ = {};
  for (const Series& s : series_) {
    Extent& yExtent = s.secondary ? secondary_ : y_;
    for (const QPointF& p : s.data) {
      if (!plottable(s, p)) continue;
      x_.include(p.x());
      yExtent.include(p.y());
    }
  }
}

void SeriesPlot::addMarker(double x) {
  auto* line = new QGraphicsLineItem(chart_);
  QPen pen(QColor(220, 220, 220, 150));
  pen.setStyle(Qt::DashLine);
  pen.setWidthF(1.2);
  line->setPen(pen);
  line->setZValue(10);
  markers_.emplace_back(x, line);
  placeMarkers();
}

void SeriesPlot::clearMarkers() {
  for (auto& [x, line] : markers_)
    delete line;
  markers_.clear();
}

void SeriesPlot::placeMarkers() {
  const QRectF area = chart_->plotArea();
  const double lo = xAxis_->min(), hi = xAxis_->max();
  for (auto& [x, line] : markers_) {
    const bool inside = hi > lo && x >= lo && x <= hi;
    line->setVisible(inside);
    if (!inside) continue;
    const double px = area.left() + (x - lo) / (hi - lo) * area.width();
    line->setLine(px, area.top(), px, area.bottom());
  }
}

void SeriesPlot::applyX() {
  applyLinear(xAxis_, x_, integerX_);
}

void SeriesPlot::applySecondary() {
  if (secondaryAxis_) applyLinear(secondaryAxis_, secondary_, false);
}

void SeriesPlot::applyLinear(QValueAxis* axis, Extent& extent, bool integer) {
  double lo = 0.0, hi = 1.0;
  if (extent.valid) {
    lo = extent.min;
    hi = extent.max;
    const double span = hi - lo;
    double pad = span > 0.0 ? 0.04 * span : (lo != 0.0 ? 0.05 * std::abs(lo) : 1.0);
    if (integer) pad = std::max(pad, 0.5);
    // Padding should not invent a negative range for data that never goes below zero.
    const bool nonNegative = lo >= 0.0;
    lo -= pad;
    hi += pad;
    if (nonNegative) lo = std::max(lo, 0.0);
  }
  if (integer && extent.valid) {
    // Iteration axes grow by one with every snapshot; a quarter of headroom, rounded to a tick,
    // lets most new points land inside, so the chart is not re-laid out on every step.
    const double target = lo + 1.25 * (hi - lo);
    const double headroomStep = std::max(1.0, std::round(niceStep(target - lo, 6.0)));
    hi = std::ceil(target / headroomStep) * headroomStep;
  }
  double step = niceStep(hi - lo, 6.0);
  if (integer) step = std::max(1.0, std::round(step));
  axis->setTickInterval(step);
  axis->setTickType(QValueAxis::TicksDynamic);
  axis->setTickAnchor(0.0);
  axis->setLabelFormat(integer ? QStringLiteral("%.0f")
                               : labelFormat(step, std::max(std::abs(lo), std::abs(hi))));
  axis->setRange(lo, hi);
  extent.shownMin = lo;
  extent.shownMax = hi;
  extent.shown = extent.valid;
}

void SeriesPlot::applyY() {
  if (!logarithmic_) {
    applyLinear(static_cast<QValueAxis*>(yAxis_), y_, integerY_);
    return;
  }
  auto* axis = static_cast<QLogValueAxis*>(yAxis_);
  double lo = 1.0, hi = 10.0;
  double base = 10.0;
  if (y_.valid) {
    // A log axis labels only powers of its base, so the range is widened to whole decades; a
    // larger base keeps the number of labels readable when the data spans many decades.
    double decadeLo = std::floor(std::log10(y_.min));
    double decadeHi = std::ceil(std::log10(y_.max));
    if (decadeHi <= decadeLo) decadeHi = decadeLo + 1.0;
    // At most about five labels: charts in a docked panel may be only ~100 px tall.
    // Capped at four decades per label: with larger bases Qt Charts 6.4 draws the labels at the
    // wrong heights (the data stay right).
    const double decadesPerLabel = std::min(4.0, std::ceil((decadeHi - decadeLo) / 5.0));
    decadeLo = std::floor(decadeLo / decadesPerLabel) * decadesPerLabel;
    decadeHi = std::ceil(decadeHi / decadesPerLabel) * decadesPerLabel;
    base = std::pow(10.0, decadesPerLabel);
    // Slightly beyond the decades, or rounding in log10 can drop the label at an end.
    lo = std::pow(10.0, decadeLo) * (1.0 - 1e-9);
    hi = std::pow(10.0, decadeHi) * (1.0 + 1e-9);
  }
  axis->setBase(base);
  axis->setMinorTickCount(base == 10.0 ? 8 : 0);
  axis->setRange(lo, hi);
  y_.shownMin = lo;
  y_.shownMax = hi;
  y_.shown = y_.valid;
}

}  // namespace bilevel::widgets
