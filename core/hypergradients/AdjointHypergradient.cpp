#include "hypergradients/AdjointHypergradient.h"

#include <cmath>
#include <limits>

#include "common/Stopwatch.h"
#include "registry/Registry.h"

namespace bilevel {

SolveSummary AdjointHypergradient::solveLowerLevel(const BilevelProblem& problem,
                                                   const Vector& theta, Vector& x,
                                                   const CancellationFlag* cancel) const {
  return problem.solver.solve(problem.model, theta, x, problem.solve, cancel);
}

bool AdjointHypergradient::supports(const BilevelProblem& problem, std::string* why) const {
  if (!dynamic_cast<const Model*>(&problem.model)) {
    if (why) {
      *why = name() + " uses the Hessian of a smooth lower level; " + problem.model.name() +
             " is nonsmooth: use " + registry::methodNamesFor(registry::LowerLevelKind::PrimalDual);
    }
    return false;
  }
  return HypergradientMethod::supports(problem, why);
}

HypergradientSummary AdjointHypergradient::evaluate(const BilevelProblem& problem,
                                                    const Vector& theta, Vector& x,
                                                    Vector& gradient,
                                                    const CancellationFlag* cancel) const {
  requireSupport(*this, problem);
  HypergradientSummary summary;
  summary.method = name();
  summary.inner = solveLowerLevel(problem, theta, x, cancel);
  summary.innerSeconds = summary.inner.seconds;
  if (!summary.inner.usable()) {
    summary.termination = summary.inner.termination;
    summary.message = "inner solve " + toString(summary.inner.termination);
    return summary;
  }
  Stopwatch clock;
  summary.outerLoss = problem.loss.value(x, theta);
  Vector rhs(x.size()), adjoint = Vector::Zero(x.size());
  SolverState* state = problem.solve.state;
  const bool keep = state && state->keepAdjoint;
  if (keep && state->adjoint.size() == x.size()) adjoint = state->adjoint;
  problem.loss.gradientX(x, theta, rhs);
  solveAdjoint(problem, theta, x, rhs, adjoint, summary, cancel);
  if (summary.termination == Termination::Cancelled) return summary;
  if (summary.termination == Termination::NegativeCurvature) {
    // No adjoint exists to trust: a NaN gradient cannot be taken for a step by a caller that
    // overlooks the termination (the learning loop refuses non-finite gradients with the message).
    gradient.setConstant(theta.size(), std::numeric_limits<double>::quiet_NaN());
    return summary;
  }
  if (keep) state->adjoint = adjoint;
  if (std::isnan(summary.residual)) {
    Vector product(x.size());
    problem.smoothModel().hessianVectorProduct(x, theta, adjoint, product);
    const double rhsNorm = rhs.norm();
    summary.residual = rhsNorm > 0.0 ? (product - rhs).norm() / rhsNorm : 0.0;
  }
  // ∇U = ∂_θL − (∂²_θxE) a
  Vector mixed(theta.size());
  problem.smoothModel().mixedProduct(x, theta, adjoint, mixed);
  problem.loss.gradientTheta(x, theta, gradient);
  gradient -= mixed;
  summary.hypergradientSeconds = clock.seconds();
  summary.workingMegabytes = (workingVectors() + 2.0) * double(x.size()) * 8.0 / (1024.0 * 1024.0);
  return summary;
}

}  // namespace bilevel
