#include "outer/Adam.h"

#include <cmath>

namespace bilevel {

OuterStep Adam::step(Vector& phi, OuterEvaluation& current, OuterObjective& objective) {
  constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEpsilon = 1e-8;
  const double norm = current.gradient.norm();
  if (initialGradientNorm_ == 0.0) initialGradientNorm_ = norm;
  if (norm == 0.0 || norm <= options_.tolerance * initialGradientNorm_) {
    return {.converged = true, .message = "hypergradient norm below outer.tolerance"};
  }
  if (firstMoment_.size() != phi.size()) {
    firstMoment_ = Vector::Zero(phi.size());
    secondMoment_ = Vector::Zero(phi.size());
  }
  ++t_;
  firstMoment_ = kBeta1 * firstMoment_ + (1.0 - kBeta1) * current.gradient;
  secondMoment_ =
      kBeta2 * secondMoment_ + (1.0 - kBeta2) * current.gradient.array().square().matrix();
  const double correction1 = 1.0 - std::pow(kBeta1, t_);
  const double correction2 = 1.0 - std::pow(kBeta2, t_);
  const Vector update = (options_.step * (firstMoment_.array() / correction1) /
                         ((secondMoment_.array() / correction2).sqrt() + kEpsilon))
                            .matrix();
  const Vector candidate = phi - update;
  OuterStep report;
  OuterEvaluation trial;
  if (!objective.evaluate(candidate, trial)) {
    report.cancelled = true;
    return report;
  }
  report.evaluations = 1;
  objective.accept();
  report.moved = true;
  report.stepLength = update.norm();
  phi = candidate;
  current = std::move(trial);
  return report;
}

}  // namespace bilevel
