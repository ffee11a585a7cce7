#include "LearningController.h"

#include "CoreWorker.h"
#include "QueuedCall.h"
#include "StudioDocument.h"

namespace bilevel::studio {

LearningController::LearningController(StudioDocument* document, QObject* parent)
    : QObject(parent), document_(document) {
  worker_ = new CoreWorker;
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  thread_.setObjectName(QStringLiteral("core worker"));
  thread_.start();
  queueCall(worker_, [w = worker_] { w->yieldToInterface(); });
}

LearningController::~LearningController() {
  worker_->requestStop();
  thread_.quit();
  thread_.wait();
}

int LearningController::learn(int steps, double lambda) {
  worker_->supersedePreviews();
  worker_->armRun();
  const int batchSteps =
      steps > 0 ? steps : document_->configuration().json()["outer"]["iterations"].get<int>();
  const std::vector<Snapshot>& rows = document_->history();
  batchStart_ = rows.empty() ? 0 : rows.back().iteration;
  runFirstRow_ = rows.size();
  document_->beginRun();
  queueCall(worker_, [w = worker_, steps, theta = document_->startParameters(), lambda] {
    w->learn(steps, theta, lambda);
  });
  return batchSteps;
}

void LearningController::preview(double lambda) {
  const quint64 id = worker_->supersedePreviews();
  if (const Vector& theta = document_->startParameters(); theta.size() > 0) {
    queueCall(worker_, [w = worker_, theta, id] { w->preview(theta, id); });
  } else {
    queueCall(worker_, [w = worker_, lambda, id] { w->previewLambda(lambda, id); });
  }
}

void LearningController::pause() {
  worker_->requestPause();
}

void LearningController::stop() {
  worker_->requestStop();
}

int LearningController::record(const Snapshot& snapshot) {
  worker_->snapshotTaken();
  // A run restarted after Stop or a settings change begins with an evaluation of the θ the last
  // one ended at; it continues the history rather than adding a duplicate point.
  const std::vector<Snapshot>& rows = document_->history();
  bool continues = false;
  if (snapshot.iteration == 0 && rows.empty()) {
    iterationOffset_ = 0;
    elapsedOffset_ = 0.0;
  } else if (snapshot.iteration == 0) {
    elapsedOffset_ = rows.back().elapsedSeconds;
    if (document_->segmentPending()) {
      // After an edit: a new segment of the same history, numbered on from the last row and
      // marked on the plots, instead of wiping what was learned (issue 10 §1).
      iterationOffset_ = rows.back().iteration + 1;
      document_->startSegment(iterationOffset_);
      emit segmentStarted(iterationOffset_);
    } else {
      iterationOffset_ = rows.back().iteration;
      continues = true;
      runFirstRow_ = rows.size() - 1;
    }
  }
  if (!continues) {
    Snapshot shown = snapshot;
    shown.iteration += iterationOffset_;
    shown.elapsedSeconds += elapsedOffset_;
    shown.reconstruction = Image();
    // Assigned, not cleared: clear() keeps the buffers, which every history row then held
    // (about 1 KiB a row while the inner solves take ~100 iterations; issue 8 §3).
    shown.diagnostics.inner.trace = {};
    shown.diagnostics.residualHistory = {};
    document_->appendSnapshot(shown);
  }
  document_->setLearnedParameters(snapshot.parameters);
  return rows.empty() ? 0 : rows.back().iteration;
}

std::optional<Snapshot> LearningController::runStartRow() const {
  const std::vector<Snapshot>& rows = document_->history();
  if (runFirstRow_ >= rows.size()) return std::nullopt;
  return rows[runFirstRow_];
}

void LearningController::finish() {
  const std::vector<Snapshot>& rows = document_->history();
  const int steps = std::max(0, (rows.empty() ? 0 : rows.back().iteration) - batchStart_);
  document_->endRun(steps == 1 ? tr("learning (1 step)") : tr("learning (%1 steps)").arg(steps));
}

}  // namespace bilevel::studio
