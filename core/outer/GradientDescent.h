#pragma once

#include "outer/OuterOptimizer.h"

namespace bilevel {

// Gradient descent with Armijo backtracking. The first trial step moves `step` in φ; after each
// accepted step the next trial step doubles, so the step size adapts to the problem's scale.
class GradientDescent final : public OuterOptimizer {
 public:
  explicit GradientDescent(OuterOptions options) : options_(options) {}
  std::string name() const override { return "gradient-descent"; }
  OuterStep step(Vector& phi, OuterEvaluation& current, OuterObjective& objective) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;

 private:
  OuterOptions options_;
  double stepSize_ = 0.0;  // in units of the gradient; 0 until the first step
  double initialGradientNorm_ = 0.0;
};

}  // namespace bilevel
