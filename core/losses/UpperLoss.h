#pragma once

#include <string>

#include "common/Vector.h"

namespace bilevel {

// The upper-level loss L(x, θ) of DESIGN.md §2, evaluated at the lower-level solution.
class UpperLoss {
 public:
  virtual ~UpperLoss() = default;
  virtual std::string name() const = 0;
  virtual double value(const Vector& x, const Vector& theta) const = 0;
  // ∂_xL(x, θ), the right-hand side of the adjoint system.
  virtual void gradientX(const Vector& x, const Vector& theta, Vector& out) const = 0;
  // ∂_θL(x, θ); zero for losses that do not look at θ directly.
  virtual void gradientTheta(const Vector& x, const Vector& theta, Vector& out) const {
    (void)x;
    out.setZero(theta.size());
  }
};

}  // namespace bilevel
