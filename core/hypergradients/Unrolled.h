#pragma once

#include "hypergradients/HypergradientMethod.h"

namespace bilevel {

// unrolled: reverse-mode differentiation (ITD) through the K iterations of NesterovUnrolling from
// x₀ = y. The reverse pass of one step, with a = x̄_{k+1} and b the part of x̄_k already known:
//   ȳ_k = a − τ H(y_k) a,   θ̄ −= τ (∂²_θxE(y_k)) a,   x̄_k = b + (1+β) ȳ_k,   x̄_{k−1} = −β ȳ_k.
// With `truncation` T > 0 only the last T steps are differentiated. Iterates are checkpointed every
// c steps and recomputed segment by segment, so memory is O((K/c + c)·n) instead of O(K·n).
// The result is the exact gradient of U at the K-th iterate, which tends to ∇U(θ) as K grows.
class Unrolled final : public HypergradientMethod {
 public:
  explicit Unrolled(HypergradientOptions options) : options_(options) {}
  std::string name() const override { return "unrolled"; }
  std::string description() const override {
    return "Unrolling (iterative differentiation): back-propagates through K iterations of the "
           "accelerated solver from the noisy image. Exact for the truncated solver; costs a "
           "second forward pass and K Hessian products, with checkpoints every ~√K steps.";
  }
  HypergradientSummary evaluate(const BilevelProblem& problem, const Vector& theta, Vector& x,
                                Vector& gradient,
                                const CancellationFlag* cancel = nullptr) const override;

 private:
  HypergradientOptions options_;
};

}  // namespace bilevel
