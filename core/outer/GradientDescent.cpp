#include "outer/GradientDescent.h"

#include "common/Error.h"

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
  OuterStep report = armijoBacktracking(phi, current, direction, stepSize_, options_.maxStep,
                                        objective, &accepted);
  if (report.moved) stepSize_ = 2.0 * accepted;
  return report;
}

}  // namespace bilevel

namespace bilevel {

nlohmann::json GradientDescent::state() const {
  return {{"optimizer", name()},
          {"step_size", stepSize_},
          {"initial_gradient_norm", initialGradientNorm_}};
}

void GradientDescent::restore(const nlohmann::json& state) {
  try {
    if (state.at("optimizer") != name()) throw usageError("not a gradient-descent state");
    stepSize_ = state.at("step_size").get<double>();
    initialGradientNorm_ = state.at("initial_gradient_norm").get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw usageError(std::string("the saved gradient-descent state is damaged: ") + e.what());
  }
}

}  // namespace bilevel
