#include "hypergradients/Fpad.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

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

  IterationState zBar = map->makeState(), nextBar = map->makeState();
  map->linearize(IterationMap::kLimit, fixedPoint);
  map->primalAdjoint(rhs, zBar);
  summary.termination = Termination::IterationLimit;
  summary.residualHistory.push_back(1.0);
  if (map->hasNeutralModes()) {
    // ‖z̄_n‖ need not vanish (IterationMap::hasNeutralModes): add each term t_n = A_θᵀ z̄_n as it
    // comes and stop on the terms left. Over the last kWindow steps they fell at the rate
    // ρ = (‖t_n‖/‖t_{n−kWindow}‖)^{1/kWindow}; the tail Σ_{m>n} ‖t_m‖ ≈ ‖t_n‖ ρ/(1 − ρ) is the
    // residual, relative to the largest term (the scale of the series: ∇U itself tends to 0 at the
    // optimum), and the recursion stops when it is at most `tolerance`. A window rather than one
    // ratio, so that a term passing near 0 (a scalar θ, an oscillating recursion) does not end it.
    constexpr int kWindow = 10;
    Vector term(theta.size());
    std::array<double, kWindow> recent{};  // ‖t_{n−kWindow}‖ … ‖t_{n−1}‖, in a ring
    double largest = 0.0;
    for (int n = 0; n < options_.maxIterations; ++n) {
      if (isCancelled(cancel)) {
        summary.termination = Termination::Cancelled;
        return summary;
      }
      map->cotangentProduct(zBar, nextBar, term);
      zBar.swap(nextBar);
      gradient += term;
      ++summary.iterations;
      const double size = term.norm();
      const double before = recent[std::size_t(n % kWindow)];
      recent[std::size_t(n % kWindow)] = size;
      largest = std::max(largest, size);
      if (largest == 0.0) {  // ∂_xL = 0, or it reaches no parameter: every term is 0
        summary.residualHistory.push_back(0.0);
        summary.termination = Termination::Converged;
        break;
      }
      double tail = std::numeric_limits<double>::infinity();
      if (n >= kWindow) {
        const double rate = before > 0.0 ? std::pow(size / before, 1.0 / kWindow) : 0.0;
        if (rate < 1.0) tail = size * (rate / (1.0 - rate));
      }
      // Before a rate is known, the last term.
      summary.residualHistory.push_back((std::isfinite(tail) ? tail : size) / largest);
      reportProgress(cancel, "fpad adjoint recursion", summary.iterations,
                     summary.residualHistory.back(), options_.tolerance);
      if (std::isfinite(tail) && tail / largest <= options_.tolerance) {
        summary.termination = Termination::Converged;
        break;
      }
    }
  } else {
    IterationState sum = map->makeState();
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
      reportProgress(cancel, "fpad adjoint recursion", summary.iterations, relative,
                     options_.tolerance);
      if (relative <= options_.tolerance) {
        summary.termination = Termination::Converged;
        break;
      }
    }
    Vector thetaBar(theta.size());
    map->parameterTransposeProduct(sum, thetaBar);
    gradient += thetaBar;
  }
  summary.residual = summary.residualHistory.back();
  summary.hypergradientSeconds = clock.seconds();
  const double stateVectors = double(zBar.size()) / double(x.size());
  const double states = map->hasNeutralModes() ? 3.0 : 4.0;  // z*, z̄, its successor, Σ z̄
  summary.workingMegabytes =
      (states * stateVectors + 2.0) * double(x.size()) * 8.0 / (1024.0 * 1024.0);
  return summary;
}

}  // namespace bilevel
