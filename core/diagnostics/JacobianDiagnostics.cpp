#include "diagnostics/JacobianDiagnostics.h"

#include <algorithm>
#include <string>

#include "common/Error.h"
#include "iterations/IterationMap.h"
#include "learning/ModelFactory.h"
#include "losses/SquaredError.h"
#include "models/TotalVariation.h"

namespace bilevel {
namespace {

// TV: support identification, then the sequences through the solver's map from its own fixed
// point (x*, x*, q*), then the manifold's maps.
bool primalDualParts(const TotalVariation& model, const InnerSolver& solver, const UpperLoss& loss,
                     const Vector& theta, Vector& solution, SolveOptions solve,
                     const JacobianDiagnosticsOptions& options,
                     const JacobianDiagnosticsObserver& observer, const CancellationFlag* cancel) {
  if (options.primalDualIterations < 0 || options.supportInterval < 1 ||
      !(options.primalDualGap > 0.0 && options.primalDualGap < 1.0) ||
      !(options.supportStopGap >= 0.0) || !(options.sequenceStopBelow >= 0.0)) {
    throw usageError(
        "diagnostics: primalDualIterations must be ≥ 0, supportInterval ≥ 1, primalDualGap in "
        "(0, 1), supportStopGap and sequenceStopBelow ≥ 0");
  }
  const int iterations = options.primalDualIterations;
  if (iterations > 0) {
    SupportIdentificationOptions supportOptions;
    supportOptions.iterations = iterations;
    supportOptions.interval = options.supportInterval;
    supportOptions.stopGap = options.supportStopGap;
    const SupportIdentification support =
        supportIdentification(model, theta, supportOptions, cancel);
    if (support.cancelled) return false;
    if (observer.support) observer.support(support);
  }

  solve.tolerance = std::min(solve.tolerance, options.primalDualGap);
  solve.maxIterations = std::max(solve.maxIterations, 200000);
  DerivativeSequence sequence;
  std::string why;
  if (solver.hasIterationMap(&why)) {
    const auto map = solver.iterationMap(model, theta);
    IterationState fixedPoint = map->makeState();
    const SolveSummary solved =
        solver.solveToFixedPoint(model, theta, solution, solve, *map, fixedPoint, cancel);
    if (solved.termination == Termination::Cancelled) return false;
    if (!solved.usable()) throw numericalError("diagnostics: the lower-level solve diverged");
    DerivativeSequenceOptions sequenceOptions = options.sequence;
    sequenceOptions.iterations = iterations;
    sequenceOptions.stopBelow = options.sequenceStopBelow;
    sequence = derivativeSequence(*map, fixedPoint, {}, sequenceOptions, cancel);
    if (sequence.cancelled) return false;
  } else {
    const SolveSummary solved = solver.solve(model, theta, solution, solve, cancel);
    if (solved.termination == Termination::Cancelled) return false;
    if (!solved.usable()) throw numericalError("diagnostics: the lower-level solve diverged");
    sequence.iteration = solver.name();
    sequence.unavailable = "the derivative sequences differentiate the solver's iterations; " + why;
  }
  if (observer.sequence) observer.sequence(sequence);

  const SensitivityMaps maps =
      sensitivityMaps(static_cast<const LowerLevel&>(model), loss, theta, solution, {},
                      options.sequence.cgTolerance, options.sequence.cgMaxIterations, cancel);
  if (maps.cancelled) return false;
  if (observer.maps) observer.maps(maps);
  return true;
}

}  // namespace

bool runJacobianDiagnostics(const Configuration& configuration, const TrainingPair& pair,
                            const Vector& theta, const JacobianDiagnosticsOptions& options,
                            const JacobianDiagnosticsObserver& observer,
                            const CancellationFlag* cancel) {
  Configuration tight = configuration;
  tight.merge({{"solver", {{"tolerance", options.tolerance}}},
               {"hypergradient", {{"tolerance", options.tolerance}}}},
              "diagnostics");
  const auto model = makeModel(tight, pair.noisy);
  const auto solver = makeInnerSolver(tight.solverType());
  const SquaredError loss(pair.clean.pixels);
  const BilevelProblem problem{*model, loss, *solver, tight.solveOptions()};
  const Vector point = theta.size() > 0 ? theta : model->defaultParameters();
  if (point.size() != model->parameterCount()) {
    throw usageError("diagnostics: the model has " + std::to_string(model->parameterCount()) +
                     " parameters, got " + std::to_string(point.size()));
  }
  if (observer.started) observer.started(int(hypergradientMethodNames().size()));

  const MethodAgreementReport report = compareHypergradientMethods(
      problem, point, pair.noisy.pixels, tight.hypergradientOptions(), {}, cancel, observer.row);
  if (report.cancelled || isCancelled(cancel)) return false;

  // The sequences and maps need x* itself, whatever fixed iteration count `unrolled` runs.
  SolveOptions solve = tight.solveOptions();
  solve.fixedIterations = 0;
  Vector solution = pair.noisy.pixels;
  if (const auto* tv = dynamic_cast<const TotalVariation*>(model.get())) {
    return primalDualParts(*tv, *solver, loss, point, solution, solve, options, observer, cancel);
  }
  const SolveSummary solved = solver->solve(*model, point, solution, solve, cancel);
  if (solved.termination == Termination::Cancelled) return false;
  if (!solved.usable()) throw numericalError("diagnostics: the lower-level solve diverged");

  const Model& smooth = requireSmoothModel(*model, "the Jacobian diagnostics");
  const DerivativeSequence sequence =
      derivativeSequence(*solver, smooth, point, solution, {}, options.sequence, cancel);
  if (sequence.cancelled) return false;
  if (observer.sequence) observer.sequence(sequence);

  const SensitivityMaps maps =
      sensitivityMaps(smooth, loss, point, solution, {}, options.sequence.cgTolerance,
                      options.sequence.cgMaxIterations, cancel);
  if (maps.cancelled) return false;
  if (observer.maps) observer.maps(maps);
  return true;
}

}  // namespace bilevel
