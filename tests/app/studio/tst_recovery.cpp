// Issue 8 §4, "nothing lost": the studio autosaves its session after every learning step and
// every edit, one file per running studio; a clean close removes it; after a crash (here kill -9
// of the real binary) the next start restores it up to the last finished step. Every test runs
// with a private HOME (in-process, QStandardPaths test mode) or XDG_DATA_HOME (the binary), so no
// real user's files are touched.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>
#include <optional>

#include "app/studio/MainWindow.h"
#include "app/studio/OrphanedSession.h"
#include "app/studio/RecoveryOffer.h"
#include "app/studio/RecoveryStore.h"
#include "learning/SessionFile.h"
#include "widgets/ParameterPanel.h"

using namespace bilevel;
using studio::MainWindow;
using studio::OrphanedSession;
using studio::RecoveryPolicy;

namespace {

constexpr int kTimeoutMs = 120000;

// Sanitizers slow every thread several times over: absolute time bounds do not hold there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

Configuration smallConfiguration() {
  Configuration c = Configuration::fromPreset("tv-denoise");
  c.merge({{"image", "benchmark:40"}}, "test");
  return c;
}

bool waitFor(QSignalSpy& spy, int count = 1) {
  while (spy.count() < count) {
    if (!spy.wait(kTimeoutMs)) return false;
  }
  return true;
}

bool applyAndWait(MainWindow& window, const Configuration& configuration) {
  QSignalSpy preview(&window, &MainWindow::previewShown);
  window.applyConfiguration(configuration);
  return waitFor(preview);
}

bool learnAndWait(MainWindow& window, int steps) {
  QSignalSpy finished(&window, &MainWindow::learningFinished);
  window.learnSteps(steps);
  return waitFor(finished);
}

// The window's recovery file once every queued save is written.
SessionRecord savedNow(MainWindow& window) {
  window.recovery()->flush();
  return readSessionFile(window.recovery()->path().toStdString());
}

QByteArray contents(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// The file a dead studio left: a session under an id whose lock nobody holds.
QString plantOrphan(const QString& directory, const QString& id, const QByteArray& bytes) {
  QDir().mkpath(directory);
  const QString path = QDir(directory).filePath(id + QStringLiteral(".json"));
  return writeFile(path, bytes) ? path : QString();
}

// Clicks `button` of the recovery dialog as soon as it is shown.
void answerRecoveryDialog(QObject* owner, const char* button, QString* text) {
  auto* timer = new QTimer(owner);
  QObject::connect(timer, &QTimer::timeout, owner, [timer, button, text] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box || box->objectName() != QLatin1String("recoveryDialog")) return;
    *text = box->text() + QLatin1Char('\n') + box->informativeText();
    box->findChild<QPushButton*>(QString::fromLatin1(button))->click();
    timer->deleteLater();
  });
  timer->start(20);
}

void compareHistories(const std::vector<Snapshot>& actual, const std::vector<Snapshot>& expected,
                      std::size_t count) {
  QVERIFY(actual.size() >= count && expected.size() >= count);
  for (std::size_t i = 0; i < count; ++i) {
    QCOMPARE(actual[i].iteration, expected[i].iteration);
    QCOMPARE(actual[i].outerLoss, expected[i].outerLoss);
    QCOMPARE(actual[i].psnr, expected[i].psnr);
    QCOMPARE(actual[i].parameters.size(), expected[i].parameters.size());
    for (Eigen::Index k = 0; k < actual[i].parameters.size(); ++k)
      QCOMPARE(actual[i].parameters[k], expected[i].parameters[k]);
  }
}

}  // namespace

class RecoveryTest : public QObject {
  Q_OBJECT
  QTemporaryDir home_;
  QTemporaryDir dir_;

  QString recoveryDirectory() const { return studio::RecoveryStore::defaultDirectory(); }

 private slots:
  void initTestCase() {
    QVERIFY(home_.isValid() && dir_.isValid());
    // Test mode puts AppDataLocation under $HOME/.qttest; HOME itself is private too.
    qputenv("HOME", home_.path().toLocal8Bit());
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(recoveryDirectory().startsWith(home_.path()));
  }

  void init() { QDir(recoveryDirectory()).removeRecursively(); }

  void autosavesAfterEveryStepAndEveryEdit() {
    MainWindow window;
    window.show();
    QVERIFY(applyAndWait(window, smallConfiguration()));
    // Opening is an edit: the file is there with no history yet.
    SessionRecord saved = savedNow(window);
    QVERIFY(saved.history.empty());
    QVERIFY(saved.configuration.json() == window.configuration().json());

    QVERIFY(learnAndWait(window, 1));
    saved = savedNow(window);
    QCOMPARE(saved.history.size(), std::size_t(2));  // iteration 0 and the step
    QVERIFY(learnAndWait(window, 2));
    saved = savedNow(window);
    QCOMPARE(saved.history.size(), window.history().size());
    QCOMPARE(saved.history.back().iteration, 3);
    compareHistories(saved.history, window.history(), window.history().size());
    QCOMPARE(saved.parameters[0], window.history().back().parameters[0]);
    const int writes = window.recovery()->writesDone();

    // A setting: saved with the history it keeps.
    emit window.parameterPanel()->settingChanged(QStringLiteral("solver.tolerance"), 1e-7);
    saved = savedNow(window);
    QVERIFY(window.recovery()->writesDone() > writes);
    QCOMPARE(saved.configuration.json()["solver"]["tolerance"].get<double>(), 1e-7);
    QCOMPARE(saved.history.size(), std::size_t(4));

    // A method.
    emit window.parameterPanel()->settingChanged(QStringLiteral("hypergradient.method"),
                                                 QStringLiteral("fpad"));
    QCOMPARE(savedNow(window).configuration.method(), std::string("fpad"));

    // λ by hand: the next run starts from it, and the history stays (issue 10 §1: a new
    // segment, not a wiped run), in the file as in the window.
    emit window.parameterPanel()->lambdaEdited(0.2);
    saved = savedNow(window);
    QCOMPARE(saved.configuration.json()["model"]["lambda"].get<double>(), 0.2);
    QCOMPARE(saved.history.size(), std::size_t(4));
    QCOMPARE(saved.parameters.size(), 0);

    // A preset (a new task on the same image).
    QSignalSpy loaded(&window, &MainWindow::imagesLoaded);
    QVERIFY(window.loadPreset(QStringLiteral("quadratic-denoise")));
    QVERIFY(waitFor(loaded));
    saved = savedNow(window);
    QCOMPARE(saved.configuration.modelType(), std::string("quadratic"));
    QVERIFY(saved.configuration.json()["image"] == window.configuration().json()["image"]);
  }

  void aCleanCloseRemovesTheFile() {
    MainWindow window;
    window.show();
    QVERIFY(applyAndWait(window, smallConfiguration()));
    QVERIFY(learnAndWait(window, 1));
    window.recovery()->flush();
    const QString path = window.recovery()->path();
    QVERIFY(QFile::exists(path));
    QVERIFY(window.close());
    QVERIFY(!QFile::exists(path));
    // Nothing of it is left: no lock, no temporary file.
    QCOMPARE(QDir(recoveryDirectory()).entryList(QDir::Files | QDir::Hidden).size(), 0);
  }

  void twoStudiosNeverShareAFileAndAreNotOrphans() {
    MainWindow first, second;
    first.show();
    second.show();
    QVERIFY(applyAndWait(first, smallConfiguration()));
    QVERIFY(applyAndWait(second, smallConfiguration()));
    QVERIFY(learnAndWait(first, 2));
    QVERIFY(learnAndWait(second, 1));
    QVERIFY(first.recovery()->path() != second.recovery()->path());
    QCOMPARE(savedNow(first).history.size(), std::size_t(3));
    QCOMPARE(savedNow(second).history.size(), std::size_t(2));
    // Both are alive, so a third studio starting now finds nothing to restore.
    QVERIFY(OrphanedSession::claimAll(recoveryDirectory()).empty());
    QVERIFY(QFile::exists(first.recovery()->path()));
    QVERIFY(QFile::exists(second.recovery()->path()));
  }

  void anOrphanIsRestoredAsASavedSessionReopens() {
    QByteArray bytes;
    SessionRecord expected;
    {
      MainWindow dead;
      dead.show();
      QVERIFY(applyAndWait(dead, smallConfiguration()));
      QVERIFY(learnAndWait(dead, 3));
      // λ by hand, then learning: a second segment of the history (issue 10).
      emit dead.parameterPanel()->lambdaEdited(0.05);
      QVERIFY(learnAndWait(dead, 1));
      QCOMPARE(dead.document()->segmentStarts().size(), std::size_t(1));
      expected = savedNow(dead);
      QCOMPARE(expected.segmentStarts, dead.document()->segmentStarts());
      bytes = contents(dead.recovery()->path());
    }
    const QString orphan = plantOrphan(recoveryDirectory(), QStringLiteral("dead-1"), bytes);
    QVERIFY(!orphan.isEmpty());

    MainWindow window;
    window.show();
    QSignalSpy preview(&window, &MainWindow::previewShown);
    const studio::RecoveryOutcome outcome = studio::offerRecovery(window, RecoveryPolicy::Restore);
    QVERIFY(outcome.restoring);
    QVERIFY(waitFor(preview));
    QVERIFY(window.configuration().json() == expected.configuration.json());
    QCOMPARE(window.history().size(), expected.history.size());
    compareHistories(window.history(), expected.history, expected.history.size());
    QCOMPARE(window.document()->segmentStarts(), expected.segmentStarts);
    QCOMPARE(window.parameters()[0], expected.parameters[0]);
    QVERIFY(window.recoveredAt().isValid());
    QVERIFY2(window.windowTitle().contains(QStringLiteral("recovered")),
             qPrintable(window.windowTitle()));
    // The restored studio continues in the same file; the next step extends it.
    QCOMPARE(window.recovery()->path(), orphan);
    QVERIFY(learnAndWait(window, 1));
    const SessionRecord continued = savedNow(window);
    QCOMPARE(continued.history.size(), expected.history.size() + 1);
    QCOMPARE(continued.history.back().iteration, expected.history.back().iteration + 1);
    compareHistories(continued.history, expected.history, expected.history.size());
    QCOMPARE(continued.segmentStarts, expected.segmentStarts);
    QVERIFY(window.close());
    QVERIFY(!QFile::exists(orphan));
  }

  // The autosave of a studio from before the recovery journal: a whole session file.
  void anOlderStudiosSessionFileIsRestored() {
    SessionRecord expected;
    {
      MainWindow dead;
      dead.show();
      QVERIFY(applyAndWait(dead, smallConfiguration()));
      QVERIFY(learnAndWait(dead, 2));
      expected = savedNow(dead);
    }
    QDir().mkpath(recoveryDirectory());
    const QString orphan = QDir(recoveryDirectory()).filePath(QStringLiteral("older.json"));
    writeSessionFile(orphan.toStdString(), expected);
    QVERIFY(contents(orphan).startsWith("{\n"));

    MainWindow window;
    window.show();
    QSignalSpy preview(&window, &MainWindow::previewShown);
    QVERIFY(studio::offerRecovery(window, RecoveryPolicy::Restore).restoring);
    QVERIFY(waitFor(preview));
    compareHistories(window.history(), expected.history, expected.history.size());
    // The restored studio rewrites the file as a journal, then appends the next step.
    QVERIFY(learnAndWait(window, 1));
    const SessionRecord continued = savedNow(window);
    QVERIFY(contents(orphan).startsWith("{\"format\":\"bilevel-studio-session-journal\""));
    QCOMPARE(continued.history.size(), expected.history.size() + 1);
    compareHistories(continued.history, expected.history, expected.history.size());
    QVERIFY(window.close());
  }

  void aCorruptOrTruncatedFileIsNamedAndKept() {
    QByteArray valid;
    {
      MainWindow dead;
      dead.show();
      QVERIFY(applyAndWait(dead, smallConfiguration()));
      QVERIFY(learnAndWait(dead, 1));
      dead.recovery()->flush();
      valid = contents(dead.recovery()->path());
    }
    // The recovery journal's header line cut short (a torn last row is what a crash leaves,
    // and restores: tst_session_file).
    QVERIFY(valid.startsWith("{\"format\":\"bilevel-studio-session-journal\""));
    const QByteArray truncated = valid.left(valid.indexOf('\n') / 2);
    QByteArray wrongVersion = valid;
    wrongVersion.replace("\"version\":1", "\"version\":7");
    QVERIFY(wrongVersion != valid);
    for (const auto& [id, bytes, problem] :
         {std::tuple{QStringLiteral("truncated"), truncated, QStringLiteral("not valid JSON")},
          std::tuple{QStringLiteral("wrong-version"), wrongVersion, QStringLiteral("'version'")}}) {
      const QString path = plantOrphan(recoveryDirectory(), id, bytes);
      MainWindow window;
      window.show();
      const studio::RecoveryOutcome outcome =
          studio::offerRecovery(window, RecoveryPolicy::Restore);
      QVERIFY(!outcome.restoring);
      QCOMPARE(outcome.messages.size(), 1);
      const QString message = outcome.messages.front();
      const QString kept =
          QDir(recoveryDirectory()).filePath(QStringLiteral("kept/%1.unreadable.json").arg(id));
      QVERIFY2(message.contains(path) && message.contains(problem) && message.contains(kept),
               qPrintable(message));
      // Not deleted: moved aside byte for byte, and not offered again.
      QVERIFY(!QFile::exists(path));
      QCOMPARE(contents(kept), bytes);
      QVERIFY(OrphanedSession::claimAll(recoveryDirectory()).empty());
    }
  }

  void theDialogRestoresDiscardsOrWaits() {
    QByteArray bytes;
    {
      MainWindow dead;
      dead.show();
      QVERIFY(applyAndWait(dead, smallConfiguration()));
      QVERIFY(learnAndWait(dead, 2));
      dead.recovery()->flush();
      bytes = contents(dead.recovery()->path());
    }
    const QString path = plantOrphan(recoveryDirectory(), QStringLiteral("asked"), bytes);
    QString text;
    {
      // Later: the file stays, unclaimed, for the next start.
      MainWindow window;
      window.show();
      answerRecoveryDialog(&window, "laterButton", &text);
      QVERIFY(!studio::offerRecovery(window, RecoveryPolicy::Ask).restoring);
      QVERIFY2(text.contains(QStringLiteral("2 learning steps")), qPrintable(text));
      QCOMPARE(contents(path), bytes);
      QCOMPARE(OrphanedSession::claimAll(recoveryDirectory()).size(), std::size_t(1));
    }
    {
      // Discard: moved aside, still an ordinary session file.
      MainWindow window;
      window.show();
      answerRecoveryDialog(&window, "discardButton", &text);
      const studio::RecoveryOutcome outcome = studio::offerRecovery(window, RecoveryPolicy::Ask);
      QVERIFY(!outcome.restoring);
      const QString kept =
          QDir(recoveryDirectory()).filePath(QStringLiteral("kept/asked.declined.json"));
      QCOMPARE(contents(kept), bytes);
      QVERIFY(!QFile::exists(path));
      QCOMPARE(readSessionFile(kept.toStdString()).history.back().iteration, 2);
      QVERIFY(OrphanedSession::claimAll(recoveryDirectory()).empty());
    }
    {
      // Restore.
      QVERIFY(writeFile(path, bytes));
      MainWindow window;
      window.show();
      QSignalSpy preview(&window, &MainWindow::previewShown);
      answerRecoveryDialog(&window, "restoreButton", &text);
      QVERIFY(studio::offerRecovery(window, RecoveryPolicy::Ask).restoring);
      QVERIFY(waitFor(preview));
      QCOMPARE(window.history().back().iteration, 2);
    }
  }

  void keptFilesAreBounded() {
    const QByteArray bytes("{}");
    for (int i = 0; i < OrphanedSession::kKeptFiles + 3; ++i)
      QVERIFY(!plantOrphan(recoveryDirectory(), QStringLiteral("junk-%1").arg(i), bytes).isEmpty());
    MainWindow window;
    const studio::RecoveryOutcome outcome = studio::offerRecovery(window, RecoveryPolicy::Restore);
    QCOMPARE(outcome.messages.size(), OrphanedSession::kKeptFiles + 3);
    const QDir kept(QDir(recoveryDirectory()).filePath(QStringLiteral("kept")));
    QCOMPARE(kept.entryList(QDir::Files).size(), OrphanedSession::kKeptFiles);
  }

  // The cost of one autosave with a long history: the GUI thread only copies the record and
  // queues it; the writer thread serialises, syncs and renames. Printed for the report; bounded
  // here relative to the write (any build) and absolutely (builds without sanitizers).
  void theGuiThreadDoesNotPayForTheWrite() {
    Configuration configuration = Configuration::fromPreset("tv-weightmap-denoise");
    configuration.merge({{"image", "benchmark:512"}}, "test");
    for (const int steps : kSanitized ? std::vector<int>{1000} : std::vector<int>{1000, 5000}) {
      std::vector<Snapshot> history(steps);
      for (int i = 0; i < steps; ++i) {
        history[i].iteration = i;
        history[i].outerLoss = 1.0 / (i + 1);
        history[i].psnr = 30.0 + 1e-3 * i;
        history[i].parameters = Vector::Constant(64, 0.1 + 1e-5 * i);
        history[i].hypergradient = Vector::Constant(64, 1e-3);
        history[i].status = LearnTermination::Running;
      }
      studio::RecoveryStore store(QDir(dir_.path()).filePath(QStringLiteral("timing")));
      // Best of 5 for what a save costs (on a loaded machine single runs are preempted), worst of
      // 5 for the report.
      QElapsedTimer gui;
      double bestGuiMs = 1e9, worstGuiMs = 0.0, bestWriteMs = 1e9;
      for (int repeat = 0; repeat < 5; ++repeat) {
        gui.start();
        store.save(SessionRecord{configuration, history.back().parameters, history});
        const double ms = gui.nsecsElapsed() / 1e6;
        bestGuiMs = std::min(bestGuiMs, ms);
        worstGuiMs = std::max(worstGuiMs, ms);
        store.flush();
        bestWriteMs = std::min(bestWriteMs, store.lastWriteSeconds() * 1e3);
      }
      qInfo(
          "autosave of a %d-step history (64 parameters): GUI thread %.2f ms (best of 5; worst "
          "%.2f), writer thread %.1f ms (best of 5), file %lld bytes",
          steps, bestGuiMs, worstGuiMs, bestWriteMs, QFileInfo(store.path()).size());
      QCOMPARE(store.writesDone(), 5);
      QCOMPARE(readSessionFile(store.path().toStdString()).history.size(), std::size_t(steps));
      // The GUI thread pays a small part of a write (measured: a twentieth or less) ...
      QVERIFY2(bestGuiMs < 0.25 * bestWriteMs, qPrintable(QString::number(bestGuiMs)));
      // ... and a few milliseconds at most.
      if (!kSanitized) QVERIFY2(bestGuiMs < 20.0, qPrintable(QString::number(bestGuiMs)));
      store.discard();
    }
  }

  // A scripted run is never blocked by the dialog: it leaves a dead studio's session alone, and
  // its own file goes when it exits normally.
  void aScriptedRunNeitherAsksNorLeavesAFile() {
    const QString dataHome = dir_.filePath(QStringLiteral("scripted/data"));
    const QString directory = dataHome + QStringLiteral("/BilevelStudio/bilevel-studio/recovery");
    const QByteArray bytes("{\"format\": \"an orphan left alone\"}");
    const QString orphan = plantOrphan(directory, QStringLiteral("dead"), bytes);
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    environment.insert(QStringLiteral("XDG_DATA_HOME"), dataHome);
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"),
                       dir_.filePath(QStringLiteral("scripted/config")));
    process.setProcessEnvironment(environment);
    const QString shot = dir_.filePath(QStringLiteral("scripted/shot.png"));
    process.start(BILEVEL_STUDIO,
                  {"--image", "benchmark:32", "--learn-steps", "1", "--screenshot", shot});
    QVERIFY(process.waitForFinished(kTimeoutMs));
    QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
             process.readAllStandardError().constData());
    QVERIFY(QFile::exists(shot));
    QCOMPARE(contents(orphan), bytes);
    QCOMPARE(QDir(directory).entryList(QDir::Files | QDir::Hidden),
             QStringList{QStringLiteral("dead.json")});
  }

  // The test, for real: kill -9 the studio while it learns; the next start restores the
  // history up to the last finished step and learns on from there.
  void killDashNineWhileLearningLosesNoFinishedStep() {
    const QString dataHome = dir_.filePath(QStringLiteral("kill/data"));
    // Where the binary's AppDataLocation is under XDG_DATA_HOME (organisation/application).
    const QString directory = dataHome + QStringLiteral("/BilevelStudio/bilevel-studio/recovery");
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    environment.insert(QStringLiteral("XDG_DATA_HOME"), dataHome);
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"),
                       dir_.filePath(QStringLiteral("kill/config")));
    environment.insert(QStringLiteral("HOME"), dir_.filePath(QStringLiteral("kill/home")));
    const int requested = 2000;  // far more than run before the kill; tolerance 0 never converges

    QProcess learning;
    learning.setProcessEnvironment(environment);
    learning.start(BILEVEL_STUDIO,
                   {"--no-recover", "--preset", "tv-weightmap-denoise", "--image", "benchmark:64",
                    "--set", "outer.tolerance=0", "--learn-steps", QString::number(requested)});
    QVERIFY(learning.waitForStarted());
    QString file;
    QElapsedTimer clock;
    clock.start();
    int seen = -1;
    while (seen < 2) {
      QVERIFY2(clock.elapsed() < kTimeoutMs, "no recovery file with 2 steps");
      QVERIFY(learning.state() == QProcess::Running);
      QTest::qWait(20);
      const QStringList files = QDir(directory).entryList({QStringLiteral("*.json")}, QDir::Files);
      if (files.size() != 1) continue;
      file = QDir(directory).filePath(files.front());
      try {
        const SessionRecord now = readSessionFile(file.toStdString());
        if (!now.history.empty()) seen = now.history.back().iteration;
      } catch (const std::exception&) {
        QFAIL("a recovery file that does not read: the write was not atomic");
      }
    }
    learning.kill();  // SIGKILL: no destructor, no clean-up runs
    QVERIFY(learning.waitForFinished());
    QCOMPARE(learning.exitStatus(), QProcess::CrashExit);

    // What the file held at the kill: every step finished by then, and still learning.
    const SessionRecord before = readSessionFile(file.toStdString());
    QVERIFY(before.history.back().iteration >= seen);
    QVERIFY(before.history.back().iteration < requested);
    QCOMPARE(toString(before.history.back().status), std::string("running"));

    QProcess restored;
    restored.setProcessEnvironment(environment);
    restored.start(BILEVEL_STUDIO, {"--recover", "--learn-steps", "1"});
    QVERIFY(restored.waitForStarted());
    std::optional<SessionRecord> after;
    QString log;
    clock.restart();
    while (!after) {
      QVERIFY2(clock.elapsed() < kTimeoutMs, "the restored studio did not learn on");
      log += QString::fromUtf8(restored.readAllStandardError());
      QVERIFY2(restored.state() == QProcess::Running, qPrintable(log));
      QTest::qWait(20);
      try {
        SessionRecord now = readSessionFile(file.toStdString());
        if (now.history.size() > before.history.size()) after = std::move(now);
      } catch (const std::exception&) {
        QFAIL("a recovery file that does not read: the write was not atomic");
      }
    }
    // The restored history is the one that had finished, unchanged, and the step after it
    // continues from its last θ.
    QVERIFY(after->configuration.json() == before.configuration.json());
    QCOMPARE(after->history.size(), before.history.size() + 1);
    compareHistories(after->history, before.history, before.history.size());
    QCOMPARE(after->history.back().iteration, before.history.back().iteration + 1);
    log += QString::fromUtf8(restored.readAllStandardError());
    QVERIFY2(log.contains(QStringLiteral("restoring the session")) && log.contains(file),
             qPrintable(log));
    // The restored studio holds the file's lock now: it is not an orphan while it lives...
    QVERIFY(OrphanedSession::claimAll(directory).empty());
    restored.kill();
    QVERIFY(restored.waitForFinished());
    // ...and is one again once it is killed in turn.
    QCOMPARE(OrphanedSession::claimAll(directory).size(), std::size_t(1));
  }
};

QTEST_MAIN(RecoveryTest)
#include "tst_recovery.moc"
