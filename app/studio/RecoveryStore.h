#pragma once

#include <QObject>
#include <QString>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "learning/SessionFile.h"

class QLockFile;

namespace bilevel::studio {

class OrphanedSession;

// This studio's autosave (issue 8 §4, "nothing lost"): the session, in the same validated JSON
// format as File > Save Session (writeSessionFile, atomic: a temporary file renamed into place),
// in <AppDataLocation>/recovery/<id>.json, one file per running studio so that two never write
// over each other. A lock file <id>.lock held for the studio's lifetime tells a live studio's
// file from a dead one's (OrphanedSession).
//
// save() returns at once: the file is written on a thread of its own, because serialising a
// long history costs tens of milliseconds (measured in tst_recovery) and the GUI thread must
// not stall. Saves that arrive while a write is in progress (or while the writer rests, which
// keeps it to a quarter of a core) are merged: the next write has the newest state, so the file
// lags the window by at most four write durations (a few ms for a short history, about half a
// second after 5,000 steps) and never goes backwards.
class RecoveryStore : public QObject {
  Q_OBJECT

 public:
  // <AppDataLocation>/recovery (~/.local/share/BilevelStudio/bilevel-studio/recovery on Linux).
  static QString defaultDirectory();

  // Creates `directory` if needed and takes this studio's lock; nothing is written before the
  // first save().
  explicit RecoveryStore(const QString& directory = defaultDirectory(), QObject* parent = nullptr);
  // Finishes the write in progress and any pending one; the file stays (discard() removes it).
  ~RecoveryStore() override;

  QString directory() const { return directory_; }
  // The recovery file (it exists once a save has been written).
  QString path() const;
  QString id() const;

  // Queues `session` to be written; ignored after discard().
  void save(SessionRecord session);
  // Like save(), for a record that copies a long history (the autosave after every learning
  // step): `make` is called, on this object's thread, only when the writer is ready for a record
  // (or by flush()), so saves that come while a write is in progress or the writer rests cost no
  // copy. Most of them do: in a 1,000-step soak at 64² (bench/soak studio), 135 writes took the
  // records of 1,000 saves, and the copies left over are memory that grows with the history
  // (issue 8 §3). The record is the state when `make` runs, so the file still never goes
  // backwards. `make` must stay callable until discard(); the destructor drops a save not yet
  // made.
  void saveLater(std::function<SessionRecord()> make);
  // Blocks until every queued save has been written (tests, and before removing the file).
  void flush();
  // A clean exit: removes the file and the lock; later saves are ignored.
  void discard();
  // Continues in a dead studio's file after its session was restored: this studio's own file (if
  // any) and lock go, and from now on saves replace the orphan's file under its lock.
  void adopt(OrphanedSession& orphan);

  // Writes finished so far and the duration of the last one (the writer thread's time).
  int writesDone() const;
  double lastWriteSeconds() const;

 signals:
  // A write failed (disk full, folder removed); the previous file, if any, is intact.
  void writeFailed(const QString& message);

 private:
  void run();
  // This object's thread: makes the record the writer asked for, if still due.
  void makeDue();

  QString directory_;
  std::unique_ptr<QLockFile> lock_;
  bool discarded_ = false;

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable wake_;
  std::condition_variable idle_;
  QString id_;
  std::filesystem::path target_;
  std::optional<SessionRecord> pending_;
  bool due_ = false;        // a saveLater() whose record is not made yet
  bool requested_ = false;  // the writer has asked this object's thread for it
  bool writing_ = false;
  bool resting_ = false;
  bool quit_ = false;
  int flushing_ = 0;  // callers waiting in flush(): the writer skips its rest
  int writesDone_ = 0;
  double lastWriteSeconds_ = 0.0;
  std::thread writer_;
  std::function<SessionRecord()> make_;  // this object's thread only
};

}  // namespace bilevel::studio
