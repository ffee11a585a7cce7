#include "CoreWorker.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <limits>

#include "QueuedCall.h"
#include "common/Error.h"
#include "common/Stopwatch.h"
#include "diagnostics/JacobianDiagnostics.h"
#include "learning/LearningSession.h"
#include "learning/ReconstructionPreview.h"
#include "models/LowerLevel.h"
#include "registry/Registry.h"

namespace bilevel::studio {

namespace {

QString describe(const std::exception& e) {
  return QString::fromStdString(e.what());
}

// The documented exit code of an error (DESIGN.md §4), 1 for anything unforeseen.
int exitCodeOf(const std::exception& e) {
  const auto* error = dynamic_cast<const Error*>(&e);
  return error ? error->exitCode() : 1;
}

}  // namespace

CoreWorker::CoreWorker() {
  annotateQueuedCalls();
}
CoreWorker::~CoreWorker() = default;

void CoreWorker::yieldToInterface() {
  // On Linux the nice value is per thread; PRIO_PROCESS with a thread id sets only this one.
  // Failure (a sandbox forbidding it) only costs responsiveness, so it is not reported.
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  setpriority(PRIO_PROCESS, tid, getpriority(PRIO_PROCESS, tid) + 10);
}

// The request* methods end with an empty QueuedCallScope: whatever the worker receives after them
// (its deletion when the thread ends, too) is ordered after them for ThreadSanitizer.
void CoreWorker::armRun() {
  control_.reset();
  const QueuedCallScope publish;
}

void CoreWorker::requestStop() {
  control_.abort();
  previewCancel_.cancel();
  const QueuedCallScope publish;
}

void CoreWorker::requestPause() {
  control_.requestStop();
  const QueuedCallScope publish;
}

quint64 CoreWorker::supersedePreviews() {
  const quint64 id = latestPreview_.fetch_add(1) + 1;
  previewCancel_.cancel();
  const QueuedCallScope publish;
  return id;
}

ModelViews CoreWorker::modelViews(const LowerLevel& model, const Image& x,
                                  const Vector& theta) const {
  ModelViews result;
  if (x.pixels.size() != Eigen::Index(model.rows()) * model.cols()) return result;
  for (LowerLevelView& view : model.views(x.pixels, theta)) {
    if (view.kind == ViewKind::Reconstruction) continue;
    Image image(model.rows(), model.cols());
    image.pixels = std::move(view.pixels);
    result.push_back({view.kind, std::move(image)});
  }
  return result;
}

Vector CoreWorker::parametersOrUniform(const Vector& theta, double lambda) const {
  const LowerLevel& model = preview_->model();
  const Eigen::Index count = model.parameterCount();
  if (theta.size() == count) return theta;
  const registry::ModelEntry* entry = registry::findModel(model.name());
  if (entry && entry->uses("model.lambda")) return Vector::Constant(count, lambda);
  return model.defaultParameters();
}

void CoreWorker::publishFilterBank(const LowerLevel& model, const Vector& theta, bool evenEmpty) {
  FilterBank bank;
  if (theta.size() == model.parameterCount()) bank.filters = model.learnedFilters(theta);
  if (bank.filters.empty() && !evenEmpty) return;
  bank.penalty = model.responsePenalty();
  handOver([&] { emit filterBankChanged(bank); });
}

void CoreWorker::announceModel() {
  const LowerLevel& model = preview_->model();
  QStringList kinds;
  for (const LowerLevelView& view : model.views(model.initialPoint(), model.defaultParameters()))
    kinds << QString::fromStdString(toString(view.kind));
  handOver([&] { emit modelChanged(model.parameterLayout()); });
  handOver([&] { emit viewsChanged(kinds); });
  publishFilterBank(model, model.defaultParameters(), true);
}

void CoreWorker::load(const Configuration& configuration) {
  try {
    std::vector<TrainingPair> pairs = loadTrainingPairs(configuration);
    auto preview = std::make_unique<ReconstructionPreview>(pairs.front(), configuration);
    pairs_ = std::move(pairs);
    configuration_ = configuration;
    preview_ = std::move(preview);
    session_.reset();
    announceModel();
    handOver([&] { emit loaded(configuration, pairs_.front(), int(pairs_.size())); });
  } catch (const std::exception& e) {
    handOver(
        [&] { emit failed(QStringLiteral("Cannot open the images"), describe(e), exitCodeOf(e)); });
  }
}

void CoreWorker::reconfigure(const Configuration& configuration) {
  if (pairs_.empty()) return load(configuration);
  try {
    auto preview = std::make_unique<ReconstructionPreview>(pairs_.front(), configuration);
    configuration_ = configuration;
    preview_ = std::move(preview);
    session_.reset();
    announceModel();
  } catch (const std::exception& e) {
    handOver([&] { emit reconfigureFailed(*configuration_, describe(e)); });
  }
}

void CoreWorker::discardSession() {
  session_.reset();
}

void CoreWorker::preview(const Vector& theta, quint64 requestId) {
  if (!preview_ || requestId != latestPreview_.load()) return;
  previewCancel_.reset();
  // A request that arrived between the test above and the reset raised the flag too early to
  // be seen; test again so it is not lost.
  if (requestId != latestPreview_.load()) return;
  try {
    Stopwatch clock;
    const SolveSummary summary = preview_->solve(theta, &previewCancel_);
    if (summary.termination == Termination::Cancelled) return;
    if (summary.termination == Termination::Diverged) {
      handOver([&] {
        emit failed(QStringLiteral("The reconstruction diverged"),
                    QStringLiteral("The lower-level solve diverged for these parameters; the last "
                                   "good reconstruction is kept. (%1)")
                        .arg(QString::fromStdString(summary.message)),
                    int(ErrorKind::Numerical));
      });
      return;
    }
    publishFilterBank(preview_->model(), theta, false);
    handOver([&] {
      emit previewReady(preview_->reconstruction(),
                        modelViews(preview_->model(), preview_->reconstruction(), theta), theta,
                        summary.iterations, clock.seconds());
    });
  } catch (const std::exception& e) {
    handOver([&] {
      emit failed(QStringLiteral("Cannot compute the reconstruction"), describe(e), exitCodeOf(e));
    });
  }
}

void CoreWorker::previewLambda(double lambda, quint64 requestId) {
  if (!preview_) return;
  preview(parametersOrUniform({}, lambda), requestId);
}

void CoreWorker::learn(int steps, const Vector& theta, double lambda) {
  if (!configuration_ || pairs_.empty()) {
    handOver([&] { emit learningStopped(RunEnd::Failed, QStringLiteral("no images are open")); });
    return;
  }
  try {
    if (!session_ || session_->finished()) {
      session_ = std::make_unique<LearningSession>(pairs_, *configuration_);
      session_->setInitialParameters(parametersOrUniform(theta, lambda));
    }
    handOver([&] { emit learningStarted(); });
    // A Pause pressed between queueing this call and its start.
    if (control_.stopRequested()) {
      handOver([&] { emit learningStopped(RunEnd::Paused, {}); });
      return;
    }
    const int batch =
        steps > 0 ? steps : std::max(1, configuration_->json()["outer"]["iterations"].get<int>());
    const int target = session_->iteration() + batch;
    int lastReported = session_->history().empty() ? -1 : session_->history().back().iteration;
    // The same mechanism as the CLI's: the observer sends each step to the window and answers
    // Abort for Stop, StopSuccessfully for Pause and at the end of this batch of steps (the
    // session stays unfinished, so the next Learn continues it with the optimiser's memory).
    session_->setObserver([&](const Snapshot& step) {
      // One snapshot per iteration: a step that did not move (the convergence test that ends the
      // run) repeats the last iteration, whose point the window already has; how the run ended
      // comes with learningStopped.
      if (step.iteration != lastReported) {
        lastReported = step.iteration;
        const bool last =
            session_->finished() || step.iteration >= target || control_.stopRequested();
        Snapshot snapshot = step;
        ModelViews views;
        if (last || snapshotsInFlight_.load() < kMaxPicturesInFlight) {
          views = modelViews(session_->model(), snapshot.reconstruction, snapshot.parameters);
          publishFilterBank(session_->model(), snapshot.parameters, false);
        } else {
          snapshot.reconstruction = Image();
          snapshot.diagnostics.inner.trace = {};
          snapshot.diagnostics.residualHistory = {};
        }
        ++snapshotsInFlight_;
        handOver([&] { emit snapshotReady(snapshot, views); });
      }
      const ObserverDecision decision = control_.decision();
      if (decision == ObserverDecision::Continue && step.iteration >= target) {
        return ObserverDecision::StopSuccessfully;
      }
      return decision;
    });
    const LearnSummary summary = session_->run(std::numeric_limits<int>::max(), &control_);
    session_->setObserver({});  // it refers to this call's locals
    const RunEnd end = runEnd(summary.termination, control_.stopRequested());
    if (end == RunEnd::Cancelled) session_.reset();
    const QString message = end == RunEnd::Steps || end == RunEnd::Paused
                                ? QString()
                                : QString::fromStdString(summary.message);
    handOver([&] { emit learningStopped(end, message); });
  } catch (const std::exception& e) {
    session_.reset();
    handOver([&] { emit failed(QStringLiteral("Learning stopped"), describe(e), exitCodeOf(e)); });
    handOver([&] { emit learningStopped(RunEnd::Failed, describe(e)); });
  }
}

void CoreWorker::runDiagnostics(const Vector& theta, double lambda) {
  if (!configuration_ || pairs_.empty()) {
    handOver([&] {
      emit diagnosticsFinished(QStringLiteral("failed"), QStringLiteral("no images are open"));
    });
    return;
  }
  try {
    JacobianDiagnosticsObserver observer;
    observer.started = [this](int methods) { handOver([&] { emit diagnosticsStarted(methods); }); };
    observer.row = [this](const MethodAgreementRow& row) {
      handOver([&] { emit agreementRowReady(row); });
    };
    observer.sequence = [this](const DerivativeSequence& s) {
      handOver([&] { emit derivativeSequenceReady(s); });
    };
    observer.maps = [this](const SensitivityMaps& maps) {
      handOver([&] { emit sensitivityMapsReady(maps); });
    };
    observer.support = [this](const SupportIdentification& support) {
      handOver([&] { emit supportIdentificationReady(support); });
    };
    const bool complete =
        runJacobianDiagnostics(*configuration_, pairs_.front(), parametersOrUniform(theta, lambda),
                               JacobianDiagnosticsOptions{}, observer, &control_);
    handOver([&] {
      emit diagnosticsFinished(complete ? QStringLiteral("done") : QStringLiteral("cancelled"), {});
    });
  } catch (const std::exception& e) {
    handOver(
        [&] { emit failed(QStringLiteral("Diagnostics failed"), describe(e), exitCodeOf(e)); });
    handOver([&] { emit diagnosticsFinished(QStringLiteral("failed"), describe(e)); });
  }
}

}  // namespace bilevel::studio
