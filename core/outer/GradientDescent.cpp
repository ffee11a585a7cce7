#include "outer/GradientDescent.h"

namespace bilevel {

OuterStep GradientDescent::step(Vector& phi, OuterEvaluation& current, OuterObjective& objective) {
  const double norm = current.gradient.norm();
  if (initialGradientNorm_ == 0.0) initialGradientNorm_ = norm;
  if (norm == 0.0 || norm <= options_.tolerance * initialGradientNorm_) {
    return {.converged = true, .message = "hypergradient norm below outer.tolerance"};
  }
  if (stepSize_ == 0.0) stepSize_ = options_.step / norm;
  double accepted = 0.0;
  const Vector direction = -current.gradient;
  OuterStep report = armijoBacktracking(phi, current, direction, stepSize_, objective, &accepted);
  if (report.moved) stepSize_ = 2.0 * accepted;
  return report;
}

}  // namespace bilevel
