// The Filters page of a filter-bank model (issue 11 §3): shown for Fields of Experts with the
// learned filters of the last step and its penalty, hidden for models without filters.
#include <QSignalSpy>
#include <QTabWidget>
#include <QtTest>
#include <algorithm>
#include <numeric>

#include "StudioTestSupport.h"
#include "app/studio/MainWindow.h"
#include "app/studio/StatusReport.h"
#include "app/studio/WindowLayout.h"
#include "widgets/FilterBankView.h"
#include "widgets/LearnedFiltersPanel.h"
#include "widgets/SeriesPlot.h"

using namespace bilevel;
using studio::MainWindow;
using namespace studio::test;

namespace {

// A small bank on a small image: a learning step takes well under a second.
Configuration smallFieldsOfExperts() {
  Configuration c = presetOn("benchmark:32", "foe-24x5-denoise");
  c.merge({{"model", {{"filters", 6}, {"filter_size", 3}}}}, "test");
  return c;
}

bool applyAndWait(MainWindow& window, const Configuration& configuration) {
  QSignalSpy preview(&window, &MainWindow::previewShown);
  window.applyConfiguration(configuration);
  return waitFor(preview);
}

}  // namespace

class FiltersPageTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { isolateSettings(QStringLiteral("BilevelFiltersPageTest")); }

  void theFiltersOfTheLastStepShowForAFilterBankOnly() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(applyAndWait(window, presetOn("benchmark:32")));
    auto* page = window.filtersPanel();
    QVERIFY(!window.windowLayout()->pageVisible(page));

    QVERIFY(applyAndWait(window, smallFieldsOfExperts()));
    QTRY_VERIFY_WITH_TIMEOUT(window.windowLayout()->pageVisible(page), kTimeoutMs);
    QCOMPARE(page->bank()->filterCount(), 6);
    QCOMPARE(page->penalty(), std::optional(PenaltyKind::StudentT));
    QCOMPARE(page->penaltyPlot()->seriesCount(), 2);

    QVERIFY(learnAndWait(window, 2));
    // The tiles are the bank of the θ the run reached: ν of each is θ's first block.
    const Vector& theta = window.history().back().parameters;
    QTRY_COMPARE_WITH_TIMEOUT(page->bank()->filterCount(), 6, kTimeoutMs);
    window.showAnalysisPage(page);
    page->resize(600, 600);
    for (int k = 0; k < 6; ++k) {
      const QRect tile = page->bank()->tileRect(k);
      QVERIFY(!tile.isEmpty());
      QCOMPARE(page->bank()->filterAt(tile.center()), k);
    }
    std::vector<double> weights(theta.data(), theta.data() + 6);
    std::vector<int> expected(6);
    std::iota(expected.begin(), expected.end(), 0);
    std::stable_sort(expected.begin(), expected.end(),
                     [&](int a, int b) { return weights[a] > weights[b]; });
    QCOMPARE(page->bank()->displayOrder(), expected);
    QVERIFY2(window.statusReport()->summary().startsWith(QStringLiteral("ν median ")),
             qPrintable(window.statusReport()->summary()));

    // Back to a model without filters: the page goes.
    QVERIFY(applyAndWait(window, presetOn("benchmark:32")));
    QTRY_VERIFY_WITH_TIMEOUT(!window.windowLayout()->pageVisible(page), kTimeoutMs);
    QCOMPARE(page->bank()->filterCount(), 0);
  }
};

QTEST_MAIN(FiltersPageTest)
#include "tst_filters_page.moc"
