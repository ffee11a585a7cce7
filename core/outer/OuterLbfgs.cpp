#include "outer/OuterLbfgs.h"

namespace bilevel {

OuterStep OuterLbfgs::step(Vector& phi, OuterEvaluation& current, OuterObjective& objective) {
  const double norm = current.gradient.norm();
  if (initialGradientNorm_ == 0.0) initialGradientNorm_ = norm;
  if (norm == 0.0 || norm <= options_.tolerance * initialGradientNorm_) {
    return {.converged = true, .message = "hypergradient norm below outer.tolerance"};
  }
  if (memory_.dimension() != phi.size()) memory_ = LbfgsMemory(options_.memory, phi.size());

  Vector direction(phi.size());
  memory_.applyInverseHessian(current.gradient, direction);
  direction = -direction;
  double initialStep = 1.0;
  if (memory_.size() == 0 || !(current.gradient.dot(direction) < 0.0)) {
    memory_.clear();
    direction = -current.gradient;
    initialStep = options_.step / norm;
  }
  const Vector previousPhi = phi;
  const Vector previousGradient = current.gradient;
  OuterStep report = armijoBacktracking(phi, current, direction, initialStep, objective, nullptr);
  if (report.moved) {
    memory_.push(phi - previousPhi, current.gradient - previousGradient);
  } else if (!report.cancelled && memory_.size() > 0) {
    // The quasi-Newton direction failed: forget the curvature and retry along −∇U next time.
    memory_.clear();
    report.converged = false;
    report.message = "line search failed; L-BFGS memory reset";
  }
  return report;
}

}  // namespace bilevel
