#include "hypergradients/Shine.h"

#include "solvers/Lbfgs.h"

namespace bilevel {

SolveSummary Shine::solveLowerLevel(const BilevelProblem& problem, const Vector& theta, Vector& x,
                                    const CancellationFlag* cancel) const {
  return Lbfgs().solve(problem.smoothModel(), theta, x, problem.solve, cancel, memory_);
}

void Shine::solveAdjoint(const BilevelProblem&, const Vector&, const Vector&, const Vector& rhs,
                         Vector& adjoint, HypergradientSummary& summary,
                         const CancellationFlag*) const {
  memory_.applyInverseHessian(rhs, adjoint);
  summary.iterations = memory_.size();
  summary.termination = Termination::Converged;
  if (memory_.size() == 0) summary.message = "no L-BFGS pairs: the warm start was already optimal";
}

}  // namespace bilevel
