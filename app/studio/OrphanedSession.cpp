#include "OrphanedSession.h"

#include <QDir>
#include <QFileInfo>
#include <QLockFile>

#include "common/Error.h"

namespace bilevel::studio {

namespace {

// A lock that names a live process is never stale, however old: a studio may run for days.
std::unique_ptr<QLockFile> claim(const QString& lockPath) {
  auto lock = std::make_unique<QLockFile>(lockPath);
  lock->setStaleLockTime(0);
  if (!lock->tryLock(0)) return nullptr;
  return lock;
}

// What writeTextFileAtomically leaves behind when its writer dies mid-write.
void removeTemporaries(const QDir& dir, const QString& id) {
  for (const QString& name :
       dir.entryList({QLatin1Char('.') + id + QStringLiteral(".tmp*")}, QDir::Files | QDir::Hidden))
    QFile::remove(dir.filePath(name));
}

}  // namespace

std::vector<std::unique_ptr<OrphanedSession>> OrphanedSession::claimAll(const QString& directory) {
  std::vector<std::unique_ptr<OrphanedSession>> orphans;
  const QDir dir(directory);
  if (!dir.exists()) return orphans;
  // A studio that died before its first autosave leaves only its lock.
  for (const QFileInfo& info : dir.entryInfoList({QStringLiteral("*.lock")}, QDir::Files)) {
    const QString id = info.completeBaseName();
    if (QFileInfo::exists(dir.filePath(id + QStringLiteral(".json")))) continue;
    if (auto lock = claim(info.filePath())) {
      removeTemporaries(dir, id);
      lock->unlock();  // removes the lock file
    }
  }
  // QDir::Time lists the most recently modified first; hidden temporaries are not listed.
  for (const QFileInfo& info :
       dir.entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Time)) {
    const QString id = info.completeBaseName();
    auto lock = claim(dir.filePath(id + QStringLiteral(".lock")));
    if (!lock) continue;  // a live studio's session
    removeTemporaries(dir, id);
    orphans.push_back(
        std::unique_ptr<OrphanedSession>(new OrphanedSession(directory, id, std::move(lock))));
  }
  return orphans;
}

OrphanedSession::OrphanedSession(QString directory, QString id, std::unique_ptr<QLockFile> lock)
    : directory_(std::move(directory)), id_(std::move(id)), lock_(std::move(lock)) {
  path_ = QDir(directory_).filePath(id_ + QStringLiteral(".json"));
  savedAt_ = QFileInfo(path_).lastModified();
}

OrphanedSession::~OrphanedSession() = default;  // QLockFile's destructor releases the claim

QString OrphanedSession::keepAside(const QString& reason) {
  QDir kept(QDir(directory_).filePath(QStringLiteral("kept")));
  if (!kept.mkpath(QStringLiteral("."))) {
    throw inputError("cannot create the folder '" + kept.path().toStdString() +
                     "' to keep the recovery file '" + path_.toStdString() + "'");
  }
  // Make room first, so that the file kept now is never the one pruned (its modification time is
  // when it was last saved, which may be older than the others').
  const QFileInfoList old = kept.entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Time);
  for (qsizetype i = kKeptFiles - 1; i < old.size(); ++i)
    QFile::remove(old[i].filePath());
  QString target = kept.filePath(id_ + QLatin1Char('.') + reason + QStringLiteral(".json"));
  for (int n = 2; QFileInfo::exists(target); ++n)
    target = kept.filePath(QStringLiteral("%1.%2-%3.json").arg(id_, reason).arg(n));
  if (!QFile::rename(path_, target)) {
    throw inputError("cannot move the recovery file '" + path_.toStdString() + "' to '" +
                     target.toStdString() + "'");
  }
  path_ = target;
  lock_.reset();
  return target;
}

std::unique_ptr<QLockFile> OrphanedSession::takeLock() {
  return std::move(lock_);
}

}  // namespace bilevel::studio
