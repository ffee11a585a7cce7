// Issue 10 §6 through the window: diagnostics computed for one configuration and θ are marked
// stale ("stale: configuration changed", greyed) after a slider move, fresh again when Ctrl+Z
// returns to their settings, and stale ("θ changed") after learning moved θ. Before the
// DiagnosticsController they stayed as they were, unmarked.

#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/MainWindow.h"
#include "image/BenchmarkImage.h"
#include "image/ImageIO.h"
#include "widgets/DiagnosticsPanel.h"
#include "widgets/ParameterPanel.h"

using namespace bilevel;
using studio::MainWindow;

namespace {

constexpr int kTimeoutMs = 120000;

bool waitFor(QSignalSpy& spy, int count = 1) {
  while (spy.count() < count) {
    if (!spy.wait(kTimeoutMs)) return false;
  }
  return true;
}

// The preview of the document's current state; later previews supersede earlier ones.
bool settle(MainWindow& window) {
  QSignalSpy preview(&window, &MainWindow::previewShown);
  if (!waitFor(preview)) return false;
  while (preview.wait(300)) {
  }
  return window.activity() == MainWindow::Activity::Idle;
}

}  // namespace

class TestDiagnosticsController : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("BilevelStudioDiagnosticsTest"));
    QVERIFY(dir_.isValid());
    image_ = dir_.filePath(QStringLiteral("diagnostics.png"));
    writeImage(benchmarkImage(24), image_.toStdString(), 8);
  }

  void resultsAreMarkedStaleWhenTheConfigurationOrThetaChanges() {
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy preview(&window, &MainWindow::previewShown);
    window.openImage(image_);
    QVERIFY(waitFor(preview));

    widgets::DiagnosticsPanel* panel = window.diagnosticsPanel();
    QSignalSpy diagnosed(&window, &MainWindow::diagnosticsFinished);
    window.runDiagnostics();
    QVERIFY(waitFor(diagnosed));
    QCOMPARE(diagnosed.front().front().toString(), QStringLiteral("done"));
    QVERIFY(panel->rowCount() > 0);
    QVERIFY(!panel->isStale());

    // A slider move: other settings than the results'.
    auto* slider = window.parameterPanel()->findChild<QSlider*>();
    QVERIFY(slider);
    slider->setValue(slider->value() + 12);
    emit slider->sliderReleased();
    QVERIFY(settle(window));
    QVERIFY(panel->isStale());
    QCOMPARE(panel->staleText(), QStringLiteral("stale: configuration changed"));

    // Undo: the results' settings again.
    window.undo();
    QVERIFY(settle(window));
    QVERIFY2(!panel->isStale(), qPrintable(panel->staleText()));

    // Learning moves θ.
    QSignalSpy finished(&window, &MainWindow::learningFinished);
    window.learnSteps(2);
    QVERIFY(waitFor(finished));
    QVERIFY(panel->isStale());
    QCOMPARE(panel->staleText(), QStringLiteral("stale: θ changed"));

    // A new run is fresh.
    diagnosed.clear();
    window.runDiagnostics();
    QVERIFY(waitFor(diagnosed));
    QVERIFY(!panel->isStale());
  }

 private:
  QTemporaryDir dir_;
  QString image_;
};

QTEST_MAIN(TestDiagnosticsController)
#include "tst_diagnostics_controller.moc"
