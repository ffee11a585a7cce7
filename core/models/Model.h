#pragma once

#include <string>

#include "common/Vector.h"
#include "models/LowerLevel.h"
#include "models/ParameterLayout.h"

namespace bilevel {

// The smooth kind of lower level (DESIGN.md §2–§3): an energy E(x, θ) twice differentiable in x,
// bound to its data (the noisy image y of one training pair). Everything is matrix-free: a model
// supplies E, ∂_xE, Hessian-vector products (∂²_xxE)v and the two mixed products, and never forms a
// matrix. Outputs go to caller-provided vectors of the right size so that solver loops do not
// allocate. What every lower level has (name, layout, shape, energy, views) is in LowerLevel.
//
// Thread safety: const methods may use internal scratch buffers; one model instance is used by one
// thread at a time (a learning session owns its models).
class Model : public LowerLevel {
 public:
  // g = ∂_xE(x, θ); returns E(x, θ) too, since most solvers want both and they share work.
  virtual double energyAndGradient(const Vector& x, const Vector& theta, Vector& g) const = 0;
  virtual void gradient(const Vector& x, const Vector& theta, Vector& g) const {
    energyAndGradient(x, theta, g);
  }
  // out = (∂²_xxE(x, θ)) v.
  virtual void hessianVectorProduct(const Vector& x, const Vector& theta, const Vector& v,
                                    Vector& out) const = 0;
  // out = (∂²_θxE(x, θ)) v ∈ R^p, i.e. ∂_θ⟨∂_xE(x, θ), v⟩: what every hypergradient contracts
  // the adjoint with.
  virtual void mixedProduct(const Vector& x, const Vector& theta, const Vector& v,
                            Vector& out) const = 0;
  // out = (∂²_xθE(x, θ)) dθ ∈ R^n, the directional derivative of ∂_xE along dθ (forward mode).
  virtual void mixedTransposeProduct(const Vector& x, const Vector& theta, const Vector& dtheta,
                                     Vector& out) const = 0;

  // L with ∂_xE(·, θ) L-Lipschitz, and μ with E(·, θ) μ-strongly convex: the step size 1/L and
  // momentum of the accelerated solver and of the Neumann and FPAD recursions.
  virtual double gradientLipschitzBound(const Vector& theta) const = 0;
  virtual double strongConvexityBound(const Vector& theta) const = 0;
};

}  // namespace bilevel
