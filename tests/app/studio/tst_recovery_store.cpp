// RecoveryStore::saveLater (issue 8 §3): the autosave after every learning step copies the
// session's history only when the writer is ready for it, and the file still ends with the newest
// state.
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include "app/studio/RecoveryStore.h"
#include "learning/SessionFile.h"

using namespace bilevel;
using bilevel::studio::RecoveryStore;

namespace {

// A history long enough that a write takes milliseconds (64 parameters per row).
SessionRecord record(int rows) {
  SessionRecord session{Configuration::fromPreset("tv-denoise"), Vector::Constant(64, 0.1), {}};
  session.history.resize(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    session.history[i].iteration = i;
    session.history[i].outerLoss = 1.0 / (i + 1);
    session.history[i].parameters = Vector::Constant(64, 0.1 + 1e-5 * i);
    session.history[i].hypergradient = Vector::Constant(64, 1e-3);
    session.history[i].status = "running";
  }
  return session;
}

std::size_t rowsIn(const RecoveryStore& store) {
  return readSessionFile(store.path().toStdString()).history.size();
}

}  // namespace

class RecoveryStoreTest : public QObject {
  Q_OBJECT

 private slots:
  // Saves in quick succession, as learning steps come: the first is made at once, the rest while
  // the writer is busy are merged into one record made when it is ready.
  void savesWhileTheWriterIsBusyMakeOneRecord() {
    QTemporaryDir dir;
    RecoveryStore store(dir.filePath(QStringLiteral("recovery")));
    int rows = 2000;
    int made = 0;
    const auto make = [&] {
      ++made;
      return record(rows);
    };
    store.saveLater(make);
    QCOMPARE(made, 1);  // the writer was idle
    for (int step = 0; step < 50; ++step) {
      ++rows;
      store.saveLater(make);
    }
    QCOMPARE(made, 1);  // the first write has not finished: nothing copied
    // The writer asks for the due record once it has written and rested.
    QTRY_COMPARE_WITH_TIMEOUT(store.writesDone(), 2, 30000);
    QCOMPARE(made, 2);
    QCOMPARE(rowsIn(store), std::size_t(2050));

    // flush() makes a due record itself and waits for it.
    ++rows;
    store.saveLater(make);
    ++rows;
    store.saveLater(make);
    store.flush();
    QCOMPARE(rowsIn(store), std::size_t(2052));
    QVERIFY(made <= 4);
    store.discard();
  }

  // save() is newer than a due saveLater(), which is then never made; discard() drops a due save.
  void aDueSaveIsSupersededOrDropped() {
    QTemporaryDir dir;
    RecoveryStore store(dir.filePath(QStringLiteral("recovery")));
    int made = 0;
    store.saveLater([&] {
      ++made;
      return record(3000);
    });
    store.saveLater([&] {
      ++made;
      return record(7);
    });
    store.save(record(5));
    store.flush();
    QCOMPARE(made, 1);
    QCOMPARE(rowsIn(store), std::size_t(5));

    store.save(record(3000));
    store.saveLater([&] {
      ++made;
      return record(9);
    });
    const QString path = store.path();
    store.discard();
    QCoreApplication::processEvents();
    QCOMPARE(made, 1);
    QVERIFY(!QFileInfo::exists(path));
  }
};

QTEST_MAIN(RecoveryStoreTest)
#include "tst_recovery_store.moc"
