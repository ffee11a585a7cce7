#include "RecoveryStore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QLockFile>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <chrono>

#include "OrphanedSession.h"
#include "QueuedCall.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace bilevel::studio {

namespace {

// Sortable and unique: when the studio started, its process id, and a random tag for two studios
// started in the same second inside different PID namespaces.
QString newId() {
  return QStringLiteral("%1-%2-%3")
      .arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss")))
      .arg(QCoreApplication::applicationPid())
      .arg(QRandomGenerator::global()->bounded(0x10000), 4, 16, QLatin1Char('0'));
}

}  // namespace

QString RecoveryStore::defaultDirectory() {
  return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
      .filePath(QStringLiteral("recovery"));
}

RecoveryStore::RecoveryStore(const QString& directory, QObject* parent)
    : QObject(parent), directory_(directory) {
  annotateQueuedCalls();  // the writer thread queues makeDue() on this object's thread
  QDir().mkpath(directory_);
  for (int attempt = 0; attempt < 4 && !lock_; ++attempt) {
    const QString id = newId();
    auto lock =
        std::make_unique<QLockFile>(QDir(directory_).filePath(id + QStringLiteral(".lock")));
    lock->setStaleLockTime(0);  // held for the studio's lifetime, however long
    if (lock->tryLock(0)) {
      lock_ = std::move(lock);
      id_ = id;
    }
  }
  if (!lock_) {
    // A read-only or missing data folder: saves will fail and say so through writeFailed.
    id_ = newId();
    qWarning("bilevel-studio: cannot lock a recovery file in %s", qPrintable(directory_));
  }
  target_ =
      std::filesystem::path(QDir(directory_).filePath(id_ + QStringLiteral(".json")).toStdString());
  writer_ = std::thread([this] { run(); });
}

RecoveryStore::~RecoveryStore() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  writer_.join();
}

QString RecoveryStore::path() const {
  std::lock_guard lock(mutex_);
  return QString::fromStdString(target_.string());
}

QString RecoveryStore::id() const {
  std::lock_guard lock(mutex_);
  return id_;
}

void RecoveryStore::save(SessionRecord session) {
  if (discarded_) return;
  {
    std::lock_guard lock(mutex_);
    pending_ = std::move(session);
    due_ = false;  // this record is newer
  }
  wake_.notify_all();
}

void RecoveryStore::saveLater(std::function<SessionRecord()> make) {
  if (discarded_) return;
  make_ = std::move(make);
  {
    std::lock_guard lock(mutex_);
    if (writing_ || resting_ || pending_) {
      due_ = true;  // the writer asks for the record when it is ready
      return;
    }
    due_ = false;
  }
  save(make_());
}

void RecoveryStore::makeDue() {
  {
    std::lock_guard lock(mutex_);
    requested_ = false;
    if (!due_ || discarded_) return;
    due_ = false;
  }
  save(make_());
}

void RecoveryStore::flush() {
  std::unique_lock lock(mutex_);
  if (due_) {
    due_ = false;
    if (!discarded_) {
      lock.unlock();
      SessionRecord session = make_();
      lock.lock();
      pending_ = std::move(session);
    }
  }
  ++flushing_;
  wake_.notify_all();  // ends the writer's rest
  idle_.wait(lock, [this] { return !pending_ && !writing_; });
  --flushing_;
}

void RecoveryStore::discard() {
  if (discarded_) return;
  discarded_ = true;
  flush();
  QFile::remove(path());
  lock_.reset();  // QLockFile's destructor removes the lock file
}

void RecoveryStore::adopt(OrphanedSession& orphan) {
  flush();
  QFile::remove(path());
  lock_ = orphan.takeLock();
  std::lock_guard lock(mutex_);
  id_ = orphan.id();
  target_ = std::filesystem::path(orphan.path().toStdString());
}

int RecoveryStore::writesDone() const {
  std::lock_guard lock(mutex_);
  return writesDone_;
}

double RecoveryStore::lastWriteSeconds() const {
  std::lock_guard lock(mutex_);
  return lastWriteSeconds_;
}

void RecoveryStore::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return quit_ || pending_.has_value() || (due_ && !requested_); });
    if (!pending_) {
      if (quit_) return;  // quitting with nothing left to write (a save not made is dropped)
      // A saveLater() is due: its record is made on the store's thread.
      requested_ = true;
      lock.unlock();
      queueCall(this, [this] { makeDue(); });
      lock.lock();
      continue;
    }
    SessionRecord session = std::move(*pending_);
    pending_.reset();
    const std::filesystem::path target = target_;
    writing_ = true;
    lock.unlock();
    QString error;
    const auto start = std::chrono::steady_clock::now();
    try {
      writeSessionFile(target, session);
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    session = SessionRecord();  // freed before the trim below, not after the rest
    // A write frees the record copied on the GUI thread and allocates the file's text:
    // transients as large as the history (megabytes after a few thousand steps). glibc keeps
    // freed memory in its arenas, and once a large block has been freed it raises its threshold
    // for giving memory back, so each write's peak would stay resident and the studio's memory
    // would grow with the history faster than the live data do (issue 8 §3; measured over a
    // 1,000-step soak, 7.0 MiB of growth beyond the history rows without the trim, 5.0 with
    // it). malloc_trim hands the free pages of every arena back; measured in that soak, 0.2 to
    // 0.5 ms per call on average and 16 ms at worst on a loaded machine, against writes of 10 to
    // 100 ms. It counts in the write's duration, so the rest below makes up for it too.
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    lock.lock();
    writing_ = false;
    ++writesDone_;
    lastWriteSeconds_ = seconds.count();
    if (!error.isEmpty()) {
      // Delivered on the GUI thread; a store destroyed first drops the event with itself.
      QMetaObject::invokeMethod(
          this, [this, error] { emit writeFailed(error); }, Qt::QueuedConnection);
    }
    idle_.notify_all();
    // Rest three times as long as the write took, so that autosaving costs at most a quarter
    // of a core: with a history of thousands of steps a write takes a tenth of a second or more
    // (tst_recovery prints it), and learning shares the machine. Saves that come meanwhile are
    // merged into the next write.
    resting_ = true;
    wake_.wait_for(lock, 3 * seconds, [this] { return quit_ || flushing_ > 0; });
    resting_ = false;
  }
}

}  // namespace bilevel::studio
