#include "RecoveryStore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QLockFile>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <algorithm>
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

namespace {

// The fields of a row that the file holds.
bool sameRow(const Snapshot& a, const Snapshot& b) {
  return a.iteration == b.iteration && a.outerLoss == b.outerLoss && a.psnr == b.psnr &&
         a.hypergradientNorm == b.hypergradientNorm && a.stepSeconds == b.stepSeconds &&
         a.elapsedSeconds == b.elapsedSeconds && a.innerIterations == b.innerIterations &&
         a.evaluations == b.evaluations && a.status == b.status &&
         a.parameters.size() == b.parameters.size() && a.parameters == b.parameters;
}

Snapshot fileRow(const Snapshot& row) {
  Snapshot kept;
  kept.iteration = row.iteration;
  kept.outerLoss = row.outerLoss;
  kept.psnr = row.psnr;
  kept.hypergradientNorm = row.hypergradientNorm;
  kept.stepSeconds = row.stepSeconds;
  kept.elapsedSeconds = row.elapsedSeconds;
  kept.innerIterations = row.innerIterations;
  kept.evaluations = row.evaluations;
  kept.status = row.status;
  kept.parameters = row.parameters;
  return kept;
}

bool sameVector(const Vector& a, const Vector& b) {
  return a.size() == b.size() && a == b;
}

}  // namespace

void RecoveryStore::queueWhole(SessionRecord session) {
  queued_ = Queued{session.configuration.json(), session.history.size(),
                   session.history.empty() ? Snapshot() : fileRow(session.history.back()),
                   session.parameters, session.segmentStarts};
  pending_ = Update{std::move(session), {}, {}, {}};
  rewrite_ = false;
}

void RecoveryStore::queueView(const SessionView& view) {
  const std::vector<Snapshot>& history = view.history;
  const std::vector<int>& segments = view.segmentStarts;
  const auto segmentsExtendQueued = [&] {
    // The queued starts are still there, and a new one marks a row not written yet.
    const std::vector<int>& queued = queued_->segmentStarts;
    return segments.size() >= queued.size() &&
           std::equal(queued.begin(), queued.end(), segments.begin()) &&
           (segments.size() == queued.size() || queued_->rows == 0 ||
            segments[queued.size()] > queued_->lastRow.iteration);
  };
  const bool appendable =
      !rewrite_ && queued_ && view.configuration.json() == queued_->configuration &&
      history.size() >= queued_->rows &&
      (queued_->rows == 0 || sameRow(history[queued_->rows - 1], queued_->lastRow)) &&
      segmentsExtendQueued();
  if (!appendable) {
    queueWhole(SessionRecord{view.configuration, view.parameters, history, segments});
    return;
  }
  const bool newRows = history.size() > queued_->rows;
  const bool newParameters = !sameVector(view.parameters, queued_->parameters);
  if (!newRows && !newParameters) return;  // nothing to write (a segment begins with its row)
  if (!pending_) pending_ = Update{};
  Update& update = *pending_;
  std::vector<Snapshot>& rows = update.whole ? update.whole->history : update.rows;
  for (std::size_t i = queued_->rows; i < history.size(); ++i)
    rows.push_back(fileRow(history[i]));
  if (update.whole) {
    update.whole->parameters = view.parameters;
    update.whole->segmentStarts = segments;
  } else {
    if (newParameters) update.parameters = view.parameters;
    update.segmentStarts = segments;  // the appended rows among them are marked
  }
  queued_->rows = history.size();
  if (newRows) queued_->lastRow = fileRow(history.back());
  queued_->parameters = view.parameters;
  queued_->segmentStarts = segments;
}

void RecoveryStore::save(SessionRecord session) {
  if (discarded_) return;
  {
    std::lock_guard lock(mutex_);
    queueWhole(std::move(session));
    due_ = false;  // this record is newer
  }
  wake_.notify_all();
}

void RecoveryStore::saveLater(std::function<SessionView()> view) {
  if (discarded_) return;
  view_ = std::move(view);
  {
    std::lock_guard lock(mutex_);
    if (writing_ || resting_ || pending_) {
      due_ = true;  // the writer asks for the update when it is ready
      return;
    }
    due_ = false;
    queueView(view_());
  }
  wake_.notify_all();
}

void RecoveryStore::makeDue() {
  {
    std::lock_guard lock(mutex_);
    requested_ = false;
    if (!due_ || discarded_) return;
    due_ = false;
    queueView(view_());
  }
  wake_.notify_all();
}

void RecoveryStore::flush() {
  std::unique_lock lock(mutex_);
  if (due_) {
    due_ = false;
    if (!discarded_) queueView(view_());
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
  rewrite_ = true;  // the orphan's file, in whichever format its studio wrote
}

int RecoveryStore::writesDone() const {
  std::lock_guard lock(mutex_);
  return writesDone_;
}

int RecoveryStore::rewritesDone() const {
  std::lock_guard lock(mutex_);
  return rewritesDone_;
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
    Update update = std::move(*pending_);
    pending_.reset();
    const std::filesystem::path target = target_;
    writing_ = true;
    lock.unlock();
    QString error;
    const auto start = std::chrono::steady_clock::now();
    const bool whole = update.whole.has_value();
    try {
      if (whole) {
        writeSessionJournal(target, *update.whole);
      } else {
        appendToSessionJournal(target, update.rows,
                               update.parameters ? &*update.parameters : nullptr,
                               update.segmentStarts);
      }
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    update = Update();  // freed before the trim below, not after the rest
    // A rewrite frees the record copied on the GUI thread and the file's text: transients as
    // large as the history (megabytes after a few thousand steps). glibc keeps freed memory in
    // its arenas, and once a large block has been freed it raises its threshold for giving
    // memory back, so each rewrite's peak would stay resident. So do the studio's other large
    // frees: the old buffer of a history that has grown (the window's and the worker's, 0.8 MiB
    // each at 2,048 rows), the plots' geometry. malloc_trim hands the free pages of every arena
    // back (measured: 0.2 to 0.5 ms a call, 16 ms at worst on a loaded machine): after every
    // rewrite, and after appends (whose own transients are a row's) once a second at most. In a
    // 3,000-step soak at 64² (bench/soak studio 3000) the RSS stepped up by 1.75 MiB when the
    // histories grew past 2,048 rows without the appends' trim.
#ifdef __GLIBC__
    const auto now = std::chrono::steady_clock::now();
    if (whole || now - lastTrim_ >= std::chrono::seconds(1)) {
      malloc_trim(0);
      lastTrim_ = now;
    }
#endif
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    // Delivered on the GUI thread; a store destroyed first drops the event with itself.
    if (!error.isEmpty()) queueCall(this, [this, error] { emit writeFailed(error); });
    lock.lock();
    writing_ = false;
    ++writesDone_;
    if (whole) ++rewritesDone_;
    lastWriteSeconds_ = seconds.count();
    if (!error.isEmpty()) {
      // What the file holds is now unknown (an append may even have been cut off): the next
      // update rewrites it whole, and appends queued meanwhile, which assume this one, go.
      rewrite_ = true;
      if (pending_ && !pending_->whole) pending_.reset();
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
