#include "hypergradients/FiniteDifference.h"

#include <cmath>

#include "common/Stopwatch.h"

namespace bilevel {

bool FiniteDifference::supports(const BilevelProblem& problem, std::string* why) const {
  if (!HypergradientMethod::supports(problem, why)) return false;
  const Eigen::Index p = problem.model.parameterCount();
  if (p <= kMaxParameters) return true;
  if (why) {
    *why = name() + " costs two tight solves per parameter: " + problem.model.name() + " has " +
           std::to_string(p) + " parameters (" + std::to_string(2 * p) + " solves, the limit is " +
           std::to_string(kMaxParameters) +
           " parameters); use implicit-cg and compare it with central differences along a few "
           "random directions of θ";
  }
  return false;
}

HypergradientSummary FiniteDifference::evaluate(const BilevelProblem& problem, const Vector& theta,
                                                Vector& x, Vector& gradient,
                                                const CancellationFlag* cancel) const {
  requireSupport(*this, problem);
  HypergradientSummary summary;
  summary.method = name();
  SolveOptions tight = problem.solve;
  tight.tolerance = options_.finiteDifferenceTolerance;
  tight.fixedIterations = 0;
  tight.recordTrace = false;
  // The reference starts every solve afresh: the shifted solves must not leave their duals as the
  // caller's warm start.
  tight.state = nullptr;
  summary.inner = problem.solver.solve(problem.model, theta, x, tight, cancel);
  summary.innerSeconds = summary.inner.seconds;
  if (!summary.inner.usable()) {
    summary.termination = summary.inner.termination;
    return summary;
  }
  Stopwatch clock;
  summary.outerLoss = problem.loss.value(x, theta);
  problem.loss.gradientTheta(x, theta, gradient);
  Vector shifted = theta, perturbed(x.size());
  const auto lossAt = [&](double delta, Eigen::Index j, double& loss) {
    shifted[j] = theta[j] + delta;
    perturbed = x;
    const SolveSummary solve =
        problem.solver.solve(problem.model, shifted, perturbed, tight, cancel);
    shifted[j] = theta[j];
    ++summary.iterations;
    if (!solve.usable()) {
      summary.termination = solve.termination;
      return false;
    }
    if (solve.termination == Termination::IterationLimit) {
      summary.termination = Termination::IterationLimit;
      summary.message = "a perturbed solve stopped at its iteration limit";
    }
    loss = problem.loss.value(perturbed, shifted);
    return true;
  };
  for (Eigen::Index j = 0; j < theta.size(); ++j) {
    const double h = options_.finiteDifferenceStep * std::max(std::abs(theta[j]), 1e-3);
    double plus = 0.0, minus = 0.0;
    if (!lossAt(+h, j, plus) || !lossAt(-h, j, minus)) return summary;
    // ∂_θL is already in `gradient` for losses that see θ; the difference quotient of U includes
    // it, so replace rather than add.
    gradient[j] = (plus - minus) / (2.0 * h);
  }
  summary.hypergradientSeconds = clock.seconds();
  summary.workingMegabytes = 2.0 * double(x.size()) * 8.0 / (1024.0 * 1024.0);
  return summary;
}

}  // namespace bilevel
