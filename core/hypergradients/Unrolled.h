#pragma once

#include "hypergradients/HypergradientMethod.h"

namespace bilevel {

// unrolled: reverse-mode differentiation (ITD) through the K iterations of the solver's iteration
// map (InnerSolver::iterationMap, core/iterations) from the cold start z_0 = z(x₀ = y), run as
// IterationRun runs it (solver.iterations steps, or until the solver's stopping test). From
// z̄_K = Pᵀ ∂_xL(x_K), each step back is
//   θ̄ += A_θᵀ z̄_{k+1},   z̄_k = A_zᵀ z̄_{k+1}   (A_z, A_θ at z_k),
// and ∇U = ∂_θL + θ̄. With `truncation` T > 0 only the last T steps are differentiated. Full states
// are checkpointed every c steps and recomputed segment by segment, so memory is
// O((K/c + c)·|z|) instead of O(K·|z|). The result is the exact gradient of U at the K-th iterate,
// which tends to ∇U(θ) as K grows. Solvers without a map (lbfgs) are refused.
class Unrolled final : public IterationMapMethod {
 public:
  explicit Unrolled(HypergradientOptions options) : options_(options) {}
  std::string name() const override { return "unrolled"; }
  std::string description() const override {
    return "Unrolling (iterative differentiation): back-propagates through K iterations of the "
           "inner solver from the noisy image. Exact for the truncated solver; costs a second "
           "forward pass and K Hessian products, with checkpoints every ~√K steps.";
  }
  HypergradientSummary evaluate(const BilevelProblem& problem, const Vector& theta, Vector& x,
                                Vector& gradient,
                                const CancellationFlag* cancel = nullptr) const override;

 private:
  HypergradientOptions options_;
};

}  // namespace bilevel
