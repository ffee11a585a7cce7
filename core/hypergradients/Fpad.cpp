#include "hypergradients/Fpad.h"

#include "common/Error.h"
#include "common/Stopwatch.h"

namespace bilevel {

HypergradientSummary Fpad::evaluate(const BilevelProblem& problem, const Vector& theta, Vector& x,
                                    Vector& gradient, const CancellationFlag* cancel) const {
  HypergradientSummary summary;
  summary.method = name();
  const auto map = iterationMap(problem, theta);
  if (!map->hasStationaryLimit()) {
    throw usageError("fpad linearises the solver's iteration at its fixed point; the " +
                     map->name() + " iteration has no stationary limit map: use unrolled");
  }
  // The solver's own final state gives the fixed point (a primal–dual solver's q* is not a
  // function of x*).
  IterationState fixedPoint = map->makeState();
  summary.inner = problem.solver.solveToFixedPoint(problem.model, theta, x, problem.solve, *map,
                                                   fixedPoint, cancel);
  summary.innerSeconds = summary.inner.seconds;
  if (!summary.inner.usable()) {
    summary.termination = summary.inner.termination;
    summary.message = "inner solve " + toString(summary.inner.termination);
    return summary;
  }
  Stopwatch clock;
  summary.outerLoss = problem.loss.value(x, theta);
  Vector rhs(x.size());
  problem.loss.gradientX(x, theta, rhs);
  problem.loss.gradientTheta(x, theta, gradient);
  const double rhsNorm = rhs.norm();

  IterationState zBar = map->makeState(), nextBar = map->makeState(), sum = map->makeState();
  map->linearize(IterationMap::kLimit, fixedPoint);
  map->primalAdjoint(rhs, zBar);
  summary.termination = Termination::IterationLimit;
  summary.residualHistory.push_back(1.0);
  for (int n = 0; n < options_.maxIterations; ++n) {
    if (isCancelled(cancel)) {
      summary.termination = Termination::Cancelled;
      return summary;
    }
    sum += zBar;
    map->stateTransposeProduct(zBar, nextBar);
    zBar.swap(nextBar);
    ++summary.iterations;
    const double relative = rhsNorm > 0.0 ? std::sqrt(zBar.squaredNorm()) / rhsNorm : 0.0;
    summary.residualHistory.push_back(relative);
    if (relative <= options_.tolerance) {
      summary.termination = Termination::Converged;
      break;
    }
  }
  summary.residual = summary.residualHistory.back();
  Vector thetaBar(theta.size());
  map->parameterTransposeProduct(sum, thetaBar);
  gradient += thetaBar;
  summary.hypergradientSeconds = clock.seconds();
  const double stateVectors = double(sum.size()) / double(x.size());
  summary.workingMegabytes =
      (4.0 * stateVectors + 2.0) * double(x.size()) * 8.0 / (1024.0 * 1024.0);
  return summary;
}

}  // namespace bilevel
