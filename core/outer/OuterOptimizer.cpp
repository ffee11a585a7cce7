#include "outer/OuterOptimizer.h"

#include "common/Error.h"
#include "registry/Registry.h"

namespace bilevel {

void OuterOptimizer::restore(const nlohmann::json& state) {
  if (!state.is_null()) throw usageError(name() + " keeps no state to restore");
}

std::unique_ptr<OuterOptimizer> makeOuterOptimizer(const std::string& name,
                                                   const OuterOptions& options) {
  return registry::optimizer(name).make(options);
}

OuterOptions outerOptionsFrom(const nlohmann::json& outerSection) {
  OuterOptions options;
  options.step = outerSection["step"].get<double>();
  options.tolerance = outerSection["tolerance"].get<double>();
  options.maxStep = outerSection["max_step"].get<double>();
  return options;
}

OuterStep armijoBacktracking(Vector& phi, OuterEvaluation& current, const Vector& direction,
                             double initialStep, double maxStep, OuterObjective& objective,
                             double* acceptedStep) {
  constexpr double kArmijo = 1e-4;
  // Each trial solves every lower-level problem; 12 halvings (a step 4096× shorter than the first)
  // is where an inexact hypergradient, not the step length, is the limit.
  constexpr int kMaxHalvings = 12;
  OuterStep report;
  const double slope = current.gradient.dot(direction);
  OuterEvaluation trial;
  double t = initialStep;
  if (maxStep > 0.0) {
    const double longest = t * direction.cwiseAbs().maxCoeff();
    if (longest > maxStep) t *= maxStep / longest;
  }
  for (int halving = 0; halving < kMaxHalvings; ++halving) {
    const Vector candidate = phi + t * direction;
    if (!objective.evaluate(candidate, trial)) {
      report.cancelled = true;
      return report;
    }
    ++report.evaluations;
    if (trial.value <= current.value + kArmijo * t * slope) {
      objective.accept();
      report.stepLength = t * direction.norm();
      report.moved = true;
      phi = candidate;
      current = std::move(trial);
      if (acceptedStep) *acceptedStep = t;
      return report;
    }
    t *= 0.5;
  }
  // No decrease along a descent direction down to 2^-12 of the step: the hypergradient's accuracy
  // (inner and adjoint tolerances) is exhausted, which is as close as the method can get.
  report.converged = true;
  report.message = "no further decrease along the hypergradient";
  return report;
}

}  // namespace bilevel
