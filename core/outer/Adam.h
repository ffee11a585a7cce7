#pragma once

#include "outer/OuterOptimizer.h"

namespace bilevel {

// Adam (Kingma & Ba 2015) with β₁ = 0.9, β₂ = 0.999, ε = 1e-8 and learning rate `step`: one
// evaluation per iteration, no line search, every step accepted. Suits noisy (stochastic or
// inexact) hypergradients; on exact ones L-BFGS converges in far fewer evaluations.
class Adam final : public OuterOptimizer {
 public:
  explicit Adam(OuterOptions options) : options_(options) {}
  std::string name() const override { return "adam"; }
  OuterStep step(Vector& phi, OuterEvaluation& current, OuterObjective& objective) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  bool usesLineSearch() const override { return false; }

 private:
  OuterOptions options_;
  Vector firstMoment_, secondMoment_;
  int t_ = 0;
  double initialGradientNorm_ = 0.0;
};

}  // namespace bilevel
