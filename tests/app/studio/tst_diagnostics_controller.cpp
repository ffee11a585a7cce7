// Issue 10 §6 through the window: diagnostics computed for one configuration and θ are marked
// stale ("stale: configuration changed", greyed) after a slider move, fresh again when Ctrl+Z
// returns to their settings, and stale ("θ changed") after learning moved θ. Before the
// DiagnosticsController they stayed as they were, unmarked.

#include <QSlider>

#include "StudioTestSupport.h"
#include "widgets/DiagnosticsPanel.h"
#include "widgets/ParameterPanel.h"

using namespace bilevel;
using studio::MainWindow;
using namespace studio::test;

class TestDiagnosticsController : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    isolateSettings(QStringLiteral("BilevelStudioDiagnosticsTest"));
    QVERIFY(dir_.isValid());
    image_ = writeBenchmarkPng(dir_, 24, QStringLiteral("diagnostics.png"));
  }

  void resultsAreMarkedStaleWhenTheConfigurationOrThetaChanges() {
    MainWindow window;
    QVERIFY(showAndWait(window));
    QVERIFY(openAndWait(window, image_));

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
    QVERIFY(learnAndWait(window, 2));
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
