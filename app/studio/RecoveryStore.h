#pragma once

#include <QObject>
#include <QString>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "learning/SessionFile.h"

class QLockFile;

namespace bilevel::studio {

class OrphanedSession;

// This studio's autosave (issue 8 §4, "nothing lost"): the session in
// <AppDataLocation>/recovery/<id>.json, one file per running studio so that two never write over
// each other. A lock file <id>.lock held for the studio's lifetime tells a live studio's file from
// a dead one's (OrphanedSession).
//
// The file is a session journal (writeSessionJournal in learning/SessionFile.h, read back by
// readSessionFile like a saved session): written whole, atomically, when the configuration, the
// parameters without a new row or anything but the end of the history changed (an edit, a
// restart, a loaded document), and otherwise appended to: the autosave after a learning step adds
// that step's row, one short line, instead of rewriting the whole history. The store tells the two
// apart itself, by comparing what it is given with what it has queued (see saveLater), so callers
// just say "save". A rewrite held the window's history twice over (the copy for the writer and the
// file's text, about 1.3 KiB a row together) several times a second, which grew the studio's
// memory with the history (issue 8 §3); an append holds the new row.
//
// Writes run on a thread of their own, so the GUI thread never waits for the disk. Saves that
// arrive while a write is in progress (or while the writer rests, which keeps it to a quarter of
// a core) are merged: the next write has the newest state, so the file lags the window by at most
// a few write durations and never goes backwards.
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

  // The window's session where it lives; valid while the function that returns it runs.
  struct SessionView {
    const Configuration& configuration;
    const Vector& parameters;
    const std::vector<Snapshot>& history;
    // The iterations at which a segment of the history after the first begins (StudioDocument).
    const std::vector<int>& segmentStarts;
  };

  // Queues `session` to be written whole; ignored after discard().
  void save(SessionRecord session);
  // The autosave after every learning step and every edit: `view` is called, on this object's
  // thread, only when the writer is ready for an update (or by flush()), so saves that come while
  // a write is in progress or the writer rests cost nothing, and the session is then compared
  // with what was queued last: when only rows were added (the same configuration, the last row
  // queued still where it was, and segments begun only at new rows), just those rows, their
  // segment marks and the parameters are queued, to be appended; otherwise the whole session is
  // copied, to be rewritten; when nothing changed, nothing is written. The state is the one when
  // `view` runs, so the file still never goes backwards. `view` must stay callable until discard();
  // the destructor drops a save not yet made.
  void saveLater(std::function<SessionView()> view);
  // Blocks until every queued save has been written (tests, and before removing the file).
  void flush();
  // A clean exit: removes the file and the lock; later saves are ignored.
  void discard();
  // Continues in a dead studio's file after its session was restored: this studio's own file (if
  // any) and lock go, and from now on saves replace the orphan's file under its lock.
  void adopt(OrphanedSession& orphan);

  // Writes finished so far (rewrites and appends; failed ones too), how many of them rewrote
  // the whole file, and the duration of the last one (the writer thread's time).
  int writesDone() const;
  int rewritesDone() const;
  double lastWriteSeconds() const;

 signals:
  // A write failed (disk full, folder removed); the previous file, if any, is intact.
  void writeFailed(const QString& message);

 private:
  // What the writer does next: rewrite `whole` (then append `rows`), or append `rows` (marking
  // those whose iteration is in `segmentStarts`) and set `parameters`.
  struct Update {
    std::optional<SessionRecord> whole;
    std::vector<Snapshot> rows;
    std::optional<Vector> parameters;
    std::vector<int> segmentStarts;
  };
  // What the file holds once every queued update is written (this object's thread).
  struct Queued {
    nlohmann::json configuration;
    std::size_t rows = 0;
    Snapshot lastRow;  // its serialised fields
    Vector parameters;
    std::vector<int> segmentStarts;
  };

  void run();
  // This object's thread: makes the update the writer asked for, if still due.
  void makeDue();
  // This object's thread: the update that brings the file from queued_ to `view`, merged into
  // pending_ (the mutex held).
  void queueView(const SessionView& view);
  void queueWhole(SessionRecord session);

  QString directory_;
  std::unique_ptr<QLockFile> lock_;
  bool discarded_ = false;

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable wake_;
  std::condition_variable idle_;
  QString id_;
  std::filesystem::path target_;
  std::optional<Update> pending_;
  bool due_ = false;        // a saveLater() whose update is not made yet
  bool requested_ = false;  // the writer has asked this object's thread for it
  bool writing_ = false;
  bool resting_ = false;
  bool quit_ = false;
  // A write failed or the target changed: the file's content is unknown, so the next update
  // rewrites it whole.
  bool rewrite_ = true;
  int flushing_ = 0;  // callers waiting in flush(): the writer skips its rest
  int writesDone_ = 0;
  int rewritesDone_ = 0;
  double lastWriteSeconds_ = 0.0;
  std::thread writer_;
  std::chrono::steady_clock::time_point lastTrim_;  // the writer thread's
  // This object's thread only.
  std::function<SessionView()> view_;
  std::optional<Queued> queued_;
};

}  // namespace bilevel::studio
