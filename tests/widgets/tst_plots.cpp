#include <QChart>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLogValueAxis>
#include <QTemporaryDir>
#include <QValueAxis>
#include <QXYSeries>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <limits>

#include "widgets/LearningPlots.h"
#include "widgets/SeriesPlot.h"

using namespace bilevel;
using bilevel::widgets::LearningPlots;
using bilevel::widgets::SeriesPlot;

namespace {

QXYSeries* seriesOf(const SeriesPlot* plot, int index) {
  const QList<QAbstractSeries*> all = plot->chart()->series();
  if (index < 0 || index >= all.size()) return nullptr;
  return qobject_cast<QXYSeries*>(all[index]);
}

QStringList seriesNames(const SeriesPlot* plot) {
  QStringList names;
  for (QAbstractSeries* s : plot->chart()->series())
    names << s->name();
  return names;
}

// A plausible run: falling loss, rising PSNR, and a zero hypergradient norm at iteration 0 as a
// session reports it before the first gradient exists.
Snapshot snapshot(int iteration, Vector parameters) {
  Snapshot s;
  s.iteration = iteration;
  s.outerLoss = 10.0 * std::exp(-0.2 * iteration) + 0.5;
  s.psnr = 22.0 + 6.0 * (1.0 - std::exp(-0.15 * iteration));
  s.hypergradientNorm = iteration == 0 ? 0.0 : 3.0 * std::pow(0.7, iteration);
  s.innerIterations = 40 + 7 * (iteration % 5);
  s.parameters = std::move(parameters);
  return s;
}

Vector scalar(double value) {
  return Vector::Constant(1, value);
}

// 64 distinct values −20 … 43 in scrambled order (37 is coprime to 64).
Vector parameterMap() {
  Vector theta(64);
  for (int j = 0; j < 64; ++j)
    theta[j] = (j * 37) % 64 - 20.0;
  return theta;
}

int filesIn(const QString& dir) {
  return static_cast<int>(QDir(dir).entryList(QDir::Files | QDir::Hidden).size());
}

QList<QPointF> pointsOf(const SeriesPlot* plot, int index) {
  QXYSeries* series = seriesOf(plot, index);
  return series ? series->points() : QList<QPointF>();
}

// A noisy decay with one spike up and one down far beyond the noise, at given steps.
std::vector<QPointF> spikyRun(int n, int up, int down) {
  std::vector<QPointF> points;
  for (int i = 0; i < n; ++i) {
    double y = 2.0 + std::exp(-1e-3 * i) + 0.1 * std::sin(0.7 * i) * std::cos(0.13 * i);
    if (i == up) y = 50.0;
    if (i == down) y = 0.01;
    points.emplace_back(i, y);
  }
  return points;
}

// What a decimated series must satisfy, whatever the buckets: every plotted point is one of the
// data, in their order; the first and the last data point and the extremes are among them.
void verifyEnvelope(const QList<QPointF>& shown, const std::vector<QPointF>& data) {
  QVERIFY(!shown.isEmpty());
  QCOMPARE(shown.front(), data.front());
  QCOMPARE(shown.back(), data.back());
  std::size_t next = 0;
  for (const QPointF& p : shown) {
    while (next < data.size() && data[next] != p)
      ++next;
    QVERIFY2(
        next < data.size(),
        qPrintable(QStringLiteral("(%1, %2) is not a data point in order").arg(p.x()).arg(p.y())));
    ++next;
  }
  const auto [low, high] = std::minmax_element(
      data.begin(), data.end(), [](const QPointF& a, const QPointF& b) { return a.y() < b.y(); });
  QVERIFY(shown.contains(*low));
  QVERIFY(shown.contains(*high));
}

// Points plotted for n data: 2 per bucket (at most kMaxBuckets of them before the last) and the
// first point, and the last bucket's points as they are.
int decimationBound(int n) {
  int bucket = 1;
  while ((n - 1) / bucket > SeriesPlot::kMaxBuckets)
    bucket *= 2;
  return 2 * SeriesPlot::kMaxBuckets + 1 + bucket;
}

}  // namespace

class TestPlots : public QObject {
  Q_OBJECT

 private slots:
  // A log axis over many decades must place a value where its label says, whatever base the
  // axis picks to keep the labels readable.
  void logAxisPlacesValuesAtTheirDecade() {
    for (double low : {1e-6, 1e-12, 1e-22, 1e-40}) {
      SeriesPlot plot("t", "x", "y");
      plot.setLogarithmicY(true);
      plot.resize(400, 300);
      const int s = plot.addSeries("s");
      plot.append(s, 0, 1.0);
      plot.append(s, 1, low);
      plot.append(s, 2, 1e-3);
      plot.show();
      QCoreApplication::processEvents();
      QChart* chart = plot.chart();
      auto* series = chart->series().front();
      const double top = chart->mapToPosition(QPointF(0, 1.0), series).y();
      const double bottom = chart->mapToPosition(QPointF(1, low), series).y();
      const double middle = chart->mapToPosition(QPointF(2, 1e-3), series).y();
      // 1e-3 lies 3/|log10 low| of the way from 1 down to `low`.
      const double fraction = (middle - top) / (bottom - top);
      QVERIFY2(std::abs(fraction - 3.0 / -std::log10(low)) < 0.01,
               qPrintable(QStringLiteral("low %1: fraction %2").arg(low).arg(fraction)));
      auto* axis = qobject_cast<QLogValueAxis*>(chart->axes(Qt::Vertical).value(0));
      QVERIFY(axis);
      QVERIFY(axis->min() <= low && axis->max() >= 1.0);
    }
  }

  void snapshotsBecomePointsOfEveryChart() {
    LearningPlots plots;
    const int n = 12;
    for (int i = 0; i < n; ++i)
      plots.addSnapshot(snapshot(i, scalar(0.1 + 0.01 * i)));
    QCOMPARE(plots.pointCount(), n);

    QXYSeries* loss = seriesOf(plots.lossPlot(), 0);
    QXYSeries* psnr = seriesOf(plots.lossPlot(), 1);
    QVERIFY(loss && psnr);
    QCOMPARE(loss->count(), n);
    QCOMPARE(psnr->count(), n);
    QCOMPARE(loss->at(3), QPointF(3, snapshot(3, {}).outerLoss));
    QCOMPARE(psnr->at(n - 1), QPointF(n - 1, snapshot(n - 1, {}).psnr));

    // The zero norm of iteration 0 cannot be shown on the log axis.
    QXYSeries* norm = seriesOf(plots.hypergradientPlot(), 0);
    QVERIFY(norm);
    QCOMPARE(norm->count(), n - 1);
    QCOMPARE(norm->at(0).x(), 1.0);

    QXYSeries* inner = seriesOf(plots.innerIterationPlot(), 0);
    QVERIFY(inner);
    QCOMPARE(inner->count(), n);
    QCOMPARE(inner->at(4).y(), 40.0 + 7 * 4);

    QCOMPARE(seriesNames(plots.parameterPlot()), QStringList{"λ"});
    QXYSeries* lambda = seriesOf(plots.parameterPlot(), 0);
    QVERIFY(lambda);
    QCOMPARE(lambda->count(), n);
    QCOMPARE(lambda->at(5), QPointF(5, 0.15));
  }

  // Issue 10 §7: a narrow chart lists its legend on the right instead of cutting names to "θ…";
  // a wide one keeps it below.
  void aLegendThatDoesNotFitInARowMovesToTheRight() {
    SeriesPlot plot(QStringLiteral("θ"), QStringLiteral("outer iteration"), QStringLiteral("θ"));
    for (const char* name : {"min", "median", "max", "θ[0]", "θ[32]", "θ[63]"})
      plot.addSeries(QString::fromUtf8(name));
    plot.resize(270, 200);
    plot.show();
    QCoreApplication::processEvents();
    QCOMPARE(plot.legendAlignment(), Qt::Alignment(Qt::AlignRight));
    plot.resize(900, 300);
    QCoreApplication::processEvents();
    QCOMPARE(plot.legendAlignment(), Qt::Alignment(Qt::AlignBottom));
    // A longer name set later is measured too.
    for (int j = 0; j < 3; ++j)
      plot.setSeriesName(j,
                         QStringLiteral("statistic %1 over all 64 parameters of the map").arg(j));
    QCOMPARE(plot.legendAlignment(), Qt::Alignment(Qt::AlignRight));
  }

  void psnrUsesTheRightHandAxis() {
    LearningPlots plots;
    for (int i = 0; i < 3; ++i)
      plots.addSnapshot(snapshot(i, scalar(1.0)));
    QXYSeries* psnr = seriesOf(plots.lossPlot(), 1);
    QXYSeries* loss = seriesOf(plots.lossPlot(), 0);
    const auto vertical = [](QXYSeries* s) {
      for (QAbstractAxis* axis : s->attachedAxes()) {
        if (axis->orientation() == Qt::Vertical) return axis;
      }
      return static_cast<QAbstractAxis*>(nullptr);
    };
    QVERIFY(vertical(psnr) && vertical(loss));
    QCOMPARE(vertical(psnr)->alignment(), Qt::AlignRight);
    QCOMPARE(vertical(loss)->alignment(), Qt::AlignLeft);
    QCOMPARE(vertical(loss)->type(), QAbstractAxis::AxisTypeLogValue);
    auto* right = qobject_cast<QValueAxis*>(vertical(psnr));
    QVERIFY(right);
    QVERIFY(right->min() <= snapshot(0, {}).psnr && right->max() >= snapshot(2, {}).psnr);
  }

  void logAxisLeavesOutZeroAndNegativeValues() {
    SeriesPlot plot("t", "x", "y");
    plot.setLogarithmicY(true);
    const int s = plot.addSeries("s");
    plot.append(s, 0, 1.0);
    plot.append(s, 1, 0.0);
    plot.append(s, 2, -3.0);
    plot.append(s, 3, 250.0);
    plot.append(s, 4, std::nan(""));
    plot.append(s, 5, 0.02);
    QCOMPARE(plot.pointCount(s), 3);
    QCOMPARE(seriesOf(&plot, s)->at(1), QPointF(3, 250.0));
    auto* axis = qobject_cast<QLogValueAxis*>(plot.chart()->axes(Qt::Vertical).value(0));
    QVERIFY(axis);
    QVERIFY(axis->min() > 0.0);
    QVERIFY(axis->min() <= 0.02 && axis->max() >= 250.0);

    // The left-out points return on a linear axis and leave again on a log one.
    plot.setLogarithmicY(false);
    QCOMPARE(plot.pointCount(s), 5);
    auto* linear = qobject_cast<QValueAxis*>(plot.chart()->axes(Qt::Vertical).value(0));
    QVERIFY(linear);
    QVERIFY(linear->min() <= -3.0 && linear->max() >= 250.0);
    plot.setLogarithmicY(true);
    QCOMPARE(plot.pointCount(s), 3);

    // All points non-positive: nothing plotted and nothing breaks.
    plot.setPoints(s, {{0, 0.0}, {1, -1.0}});
    QCOMPARE(plot.pointCount(s), 0);
  }

  void axesFollowTheData() {
    SeriesPlot plot("t", "x", "y");
    plot.setIntegerX(true);
    const int s = plot.addSeries("s");
    for (int i = 0; i <= 30; ++i)
      plot.append(s, i, 5.0 + i);
    auto* x = qobject_cast<QValueAxis*>(plot.chart()->axes(Qt::Horizontal).value(0));
    auto* y = qobject_cast<QValueAxis*>(plot.chart()->axes(Qt::Vertical).value(0));
    QVERIFY(x && y);
    // Iteration axes keep up to a quarter of headroom (rounded to a tick) so that most new points
    // do not re-lay out the chart.
    QVERIFY2(x->min() <= 0.0 && x->min() >= -1.0 && x->max() >= 30.0 && x->max() <= 42.0,
             qPrintable(QStringLiteral("x range [%1, %2]").arg(x->min()).arg(x->max())));
    const double shownMax = x->max();
    plot.append(s, 31, 36.0);
    QCOMPARE(x->max(), shownMax);
    QVERIFY(y->min() <= 5.0 && y->max() >= 35.0 && y->max() <= 40.0);
    QCOMPARE(x->tickInterval(), std::round(x->tickInterval()));  // whole iterations
    plot.clear();
    QCOMPARE(plot.chart()->series().size(), 1);
    QCOMPARE(plot.pointCount(s), 0);
    plot.append(s, 100, 1.0);
    QVERIFY(x->min() <= 100.0 && x->max() >= 100.0);
  }

  // A long run is plotted as the lows and highs of buckets of steps: the count stays bounded at
  // every step (the memory of the chart with it), the spikes and the ends stay, and the live plot
  // shows exactly what setPoints shows for the same data (a reopened session).
  void longSeriesArePlottedAsTheirEnvelope() {
    const int n = 20 * SeriesPlot::kMaxBuckets + 7;
    const std::vector<QPointF> data = spikyRun(n, 3 * SeriesPlot::kMaxBuckets + 5, n - 40);
    SeriesPlot live("t", "x", "y");
    const int s = live.addSeries("s");
    int largest = 0;
    for (int i = 0; i < n; ++i) {
      live.append(s, data[i].x(), data[i].y());
      largest = std::max(largest, live.pointCount(s));
      QVERIFY2(live.pointCount(s) <= decimationBound(i + 1),
               qPrintable(
                   QStringLiteral("%1 points plotted for %2").arg(live.pointCount(s)).arg(i + 1)));
    }
    QCOMPARE(live.dataCount(s), n);
    // Bounded, and still about one bucket per pixel column of a wide plot.
    QVERIFY2(largest <= 2 * SeriesPlot::kMaxBuckets + 1 + 64, qPrintable(QString::number(largest)));
    QVERIFY2(live.pointCount(s) >= SeriesPlot::kMaxBuckets / 2,
             qPrintable(QString::number(live.pointCount(s))));
    verifyEnvelope(pointsOf(&live, s), data);

    SeriesPlot reopened("t", "x", "y");
    const int r = reopened.addSeries("r");
    reopened.setPoints(r, data);
    QCOMPARE(pointsOf(&reopened, r), pointsOf(&live, s));

    // The axes span all the data, spikes included.
    auto* y = qobject_cast<QValueAxis*>(live.chart()->axes(Qt::Vertical).value(0));
    QVERIFY(y && y->max() >= 50.0 && y->min() <= 0.01);

    // A short series again after clear(): every point plotted.
    live.clear();
    for (int i = 0; i < 10; ++i)
      live.append(s, i, 1.0 + i);
    QCOMPARE(live.pointCount(s), 10);
    QCOMPARE(live.dataCount(s), 10);
  }

  // Up to kMaxBuckets points nothing is left out; one more starts the decimation.
  void shortSeriesAreNotDecimated() {
    SeriesPlot plot("t", "x", "y");
    const int s = plot.addSeries("s");
    const std::vector<QPointF> data = spikyRun(SeriesPlot::kMaxBuckets + 1, 10, 20);
    for (const QPointF& p : data)
      plot.append(s, p.x(), p.y());
    QCOMPARE(plot.pointCount(s), SeriesPlot::kMaxBuckets + 1);
    QCOMPARE(pointsOf(&plot, s), QList<QPointF>(data.begin(), data.end()));
  }

  // Decimation looks only at what the axis can show: on a log axis no non-positive or non-finite
  // value is plotted even when a bucket is mostly made of them, and the extremes are those of the
  // positive values; a linear axis brings the negative ones back, decimated too.
  void decimationKeepsTheLogAxisAndNonFiniteRules() {
    const int n = 8 * SeriesPlot::kMaxBuckets;
    std::vector<QPointF> data;
    for (int i = 0; i < n; ++i) {
      double y = 1.0 + 0.5 * std::sin(0.01 * i);
      if (i % 3 == 1) y = -1.0 - 1e-4 * i;  // most negative at the end
      if (i % 7 == 2) y = std::nan("");
      if (i % 11 == 5) y = std::numeric_limits<double>::infinity();
      if (i == 1000) y = 1e-6;  // smallest positive
      if (i == n - 1) y = 2.0;
      data.emplace_back(i, y);
    }
    std::vector<QPointF> positive, finite;
    for (const QPointF& p : data) {
      if (std::isfinite(p.y())) finite.push_back(p);
      if (std::isfinite(p.y()) && p.y() > 0.0) positive.push_back(p);
    }
    for (const bool viaAppend : {true, false}) {
      SeriesPlot plot("t", "x", "y");
      plot.setLogarithmicY(true);
      const int s = plot.addSeries("s");
      if (viaAppend) {
        for (const QPointF& p : data)
          plot.append(s, p.x(), p.y());
      } else {
        plot.setPoints(s, data);
      }
      QVERIFY(plot.pointCount(s) <= decimationBound(n));
      const QList<QPointF> logShown = pointsOf(&plot, s);
      for (const QPointF& p : logShown)
        QVERIFY2(std::isfinite(p.y()) && p.y() > 0.0, qPrintable(QString::number(p.y())));
      verifyEnvelope(logShown, positive);

      plot.setLogarithmicY(false);
      QVERIFY(plot.pointCount(s) <= decimationBound(n));
      const QList<QPointF> linearShown = pointsOf(&plot, s);
      for (const QPointF& p : linearShown)
        QVERIFY(std::isfinite(p.y()));
      verifyEnvelope(linearShown, finite);

      plot.setLogarithmicY(true);
      QCOMPARE(pointsOf(&plot, s), logShown);
    }
  }

  // A series moved to the secondary axis is decimated like the others.
  void secondaryAxisSeriesAreDecimatedToo() {
    LearningPlots plots;
    const int n = 4 * SeriesPlot::kMaxBuckets + 3;
    for (int i = 0; i < n; ++i)
      plots.addSnapshot(snapshot(i, scalar(0.1 + 1e-4 * i)));
    QCOMPARE(plots.pointCount(), n);
    for (const SeriesPlot* plot : {plots.lossPlot(), plots.hypergradientPlot(),
                                   plots.parameterPlot(), plots.innerIterationPlot()}) {
      for (int k = 0; k < plot->seriesCount(); ++k) {
        QCOMPARE(plot->dataCount(k), n);
        QVERIFY2(plot->pointCount(k) <= decimationBound(n),
                 qPrintable(QStringLiteral("%1: %2 points")
                                .arg(plot->chart()->title())
                                .arg(plot->pointCount(k))));
      }
    }
    const QList<QPointF> psnr = pointsOf(plots.lossPlot(), 1);  // on the right-hand axis
    QCOMPARE(psnr.back(), QPointF(n - 1, snapshot(n - 1, {}).psnr));
    QCOMPARE(psnr.front(), QPointF(0, snapshot(0, {}).psnr));
  }

  void parameterMapsAreSummarised() {
    LearningPlots plots;
    const Vector theta = parameterMap();
    plots.addSnapshot(snapshot(0, theta));
    plots.addSnapshot(snapshot(1, 2.0 * theta));
    QCOMPARE(seriesNames(plots.parameterPlot()),
             (QStringList{"min", "median", "max", "θ[0]", "θ[32]", "θ[63]"}));
    const double expected[] = {-20.0, 11.5, 43.0, theta[0], theta[32], theta[63]};
    QCOMPARE(theta[0], -20.0);
    QCOMPARE(theta[32], 12.0);
    QCOMPARE(theta[63], 7.0);
    for (int k = 0; k < 6; ++k) {
      QXYSeries* s = seriesOf(plots.parameterPlot(), k);
      QVERIFY(s);
      QCOMPARE(s->count(), 2);
      QCOMPARE(s->at(0), QPointF(0, expected[k]));
      QCOMPARE(s->at(1), QPointF(1, 2.0 * expected[k]));
    }

    // Odd length: the median is the middle value itself.
    LearningPlots odd;
    Vector five(5);
    five << 4.0, -1.0, 9.0, 2.0, 7.0;
    odd.addSnapshot(snapshot(0, five));
    QCOMPARE(seriesOf(odd.parameterPlot(), 0)->at(0).y(), -1.0);
    QCOMPARE(seriesOf(odd.parameterPlot(), 1)->at(0).y(), 4.0);
    QCOMPARE(seriesOf(odd.parameterPlot(), 2)->at(0).y(), 9.0);
    QCOMPARE(seriesOf(odd.parameterPlot(), 4)->at(0).y(), 9.0);  // θ[2]
  }

  void fewParametersGetOneCurveEachWithTheirNames() {
    LearningPlots plots;
    plots.setParameterNames({"α", "β"});
    Vector theta(3);
    theta << 0.5, -2.0, 3.0;
    plots.addSnapshot(snapshot(0, theta));
    QCOMPARE(seriesNames(plots.parameterPlot()), (QStringList{"α", "β", "θ[2]"}));
    QCOMPARE(seriesOf(plots.parameterPlot(), 1)->at(0).y(), -2.0);
    plots.setParameterNames({"a", "b", "c"});
    QCOMPARE(seriesNames(plots.parameterPlot()), (QStringList{"a", "b", "c"}));
  }

  void setHistoryReplacesEverything() {
    LearningPlots plots;
    for (int i = 0; i < 5; ++i)
      plots.addSnapshot(snapshot(i, scalar(1.0 + i)));
    std::vector<Snapshot> history;
    for (int i = 0; i < 3; ++i)
      history.push_back(snapshot(10 + i, parameterMap()));
    plots.setHistory(history);
    QCOMPARE(plots.pointCount(), 3);
    QCOMPARE(seriesOf(plots.lossPlot(), 0)->count(), 3);
    QCOMPARE(seriesOf(plots.lossPlot(), 0)->at(0).x(), 10.0);
    QCOMPARE(seriesOf(plots.hypergradientPlot(), 0)->count(), 3);
    QCOMPARE(seriesOf(plots.innerIterationPlot(), 0)->count(), 3);
    QCOMPARE(plots.parameterPlot()->chart()->series().size(), 6);
    QCOMPARE(seriesOf(plots.parameterPlot(), 1)->count(), 3);
    QCOMPARE(seriesOf(plots.parameterPlot(), 1)->at(2), QPointF(12, 11.5));

    plots.setHistory({});
    QCOMPARE(plots.pointCount(), 0);
    QCOMPARE(seriesOf(plots.lossPlot(), 0)->count(), 0);
    QCOMPARE(plots.parameterPlot()->chart()->series().size(), 0);
    plots.addSnapshot(snapshot(0, scalar(2.0)));
    QCOMPARE(plots.pointCount(), 1);
    QCOMPARE(seriesNames(plots.parameterPlot()), QStringList{"λ"});
  }

  void exportPngHasTheFigureSize() {
    QTemporaryDir dir;
    LearningPlots plots;
    for (int i = 0; i < 20; ++i)
      plots.addSnapshot(snapshot(i, parameterMap() * (1.0 + 0.05 * i)));
    plots.setExportSize({1200, 800});
    const QString path = dir.filePath("plots.png");
    QString error;
    QVERIFY2(plots.exportPng(path, &error), qPrintable(error));
    QVERIFY(QFileInfo(path).size() > 1000);
    QImage image;
    QVERIFY(image.load(path, "PNG"));
    QCOMPARE(image.size(), QSize(1200, 800));
    // Something was drawn: the four charts differ from a blank background.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7) {
      for (int x = 0; x < image.width(); x += 7)
        colours.insert(image.pixel(x, y));
    }
    QVERIFY(colours.size() > 20);
    QCOMPARE(filesIn(dir.path()), 1);  // no temporary file left behind
  }

  void exportSvgContainsTheCharts() {
    QTemporaryDir dir;
    LearningPlots plots;
    for (int i = 0; i < 8; ++i)
      plots.addSnapshot(snapshot(i, scalar(0.1 * i)));
    const QString path = dir.filePath("plots.svg");
    QString error;
    QVERIFY2(plots.exportSvg(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray svg = file.readAll();
    QVERIFY(svg.startsWith("<?xml") || svg.startsWith("<svg"));
    QVERIFY(svg.contains("<svg"));
    for (const char* title :
         {"Outer loss and PSNR", "Hypergradient norm", "Lower-level iterations", "Parameters"}) {
      QVERIFY2(svg.contains(title), title);
    }
    QCOMPARE(filesIn(dir.path()), 1);
  }

  void exportLeavesTheWidgetAsItWas() {
    QTemporaryDir dir;
    LearningPlots plots;
    for (int i = 0; i < 6; ++i)
      plots.addSnapshot(snapshot(i, scalar(1.0)));
    plots.resize(900, 600);
    plots.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plots));
    QChart* chart = plots.lossPlot()->chart();
    const QRectF geometry = chart->geometry();
    const QRectF plotArea = chart->plotArea();
    QString error;
    QVERIFY2(plots.exportPng(dir.filePath("a.png"), &error), qPrintable(error));
    QCOMPARE(chart->geometry(), geometry);
    QCOMPARE(chart->plotArea(), plotArea);
  }

  void exportIntoAMissingDirectoryFailsAndNamesTheFile() {
    QTemporaryDir dir;
    LearningPlots plots;
    for (int i = 0; i < 3; ++i)
      plots.addSnapshot(snapshot(i, scalar(1.0)));
    for (const QString name : {"plots.png", "plots.svg"}) {
      const QString path = dir.filePath("missing/" + name);
      QString error;
      const bool written =
          name.endsWith(".png") ? plots.exportPng(path, &error) : plots.exportSvg(path, &error);
      QVERIFY(!written);
      QVERIFY2(error.contains(QDir::toNativeSeparators(path)), qPrintable(error));
      QVERIFY(!QFileInfo::exists(path));
    }
    QCOMPARE(filesIn(dir.path()), 0);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size(), 0);
  }
};

QTEST_MAIN(TestPlots)
#include "tst_plots.moc"
