#pragma once

#include "common/Vector.h"

namespace bilevel {

// The prox of the data term G(x) = ½‖x − y‖² with step τ > 0:
//   prox_{τG}(v) = argmin_x τ·½‖x − y‖² + ½‖x − v‖² = (v + τ y) / (1 + τ),
// affine in v with Jacobian I/(1 + τ) (symmetric, no kink) and ∂/∂y = τ/(1 + τ) I. G is
// 1-strongly convex, which is what lets Chambolle–Pock accelerate (γ = 1).
class SquaredDistanceProx {
 public:
  // Keeps a reference: y must outlive the prox (a model owns both).
  explicit SquaredDistanceProx(const Vector& y) : y_(y) {}

  // One pixel: (v + τ y)/(1 + τ), inline for fused solver loops.
  static double pixel(double tau, double v, double y) { return (v + tau * y) / (1.0 + tau); }
  // The Jacobian's only entry 1/(1 + τ).
  static double jacobianScale(double tau) { return 1.0 / (1.0 + tau); }

  // out = prox_{τG}(v); `out` may alias `v`.
  void apply(double tau, const Vector& v, Vector& out) const { out = (v + tau * y_) / (1.0 + tau); }

  const Vector& data() const { return y_; }

 private:
  const Vector& y_;
};

}  // namespace bilevel
