#pragma once

#include <QDateTime>
#include <QString>
#include <memory>
#include <vector>

class QLockFile;

namespace bilevel::studio {

// The recovery file of a studio that ended without closing its window (a crash, kill -9, a
// power cut), recognised by its lock file, which no live process holds any more: QLockFile sees
// that the process id it names is gone (or now belongs to another program). Claiming one takes
// that lock over, so two studios starting at once never offer the same session.
//
// In the recovery directory each studio has <id>.json (its session, written by RecoveryStore)
// and <id>.lock; a file kept aside goes to kept/<id>.<reason>.json.
class OrphanedSession {
 public:
  // Files kept aside beyond this many (the oldest first) are removed: a declined or unreadable
  // session survives the next several crashes, and the folder does not grow without bound.
  static constexpr int kKeptFiles = 10;

  // Claims every orphaned session in `directory`, the most recently saved first. Files of live
  // studios (this one included) are left alone; the leftovers of a dead studio that never saved
  // (a lock without a session, half-written temporary files) are removed.
  static std::vector<std::unique_ptr<OrphanedSession>> claimAll(const QString& directory);

  OrphanedSession(const OrphanedSession&) = delete;
  OrphanedSession& operator=(const OrphanedSession&) = delete;
  // Releases the claim; the file stays and is offered again at the next start.
  ~OrphanedSession();

  QString path() const { return path_; }
  QString id() const { return id_; }
  // When the dead studio last autosaved (the file's modification time).
  QDateTime savedAt() const { return savedAt_; }

  // Moves the file to kept/<id>.<reason>.json (reason: "declined", "unreadable", ...), releases
  // the claim and returns the new path; throws Error(UnreadableInput) naming both paths when the
  // move fails, in which case the file stays where it was.
  QString keepAside(const QString& reason);

  // Hands the claimed lock to a studio that continues writing this file (RecoveryStore::adopt);
  // this object then no longer owns anything.
  std::unique_ptr<QLockFile> takeLock();

 private:
  OrphanedSession(QString directory, QString id, std::unique_ptr<QLockFile> lock);

  QString directory_;
  QString id_;
  QString path_;
  QDateTime savedAt_;
  std::unique_ptr<QLockFile> lock_;
};

}  // namespace bilevel::studio
