#pragma once

#include <QObject>
#include <QString>
#include <condition_variable>
#include <filesystem>
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

  QString directory_;
  std::unique_ptr<QLockFile> lock_;
  bool discarded_ = false;

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable wake_;
  std::condition_variable idle_;
  QString id_;
  std::filesystem::path target_;
  std::optional<SessionRecord> pending_;
  bool writing_ = false;
  bool quit_ = false;
  int flushing_ = 0;  // callers waiting in flush(): the writer skips its rest
  int writesDone_ = 0;
  double lastWriteSeconds_ = 0.0;
  std::thread writer_;
};

}  // namespace bilevel::studio
