#include <QImage>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QtTest>

#include "../ProcessRun.h"

// bilevel-studio's command line (DESIGN.md §4): the scripted screenshot run and its exit codes.
class TestStudioCommandLine : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

  using Run = bilevel::test::ProcessRun;
  Run run(const QStringList& arguments, int timeoutMs = 300000) {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), dir_.filePath(QStringLiteral("config")));
    // The studio autosaves into XDG_DATA_HOME (RecoveryStore): never into a real user's folder.
    environment.insert(QStringLiteral("XDG_DATA_HOME"), dir_.filePath(QStringLiteral("data")));
    return bilevel::test::runProcess(BILEVEL_STUDIO, arguments, timeoutMs, environment);
  }

 private slots:
  void screenshotAfterLearningSteps() {
    const QString file = dir_.filePath(QStringLiteral("main.png"));
    const Run r = run({"--preset", "tv-denoise", "--learn-steps", "5", "--screenshot", file});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QImage image(file);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), QSize(1600, 1000));
  }

  void aDatasetScreenshotAfterTrainingSteps() {
    // --dataset opens the dataset mode; --learn-steps are steps of dataset training there. One
    // training thread: train.threads makes an OpenMP team, whose barriers the tsan preset cannot
    // see (tests/CMakeLists.txt), as tst_dataset_mode does.
    const QString file = dir_.filePath(QStringLiteral("dataset.png"));
    Run r = run({"--image", "benchmark:32", "--preset", "tv-denoise", "--set", "dataset.count=3",
                 "--set", "train.threads=1", "--dataset", "generated:dead-leaves", "--learn-steps",
                 "2", "--screenshot", file});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(!QImage(file).isNull());
    // A folder without images: the error names it and the exit code is a settings error's.
    QTemporaryDir empty;
    r = run({"--image", "benchmark:32", "--dataset", empty.path(), "--screenshot",
             dir_.filePath(QStringLiteral("never.png"))});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(empty.path()), qPrintable(r.err));
  }

  void stallMeasurementIsOneJsonLine() {
    const Run r = run({"--image", "benchmark:64", "--learn-steps", "2", "--measure-stall"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("\"longest_stall_ms\"")), qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("\"image\": \"64x64\"")));
  }

  void badArgumentsExitWithTheDocumentedCodes() {
    const QString file = dir_.filePath(QStringLiteral("never.png"));
    Run r = run({"--learn-steps", "-1", "--screenshot", file});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains(QStringLiteral("--learn-steps")));
    r = run({"--preset", "no-such-preset", "--screenshot", file});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains(QStringLiteral("no-such-preset")));
    r = run({"--set", "model.lambda=nan", "--screenshot", file});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains(QStringLiteral("model.lambda")));
    r = run({"--image", dir_.filePath(QStringLiteral("missing.png")), "--screenshot", file});
    QCOMPARE(r.exitCode, 3);
    QVERIFY(r.err.contains(QStringLiteral("missing.png")));
    QVERIFY(!QFile::exists(file));
  }

  void aScreenshotNeverOverwritesTheInputImage() {
    const QString input = dir_.filePath(QStringLiteral("input.png"));
    QVERIFY(QFile::copy(QStringLiteral(BILEVEL_SOURCE_DIR "/sample_images/shapes.png"), input));
    QFile before(input);
    QVERIFY(before.open(QIODevice::ReadOnly));
    const QByteArray bytes = before.readAll();
    before.close();
    const Run r = run({"--image", input, "--screenshot", input});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains(QStringLiteral("input.png")));
    QFile after(input);
    QVERIFY(after.open(QIODevice::ReadOnly));
    QCOMPARE(after.readAll(), bytes);
  }

  void aScreenshotIntoAMissingFolderFails() {
    const QString file = dir_.filePath(QStringLiteral("no/such/folder/shot.png"));
    const Run r = run({"--image", "benchmark:32", "--screenshot", file});
    QCOMPARE(r.exitCode, 3);
    QVERIFY(r.err.contains(QStringLiteral("shot.png")));
  }
};

QTEST_MAIN(TestStudioCommandLine)
#include "tst_command_line.moc"
