#pragma once

#include "hypergradients/HypergradientMethod.h"

namespace bilevel {

// forward: forward-mode differentiation along the same K iterations as `unrolled` (seed 004,
// J^{(n+1)} = A_z J^{(n)} + A_θ on the solver's iteration map, core/iterations). One state tangent
// T_j = ∂z_k/∂θ_j per parameter, from T_j = 0 at the cold start, follows
//   T_j ← A_z T_j + A_θ e_j   (at z_k),
// and ∇U_j = ⟨P T_j, ∂_xL⟩ + ∂_θL_j at the K-th iterate. No reverse pass and no stored iterates,
// but p Hessian products per step and O(|z|·p) memory, so it suits few parameters. Solvers without
// a map (lbfgs) are refused.
class ForwardMode final : public IterationMapMethod {
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
  // Besides the solver's map: the p tangents of n entries each must fit in kMaxTangentEntries
  // doubles (2²⁵, 256 MiB per part of the iteration state). A Fields-of-Experts bank of 24 filters
  // of 5×5 (600 parameters) on a 256² image is 39·10⁶ entries: refused, use implicit-cg or fpad.
  bool supports(const BilevelProblem& problem, std::string* why = nullptr) const override;
  static constexpr double kMaxTangentEntries = 33554432.0;

 private:
  HypergradientOptions options_;
};

}  // namespace bilevel
