#pragma once

#include "hypergradients/AdjointHypergradient.h"

namespace bilevel {

// fpad: fixed-point automatic differentiation (seed 004; Mehmood & Ochs 2020). Reverse-mode
// differentiation of the accelerated-gradient map A(x, x₋; θ) with every iterate replaced by the
// fixed point x*: with G = I − τH(x*), the adjoint state (x̄, x̄₋) starts at (∂_xL, 0) and follows
//   ȳ = G x̄,   (x̄, x̄₋) ← ((1+β) ȳ + x̄₋, −β ȳ),
// and a = τ Σ_n x̄_n, so ∇U = ∂_θL − (∂²_θxE) a. The derivative sequence converges at the
// accelerated rate 1 − √(μ/L) of the map itself; only x* is stored (O(n)).
class Fpad final : public AdjointHypergradient {
 public:
  using AdjointHypergradient::AdjointHypergradient;
  std::string name() const override { return "fpad"; }
  std::string description() const override {
    return "Fixed-point AD: back-propagates through the accelerated solver's iteration with "
           "every iterate replaced by the solution x*. Stores only x*; converges at the "
           "solver's own accelerated rate, one Hessian-vector product per step.";
  }

 protected:
  void solveAdjoint(const BilevelProblem& problem, const Vector& theta, const Vector& solution,
                    const Vector& rhs, Vector& adjoint, HypergradientSummary& summary,
                    const CancellationFlag* cancel) const override;
  double workingVectors() const override { return 4.0; }
};

}  // namespace bilevel
