#pragma once

#include "hypergradients/HypergradientMethod.h"

namespace bilevel {

// implicit-manifold: implicit differentiation restricted to the identified manifold (partial
// smoothness; seed 004 §III, "ID under Partial Smoothness", Lewis '02, Vaiter et al. '17), for the
// nonsmooth TV models (tv, tv-map).
//
// On the manifold M of the solution (IdentifiedManifold.h: x constant on the regions where
// ∇x* = 0) the implicit function theorem gives, with the adjoint a ∈ R^m (one value per region)
// solving H_M a = Bᵀ ∂_xL by CG (hypergradient.tolerance, max_iterations),
//   ∇U = ∂_θL − C_Mᵀ a,
// H_M and C_M the restricted Hessian and mixed product of IdentifiedManifold, which the
// diagnostics' solution tangent dx*/dθ·v shares.
//
// The jump set is read from the solution: i ∈ S when |(∇x*)_i| > jumpTolerance. The default
// (TotalVariation::kDefaultJumpTolerance = 1e-6) suits images in [0, 1] solved to a relative gap of
// 1e-8 or tighter: the gap bounds ½‖x − x*‖², so a solve to relative gap ε leaves differences of
// order √(2εP) ≲ 1e-4·√P spread over the image, and after identification (where the method
// applies) the linear rate of the solver drives the spurious differences below 1e-10 while true
// jumps of a generic λ stay of the order of the noise (1e-2). x* is then replaced by its
// projection on M (region means), so the small residual differences do not enter the curvature.
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
