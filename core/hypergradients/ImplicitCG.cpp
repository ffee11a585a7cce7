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
}

}  // namespace bilevel
