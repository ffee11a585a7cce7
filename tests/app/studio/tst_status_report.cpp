// Issue 10 §5, honest progress: while a step runs the status bar shows the inner solve's iterations
// and residual against its tolerance and an estimate of the time left; a run ends with one plain
// summary line and its reason in words; the figures on the right do not outlive the settings,
// images or θ they were computed for. Before StatusReport the bar counted outer iterations only,
// said "Converged: no further decrease along the hypergradient", and kept the last run's PSNR
// after a slider move or another image.

#include <QRegularExpression>
#include <QSlider>
#include <QStatusBar>

#include "StudioTestSupport.h"
#include "app/studio/StatusReport.h"
#include "widgets/ParameterPanel.h"

using namespace bilevel;
using studio::MainWindow;
using studio::RunEnd;
using studio::StatusReport;
using namespace studio::test;

namespace {

Snapshot row(int iteration, double lambda, double psnr, double stepSeconds) {
  Snapshot s;
  s.iteration = iteration;
  s.parameters = Vector::Constant(1, lambda);
  s.psnr = psnr;
  s.stepSeconds = stepSeconds;
  return s;
}

}  // namespace

class TestStatusReport : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    isolateSettings(QStringLiteral("BilevelStudioStatusTest"));
    QVERIFY(dir_.isValid());
    image_ = writeBenchmarkPng(dir_, 40, QStringLiteral("status.png"));
    other_ = writeBenchmarkPng(dir_, 32, QStringLiteral("other.png"));
  }

  // During a step: the running loop's iteration, residual and tolerance, and the time left from
  // the run's step times; inside a long solve, from how fast its residual falls.
  void progressShowsTheInnerSolveAndTheTimeLeft() {
    QStatusBar bar;
    CancellationFlag::Progress progress{"inner solve", 800, 3.2e-7, 1e-8};
    StatusReport report(&bar, [&] { return progress; });
    report.beginRun(10, QStringLiteral("implicit-cg"));
    report.stepShown(row(0, 0.02, 23.2, 0.5), 0);  // the start's evaluation: not a step
    report.stepShown(row(1, 0.03, 25.0, 2.0), 1);
    report.stepShown(row(2, 0.04, 26.0, 2.0), 2);
    report.poll();
    const QString text = report.progressText();
    QVERIFY2(text.contains(QStringLiteral("step 3 of 10")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("inner solve 800 iterations")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("residual 3.2e-07 (tolerance 1e-08)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("left")), qPrintable(text));
    QCOMPARE(report.text(), text);
    // Seven steps after this one at the mean of 2 s, plus what is left of this one's 2 s.
    QVERIFY(report.secondsLeft());
    QVERIFY2(*report.secondsLeft() > 14.0 && *report.secondsLeft() <= 16.0,
             qPrintable(QString::number(*report.secondsLeft())));

    // A long solve: its residual fell two decades in ~0.3 s and has two to go, so this step has
    // ~0.3 s left, not the 1.7 s the mean step time would leave.
    progress = {"inner solve", 100, 1e-4, 1e-8};
    report.poll();
    QTest::qWait(300);
    progress = {"inner solve", 400, 1e-6, 1e-8};
    report.poll();
    QVERIFY(report.secondsLeft());
    QVERIFY2(*report.secondsLeft() > 14.1 && *report.secondsLeft() < 15.0,
             qPrintable(QString::number(*report.secondsLeft())));
  }

  // A loop of known length (unrolled's reverse pass) shows "n of N iterations" and, once it has
  // run a while, the time left from its own rate: 300 of 400 done in ~0.3 s leaves ~0.1 s.
  void aLoopOfKnownLengthShowsItsCountAndTimeLeft() {
    QStatusBar bar;
    CancellationFlag::Progress progress{"unrolled reverse pass", 0, 0.0, 0.0, 400};
    StatusReport report(&bar, [&] { return progress; });
    report.beginRun(1, QStringLiteral("unrolled"));
    report.stepShown(row(0, 0.02, 23.2, 0.5), 0);
    report.poll();
    QTest::qWait(300);
    progress.iteration = 300;
    report.poll();
    const QString text = report.progressText();
    QVERIFY2(text.contains(QStringLiteral("unrolled reverse pass 300 of 400 iterations")),
             qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("residual")), qPrintable(text));
    QVERIFY(report.secondsLeft());
    QVERIFY2(*report.secondsLeft() > 0.05 && *report.secondsLeft() < 0.5,
             qPrintable(QString::number(*report.secondsLeft())));
  }

  // A filter bank's summary names its first block by its symbol (ν), by the median of its
  // entries, with the filters' coefficients left out; small weights keep their digits.
  void summaryNamesTheFirstBlockOfTheLayout() {
    QStatusBar bar;
    StatusReport report(&bar, {});
    ParameterLayout layout;
    layout.add({.name = "nu", .symbol = "ν", .size = 3, .lower = 0.0, .positive = true});
    layout.add({.name = "filters", .symbol = "ϑ", .size = 6});
    report.setParameterLayout(layout);
    report.beginRun(5, QStringLiteral("implicit-cg"));
    StatusReport::RunOutcome outcome{RunEnd::Steps, {}};
    outcome.first = row(0, 0.0, 30.0, 0.1);
    outcome.first->parameters = Vector::Constant(9, 100.0);
    outcome.first->parameters.head(3) << 0.0025, 0.0025, 0.0025;
    outcome.last = row(5, 0.0, 31.6, 0.3);
    outcome.last->parameters = Vector::Constant(9, -100.0);
    outcome.last->parameters.head(3) << 0.002, 0.00312, 0.004;
    report.endRun(outcome);
    QVERIFY2(report.summary().startsWith(
                 QStringLiteral("ν median 0.0025 → 0.00312, PSNR 30.0 → 31.6 dB in 5 steps, ")),
             qPrintable(report.summary()));
  }

  // The end: "λ a → b, PSNR c → d dB in n steps, t", then why it ended, decided by the enum.
  void summaryLineAndReasonInWords() {
    QStatusBar bar;
    StatusReport report(&bar, {});
    report.beginRun(30, QStringLiteral("implicit-cg"));
    StatusReport::RunOutcome outcome{RunEnd::Converged,
                                     QStringLiteral("no further decrease along the hypergradient")};
    outcome.first = row(0, 0.02, 23.2, 0.1);
    outcome.last = row(8, 0.1216, 35.2, 0.3);
    report.endRun(outcome);
    QVERIFY2(report.summary().startsWith(
                 QStringLiteral("λ 0.0200 → 0.1216, PSNR 23.2 → 35.2 dB in 8 steps, ")),
             qPrintable(report.summary()));
    QVERIFY2(report.text().startsWith(report.summary() + QStringLiteral(". Converged: ")),
             qPrintable(report.text()));
    QVERIFY(report.progressText().isEmpty());
    // Each ending has its own words.
    QSet<QString> words;
    for (RunEnd end : {RunEnd::Steps, RunEnd::Paused, RunEnd::Converged, RunEnd::IterationLimit,
                       RunEnd::Cancelled, RunEnd::Failed})
      words.insert(StatusReport::describe(end, {}));
    QCOMPARE(words.size(), 6);
  }

  // Through the window: the summary after Learn, the progress during it, stale figures after a
  // slider move, none after another image.
  void theWindowReportsARunAndForgetsItsFiguresWhenTheyNoLongerApply() {
    MainWindow window;
    window.resize(1024, 700);
    QVERIFY(showAndWait(window));
    QSignalSpy preview(&window, &MainWindow::previewShown);
    window.openImage(image_);
    QVERIFY(waitFor(preview));

    QString during;
    connect(&window, &MainWindow::snapshotShown, this, [&](int iteration) {
      // The worker's flag keeps the last solve's report: from the first step on there is one.
      if (iteration < 1 || !during.isEmpty()) return;
      window.statusReport()->poll();
      during = window.statusReport()->progressText();
    });
    QSignalSpy finished(&window, &MainWindow::learningFinished);
    window.learnSteps(3);
    QVERIFY(waitFor(finished));
    QVERIFY2(during.contains(QRegularExpression(
                 QStringLiteral("step \\d of 3 · (inner solve|adjoint CG) \\d+ iterations, "
                                "residual [-+.e0-9]+ \\(tolerance [-+.e0-9]+\\)"))),
             qPrintable(during));
    const QString text = window.statusReport()->text();
    QVERIFY2(text.contains(QRegularExpression(QStringLiteral(
                 "^λ \\d\\.\\d{4} → \\d\\.\\d{4}, PSNR \\d+\\.\\d → \\d+\\.\\d dB in 3 steps, "))),
             qPrintable(text));
    QVERIFY(!window.statusReport()->figuresStale());
    QVERIFY(window.statusReport()->figures().contains(QStringLiteral(" dB")));

    // A slider move: the figures are the old θ's.
    auto* slider = window.parameterPanel()->findChild<QSlider*>();
    QVERIFY(slider);
    slider->setValue(slider->value() + 10);
    emit slider->sliderReleased();
    QVERIFY(window.statusReport()->figuresStale());
    QVERIFY(window.statusReport()->figures().startsWith(QStringLiteral("stale: ")));

    // Another image: no figures at all.
    preview.clear();
    window.openImage(other_);
    QVERIFY(waitFor(preview));
    QVERIFY(window.statusReport()->figures().isEmpty());
  }

 private:
  QTemporaryDir dir_;
  QString image_, other_;
};

QTEST_MAIN(TestStatusReport)
#include "tst_status_report.moc"
