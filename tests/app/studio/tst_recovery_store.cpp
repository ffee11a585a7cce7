// RecoveryStore (issue 8 §3 and §4): the autosave after every learning step appends that step's
// row to the recovery journal and makes nothing while the writer is busy; edits rewrite the file;
// what the file restores is what the window held.
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/RecoveryStore.h"
#include "learning/SessionFile.h"

using namespace bilevel;
using bilevel::studio::RecoveryStore;

namespace {

Snapshot row(int i, int parameters) {
  Snapshot s;
  s.iteration = i;
  s.outerLoss = 1.0 / (i + 1);
  s.psnr = 30.0 + 1e-3 * i;
  s.hypergradientNorm = 1e-2 / (i + 1);
  s.stepSeconds = 0.01;
  s.elapsedSeconds = 0.01 * (i + 1);
  s.innerIterations = 100 + i % 7;
  s.evaluations = 1;
  s.parameters = Vector::Constant(parameters, 0.1 + 1e-5 * i);
  s.hypergradient = Vector::Constant(parameters, 1e-3);
  s.status = bilevel::LearnTermination::Running;
  return s;
}

// The window's side: its session, as MainWindow keeps it.
struct Window {
  Configuration configuration = Configuration::fromPreset("tv-denoise");
  Vector parameters = Vector::Constant(64, 0.1);
  std::vector<Snapshot> history;
  std::vector<int> segmentStarts;  // a row's iteration is its index
  int viewed = 0;                  // views made (a view is what a save costs the window)

  void learn(int steps) {
    for (int k = 0; k < steps; ++k) {
      history.push_back(row(static_cast<int>(history.size()), 64));
      parameters = history.back().parameters;
    }
  }
  std::function<RecoveryStore::SessionView()> view() {
    return [this] {
      ++viewed;
      return RecoveryStore::SessionView{configuration, parameters, history, segmentStarts};
    };
  }
};

SessionRecord record(int rows) {
  SessionRecord session{Configuration::fromPreset("tv-denoise"), Vector::Constant(64, 0.1), {}};
  for (int i = 0; i < rows; ++i)
    session.history.push_back(row(i, 64));
  return session;
}

std::size_t rowsIn(const RecoveryStore& store) {
  return readSessionFile(store.path().toStdString()).history.size();
}

int linesIn(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return -1;
  return static_cast<int>(file.readAll().count('\n'));
}

// The recovery file restores exactly what File > Save Session would have saved of the window.
void compareWithSavedSession(const QString& journal, const Window& window, const QString& saved) {
  writeSessionFile(saved.toStdString(), SessionRecord{window.configuration, window.parameters,
                                                      window.history, window.segmentStarts});
  const SessionRecord expected = readSessionFile(saved.toStdString());
  const SessionRecord actual = readSessionFile(journal.toStdString());
  QVERIFY(actual.configuration.json() == expected.configuration.json());
  QCOMPARE(actual.segmentStarts, expected.segmentStarts);
  QCOMPARE(actual.parameters, expected.parameters);
  QCOMPARE(actual.history.size(), expected.history.size());
  for (std::size_t i = 0; i < expected.history.size(); ++i) {
    const Snapshot &a = actual.history[i], &e = expected.history[i];
    QCOMPARE(a.iteration, e.iteration);
    QCOMPARE(a.outerLoss, e.outerLoss);
    QCOMPARE(a.psnr, e.psnr);
    QCOMPARE(a.hypergradientNorm, e.hypergradientNorm);
    QCOMPARE(a.stepSeconds, e.stepSeconds);
    QCOMPARE(a.elapsedSeconds, e.elapsedSeconds);
    QCOMPARE(a.innerIterations, e.innerIterations);
    QCOMPARE(a.evaluations, e.evaluations);
    QCOMPARE(toString(a.status), toString(e.status));
    QCOMPARE(a.parameters, e.parameters);
  }
}

}  // namespace

class RecoveryStoreTest : public QObject {
  Q_OBJECT

 private slots:
  // Saves in quick succession, as learning steps come: the first is made at once, the rest while
  // the writer is busy are merged into one update made when it is ready, which appends the rows.
  void savesWhileTheWriterIsBusyMakeOneUpdate() {
    QTemporaryDir dir;
    RecoveryStore store(dir.filePath(QStringLiteral("recovery")));
    Window window;
    window.learn(2000);  // a rewrite of this takes milliseconds
    store.saveLater(window.view());
    QCOMPARE(window.viewed, 1);  // the writer was idle
    for (int step = 0; step < 50; ++step) {
      window.learn(1);
      store.saveLater(window.view());
    }
    QCOMPARE(window.viewed, 1);  // the first write has not finished: nothing made
    // The writer asks for the due update once it has written and rested.
    QTRY_COMPARE_WITH_TIMEOUT(store.writesDone(), 2, 30000);
    QCOMPARE(window.viewed, 2);
    QCOMPARE(store.rewritesDone(), 1);  // the 50 rows were appended
    QCOMPARE(rowsIn(store), std::size_t(2050));
    QCOMPARE(linesIn(store.path()), 1 + 2050);  // the header and a line per row

    // flush() makes a due update itself and waits for it.
    window.learn(1);
    store.saveLater(window.view());
    window.learn(1);
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(rowsIn(store), std::size_t(2052));
    QVERIFY(window.viewed <= 4);
    QCOMPARE(store.rewritesDone(), 1);
    store.discard();
  }

  // save() is newer than a due saveLater(), which is then never made; discard() drops a due save.
  void aDueSaveIsSupersededOrDropped() {
    QTemporaryDir dir;
    RecoveryStore store(dir.filePath(QStringLiteral("recovery")));
    Window big, small;
    big.learn(3000);
    small.learn(7);
    store.saveLater(big.view());
    store.saveLater(small.view());
    store.save(record(5));
    store.flush();
    QCOMPARE(big.viewed, 1);
    QCOMPARE(small.viewed, 0);
    QCOMPARE(rowsIn(store), std::size_t(5));

    store.save(record(3000));
    store.saveLater(small.view());
    const QString path = store.path();
    store.discard();
    QCoreApplication::processEvents();
    QCOMPARE(small.viewed, 0);
    QVERIFY(!QFileInfo::exists(path));
  }

  // Learning steps append; the file restores what the window holds, as a saved session would.
  void appendsRestoreWhatTheWindowHolds() {
    QTemporaryDir dir;
    RecoveryStore store(dir.filePath(QStringLiteral("recovery")));
    Window window;
    window.learn(1);  // the initial evaluation
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(store.rewritesDone(), 1);
    for (int batch = 0; batch < 20; ++batch) {
      window.learn(1 + batch % 3);
      store.saveLater(window.view());
      if (batch % 4 == 0) store.flush();
    }
    store.flush();
    QCOMPARE(store.rewritesDone(), 1);
    QCOMPARE(linesIn(store.path()), 1 + static_cast<int>(window.history.size()));
    compareWithSavedSession(store.path(), window, dir.filePath(QStringLiteral("saved.json")));

    // Parameters set without a new row (a restored θ, a slider) are appended too.
    window.parameters = Vector::Constant(64, 0.25);
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(store.rewritesDone(), 1);
    compareWithSavedSession(store.path(), window, dir.filePath(QStringLiteral("saved.json")));

    // Nothing new: nothing written.
    const int writes = store.writesDone();
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(store.writesDone(), writes);
    store.discard();
  }

  // Learning after a parameter change begins a new segment of the history (issue 10); the file
  // keeps where each segment begins, whether its first row is appended or the file rewritten.
  void segmentsAreKept() {
    QTemporaryDir dir;
    const QString saved = dir.filePath(QStringLiteral("saved.json"));
    RecoveryStore store(dir.filePath(QStringLiteral("recovery")));
    Window window;
    window.learn(5);
    store.saveLater(window.view());
    store.flush();

    // An edit, then a run: its first row begins a segment, appended with it.
    window.segmentStarts.push_back(static_cast<int>(window.history.size()));
    window.learn(3);
    store.saveLater(window.view());
    window.segmentStarts.push_back(static_cast<int>(window.history.size()));
    window.learn(2);
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(store.rewritesDone(), 1);
    QCOMPARE(readSessionFile(store.path().toStdString()).segmentStarts, (std::vector<int>{5, 8}));
    compareWithSavedSession(store.path(), window, saved);

    // A setting rewrites the file, segments and all.
    window.configuration.set("solver.tolerance=1e-7");
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(store.rewritesDone(), 2);
    compareWithSavedSession(store.path(), window, saved);

    // Undoing the last run takes its segment with its rows; the next run's segment is appended.
    window.history.resize(8);
    window.segmentStarts.pop_back();
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(store.rewritesDone(), 3);
    compareWithSavedSession(store.path(), window, saved);
    window.segmentStarts.push_back(static_cast<int>(window.history.size()));
    window.learn(1);
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(store.rewritesDone(), 3);
    QCOMPARE(readSessionFile(store.path().toStdString()).segmentStarts, (std::vector<int>{5, 8}));
    compareWithSavedSession(store.path(), window, saved);
    store.discard();

    // A mark on the first row, or not later than the one before, is refused naming it.
    for (const int first : {0, 3}) {
      SessionRecord bad = record(5);
      bad.segmentStarts = {first};
      const std::string path = dir.filePath(QStringLiteral("bad.json")).toStdString();
      writeSessionJournal(path, bad);
      if (first == 3) appendToSessionJournal(path, {bad.history[3]}, nullptr, {3});
      std::string error;
      try {
        readSessionFile(path);
      } catch (const std::exception& e) {
        error = e.what();
      }
      QVERIFY2(error.find("segment") != std::string::npos, error.c_str());
    }
  }

  // Whatever changes more than the end of the history rewrites the file whole.
  void editsRewriteTheFile() {
    QTemporaryDir dir;
    const QString saved = dir.filePath(QStringLiteral("saved.json"));
    RecoveryStore store(dir.filePath(QStringLiteral("recovery")));
    Window window;
    window.learn(30);
    store.saveLater(window.view());
    store.flush();
    int rewrites = store.rewritesDone();

    // A setting.
    window.configuration.set("solver.tolerance=1e-7");
    window.learn(2);
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(store.rewritesDone(), ++rewrites);
    compareWithSavedSession(store.path(), window, saved);

    // A new run that already has more rows than the old one when it is saved.
    window.history.clear();
    window.learn(40);
    for (Snapshot& s : window.history)
      s.elapsedSeconds += 100.0;
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(store.rewritesDone(), ++rewrites);
    compareWithSavedSession(store.path(), window, saved);

    // The last row written, changed in place.
    window.history.back().status = bilevel::LearnTermination::Converged;
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(store.rewritesDone(), ++rewrites);
    compareWithSavedSession(store.path(), window, saved);

    // A shorter history (Restart).
    window.history.resize(1);
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(store.rewritesDone(), ++rewrites);
    QCOMPARE(linesIn(store.path()), 2);
    compareWithSavedSession(store.path(), window, saved);
    store.discard();
  }

  // An append that fails (here: the file is gone) is reported, and the next save rewrites the
  // whole session instead of appending to what it cannot know.
  void aFailedAppendIsFollowedByARewrite() {
    QTemporaryDir dir;
    RecoveryStore store(dir.filePath(QStringLiteral("recovery")));
    QSignalSpy failed(&store, &RecoveryStore::writeFailed);
    Window window;
    window.learn(10);
    store.saveLater(window.view());
    store.flush();
    QVERIFY(QFile::remove(store.path()));
    window.learn(1);
    store.saveLater(window.view());
    store.flush();
    QVERIFY(!QFileInfo::exists(store.path()));  // not created without its header
    QTRY_COMPARE(failed.count(), 1);
    QVERIFY2(failed.at(0).at(0).toString().contains(store.path()),
             qPrintable(failed.at(0).at(0).toString()));
    const int rewrites = store.rewritesDone();
    window.learn(1);
    store.saveLater(window.view());
    store.flush();
    QCOMPARE(store.rewritesDone(), rewrites + 1);
    QCOMPARE(rowsIn(store), std::size_t(12));
    compareWithSavedSession(store.path(), window, dir.filePath(QStringLiteral("saved.json")));
    store.discard();
  }
};

QTEST_MAIN(RecoveryStoreTest)
#include "tst_recovery_store.moc"
