#include <QtTest>
#include <cmath>
#include <limits>

#include "widgets/FilterBankView.h"
#include "widgets/LearnedFiltersPanel.h"
#include "widgets/SeriesPlot.h"

using namespace bilevel;
using namespace bilevel::widgets;

namespace {

// A kernel whose left half is −scale and right half +scale (a horizontal edge detector).
Image edgeKernel(int size, double scale) {
  Image kernel(size, size);
  for (int r = 0; r < size; ++r) {
    for (int c = 0; c < size; ++c)
      kernel.at(r, c) = c < size / 2 ? -scale : scale;
  }
  return kernel;
}

// The diverging map's ends are dark (RdBu): judge by which channel dominates.
bool reddish(QRgb pixel) {
  return qRed(pixel) > qBlue(pixel) + 40;
}
bool bluish(QRgb pixel) {
  return qBlue(pixel) > qRed(pixel) + 40;
}

}  // namespace

class FilterBankViewTest : public QObject {
  Q_OBJECT

 private slots:
  void tilesAreOrderedByWeightLargestFirst() {
    FilterBankView view;
    view.setFilters({{edgeKernel(5, 1.0), 0.5},
                     {edgeKernel(5, 1.0), 2.0},
                     {edgeKernel(5, 1.0), std::numeric_limits<double>::quiet_NaN()},
                     {edgeKernel(5, 1.0), 1.0}});
    QCOMPARE(view.displayOrder(), (std::vector<int>{1, 3, 0, 2}));
  }

  void theTileUnderAPointIsThatFilter() {
    FilterBankView view;
    view.setTileSize(30);
    std::vector<FilterTile> tiles;
    for (int k = 0; k < 10; ++k)
      tiles.push_back({edgeKernel(7, 1.0), 10.0 - k});
    view.setFilters(tiles);
    view.resize(4 * 36 + 6, view.heightForWidth(4 * 36 + 6));
    QCOMPARE(view.columnCount(), 4);
    for (int k = 0; k < 10; ++k) {
      const QRect tile = view.tileRect(k);
      QVERIFY(!tile.isEmpty());
      QCOMPARE(view.filterAt(tile.center()), k);
    }
    // Filter 5 is sixth by weight: second row, second column.
    QCOMPARE(view.tileRect(5).top(), view.tileRect(4).top());
    QVERIFY(view.tileRect(4).top() > view.tileRect(0).top());
    QCOMPARE(view.filterAt(QPoint(1, 1)), -1);
    QVERIFY(view.tileRect(10).isEmpty());
  }

  void aNarrowerBankIsTaller() {
    FilterBankView view;
    std::vector<FilterTile> tiles(24, FilterTile{edgeKernel(5, 1.0), 1.0});
    view.setFilters(tiles);
    view.setTileSize(40);  // fitted tiles grow with the width instead
    QVERIFY(view.hasHeightForWidth());
    const int wide = view.heightForWidth(800), narrow = view.heightForWidth(200);
    QVERIFY2(narrow > 2 * wide, qPrintable(QStringLiteral("%1 vs %2").arg(narrow).arg(wide)));
  }

  // Without a fixed size the tiles fit the width: about √(1.5 K) columns, within the bounds.
  void tilesFitTheWidth() {
    FilterBankView view;
    view.setFilters(std::vector<FilterTile>(24, FilterTile{edgeKernel(5, 1.0), 1.0}));
    view.resize(600, view.heightForWidth(600));
    QCOMPARE(view.columnCount(), 6);
    QVERIFY2(view.tileSize() > 80 && view.tileSize() <= FilterBankView::kMaximumTile,
             qPrintable(QString::number(view.tileSize())));
    view.resize(120, view.heightForWidth(120));
    QCOMPARE(view.tileSize(), FilterBankView::kMinimumTile);
    QVERIFY(view.columnCount() >= 1);
    view.resize(4000, view.heightForWidth(4000));
    QCOMPARE(view.tileSize(), FilterBankView::kMaximumTile);
  }

  // Each tile has its own range symmetric about 0, so a weak filter is drawn as strongly as a
  // strong one: negative taps blue, positive red, whatever the scale.
  void everyFilterIsDrawnOnItsOwnSymmetricRange() {
    FilterBankView view;
    view.setTileSize(35);
    view.setFilters({{edgeKernel(7, 1.0), 2.0}, {edgeKernel(7, 1e-3), 1.0}});
    view.resize(200, view.heightForWidth(200));
    const QImage picture = view.grab().toImage();
    for (int k = 0; k < 2; ++k) {
      const QRect tile = view.tileRect(k);
      const QRgb left = picture.pixel(tile.left() + 3, tile.center().y());
      const QRgb right = picture.pixel(tile.right() - 3, tile.center().y());
      QVERIFY2(bluish(left),
               qPrintable(QStringLiteral("filter %1 left %2").arg(k).arg(left, 0, 16)));
      QVERIFY2(reddish(right),
               qPrintable(QStringLiteral("filter %1 right %2").arg(k).arg(right, 0, 16)));
    }
  }

  void anEmptyBankDrawsWithoutTiles() {
    FilterBankView view;
    view.setFilters({{edgeKernel(3, 1.0), 1.0}});
    view.clear();
    QCOMPARE(view.filterCount(), 0);
    QCOMPARE(view.filterAt(QPoint(10, 10)), -1);
    view.resize(100, 100);
    QVERIFY(!view.grab().isNull());
  }

  // The panel shows the model's filters and the curves of its penalty; without filters it says so
  // and hides the curves.
  void thePanelShowsTheBankAndThePenalty() {
    LearnedFiltersPanel panel;
    std::vector<LearnedFilter> filters(3);
    for (int k = 0; k < 3; ++k) {
      filters[k].rows = filters[k].cols = 5;
      filters[k].kernel = edgeKernel(5, 1.0 + k).pixels;
      filters[k].weight = 0.1 * (k + 1);
    }
    panel.setFilters(filters, PenaltyKind::StudentT);
    QCOMPARE(panel.bank()->filterCount(), 3);
    QCOMPARE(panel.bank()->displayOrder(), (std::vector<int>{2, 1, 0}));
    QCOMPARE(panel.penaltyPlot()->seriesCount(), 2);
    QCOMPARE(panel.penaltyPlot()->dataCount(0), LearnedFiltersPanel::kCurvePoints);
    QVERIFY(!panel.penaltyPlot()->isHidden());
    panel.setFilters(filters, PenaltyKind::Charbonnier);
    QCOMPARE(panel.penalty(), std::optional(PenaltyKind::Charbonnier));
    panel.setFilters({}, std::nullopt);
    QCOMPARE(panel.bank()->filterCount(), 0);
    QVERIFY(panel.penaltyPlot()->isHidden());
  }
};

QTEST_MAIN(FilterBankViewTest)
#include "tst_filter_bank_view.moc"
