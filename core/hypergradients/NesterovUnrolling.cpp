#include "hypergradients/NesterovUnrolling.h"

namespace bilevel {

NesterovUnrolling::NesterovUnrolling(const BilevelProblem& problem, const Vector& theta)
    : problem_(problem),
      theta_(theta),
      parameters_(nesterovParameters(problem.model, theta)),
      fixedIterations_(problem.solve.fixedIterations),
      maxIterations_(problem.solve.maxIterations) {
  Vector g(problem.model.variableCount());
  problem.model.gradient(problem.model.initialPoint(), theta, g);
  referenceNorm_ = std::max(g.norm(), 1e-300);
  threshold_ = problem.solve.tolerance * referenceNorm_;
}

bool NesterovUnrolling::advanceTo(const Vector& x, const Vector& previous, Vector& y, Vector& g,
                                  SolveSummary& inner) const {
  y = (1.0 + parameters_.momentum) * x - parameters_.momentum * previous;
  problem_.model.gradient(y, theta_, g);
  ++inner.gradientEvaluations;
  const double norm = g.norm();
  inner.referenceGradientNorm = referenceNorm_;
  inner.relativeGradientNorm = norm / referenceNorm_;
  if (problem_.solve.recordTrace) inner.trace.push_back(inner.relativeGradientNorm);
  if (!std::isfinite(norm)) {
    inner.termination = Termination::Diverged;
    inner.message = "the gradient became NaN or infinite";
    return true;
  }
  if (!fixedLength() && norm <= threshold_) {
    inner.termination = Termination::Converged;
    return true;
  }
  return false;
}

}  // namespace bilevel
