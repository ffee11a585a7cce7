// Issue 10 §7 and File > New: the window at 1024×700 (it kept a minimum of 1091×528 and cut the
// plots), every image view re-fitted after a resize (only one did), exports that add the chosen
// filter's extension and suggest "<image>-<view>" (OpenCV's internal error for a name without
// one; no name suggested), Save dialogs that start in the last folder saved to and never in the
// sample folder an image was opened from, Ctrl+N asking to save before a fresh document, and the
// docks that collapse into one column rather than squeeze the images at 1024×700.

#include <QDir>
#include <QDockWidget>
#include <QFileInfo>

#include "StudioTestSupport.h"
#include "app/studio/FileActions.h"
#include "app/studio/StudioDocument.h"
#include "config/Configuration.h"
#include "widgets/DiagnosticsPanel.h"
#include "widgets/ImageView.h"

using namespace bilevel;
using studio::FileActions;
using studio::MainWindow;
using namespace studio::test;

class TestSmallScreen : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    isolateSettings(QStringLiteral("BilevelStudioSmallScreenTest"));
    QVERIFY(dir_.isValid());
    image_ = writeBenchmarkPng(dir_, 32, QStringLiteral("small.png"));
  }
  void cleanup() {
    FileActions::setSaveDialog({});
    MainWindow::setPromptAnswer({});
  }

  void theWindowFitsAt1024x700AndEveryViewReFits() {
    MainWindow window;
    window.resize(1024, 700);
    QVERIFY(showAndWait(window));
    QVERIFY(openAndWait(window, image_));
    QVERIFY(learnAndWait(window, 1));  // the derived views get their pictures
    QTest::qWait(50);
    const QSize minimum = window.minimumSizeHint();
    QVERIFY2(
        minimum.width() <= 1024 && minimum.height() <= 700,
        qPrintable(QStringLiteral("minimum %1×%2").arg(minimum.width()).arg(minimum.height())));
    QCOMPARE(window.size(), QSize(1024, 700));

    // Every view with an image follows the window's size, not only the one that was fitted.
    window.fitViews();
    window.resize(1300, 850);
    QTest::qWait(50);
    window.resize(1024, 700);
    QTest::qWait(50);
    int views = 0;
    for (widgets::ImageView* view : window.findChildren<widgets::ImageView*>()) {
      if (!view->hasImage() || !view->isVisible() || view->parent() == nullptr) continue;
      if (view->window() != &window || !window.centralWidget()->isAncestorOf(view)) continue;
      ++views;
      const QRectF area = view->imageArea();
      const double fit =
          std::min(area.width() / view->image().cols, area.height() / view->image().rows);
      QVERIFY2(view->isFitted(), qPrintable(view->title()));
      QVERIFY2(std::abs(view->zoom() - fit) <= 1e-9 * fit, qPrintable(view->title()));
    }
    QVERIFY(views >= 5);
  }

  // Below the width where both docks fit beside the images, the Analysis dock becomes a tab of the
  // Parameters dock (one column) instead of squeezing the images; wider again, it goes back to
  // the right. Showing an analysis page brings its tab to the front.
  void theDocksCollapseIntoOneColumnWhenNarrow() {
    MainWindow window;
    window.resize(1600, 1000);
    QVERIFY(showAndWait(window));
    auto* parameters = window.findChild<QDockWidget*>(QStringLiteral("ParametersDock"));
    auto* analysis = window.findChild<QDockWidget*>(QStringLiteral("AnalysisDock"));
    QVERIFY(parameters && analysis);
    QVERIFY(window.tabifiedDockWidgets(analysis).isEmpty());
    QCOMPARE(window.dockWidgetArea(analysis), Qt::RightDockWidgetArea);

    window.resize(1024, 700);
    QTest::qWait(50);
    QVERIFY(window.tabifiedDockWidgets(analysis).contains(parameters));
    const int central = window.centralWidget()->width();
    QVERIFY2(central >= 1024 / 2, qPrintable(QStringLiteral("images %1 px wide").arg(central)));
    window.showAnalysisPage(window.diagnosticsPanel());
    QTest::qWait(20);
    QVERIFY(!analysis->visibleRegion().isEmpty());
    QVERIFY(parameters->visibleRegion().isEmpty());

    window.resize(1600, 1000);
    QTest::qWait(50);
    QVERIFY(window.tabifiedDockWidgets(analysis).isEmpty());
    QCOMPARE(window.dockWidgetArea(analysis), Qt::RightDockWidgetArea);
    QCOMPARE(window.dockWidgetArea(parameters), Qt::LeftDockWidgetArea);
    QVERIFY(!parameters->visibleRegion().isEmpty() && !analysis->visibleRegion().isEmpty());
  }

  void exportsSuggestANameAndAddTheChosenExtension() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    // Opened from the sample folder, whose folder the last open remembers.
    const QString sample = QDir(QString::fromStdString(sampleImageDirectory().string()))
                               .absoluteFilePath(QStringLiteral("shapes.png"));
    QVERIFY2(QFileInfo::exists(sample), qPrintable(sample));
    QVERIFY(openAndWait(window, sample));

    QString suggested;
    QString chosen = dir_.filePath(QStringLiteral("exported"));
    FileActions::setSaveDialog(
        [&](const QString&, const QString& start, const QString& filters, QString* selected) {
          suggested = start;
          *selected = filters.section(QStringLiteral(";;"), 1, 1);  // the second filter
          if (selected->isEmpty()) *selected = filters;
          return chosen;
        });
    QVERIFY(action(window, "exportReconstructionAction"));
    action(window, "exportReconstructionAction")->trigger();
    // Never the sample folder; the image's name and the view's.
    const QString sampleFolder = QFileInfo(sample).absolutePath();
    QVERIFY2(QFileInfo(suggested).absolutePath() != sampleFolder, qPrintable(suggested));
    QCOMPARE(QFileInfo(suggested).fileName(), QStringLiteral("shapes-reconstruction.png"));
    QVERIFY2(window.lastError().isEmpty(), qPrintable(window.lastError()));
    QVERIFY(QFileInfo::exists(chosen + QStringLiteral(".tif")));  // the second filter's extension

    // The next dialog starts where the last export went.
    chosen = dir_.filePath(QStringLiteral("history"));
    action(window, "exportHistoryAction")->trigger();
    QCOMPARE(QFileInfo(suggested).absolutePath(), QFileInfo(dir_.path()).absoluteFilePath());
    QCOMPARE(QFileInfo(suggested).fileName(), QStringLiteral("shapes-history.csv"));
    QVERIFY(QFileInfo::exists(chosen + QStringLiteral(".csv")));

    // Without the dialog too: a name without an extension is a PNG, not OpenCV's error.
    QVERIFY(window.exportReconstruction(dir_.filePath(QStringLiteral("direct"))));
    QVERIFY(QFileInfo::exists(dir_.filePath(QStringLiteral("direct.png"))));

    QCOMPARE(FileActions::withExtension(QStringLiteral("/a.b/name"), QStringLiteral("SVG (*.svg)")),
             QStringLiteral("/a.b/name.svg"));
    QCOMPARE(FileActions::withExtension(QStringLiteral("name.png"), QStringLiteral("SVG (*.svg)")),
             QStringLiteral("name.png"));
  }

  void newAsksToSaveAndStartsAFreshDocument() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(openAndWait(window, image_));
    QVERIFY(learnAndWait(window, 1));
    QVERIFY(window.isWindowModified());
    QStringList asked;
    MainWindow::setPromptAnswer([&](const QString& question, QMessageBox::StandardButtons) {
      asked << question;
      return asked.size() == 1 ? QMessageBox::Cancel : QMessageBox::Discard;
    });
    QVERIFY(action(window, "newAction"));
    QCOMPARE(action(window, "newAction")->shortcut(), QKeySequence(QKeySequence::New));
    // Cancel keeps everything.
    action(window, "newAction")->trigger();
    QCOMPARE(asked.size(), 1);
    QVERIFY(window.history().size() == 2);
    // Discard: the default preset's document, no history, unmodified.
    QSignalSpy preview(&window, &MainWindow::previewShown);
    action(window, "newAction")->trigger();
    QCOMPARE(asked.size(), 2);
    QVERIFY(waitFor(preview));
    QVERIFY(window.history().empty());
    QCOMPARE(window.document()->presetName(), QStringLiteral("tv-denoise"));
    QVERIFY(!window.isWindowModified());
    QVERIFY(window.sessionPath().isEmpty());
  }

 private:
  QTemporaryDir dir_;
  QString image_;
};

QTEST_MAIN(TestSmallScreen)
#include "tst_small_screen.moc"
