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
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace bilevel::widgets {

// A titled line chart for live data: series grow point by point and the axes follow the data.
// The primary y axis may be logarithmic; non-positive values are then left out of the plot (a log
// scale cannot show them) instead of raising an error. Series moved to the secondary axis always
// use a linear right-hand scale. Non-finite coordinates are never plotted.
class SeriesPlot : public QWidget {
  Q_OBJECT

 public:
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
  // Points actually plotted, i.e. without those a log axis or non-finite values left out.
  int pointCount(int series) const;

  // Plots the series against a linear right-hand y axis; all such series share that axis.
  void setSecondaryAxis(int series, const QString& label);

  QChart* chart() const;
  QChartView* chartView() const { return view_; }

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
  };

  bool plottable(const Series& series, const QPointF& p) const;
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
  Extent x_, y_, secondary_;
  bool logarithmic_ = false;
  bool integerX_ = false;
  bool integerY_ = false;
};

}  // namespace bilevel::widgets
