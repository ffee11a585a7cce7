#include "CoreWorker.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "QueuedCall.h"
#include "common/Error.h"
#include "common/Stopwatch.h"
#include "diagnostics/JacobianDiagnostics.h"
#include "learning/LearningSession.h"
#include "learning/ReconstructionPreview.h"

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
  stop_.reset();
  pause_.store(false);
  const QueuedCallScope publish;
}

void CoreWorker::requestStop() {
  stop_.cancel();
  previewCancel_.cancel();
  const QueuedCallScope publish;
}

void CoreWorker::requestPause() {
  pause_.store(true);
  const QueuedCallScope publish;
}

quint64 CoreWorker::supersedePreviews() {
  const quint64 id = latestPreview_.fetch_add(1) + 1;
  previewCancel_.cancel();
  const QueuedCallScope publish;
  return id;
}

Image CoreWorker::weightMapImage(const Model& model, const Vector& theta) const {
  if (!model.hasWeightMap()) return {};
  Image map(model.rows(), model.cols());
  map.pixels = model.weightMap(theta);
  return map;
}

Vector CoreWorker::parametersOrUniform(const Vector& theta, double lambda) const {
  const Eigen::Index count = preview_->model().parameterCount();
  if (theta.size() == count) return theta;
  // Every model so far has only weights, so a single λ sets each of them.
  return Vector::Constant(count, lambda);
}

void CoreWorker::load(const Configuration& configuration) {
  try {
    std::vector<TrainingPair> pairs = loadTrainingPairs(configuration);
    auto preview = std::make_unique<ReconstructionPreview>(pairs.front(), configuration);
    pairs_ = std::move(pairs);
    configuration_ = configuration;
    preview_ = std::move(preview);
    session_.reset();
    handOver([&] { emit modelChanged(preview_->model().parameterLayout()); });
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
    handOver([&] { emit modelChanged(preview_->model().parameterLayout()); });
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
    handOver([&] {
      emit previewReady(preview_->reconstruction(), weightMapImage(preview_->model(), theta), theta,
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
    handOver([&] {
      emit learningStopped(QStringLiteral("failed"), QStringLiteral("no images are open"));
    });
    return;
  }
  try {
    if (!session_ || session_->finished()) {
      session_ = std::make_unique<LearningSession>(pairs_, *configuration_);
      session_->setInitialParameters(parametersOrUniform(theta, lambda));
    }
    handOver([&] { emit learningStarted(); });
    const int batch =
        steps > 0 ? steps : std::max(1, configuration_->json()["outer"]["iterations"].get<int>());
    const int target = session_->iteration() + batch;
    int lastReported = session_->history().empty() ? -1 : session_->history().back().iteration;
    while (true) {
      if (pause_.load()) {
        handOver([&] { emit learningStopped(QStringLiteral("paused"), {}); });
        return;
      }
      Snapshot snapshot = session_->step(&stop_);
      if (snapshot.status == "cancelled") {
        session_.reset();
        handOver([&] {
          emit learningStopped(QStringLiteral("cancelled"), QStringLiteral("stopped by the user"));
        });
        return;
      }
      // One snapshot per iteration: a step that did not move (a failed line search, or the
      // convergence test that ends the run) repeats the last iteration, whose point the window
      // already has; how the run ended comes with learningStopped.
      if (snapshot.iteration != lastReported) {
        lastReported = snapshot.iteration;
        const bool last = session_->finished() || session_->iteration() >= target || pause_.load();
        Image weightMap;
        if (last || snapshotsInFlight_.load() < kMaxPicturesInFlight) {
          weightMap = weightMapImage(session_->model(), snapshot.parameters);
        } else {
          snapshot.reconstruction = Image();
          snapshot.diagnostics.inner.trace = {};
          snapshot.diagnostics.residualHistory = {};
        }
        ++snapshotsInFlight_;
        handOver([&] { emit snapshotReady(snapshot, weightMap); });
      }
      if (session_->finished()) {
        handOver([&] {
          emit learningStopped(QString::fromStdString(session_->summary().termination),
                               QString::fromStdString(session_->summary().message));
        });
        return;
      }
      if (session_->iteration() >= target) {
        handOver([&] { emit learningStopped(QStringLiteral("steps"), {}); });
        return;
      }
    }
  } catch (const std::exception& e) {
    session_.reset();
    handOver([&] { emit failed(QStringLiteral("Learning stopped"), describe(e), exitCodeOf(e)); });
    handOver([&] { emit learningStopped(QStringLiteral("failed"), describe(e)); });
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
    const bool complete =
        runJacobianDiagnostics(*configuration_, pairs_.front(), parametersOrUniform(theta, lambda),
                               JacobianDiagnosticsOptions{}, observer, &stop_);
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
