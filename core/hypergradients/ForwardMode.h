#pragma once

#include "hypergradients/HypergradientMethod.h"

namespace bilevel {

// forward: forward-mode differentiation along the same K iterations as `unrolled` (seed 004,
// J^{(n+1)} = A_x J^{(n)} + A_θ). The tangents J_k = ∂x_k/∂θ (n×p) follow
//   J_y = (1+β) J_k − β J_{k−1},   J_{k+1} = J_y − τ (H(y_k) J_y + ∂²_xθE(y_k)),
// and ∇U = J_Kᵀ ∂_xL + ∂_θL. No reverse pass and no stored iterates, but p Hessian products per
// step and O(n·p) memory, so it suits few parameters.
class ForwardMode final : public HypergradientMethod {
 public:
  explicit ForwardMode(HypergradientOptions options) : options_(options) {}
  std::string name() const override { return "forward"; }
  std::string description() const override {
    return "Forward-mode differentiation along the solver iterations: carries the Jacobian "
           "dx_k/dθ (n×p) with every step. Same result as unrolling, no stored iterates, but p "
           "Hessian products per step and O(n·p) memory.";
  }
  HypergradientSummary evaluate(const BilevelProblem& problem, const Vector& theta, Vector& x,
                                Vector& gradient,
                                const CancellationFlag* cancel = nullptr) const override;

 private:
  HypergradientOptions options_;
};

}  // namespace bilevel
