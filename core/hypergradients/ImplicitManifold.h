#pragma once

#include "hypergradients/HypergradientMethod.h"

namespace bilevel {

// implicit-manifold: implicit differentiation restricted to the identified manifold (partial
// smoothness; seed 004 §III, "ID under Partial Smoothness", Lewis '02, Vaiter et al. '17), for the
// nonsmooth TV models (tv, tv-map).
//
// TV E(x, θ) = ½‖x − y‖² + Σ_i λ_i(θ) |(∇x)_i| is partly smooth at x* relative to
//   M = {x : (∇x)_i = 0 for every i outside the jump set S = {i : (∇x*)_i ≠ 0}},
// a linear subspace: x ∈ M iff x is constant on every connected region of the graph that links
// pixel i to its right and lower neighbours for i ∉ S. With B (n × m) the indicator matrix of the
// m regions, x = B u and E restricted to M is E_M(u, θ) = ½‖Bu − y‖² + Σ_{i∈S} λ_i |(∇Bu)_i|,
// smooth near u* (|(∇x*)_i| > 0 on S). The theorem's formula
//   ∂x*/∂θ = −B (∇²_u E_M)^{-1} ∂_θ∇_u E_M
// with, at g_i = (∇x*)_i, n_i = g_i/|g_i| and D_i = (λ_i/|g_i|)(I − n_i n_iᵀ) for i ∈ S,
//   ∇²_u E_M = BᵀB + Bᵀ∇ᵀ D ∇B              (SPD: BᵀB is the diagonal of region sizes)
//   ∂_θ∇_u E_M dθ = Bᵀ∇ᵀ (n_i (B_λ dθ)_i)_{i∈S}  (B_λ: θ ↦ λ, TotalVariation::weightProduct)
// gives, with the adjoint a ∈ R^m solving (∇²_u E_M) a = Bᵀ ∂_xL by CG (hypergradient.tolerance,
// max_iterations), ∇U = ∂_θL − B_λᵀ (⟨n_i, (∇Ba)_i⟩)_{i∈S}. The restricted products act on one
// value per region plus the jump set; nothing of size n × n is formed.
//
// The jump set is read from the solution: i ∈ S when |(∇x*)_i| > jumpTolerance. The default
// (TotalVariation::kDefaultJumpTolerance = 1e-6) suits images in [0, 1] solved to a relative gap of
// 1e-8 or tighter: the gap bounds ½‖x − x*‖², so a solve to relative gap ε leaves differences of
// order √(2εP) ≲ 1e-4·√P spread over the image, and after identification (where the method
// applies) the linear rate of the solver drives the spurious differences below 1e-10 while true
// jumps of a generic λ stay of the order of the noise (1e-2). x* is then replaced by its
// projection on M (region means), so the small residual differences do not enter D.
// Non-degeneracy (|q*_i| < λ_i off S) and a stable support are assumed, as the theorem does; where
// they fail the result is the derivative of the restricted problem, as finite differences would
// show. Refuses smooth models (use implicit-cg) and any model other than TotalVariation.
class ImplicitManifold final : public HypergradientMethod {
 public:
  explicit ImplicitManifold(HypergradientOptions options) : options_(options) {}
  std::string name() const override { return "implicit-manifold"; }
  std::string description() const override {
    return "Implicit differentiation on the identified manifold (nonsmooth TV): x is constant on "
           "the regions where ∇x* = 0; solves the restricted Hessian system (one unknown per "
           "region) by CG. Exact where the support is stable.";
  }
  bool supports(const BilevelProblem& problem, std::string* why = nullptr) const override;
  HypergradientSummary evaluate(const BilevelProblem& problem, const Vector& theta, Vector& x,
                                Vector& gradient,
                                const CancellationFlag* cancel = nullptr) const override;

 private:
  HypergradientOptions options_;
};

}  // namespace bilevel
