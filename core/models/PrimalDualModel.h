#pragma once

#include <string>

#include "common/Vector.h"
#include "models/LowerLevel.h"
#include "models/ParameterLayout.h"

namespace bilevel {

// The primal–dual kind of lower level (DESIGN.md §3, issue 9 §1): a nonsmooth energy
//   E(x, θ) = G(x) + F(Kx; θ),   G(x) = ½‖x − y‖² (1-strongly convex),
// with K linear and F convex but not differentiable (TV's Σ_i λ_i |(Kx)_i|), solved through the
// saddle-point problem min_x max_q G(x) + ⟨Kx, q⟩ − F*(q; θ). A model supplies K and Kᵀ with a
// bound on ‖K‖², the prox of G, the prox of the conjugate F*, the conservative Jacobian of that
// prox and its derivatives in θ, and the primal–dual gap; the solver (ChambollePock) and the
// methods that differentiate its iterations are written once over these.
//
// The dual variable q lives in R^dualSize(). Outputs go to caller-provided vectors of the right
// size (x-space: variableCount(), dual space: dualSize(), θ-space: parameterCount()), so loops do
// not allocate.
//
// Thread safety: const methods may use internal scratch buffers (cached per-pixel weights); one
// model instance is used by one thread at a time.
class PrimalDualModel : public LowerLevel {
 public:
  // name() ("tv", "tv-map"), parameterLayout(), rows()/cols(), initialPoint() (the data y, where
  // solvers start without a warm start), energy() (E = G + F∘K, the primal objective P(x) the gap
  // bounds), defaultParameters(), weightMap() and views() come from LowerLevel.

  // Size of the dual variable q.
  virtual Eigen::Index dualSize() const = 0;

  // q = Kx and x = Kᵀq; ‖K‖² ≤ squaredNormBound(), which the step sizes τσ‖K‖² ≤ 1 rely on.
  virtual void applyK(const Vector& x, Vector& q) const = 0;
  virtual void applyKAdjoint(const Vector& q, Vector& x) const = 0;
  virtual double squaredNormBound() const = 0;
  // γ with G γ-strongly convex: the acceleration Chambolle–Pock's Algorithm 2 may use.
  virtual double strongConvexity() const { return 1.0; }

  // out = prox_{τG}(v) = (v + τy)/(1 + τ); its Jacobian is I/(1 + τ). `out` may alias `v`.
  virtual void dataProx(double tau, const Vector& v, Vector& out) const = 0;

  // out = prox_{σF*(·; θ)}(q). For TV F* is the indicator of the balls |q_i| ≤ λ_i, so the prox is
  // the projection onto them for every σ (σ is kept in the signature for conjugates that are not
  // indicators). `out` may alias `q`.
  virtual void conjugateProx(double sigma, const Vector& theta, const Vector& q,
                             Vector& out) const = 0;
  // out = J dq with J a conservative Jacobian of q ↦ prox_{σF*}(q) at q, the selection at kinks
  // documented by the model. J is symmetric (a prox's Jacobian is), so this also applies Jᵀ.
  virtual void conjugateProxJacobian(double sigma, const Vector& theta, const Vector& q,
                                     const Vector& dq, Vector& out) const = 0;
  // out = (∂/∂θ prox_{σF*(·; θ)}(q)) dθ ∈ dual space (forward mode).
  virtual void conjugateProxParameterProduct(double sigma, const Vector& theta, const Vector& q,
                                             const Vector& dtheta, Vector& out) const = 0;
  // out = (∂/∂θ prox_{σF*(·; θ)}(q))ᵀ w ∈ R^p, the adjoint of the product above (reverse mode).
  virtual void conjugateProxParameterAdjoint(double sigma, const Vector& theta, const Vector& q,
                                             const Vector& w, Vector& out) const = 0;

  // P(x) − D(q) ≥ 0 with D the dual objective; +∞ when q is not dual feasible. It bounds
  // P(x) − P(x*) ≥ ½‖x − x*‖², so it certifies the accuracy of x.
  virtual double primalDualGap(const Vector& x, const Vector& q, const Vector& theta) const = 0;
};

}  // namespace bilevel
