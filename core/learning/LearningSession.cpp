#include "learning/LearningSession.h"

#include <cmath>
#include <cstdio>
#include <utility>

#include "common/Error.h"
#include "common/Stopwatch.h"
#include "image/Quality.h"
#include "learning/ModelFactory.h"
#include "learning/ParameterTransform.h"

namespace bilevel {

namespace {

// Four significant digits: std::to_string's fixed six decimals print a gap of 3e-9 above a
// tolerance of 1e-10 as "0.000000 above 0.000000".
std::string significant(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

// Consecutive outer steps without progress after which a run counts as converged.
constexpr int kMaxStalledSteps = 3;
}  // namespace

// U(φ) = Σ_pairs ½‖x_p(θ) − clean_p‖² with θ = e^φ on positive blocks (so weights stay positive)
// and ∇_φU = ∇_θU ⊙ ∂θ/∂φ. Keeps the accepted lower-level solutions and solver states (x, and
// the dual of a primal–dual solver) as warm starts.
class LearningSession::Objective final : public OuterObjective {
 public:
  Objective(const std::vector<TrainingPair>& pairs, const Configuration& configuration,
            const CancellationFlag*& cancel)
      : cancel_(cancel) {
    solver_ = makeInnerSolver(configuration.solverType());
    method_ = makeHypergradientMethod(configuration.method(), configuration.hypergradientOptions());
    solveOptions_ = configuration.solveOptions();
    for (const auto& pair : pairs) {
      models_.push_back(makeModel(configuration, pair.noisy));
      losses_.push_back(std::make_unique<SquaredError>(pair.clean.pixels));
      accepted_.push_back(pair.noisy.pixels);
      trial_.push_back(pair.noisy.pixels);
      acceptedState_.emplace_back();
      trialState_.emplace_back();
      // A method that cannot differentiate this solver or model is a usage error before any work.
      requireSupport(*method_, {*models_.back(), *losses_.back(), *solver_, solveOptions_});
    }
  }

  const LowerLevel& model(std::size_t i) const { return *models_.at(i); }
  const Vector& accepted(std::size_t i) const { return accepted_.at(i); }

  Vector toTheta(const Vector& phi) const {
    return thetaFromPhi(models_.front()->parameterLayout(), phi);
  }
  Vector toPhi(const Vector& theta) const {
    return phiFromTheta(models_.front()->parameterLayout(), theta);
  }

  bool evaluate(const Vector& phi, OuterEvaluation& result) override {
    const Vector theta = toTheta(phi);
    Vector total = Vector::Zero(theta.size()), gradient(theta.size());
    double value = 0.0;
    for (std::size_t i = 0; i < models_.size(); ++i) {
      trial_[i] = accepted_[i];
      // The solver's state beyond x (Chambolle–Pock's dual q) at the accepted point warm-starts
      // the trial's solves along with x.
      trialState_[i] = acceptedState_[i];
      SolveOptions solve = solveOptions_;
      solve.state = &trialState_[i];
      const BilevelProblem problem{*models_[i], *losses_[i], *solver_, solve};
      HypergradientSummary summary =
          method_->evaluate(problem, theta, trial_[i], gradient, cancel_);
      innerIterations_ += summary.inner.iterations;
      if (summary.termination == Termination::Cancelled) return false;
      if (summary.termination == Termination::Diverged || !std::isfinite(summary.outerLoss) ||
          !gradient.allFinite()) {
        throw numericalError("the " + summary.method + " evaluation diverged at θ = [" +
                             std::to_string(theta.minCoeff()) + " … " +
                             std::to_string(theta.maxCoeff()) + "] (" + summary.message + ")");
      }
      // An implicit hypergradient assumes x is the solution x* (∂_xE(x*, θ) = 0, or a zero gap for
      // a primal–dual solver; DESIGN.md §2); a solve stopped by its
      // cap instead of its tolerance would give a wrong gradient silently. A fixed iteration
      // count (solver.iterations, unrolled/forward) is the map itself, not a failure.
      if (summary.inner.termination == Termination::IterationLimit &&
          solveOptions_.fixedIterations == 0) {
        throw numericalError(
            "the " + solver_->name() + " inner solve stopped at its iteration cap (" +
            "solver.max_iterations = " + std::to_string(solveOptions_.maxIterations) + ") with " +
            solver_->stoppingMeasure() + " " + significant(summary.inner.relativeGradientNorm) +
            " above solver.tolerance = " + significant(solveOptions_.tolerance) + " at θ = [" +
            significant(theta.minCoeff()) + " … " + significant(theta.maxCoeff()) +
            "]; raise solver.max_iterations or loosen solver.tolerance");
      }
      value += summary.outerLoss;
      total += gradient;
      if (i == 0) trialDiagnostics_ = std::move(summary);
    }
    lastTheta_ = theta;
    lastGradientTheta_ = total;
    result.value = value;
    result.gradient = gradientInPhi(models_.front()->parameterLayout(), theta, total);
    return true;
  }

  void accept() override {
    std::swap(accepted_, trial_);
    std::swap(acceptedState_, trialState_);
    acceptedTheta_ = lastTheta_;
    acceptedGradientTheta_ = lastGradientTheta_;
    acceptedDiagnostics_ = trialDiagnostics_;
  }

  const Vector& acceptedGradientTheta() const { return acceptedGradientTheta_; }
  const HypergradientSummary& acceptedDiagnostics() const { return acceptedDiagnostics_; }
  int takeInnerIterations() { return std::exchange(innerIterations_, 0); }

 private:
  const CancellationFlag*& cancel_;
  std::unique_ptr<InnerSolver> solver_;
  std::unique_ptr<HypergradientMethod> method_;
  SolveOptions solveOptions_;
  std::vector<std::unique_ptr<LowerLevel>> models_;
  std::vector<std::unique_ptr<SquaredError>> losses_;
  std::vector<Vector> accepted_, trial_;
  std::vector<SolverState> acceptedState_, trialState_;
  Vector lastTheta_, lastGradientTheta_, acceptedTheta_, acceptedGradientTheta_;
  HypergradientSummary trialDiagnostics_, acceptedDiagnostics_;
  int innerIterations_ = 0;
};

LearningSession::LearningSession(std::vector<TrainingPair> pairs,
                                 const Configuration& configuration)
    : pairs_(std::move(pairs)) {
  if (pairs_.empty()) throw usageError("a learning session needs at least one image");
  objective_ = std::make_unique<Objective>(pairs_, configuration, cancel_);
  const auto& outer = configuration.json()["outer"];
  optimizer_ = makeOuterOptimizer(outer["optimizer"].get<std::string>(), outerOptionsFrom(outer));
  theta_ = initialParameters(configuration, objective_->model(0));
  phi_ = objective_->toPhi(theta_);
}

LearningSession::~LearningSession() = default;

void LearningSession::setInitialParameters(const Vector& theta) {
  if (started_) throw usageError("initial parameters can only be set before the first step");
  const ParameterLayout& layout = objective_->model(0).parameterLayout();
  if (theta.size() != layout.size()) {
    throw usageError("initial parameters: the model has " + std::to_string(layout.size()) +
                     " parameters, got " + std::to_string(theta.size()));
  }
  if (!theta.allFinite()) throw usageError("initial parameters must be finite");
  for (const auto& block : layout.blocks()) {
    if (block.positive && (theta.segment(block.offset, block.size).array() <= 0.0).any()) {
      throw usageError("initial parameters: '" + block.name + "' must be positive");
    }
  }
  theta_ = theta;
  phi_ = objective_->toPhi(theta_);
}

const LowerLevel& LearningSession::model(std::size_t pair) const {
  return objective_->model(pair);
}
const Vector& LearningSession::reconstruction(std::size_t pair) const {
  return objective_->accepted(pair);
}

Snapshot LearningSession::makeSnapshot(double stepSeconds, int innerIterations, int evaluations,
                                       LearnTermination status) const {
  Snapshot s;
  s.iteration = iteration_;
  s.outerLoss = current_.value;
  double psnrSum = 0.0;
  for (std::size_t i = 0; i < pairs_.size(); ++i) {
    psnrSum += psnr(objective_->accepted(i), pairs_[i].clean.pixels);
  }
  s.psnr = psnrSum / double(pairs_.size());
  s.hypergradient = objective_->acceptedGradientTheta();
  s.hypergradientNorm = s.hypergradient.norm();
  s.stepSeconds = stepSeconds;
  s.elapsedSeconds = elapsed_;
  s.innerIterations = innerIterations;
  s.evaluations = evaluations;
  s.parameters = theta_;
  s.reconstruction = pairs_.front().clean;
  s.reconstruction.pixels = objective_->accepted(0);
  s.diagnostics = objective_->acceptedDiagnostics();
  s.status = status;
  return s;
}

std::string toString(LearnTermination termination) {
  switch (termination) {
    case LearnTermination::Running:
      return "running";
    case LearnTermination::Converged:
      return "converged";
    case LearnTermination::IterationLimit:
      return "iteration-limit";
    case LearnTermination::Cancelled:
      return "cancelled";
    case LearnTermination::Stopped:
      return "stopped";
  }
  return "running";
}

namespace {
constexpr LearnTermination kLearnTerminations[] = {
    LearnTermination::Running, LearnTermination::Converged, LearnTermination::IterationLimit,
    LearnTermination::Cancelled, LearnTermination::Stopped};
}  // namespace

std::optional<LearnTermination> parseLearnTermination(std::string_view text) {
  for (const LearnTermination t : kLearnTerminations) {
    if (toString(t) == text) return t;
  }
  return std::nullopt;
}

std::string learnTerminationNames() {
  std::string names;
  for (const LearnTermination t : kLearnTerminations) {
    names += (names.empty() ? "\"" : ", \"") + toString(t) + "\"";
  }
  return names;
}

Snapshot LearningSession::step(const CancellationFlag* cancel) {
  Stopwatch clock;
  cancel_ = cancel;
  Snapshot snapshot;
  if (!started_) {
    if (!objective_->evaluate(phi_, current_)) {
      finished_ = true;
      summary_.termination = LearnTermination::Cancelled;
      snapshot.status = LearnTermination::Cancelled;
      return snapshot;
    }
    objective_->accept();
    started_ = true;
    elapsed_ += clock.seconds();
    snapshot = makeSnapshot(clock.seconds(), objective_->takeInnerIterations(), 1,
                            LearnTermination::Running);
    summary_.initialOuterLoss = snapshot.outerLoss;
    summary_.initialPsnr = snapshot.psnr;
  } else if (finished_) {
    return history_.empty() ? snapshot : history_.back();
  } else {
    const OuterStep report = optimizer_->step(phi_, current_, *objective_);
    elapsed_ += clock.seconds();
    summary_.evaluations += report.evaluations;
    if (report.cancelled) {
      finished_ = true;
      summary_.termination = LearnTermination::Cancelled;
      summary_.message = "cancelled during iteration " + std::to_string(iteration_ + 1);
      Snapshot last = history_.back();
      last.status = LearnTermination::Cancelled;
      return last;
    }
    if (report.moved) {
      ++iteration_;
      stalledSteps_ = 0;
      theta_ = objective_->toTheta(phi_);
    }
    LearnTermination status = LearnTermination::Running;
    if (report.converged) {
      finished_ = true;
      summary_.termination = LearnTermination::Converged;
      status = summary_.termination;
      summary_.message = report.message;
    } else if (!report.moved && ++stalledSteps_ >= kMaxStalledSteps) {
      // Each failed step has already reset the optimiser's memory and retried along −∇U; when
      // that keeps failing, no decrease is left at this accuracy of the hypergradient.
      finished_ = true;
      summary_.termination = LearnTermination::Converged;
      status = summary_.termination;
      summary_.message = "no decrease after " + std::to_string(stalledSteps_) + " attempts (" +
                         report.message + ")";
    }
    if (!report.moved && !report.converged) summary_.message = report.message;
    snapshot = makeSnapshot(clock.seconds(), objective_->takeInnerIterations(), report.evaluations,
                            status);
  }
  summary_.iterations = iteration_;
  summary_.finalOuterLoss = snapshot.outerLoss;
  summary_.finalPsnr = snapshot.psnr;
  summary_.seconds = elapsed_;
  Snapshot light = snapshot;
  light.reconstruction = Image();
  light.diagnostics.inner.trace = {};  // freed, not cleared: clear() keeps the buffers
  light.diagnostics.residualHistory = {};
  // One history row per iteration; a step that did not move (a failed line search, or the final
  // convergence test) updates the row of the current iteration instead of adding one.
  const bool moved = history_.empty() || history_.back().iteration != light.iteration;
  if (moved) {
    history_.push_back(light);
  } else {
    history_.back().status = light.status;
  }
  if (observer_ && (moved || finished_)) {
    lastDecision_ = observer_(snapshot);
    if (lastDecision_ == ObserverDecision::Abort && !finished_) {
      finished_ = true;
      summary_.termination = LearnTermination::Cancelled;
      summary_.message = "stopped by the observer after iteration " + std::to_string(iteration_);
    }
  }
  return snapshot;
}

LearnSummary LearningSession::run(int iterations, const CancellationFlag* cancel) {
  lastDecision_ = ObserverDecision::Continue;
  if (!finished_) summary_.termination = LearnTermination::Running;
  if (!started_) step(cancel);
  while (!finished_ && iteration_ < iterations &&
         lastDecision_ != ObserverDecision::StopSuccessfully) {
    // A step that does not move (a failed L-BFGS line search resets the memory) is followed by
    // one that retries along −∇U and either moves or declares convergence.
    step(cancel);
  }
  if (!finished_) {
    if (lastDecision_ == ObserverDecision::StopSuccessfully) {
      summary_.termination = LearnTermination::Stopped;
      summary_.message = "stopped by the observer after iteration " + std::to_string(iteration_);
    } else {
      summary_.termination = LearnTermination::IterationLimit;
      finished_ = true;
    }
  }
  return summary_;
}

}  // namespace bilevel
