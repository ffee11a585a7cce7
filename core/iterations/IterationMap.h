#pragma once

#include <limits>
#include <string>

#include "common/Vector.h"
#include "iterations/IterationState.h"
#include "models/LowerLevel.h"

namespace bilevel {

// The step of a differentiable inner algorithm on its full state (DESIGN.md §3, "Iteration maps";
// seed 004): z_{k+1} = A_k(z_k, θ). The state z (an IterationState) holds everything the step
// reads: the iterate x and the momentum term x_{k−1}, or a dual variable; its parts are laid out as
// the map documents, and the methods see them only through the products below and through the
// primal part x = P z (a linear read-out, for the maps here the first part).
//
// `unrolled`, `forward`, `fpad` and the derivative-sequence diagnostics are written once over this
// interface; an inner solver says which map it iterates (InnerSolver::iterationMap).
//
// With  A_z = ∂A_k/∂z (z_k, θ)  (N × N, N the state's total size) and  A_θ = ∂A_k/∂θ (z_k, θ)
// (N × p), the derivative J_k = dz_k/dθ of the iterates follows (forward mode)
//   J_{k+1} = A_z J_k + A_θ,   J_0 = 0 (the start does not depend on θ),
// and reverse mode carries z̄_k = J-adjoints backwards:
//   θ̄ += A_θᵀ z̄_{k+1},   z̄_k = A_zᵀ z̄_{k+1},   z̄_K = Pᵀ ∂_xL.
// FPAD runs the same recursions with every z_k replaced by the fixed-point state z* of x*.
//
// Products are taken at a linearisation point set by linearize(k, z): the four of them usually
// share the work of reading z (forming the extrapolated point, the model's curvature there), and a
// reverse pass or FPAD applies several products at one point. Outputs are caller-provided, from
// makeState() (or p-vectors for θ), and must not alias an input; a map allocates its scratch once,
// at construction, and never per step.
//
// A map is bound to one model and one θ (both must outlive it) and, like a model, is used by one
// thread at a time: its scratch is mutable.
class IterationMap {
 public:
  // The index FPAD passes as k: the map the iteration tends to as k → ∞. Maps whose steps do not
  // depend on k ignore it; a map with varying steps defines its limit there, or says it has none
  // (hasStationaryLimit), and then FPAD refuses it.
  static constexpr int kLimit = std::numeric_limits<int>::max();

  IterationMap(const LowerLevel& model, const Vector& theta) : model_(model), theta_(theta) {}
  virtual ~IterationMap() = default;
  IterationMap(const IterationMap&) = delete;
  IterationMap& operator=(const IterationMap&) = delete;

  // The solver whose iteration this is ("accelerated-gradient"), for messages.
  virtual std::string name() const = 0;
  // The lower level iterated on, of either kind: the smooth maps (SmoothIterationMap) hold their
  // Model, the primal–dual map its PrimalDualModel.
  const LowerLevel& model() const { return model_; }
  const Vector& theta() const { return theta_; }
  Eigen::Index variableCount() const { return model_.variableCount(); }
  Eigen::Index parameterCount() const { return theta_.size(); }
  // A zero state of this map's layout (allocates: call it once per run, not per step).
  virtual IterationState makeState() const = 0;

  // --- States -----------------------------------------------------------------------------------
  // z_0 from x_0 = the model's initial point (a cold start, what `unrolled` differentiates).
  void coldStart(IterationState& z) const { warmStart(model_.initialPoint(), z); }
  // z_0 from a given x_0 (a warm start): the momentum or dual parts at their start values.
  virtual void warmStart(const Vector& x, IterationState& z) const = 0;
  // The fixed-point state z* with A(z*, θ) = z* for the lower-level solution x* (FPAD).
  virtual void fixedPoint(const Vector& solution, IterationState& z) const = 0;
  // x = P z, the iterate the solver would return from state z.
  virtual void primal(const IterationState& z, Vector& x) const = 0;
  // z̄ = Pᵀ x̄: a cotangent on x embedded in the state (zero on the other parts).
  virtual void primalAdjoint(const Vector& xBar, IterationState& zBar) const = 0;

  // --- The step ---------------------------------------------------------------------------------
  // next = A_k(z, θ); returns the measure the solver's stopping test reads at z (the gradient norm
  // ‖∂_xE‖ at the point the step evaluates it), or +∞ when this step does not evaluate it, or NaN
  // when the iteration broke down. `next` must not alias z.
  virtual double step(int k, const IterationState& z, IterationState& next) const = 0;
  // z ← A_k(z, θ) in place unless step()'s measure at z is at most `threshold` or NaN (then z is
  // the output and stays); returns the measure. For a forward pass that keeps no old state: a map
  // can move parts instead of copying them (x_k becoming x_{k−1}). The default steps into a scratch
  // state (allocated on first use) and swaps.
  virtual double advance(int k, IterationState& z, double threshold) const;
  // The scale the stopping test is relative to: the solver stops when the measure of step() is at
  // most SolveOptions::tolerance times this (for gradient methods ‖∂_xE(x_ref)‖, x_ref the model's
  // initial point, as the solvers do). Costs one gradient evaluation; called once per run.
  virtual double stoppingReference() const = 0;

  // --- Derivatives ------------------------------------------------------------------------------
  // Sets the point (k, z) at which the products below are taken. z must stay unchanged while they
  // are used (a map may keep a reference to it).
  virtual void linearize(int k, const IterationState& z) const = 0;
  // What linearize(k, z) needs, kept by reverse passes for every step of a recomputed segment: by
  // default the whole state; a map may keep less (Nesterov's scheme: the extrapolated point y_k,
  // half the state). linearizeSaved(k, saved) then sets the same point as linearize(k, z_k); like
  // z, `saved` must stay unchanged while the products are used.
  virtual IterationState makeSavedLinearization() const { return makeState(); }
  virtual void saveLinearization(int, const IterationState& z, IterationState& saved) const {
    saved = z;
  }
  virtual void linearizeSaved(int k, const IterationState& saved) const { linearize(k, saved); }
  // out = A_z v.
  virtual void stateProduct(const IterationState& v, IterationState& out) const = 0;
  // out = A_zᵀ w.
  virtual void stateTransposeProduct(const IterationState& w, IterationState& out) const = 0;
  // out = A_θ dθ  (dθ: p entries).
  virtual void parameterProduct(const Vector& dtheta, IterationState& out) const = 0;
  // out = A_θᵀ w  (out: p entries).
  virtual void parameterTransposeProduct(const IterationState& w, Vector& out) const = 0;
  // out = A_z v + A_θ dθ: one step of the forward-mode recursion. The default calls the two
  // products (with a scratch state allocated on first use); maps override it to share the pass.
  virtual void tangentProduct(const IterationState& v, const Vector& dtheta,
                              IterationState& out) const;
  // out = A_zᵀ w and thetaBar = A_θᵀ w (p entries): one step of a reverse recursion together with
  // its term of the hypergradient. The default calls the two products; maps override it to share
  // the pass.
  virtual void cotangentProduct(const IterationState& w, IterationState& out,
                                Vector& thetaBar) const;

  // --- Properties -------------------------------------------------------------------------------
  // Whether A_k tends to a fixed map as k → ∞ (queried at kLimit); FPAD needs one.
  virtual bool hasStationaryLimit() const { return true; }
  // Whether A_z at a fixed point has the eigenvalue 1 on directions that neither the read-out P
  // nor A_θ sees (the primal–dual map: dual directions in ker Kᵀ inside the balls). A reverse
  // recursion z̄_{n+1} = A_zᵀ z̄_n then keeps a part that does not tend to 0 (or does so slowly)
  // although the terms A_θᵀ z̄_n of the hypergradient do, and FPAD stops on the terms.
  virtual bool hasNeutralModes() const { return false; }
  // The linear rate ρ at which the FPAD recursion contracts, from the model's bounds μ and L: the
  // spectral radius of A_z at the fixed point (1 − μ/L for gradient descent, 1 − √(μ/L) for
  // Nesterov's constant-momentum scheme). The reference line of the derivative-sequence plot.
  virtual double contractionRate() const = 0;

 private:
  const LowerLevel& model_;
  const Vector& theta_;
  mutable IterationState tangentScratch_;  // for the default tangentProduct
  mutable IterationState stepScratch_;     // for the default advance
};

}  // namespace bilevel
