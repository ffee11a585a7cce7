#include "CoreWorker.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/Error.h"
#include "common/Stopwatch.h"
#include "learning/LearningSession.h"
#include "learning/ModelFactory.h"
#include "learning/ReconstructionPreview.h"
#include "losses/SquaredError.h"
#include "models/HuberTV.h"

namespace bilevel::studio {

namespace {

// The tolerances of `bilevel-cli check`: tight enough that each method's own approximation
// shows in the agreement table rather than the solver's stopping error.
Configuration diagnosticsConfiguration(Configuration configuration) {
  configuration.set("solver.tolerance=1e-10");
  configuration.set("hypergradient.tolerance=1e-10");
  return configuration;
}

QString describe(const std::exception& e) {
  return QString::fromStdString(e.what());
}

// The documented exit code of an error (DESIGN.md §4), 1 for anything unforeseen.
int exitCodeOf(const std::exception& e) {
  const auto* error = dynamic_cast<const Error*>(&e);
  return error ? error->exitCode() : 1;
}

}  // namespace

CoreWorker::CoreWorker() = default;
CoreWorker::~CoreWorker() = default;

void CoreWorker::yieldToInterface() {
  // On Linux the nice value is per thread; PRIO_PROCESS with a thread id sets only this one.
  // Failure (a sandbox forbidding it) only costs responsiveness, so it is not reported.
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  setpriority(PRIO_PROCESS, tid, getpriority(PRIO_PROCESS, tid) + 5);
}

void CoreWorker::requestStop() {
  stop_.cancel();
  previewCancel_.cancel();
}

void CoreWorker::requestPause() {
  pause_.store(true);
}

quint64 CoreWorker::supersedePreviews() {
  const quint64 id = latestPreview_.fetch_add(1) + 1;
  previewCancel_.cancel();
  return id;
}

void CoreWorker::resetSession() {
  session_.reset();
}

Image CoreWorker::weightMapImage(const Model& model, const Vector& theta) const {
  const auto* huber = dynamic_cast<const HuberTV*>(&model);
  if (!huber || !huber->hasWeightMap()) return {};
  Image map(model.rows(), model.cols());
  map.pixels = huber->weightMap(theta);
  return map;
}

void CoreWorker::load(const Configuration& configuration) {
  try {
    std::vector<TrainingPair> pairs = loadTrainingPairs(configuration);
    auto preview = std::make_unique<ReconstructionPreview>(pairs.front(), configuration);
    pairs_ = std::move(pairs);
    configuration_ = configuration;
    preview_ = std::move(preview);
    resetSession();
    emit modelChanged(preview_->model().parameterLayout());
    emit loaded(configuration, pairs_.front(), int(pairs_.size()));
  } catch (const std::exception& e) {
    emit failed(QStringLiteral("Cannot open the images"), describe(e), exitCodeOf(e));
  }
}

void CoreWorker::reconfigure(const Configuration& configuration) {
  if (pairs_.empty()) return load(configuration);
  try {
    auto preview = std::make_unique<ReconstructionPreview>(pairs_.front(), configuration);
    configuration_ = configuration;
    preview_ = std::move(preview);
    resetSession();
    emit modelChanged(preview_->model().parameterLayout());
  } catch (const std::exception& e) {
    emit failed(QStringLiteral("Invalid settings"), describe(e), exitCodeOf(e));
  }
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
      emit failed(QStringLiteral("The reconstruction diverged"),
                  QStringLiteral("The lower-level solve diverged for these parameters; the last "
                                 "good reconstruction is kept. (%1)")
                      .arg(QString::fromStdString(summary.message)),
                  int(ErrorKind::Numerical));
      return;
    }
    emit previewReady(preview_->reconstruction(), weightMapImage(preview_->model(), theta), theta,
                      summary.iterations, clock.seconds());
  } catch (const std::exception& e) {
    emit failed(QStringLiteral("Cannot compute the reconstruction"), describe(e), exitCodeOf(e));
  }
}

void CoreWorker::previewLambda(double lambda, quint64 requestId) {
  if (!preview_) return;
  // Every model so far has only weights, so a slider's λ sets each of them.
  preview(Vector::Constant(preview_->model().parameterCount(), lambda), requestId);
}

void CoreWorker::learn(int steps, const Vector& theta) {
  if (!configuration_ || pairs_.empty()) return;
  stop_.reset();
  pause_.store(false);
  try {
    if (!session_ || session_->finished()) {
      session_ = std::make_unique<LearningSession>(pairs_, *configuration_);
      if (theta.size() > 0) session_->setInitialParameters(theta);
    }
    emit learningStarted();
    const int batch =
        steps > 0 ? steps : std::max(1, configuration_->json()["outer"]["iterations"].get<int>());
    const int target = session_->iteration() + batch;
    int lastReported = session_->history().empty() ? -1 : session_->history().back().iteration;
    int stalled = 0;
    while (true) {
      if (pause_.load()) {
        emit learningStopped(QStringLiteral("paused"), {});
        return;
      }
      const Snapshot snapshot = session_->step(&stop_);
      if (snapshot.status == "cancelled") {
        session_.reset();
        emit learningStopped(QStringLiteral("cancelled"), QStringLiteral("stopped by the user"));
        return;
      }
      if (snapshot.iteration != lastReported || session_->finished()) {
        lastReported = snapshot.iteration;
        stalled = 0;
        emit snapshotReady(snapshot, weightMapImage(session_->model(), snapshot.parameters));
      } else if (++stalled >= 3) {
        // The optimiser keeps failing to move (each failure resets its memory first).
        const QString message = QString::fromStdString(session_->summary().message);
        session_.reset();
        emit learningStopped(QStringLiteral("converged"), message);
        return;
      }
      if (session_->finished()) {
        emit learningStopped(QString::fromStdString(session_->summary().termination),
                             QString::fromStdString(session_->summary().message));
        return;
      }
      if (session_->iteration() >= target) {
        emit learningStopped(QStringLiteral("steps"), {});
        return;
      }
    }
  } catch (const std::exception& e) {
    session_.reset();
    emit failed(QStringLiteral("Learning stopped"), describe(e), exitCodeOf(e));
    emit learningStopped(QStringLiteral("failed"), describe(e));
  }
}

void CoreWorker::runDiagnostics(const Vector& thetaOrDefault) {
  if (!configuration_ || pairs_.empty()) return;
  stop_.reset();
  try {
    const Configuration configuration = diagnosticsConfiguration(*configuration_);
    const TrainingPair& pair = pairs_.front();
    const auto model = makeModel(configuration, pair.noisy);
    const auto solver = makeInnerSolver(configuration.solverType());
    const SquaredError loss(pair.clean.pixels);
    const BilevelProblem problem{*model, loss, *solver, configuration.solveOptions()};
    const Vector theta = thetaOrDefault.size() > 0 ? thetaOrDefault : model->defaultParameters();
    emit diagnosticsStarted(int(hypergradientMethodNames().size()));

    const MethodAgreementReport report = compareHypergradientMethods(
        problem, theta, pair.noisy.pixels, configuration.hypergradientOptions(), {}, &stop_,
        [&](const MethodAgreementRow& row) { emit agreementRowReady(row); });
    if (report.cancelled || stop_.isCancelled()) {
      emit diagnosticsFinished(QStringLiteral("cancelled"), {});
      return;
    }

    SolveOptions tight = configuration.solveOptions();
    tight.fixedIterations = 0;
    Vector solution = pair.noisy.pixels;
    const SolveSummary solved = solver->solve(*model, theta, solution, tight, &stop_);
    if (solved.termination == Termination::Cancelled) {
      emit diagnosticsFinished(QStringLiteral("cancelled"), {});
      return;
    }
    if (!solved.usable()) throw numericalError("the lower-level solve diverged");

    DerivativeSequenceOptions sequenceOptions;
    const DerivativeSequence sequence =
        derivativeSequence(*model, theta, solution, {}, sequenceOptions, &stop_);
    if (sequence.cancelled) {
      emit diagnosticsFinished(QStringLiteral("cancelled"), {});
      return;
    }
    emit derivativeSequenceReady(sequence);

    const SensitivityMaps maps =
        sensitivityMaps(*model, loss, theta, solution, {}, 1e-10, 5000, &stop_);
    if (maps.cancelled) {
      emit diagnosticsFinished(QStringLiteral("cancelled"), {});
      return;
    }
    emit sensitivityMapsReady(maps);
    emit diagnosticsFinished(QStringLiteral("done"), {});
  } catch (const std::exception& e) {
    emit failed(QStringLiteral("Diagnostics failed"), describe(e), exitCodeOf(e));
    emit diagnosticsFinished(QStringLiteral("failed"), describe(e));
  }
}

}  // namespace bilevel::studio
