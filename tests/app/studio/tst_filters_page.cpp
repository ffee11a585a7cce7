// The Filters page of a filter-bank model (issue 11 §3): shown for Fields of Experts with the
// learned filters of the last step and its penalty, hidden for models without filters.
#include <QFile>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>
#include <algorithm>
#include <fstream>
#include <numeric>

#include "StudioTestSupport.h"
#include "app/studio/MainWindow.h"
#include "app/studio/StatusReport.h"
#include "app/studio/WindowLayout.h"
#include "learning/LearnedModel.h"
#include "models/FieldsOfExperts.h"
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

// A learned model file as bilevel-cli train writes it: `configuration`'s model with θ.
QString writeLearnedModel(const QTemporaryDir& dir, const QString& name,
                          const Configuration& configuration, const LowerLevel& model,
                          const Vector& theta) {
  const QString path = dir.filePath(name);
  std::ofstream(path.toStdString())
      << learnedModelJson(configuration, model, theta, {{"steps", 3}}).dump(1);
  return path;
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

  // File › Apply Learned Model: the file's model and θ replace the document's as one undoable
  // edit; the preview shows that θ (a filter bank on the Filters page); a file that is not a
  // learned model changes nothing and says why.
  void aLearnedModelAppliesToTheOpenImageAndUndoes() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(applyAndWait(window, presetOn("benchmark:32")));
    const std::string modelBefore = window.configuration().json()["model"]["type"];

    const Configuration foeConfiguration = smallFieldsOfExperts();
    FieldsOfExperts::Options options;
    options.filters = 6;
    options.filterSize = 3;
    const FieldsOfExperts foe(Image(32, 32), options);
    Vector theta = foe.defaultParameters();
    theta.head(6) << 0.001, 0.002, 0.003, 0.004, 0.005, 0.006;
    const QString path =
        writeLearnedModel(dir, QStringLiteral("model.json"), foeConfiguration, foe, theta);
    QSignalSpy preview(&window, &MainWindow::previewShown);
    QVERIFY(window.applyLearnedModel(path));
    QVERIFY(waitFor(preview));
    QCOMPARE(window.configuration().json()["model"]["type"].get<std::string>(), "foe");
    QCOMPARE(window.configuration().json()["model"]["filters"].get<int>(), 6);
    QCOMPARE(window.document()->startParameters(), theta);
    auto* page = window.filtersPanel();
    QTRY_VERIFY_WITH_TIMEOUT(window.windowLayout()->pageVisible(page), kTimeoutMs);
    // The bank shown is the file's: the largest ν first.
    QTRY_COMPARE_WITH_TIMEOUT(page->bank()->displayOrder(), (std::vector<int>{5, 4, 3, 2, 1, 0}),
                              kTimeoutMs);

    window.document()->undoStack()->undo();
    QVERIFY(settle(window));
    QCOMPARE(window.configuration().json()["model"]["type"].get<std::string>(), modelBefore);
    QCOMPARE(window.document()->startParameters().size(), Eigen::Index(0));
    QTRY_VERIFY_WITH_TIMEOUT(!window.windowLayout()->pageVisible(page), kTimeoutMs);

    // Export › Learned Model writes what Apply reads: the same model and θ come back.
    QVERIFY(learnAndWait(window, 1));
    const Vector learned = window.parameters();
    QVERIFY(learned.size() > 0);
    const QString exported = dir.filePath(QStringLiteral("exported"));  // .json is added
    QVERIFY(window.exportLearnedModel(exported));
    const LearnedModel reread = readLearnedModel((exported + ".json").toStdString());
    QCOMPARE(reread.theta, learned);
    QCOMPARE(reread.model["type"].get<std::string>(), modelBefore);
    QCOMPARE(reread.training["source"].get<std::string>(), "bilevel-studio");

    // Not a learned model: an error naming the file, nothing changed.
    const QString bad = dir.filePath(QStringLiteral("notes.json"));
    {
      QFile file(bad);
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.write(R"({"format": "something else"})");
    }
    const int undoSteps = window.document()->undoStack()->count();
    QVERIFY(!window.applyLearnedModel(bad));
    QVERIFY2(window.lastError().contains(QStringLiteral("notes.json")),
             qPrintable(window.lastError()));
    if (auto* dialog = window.findChild<QMessageBox*>(QStringLiteral("errorDialog")))
      dialog->accept();
    QCOMPARE(window.document()->undoStack()->count(), undoSteps);
    QCOMPARE(window.configuration().json()["model"]["type"].get<std::string>(), modelBefore);
  }
};

QTEST_MAIN(FiltersPageTest)
#include "tst_filters_page.moc"
