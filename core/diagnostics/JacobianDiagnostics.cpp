#include "diagnostics/JacobianDiagnostics.h"

#include "common/Error.h"
#include "learning/ModelFactory.h"
#include "losses/SquaredError.h"

namespace bilevel {

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
  const SolveSummary solved = solver->solve(*model, point, solution, solve, cancel);
  if (solved.termination == Termination::Cancelled) return false;
  if (!solved.usable()) throw numericalError("diagnostics: the lower-level solve diverged");

  // The sequences and sensitivity maps below still need the smooth kind.
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
