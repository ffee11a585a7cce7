#include "hypergradients/ImplicitNeumann.h"

namespace bilevel {

void ImplicitNeumann::solveAdjoint(const BilevelProblem& problem, const Vector& theta,
                                   const Vector& solution, const Vector& rhs, Vector& adjoint,
                                   HypergradientSummary& summary,
                                   const CancellationFlag* cancel) const {
  const double eta = 1.0 / problem.smoothModel().gradientLipschitzBound(theta);
  const double rhsNorm = rhs.norm();
  Vector term = rhs, product(rhs.size());
  adjoint.setZero(rhs.size());
  summary.termination = Termination::IterationLimit;
  summary.residualHistory.push_back(1.0);
  for (int q = 0; q < options_.maxIterations; ++q) {
    if (isCancelled(cancel)) {
      summary.termination = Termination::Cancelled;
      return;
    }
    adjoint += eta * term;
    problem.smoothModel().hessianVectorProduct(solution, theta, term, product);
    term -= eta * product;  // (I − ηH)^{q+1} ∂_xL
    ++summary.iterations;
    const double relative = rhsNorm > 0.0 ? term.norm() / rhsNorm : 0.0;
    summary.residualHistory.push_back(relative);
    reportProgress(cancel, "Neumann series", summary.iterations, relative, options_.tolerance);
    if (relative <= options_.tolerance) {
      summary.termination = Termination::Converged;
      break;
    }
  }
  summary.residual = summary.residualHistory.back();
}

}  // namespace bilevel
