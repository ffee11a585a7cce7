#pragma once

#include "outer/OuterOptimizer.h"
#include "solvers/LbfgsMemory.h"

namespace bilevel {

// L-BFGS on φ with Armijo backtracking from the unit step (the first step moves `step` in φ along
// −∇U). The few parameters of scalar models make this the fastest outer method on exact
// hypergradients; pairs with non-positive curvature (possible on a non-convex U) are skipped.
class OuterLbfgs final : public OuterOptimizer {
 public:
  explicit OuterLbfgs(OuterOptions options) : options_(options) {}
  std::string name() const override { return "lbfgs"; }
  OuterStep step(Vector& phi, OuterEvaluation& current, OuterObjective& objective) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;

 private:
  OuterOptions options_;
  LbfgsMemory memory_;
  double initialGradientNorm_ = 0.0;
};

}  // namespace bilevel
