#pragma once

#include "iterations/IterationMap.h"
#include "models/PrimalDualModel.h"

namespace bilevel {

// Chambolle–Pock's Algorithm 1 (constant steps, ϑ = 1) as an iteration map, on the state
// z = (x_k, x̄_k, q_k) (parts 0, 1, 2: primal iterate, extrapolated point, dual iterate), the
// layout of PrimalDualState:
//   v_k     = q_k + σ K x̄_k
//   q_{k+1} = P(v_k; θ)                        P = prox_{σF*(·; θ)} (TV: projection on |q_i| ≤ λ_i)
//   x_{k+1} = (x_k − τ Kᵀ q_{k+1} + τ y)/(1 + τ)   = prox_{τG}(x_k − τ Kᵀ q_{k+1})
//   x̄_{k+1} = 2 x_{k+1} − x_k
// with τσ‖K‖² ≤ 1 (σ = 1/(τ · squaredNormBound())); what ChambollePock runs with acceleration 0
// and no restart (solver.iterations > 0 through PrimalDualSolver). z_0 = (x_0, x_0, 0).
//
// Derivatives: with J = ∂_qP(v_k) the model's conservative Jacobian (symmetric) and
// R = ∂_θP(v_k) (conjugateProxParameterProduct/Adjoint), c = 1/(1 + τ):
//   A_z (dx, dx̄, dq):  dq⁺ = J (dq + σ K dx̄),  dx⁺ = c (dx − τ Kᵀ dq⁺),  dx̄⁺ = 2 dx⁺ − dx
//   A_θ dθ:            dq⁺ = R dθ,             dx⁺ = −cτ Kᵀ dq⁺,        dx̄⁺ = 2 dx⁺
//   A_zᵀ (wx, wx̄, wq): g = wx + 2 wx̄,  h = wq − cτ K g,
//                      (c g − wx̄,  σ Kᵀ J h,  J h)
//   A_θᵀ (wx, wx̄, wq): Rᵀ h.
// Selection at the kink |v_i| = λ_i (TV, L2BallProjection): J = I and ∂_λP = 0, the derivative of
// the inside branch. Why: the projection decides "outside" by the same strict test |v| > λ, so
// value and derivative come from one smooth branch (a conservative field of (v, λ) ↦ P), and I is
// one of the two limits of the Jacobian there, so it lies in the Clarke Jacobian. At a solution
// that satisfies the non-degeneracy condition of seed 004 §III (|q*_i| < λ_i wherever ∇x*_i = 0)
// the fixed point v* = q* + σ∇x* is never on a sphere, so the selection does not matter for FPAD;
// it matters for unrolled iterates that land exactly on a sphere (measure zero for generic data).
//
// Fixed point: (x*, x*, q*) with q* the solver's dual solution. q* is not a function of x* (Kᵀ has
// a kernel: only Kᵀq* = y − x* is determined), so fixedPoint(x*) cannot build it; the solver that
// computed x* fills the state (InnerSolver::solveToFixedPoint), and fixedPoint(x*, q*, z) below
// assembles it. At such a fixed point A_z has the neutral eigenvalue 1 on dual directions
// dq ∈ ker Kᵀ inside the balls (they change no x); they are invisible to P = (I, 0, 0), so the
// primal part of the FPAD recursion still converges, at the rate of the remaining modes.
//
// The stopping measure at z is the primal–dual gap of (x_k, q_k) (+∞ never: it is always
// evaluated), relative to the gap at the cold start (y, 0), which is P(y). The map does not depend
// on k.
class PrimalDualMap final : public IterationMap {
 public:
  struct Options {
    // τ, the primal step; σ = 1/(τ ‖K‖²). Default 1/√8 = 1/‖K‖ bound for TV: balanced steps,
    // as ChambollePock.h recommends for Algorithm 1. > 0.
    double primalStep = 0.35355339059327373;
  };

  PrimalDualMap(const PrimalDualModel& model, const Vector& theta, const Options& options);
  PrimalDualMap(const PrimalDualModel& model, const Vector& theta)
      : PrimalDualMap(model, theta, Options{}) {}

  std::string name() const override { return "chambolle-pock"; }
  const PrimalDualModel& model() const { return model_; }
  double primalStep() const { return tau_; }
  double dualStep() const { return sigma_; }
  IterationState makeState() const override;

  void warmStart(const Vector& x, IterationState& z) const override;
  // Throws usageError: the dual part of the fixed point must come from the solver (see above).
  void fixedPoint(const Vector& solution, IterationState& z) const override;
  // z = (x*, x*, q*).
  void fixedPoint(const Vector& solution, const Vector& dualSolution, IterationState& z) const;
  void primal(const IterationState& z, Vector& x) const override { x = z.part(0); }
  void primalAdjoint(const Vector& xBar, IterationState& zBar) const override;

  double step(int k, const IterationState& z, IterationState& next) const override;
  double stoppingReference() const override;

  // Keeps v_k = q_k + σ K x̄_k (one dual vector): J and R at v_k are all the products need.
  void linearize(int k, const IterationState& z) const override;
  IterationState makeSavedLinearization() const override;
  void saveLinearization(int k, const IterationState& z, IterationState& saved) const override;
  void linearizeSaved(int k, const IterationState& saved) const override;
  void stateProduct(const IterationState& v, IterationState& out) const override;
  void stateTransposeProduct(const IterationState& w, IterationState& out) const override;
  void parameterProduct(const Vector& dtheta, IterationState& out) const override;
  void parameterTransposeProduct(const IterationState& w, Vector& out) const override;
  // Both transposed products share h, the cotangent of q⁺: A_θᵀ w = Rᵀ h costs one pass of the
  // prox's parameter adjoint on top of A_zᵀ w.
  void cotangentProduct(const IterationState& w, IterationState& out,
                        Vector& thetaBar) const override;
  bool hasNeutralModes() const override { return true; }

  // No closed form from the model's bounds: estimated at the current linearisation point (call
  // linearize first, e.g. at the fixed point) by 200 products A_z^k v from a fixed pseudo-random
  // v, as (‖P A_z^{200} v‖ / ‖P A_z^{100} v‖)^{1/100}: the primal read-out P skips the neutral
  // dual modes described above. NaN before any linearize. Costs 200 state products.
  double contractionRate() const override;

 private:
  // v = q + σ K x̄ into `out`.
  void dualArgument(const IterationState& z, Vector& out) const;

  const PrimalDualModel& model_;
  double tau_ = 0.0, sigma_ = 0.0;
  mutable Vector ownLinearPoint_;                      // v_k of linearize()
  mutable const Vector* linearPoint_ = nullptr;        // v_k: ownLinearPoint_ or a saved part
  mutable Vector dual_, dualScratch_, primalScratch_;  // step and product work vectors
};

}  // namespace bilevel
