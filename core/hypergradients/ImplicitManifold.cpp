#include "hypergradients/ImplicitManifold.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "common/Error.h"
#include "common/Stopwatch.h"
#include "hypergradients/IdentifiedManifold.h"
#include "models/TotalVariation.h"
#include "registry/Registry.h"
#include "solvers/SolverState.h"

namespace bilevel {
bool ImplicitManifold::supports(const BilevelProblem& problem, std::string* why) const {
  if (!dynamic_cast<const TotalVariation*>(&problem.model)) {
    if (why) {
      using registry::LowerLevelKind;
      *why = name() + " differentiates on the manifold of a nonsmooth TV solution (" +
             registry::modelNamesFor(LowerLevelKind::PrimalDual) + "); " + problem.model.name() +
             (dynamic_cast<const Model*>(&problem.model)
                  ? " is smooth: use " + registry::methodNamesFor(LowerLevelKind::Smooth)
                  : " is not a TV model");
    }
    return false;
  }
  return HypergradientMethod::supports(problem, why);
}

HypergradientSummary ImplicitManifold::evaluate(const BilevelProblem& problem, const Vector& theta,
                                                Vector& x, Vector& gradient,
                                                const CancellationFlag* cancel) const {
  requireSupport(*this, problem);
  std::string error;
  if (!options_.isValid(&error)) throw usageError(error);
  const auto& model = static_cast<const TotalVariation&>(problem.model);
  HypergradientSummary summary;
  summary.method = name();
  // The rounds below continue from the dual as well as x: the caller's state, else one of ours.
  SolverState ownState;
  SolveOptions solve = problem.solve;
  if (!solve.state) solve.state = &ownState;
  summary.inner = problem.solver.solve(model, theta, x, solve, cancel);
  if (!summary.inner.usable()) {
    summary.termination = summary.inner.termination;
    summary.message = "inner solve " + toString(summary.inner.termination);
    summary.innerSeconds = summary.inner.seconds;
    return summary;
  }
  const Identification identified =
      identify(problem, model, theta, x, solve, summary.inner, cancel);
  summary.innerSeconds = summary.inner.seconds;
  if (identified.cancelled) {
    summary.termination = Termination::Cancelled;
    summary.message = "cancelled while identifying the support";
    return summary;
  }
  Stopwatch clock;
  const Eigen::Index n = model.variableCount();
  const IdentifiedManifold manifold(model, theta, x);

  // ∇U = ∂_θL − C_Mᵀ a with H_M a = Bᵀ ∂_xL (IdentifiedManifold.h).
  summary.outerLoss = problem.loss.value(x, theta);
  Vector dLdx(n), adjoint, thetaBar;
  problem.loss.gradientX(x, theta, dLdx);
  problem.loss.gradientTheta(x, theta, gradient);
  const auto cg = manifold.adjoint(
      dLdx, adjoint, {.tolerance = options_.tolerance, .maxIterations = options_.maxIterations},
      cancel);
  summary.iterations = cg.iterations;
  summary.termination = cg.termination;
  summary.residual = cg.relativeResidual;
  summary.residualHistory = cg.residualHistory;
  if (cg.termination == Termination::Cancelled) return summary;
  manifold.parameterAdjoint(adjoint, thetaBar);
  gradient -= thetaBar;
  summary.hypergradientSeconds = clock.seconds();
  summary.workingMegabytes = 12.0 * double(n) * 8.0 / (1024.0 * 1024.0);
  summary.message =
      std::to_string(manifold.regionCount()) + " regions, jump set of " +
      std::to_string(manifold.jumpCount()) + " pixels" +
      (manifold.mergedJumps() > 0 ? " (" + std::to_string(manifold.mergedJumps()) +
                                        " more inside a region, left out: solve tighter)"
                                  : std::string()) +
      "; " + identified.describe();
  if (!identified.stable && summary.termination == Termination::Converged) {
    summary.termination = Termination::IterationLimit;
  }
  return summary;
}

std::string ImplicitManifold::Identification::describe() const {
  if (rounds == 0) return "support taken from the solve as it is (no identification rounds)";
  const std::string gap = [this] {
    char text[32];
    std::snprintf(text, sizeof text, "%.0e", tolerance);
    return std::string(text);
  }();
  if (stable) {
    return "support stable after " + std::to_string(rounds) + " round" + (rounds > 1 ? "s" : "") +
           " (relative gap " + gap + ")";
  }
  return "support not identified: " + std::to_string(lastChanges) +
         " pixels still changed in round " + std::to_string(rounds) + " (relative gap " + gap + ")";
}

ImplicitManifold::Identification ImplicitManifold::identify(
    const BilevelProblem& problem, const TotalVariation& model, const Vector& theta, Vector& x,
    const SolveOptions& solve, SolveSummary& inner, const CancellationFlag* cancel) const {
  Identification result;
  result.tolerance = solve.tolerance;
  if (options_.identificationRounds == 0 || solve.fixedIterations > 0) {
    result.stable = true;
    return result;
  }
  std::vector<std::uint8_t> previous, current;
  model.jumpSet(x, previous);
  while (result.rounds < options_.identificationRounds) {
    if (result.tolerance <= kFinestGap) {
      // The gap is at rounding level: further solves cannot move x enough to change the jump set.
      result.stable = result.rounds == 0 || result.lastChanges == 0;
      break;
    }
    SolveOptions tighter = solve;
    result.tolerance = std::max(0.1 * result.tolerance, kFinestGap);
    tighter.tolerance = result.tolerance;
    const SolveSummary more = problem.solver.solve(model, theta, x, tighter, cancel);
    ++result.rounds;
    inner.iterations += more.iterations;
    inner.gradientEvaluations += more.gradientEvaluations;
    inner.seconds += more.seconds;
    inner.energy = more.energy;
    inner.relativeGradientNorm = more.relativeGradientNorm;
    inner.trace.insert(inner.trace.end(), more.trace.begin(), more.trace.end());
    if (more.termination == Termination::Cancelled) {
      result.cancelled = true;
      return result;
    }
    model.jumpSet(x, current);
    result.lastChanges = 0;
    for (std::size_t i = 0; i < current.size(); ++i)
      result.lastChanges += current[i] != previous[i];
    previous.swap(current);
    result.stable = result.lastChanges == 0;
    // A round that stopped on the iteration cap did not reach its gap: the next would not either
    // (a degenerate pixel makes the rate sublinear), so the support is judged as it stands.
    if (result.stable || more.termination != Termination::Converged) break;
  }
  return result;
}

}  // namespace bilevel
