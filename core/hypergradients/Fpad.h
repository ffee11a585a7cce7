#pragma once

#include "hypergradients/HypergradientMethod.h"

namespace bilevel {

// fpad: fixed-point automatic differentiation (seed 004; Mehmood & Ochs 2020). Reverse-mode
// differentiation of the solver's iteration map (core/iterations) with every iterate replaced by
// the fixed-point state z* of the solution x*: with A_z, A_θ taken at (z*, θ) (the map's limit
// k → ∞), the cotangent starts at z̄_0 = Pᵀ ∂_xL and follows
//   z̄_{n+1} = A_zᵀ z̄_n,   and   ∇U = ∂_θL + A_θᵀ Σ_n z̄_n,
// one transposed state product per step and a single A_θᵀ at the end (A_θ is the same at every
// step). It stops when ‖z̄_n‖ ≤ tolerance·‖∂_xL‖ (the norm of the next term: the reported
// residual). A map with neutral modes (IterationMap::hasNeutralModes: Chambolle–Pock, whose dual
// part of z̄_n keeps directions in ker Kᵀ that no term sees) adds each term A_θᵀ z̄_n as it comes
// instead and stops when the tail of the terms, estimated from their rate over the last 10 steps,
// is at most tolerance × the largest term (the reported residual).
// The derivative sequence converges at the contraction rate of the map itself (1 − √(μ/L) for
// accelerated gradient, 1 − μ/L for gradient descent, where it is the Neumann series); only x* and
// a few states are stored. Solvers without a map (lbfgs) are refused.
class Fpad final : public IterationMapMethod {
 public:
  explicit Fpad(HypergradientOptions options) : options_(options) {}
  std::string name() const override { return "fpad"; }
  std::string description() const override {
    return "Fixed-point AD: back-propagates through the inner solver's iteration with every "
           "iterate replaced by the solution x*. Stores only x*; converges at the solver's own "
           "rate, one Hessian-vector product per step.";
  }
  HypergradientSummary evaluate(const BilevelProblem& problem, const Vector& theta, Vector& x,
                                Vector& gradient,
                                const CancellationFlag* cancel = nullptr) const override;

 private:
  HypergradientOptions options_;
};

}  // namespace bilevel
