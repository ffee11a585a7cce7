#include "hypergradients/Fpad.h"

#include "solvers/AcceleratedGradient.h"

namespace bilevel {

void Fpad::solveAdjoint(const BilevelProblem& problem, const Vector& theta, const Vector& solution,
                        const Vector& rhs, Vector& adjoint, HypergradientSummary& summary,
                        const CancellationFlag* cancel) const {
  const auto [step, momentum] = nesterovParameters(problem.model, theta);
  const double rhsNorm = rhs.norm();
  Vector xBar = rhs, previousBar = Vector::Zero(rhs.size()), yBar(rhs.size());
  Vector sum = Vector::Zero(rhs.size());
  summary.termination = Termination::IterationLimit;
  summary.residualHistory.push_back(1.0);
  for (int n = 0; n < options_.maxIterations; ++n) {
    if (isCancelled(cancel)) {
      summary.termination = Termination::Cancelled;
      return;
    }
    sum += xBar;
    problem.model.hessianVectorProduct(solution, theta, xBar, yBar);
    yBar = xBar - step * yBar;  // ȳ = (I − τH) x̄
    xBar = (1.0 + momentum) * yBar + previousBar;
    previousBar = -momentum * yBar;
    ++summary.iterations;
    const double relative =
        rhsNorm > 0.0 ? std::sqrt(xBar.squaredNorm() + previousBar.squaredNorm()) / rhsNorm : 0.0;
    summary.residualHistory.push_back(relative);
    if (relative <= options_.tolerance) {
      summary.termination = Termination::Converged;
      break;
    }
  }
  adjoint = step * sum;
}

}  // namespace bilevel
