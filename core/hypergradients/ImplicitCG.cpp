#include "hypergradients/ImplicitCG.h"

#include "solvers/ConjugateGradient.h"

namespace bilevel {

void ImplicitCG::solveAdjoint(const BilevelProblem& problem, const Vector& theta,
                              const Vector& solution, const Vector& rhs, Vector& adjoint,
                              HypergradientSummary& summary, const CancellationFlag* cancel) const {
  const auto hessian = [&](const Vector& v, Vector& out) {
    problem.smoothModel().hessianVectorProduct(solution, theta, v, out);
  };
  const auto cg = conjugateGradient(
      hessian, rhs, adjoint,
      {.tolerance = options_.tolerance, .maxIterations = options_.maxIterations}, cancel);
  summary.iterations = cg.iterations;
  summary.termination = cg.termination;
  summary.residual = cg.relativeResidual;
  summary.residualHistory = cg.residualHistory;
  if (cg.termination == Termination::NegativeCurvature) {
    summary.message = "indefinite Hessian at x*: " + cg.message +
                      ", so x* is no strict local minimum (a saddle point or a flat valley of a "
                      "non-convex energy) and the adjoint system has no reliable solution; solve "
                      "the lower level more tightly or use a convex penalty";
  } else if (cg.termination == Termination::Diverged) {
    summary.message = "adjoint CG: " + cg.message;
  }
}

}  // namespace bilevel
