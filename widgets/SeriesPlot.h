#pragma once

#include <QColor>
#include <QPointF>
#include <QString>
#include <QWidget>
#include <vector>

QT_BEGIN_NAMESPACE
class QAbstractAxis;
class QChart;
class QChartView;
class QGraphicsLineItem;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace bilevel::widgets {

// A titled line chart for live data: series grow point by point and the axes follow the data.
// The primary y axis may be logarithmic; non-positive values are then left out of the plot (a log
// scale cannot show them) instead of raising an error. Series moved to the secondary axis always
// use a linear right-hand scale. Non-finite coordinates are never plotted.
//
// A series keeps every point it is given (16 bytes each), but plots a bounded number of them, so
// that the chart's memory and the time of an append stay bounded however long the run (issue 8
// §3: the studio's memory stays flat over a long run). Qt Charts keeps, for every plotted point,
// its own geometry (the point in scene coordinates, the line path, the stroked outline used for hit
// tests): measured, 340 bytes per point plotted at once and about 650 when points come one at a
// time, against 16 for the point itself; and every change of a line recomputes all of it, so an
// append costs time in proportion to the points plotted. Long series are therefore shown by min–max
// decimation: consecutive points are grouped in buckets (the x of the learning plots is the outer
// step, one per point, so a bucket is an interval of x), and each bucket is drawn as its lowest and
// its highest point, in their order. The curve's envelope is what is drawn, so spikes and the
// global extremes stay visible, as they would with every point, as long as a bucket spans no more
// than about a pixel column or two. The first and the last point are always plotted.
class SeriesPlot : public QWidget {
  Q_OBJECT

 public:
  // Full buckets of a decimated series: between half this and this many, so at most twice as
  // many points (a low and a high each), the first point, and the points of the last bucket as
  // they are (at most a bucket's worth; the newest among them). What Qt Charts keeps per plotted
  // point is the studio's largest cost that does not belong to the history (issue 8 §3):
  // measured in 1,000-step soaks at 64² (bench/soak studio, docs/soak.md), the seven curves of
  // the learning plots at 512 buckets (1,025 points each, reached after 1,000 steps) grew the
  // resident memory by about 2 MiB beyond the history rows, at 128 buckets by 0.4 to 0.6 MiB
  // (reached after 256 steps, then flat), without plots by 0.2 MiB; and an append redraws every
  // plotted point, so the GUI thread's longest stall fell from 0.2–1.1 s to 0.13–0.33 s. 128
  // buckets are one per 1.5 to 4 pixel columns of the studio's docked plots (200 to 500 px) and
  // one per 5 or 6 of an exported figure's (about 700 px): each is drawn as its lowest and
  // highest point, so the envelope of the curve, its spikes and its extremes stay visible, to
  // within a few pixels of where every point would put them.
  static constexpr int kMaxBuckets = 128;

  SeriesPlot(const QString& title, const QString& xLabel, const QString& yLabel,
             QWidget* parent = nullptr);
  ~SeriesPlot() override;

  void setLogarithmicY(bool logarithmic);
  bool logarithmicY() const { return logarithmic_; }
  // Ticks at whole numbers only, for iteration or count axes.
  void setIntegerX(bool integer);
  void setIntegerY(bool integer);

  // An invalid colour picks the next one of the palette. Returns the series index.
  int addSeries(const QString& name, QColor colour = {}, bool dashed = false);
  void setSeriesName(int series, const QString& name);
  void setPointsVisible(int series, bool visible);
  // Removes every series; indices start again from 0.
  void removeAllSeries();
  int seriesCount() const { return static_cast<int>(series_.size()); }

  void append(int series, double x, double y);
  void setPoints(int series, const std::vector<QPointF>& points);
  // Removes all points and keeps the series.
  void clear();
  // Points given to the series, whether plotted or not.
  int dataCount(int series) const;
  // Point `index` of the data given to the series (0 ≤ index < dataCount).
  QPointF dataPoint(int series, int index) const;
  // Points actually plotted: without those a log axis or non-finite values left out and, for a
  // long series, only the lowest and highest of each bucket (at most 2 · kMaxBuckets + 1 plus the
  // points of the last, unfinished bucket).
  int pointCount(int series) const;

  // Plots the series against a linear right-hand y axis; all such series share that axis.
  void setSecondaryAxis(int series, const QString& label);

  // Vertical dashed lines across the plot area at these x, e.g. where a learning history's
  // segment begins (an edit between two runs). clear() removes them too.
  void addMarker(double x);
  void clearMarkers();
  int markerCount() const { return static_cast<int>(markers_.size()); }

  QChart* chart() const;
  QChartView* chartView() const { return view_; }

  // Where the legend is: below the plot when its entries fit in one row at full length,
  // otherwise on the right, one entry per line, so that no name is cut to "θ…".
  Qt::Alignment legendAlignment() const;

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  // An axis' data extent and the range last given to it, so appends rescale only when a point
  // leaves the range.
  struct Extent {
    double min = 0.0, max = 0.0;
    bool valid = false;
    double shownMin = 0.0, shownMax = 0.0;
    bool shown = false;
    void include(double v);
    bool inside(double v) const { return shown && v >= shownMin && v <= shownMax; }
  };
  struct Series {
    QLineSeries* line = nullptr;
    std::vector<QPointF> data;  // everything given, including points the axis cannot show
    bool secondary = false;
    // Decimation: data[0, closed) is plotted as the lows and highs of buckets of `bucket`
    // consecutive points; the plottable points of data[closed, end), fewer than `bucket`, as they
    // are (the last `open` points of the line).
    std::size_t bucket = 1;
    std::size_t closed = 0;
    int open = 0;
  };

  bool plottable(const Series& series, const QPointF& p) const;
  // Appends to `shown` the lowest and highest plottable points of data[begin, end), in order.
  void appendExtremes(const Series& series, std::size_t begin, std::size_t end,
                      QList<QPointF>& shown) const;
  // Plots the series anew from its data, with the smallest bucket that needs at most
  // kMaxBuckets of them.
  void redraw(Series& series);
  // Replaces the points of the full bucket at the end of the line by its low and high.
  void closeBucket(Series& series);
  void rebuildYAxis();
  void recomputeExtents();
  void applyX();
  void applyY();
  void applySecondary();
  void applyLinear(QValueAxis* axis, Extent& extent, bool integer);
  void styleAxis(QAbstractAxis* axis) const;
  void updateLegend();

  QChart* chart_ = nullptr;
  QChartView* view_ = nullptr;
  QValueAxis* xAxis_ = nullptr;
  QAbstractAxis* yAxis_ = nullptr;
  QValueAxis* secondaryAxis_ = nullptr;
  QString yLabel_;
  std::vector<Series> series_;
  void placeMarkers();
  std::vector<std::pair<double, QGraphicsLineItem*>> markers_;
  Extent x_, y_, secondary_;
  bool logarithmic_ = false;
  bool integerX_ = false;
  bool integerY_ = false;
};

}  // namespace bilevel::widgets
