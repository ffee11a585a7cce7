#pragma once

#include <cmath>

namespace bilevel {

// Student-t penalty of the Fields of Experts (Roth & Black 2005; Chen, Ranftl & Pock 2014):
//   ρ(z) = log(1 + z²),  ρ'(z) = 2z / (1 + z²),  ρ''(z) = 2(1 − z²) / (1 + z²)².
// ρ'' is 2 at z = 0 (its maximum) and −1/4 at z² = 3 (its minimum), so the energy is non-convex
// once ν_k‖k_k‖² is large enough.
struct StudentT {
  static constexpr double kCurvatureMaximum = 2.0;
  static constexpr double kCurvatureMinimum = -0.25;

  static double value(double z) { return std::log1p(z * z); }
  static double first(double z) { return 2.0 * z / (1.0 + z * z); }
  static double second(double z) {
    const double q = 1.0 + z * z;
    return 2.0 * (2.0 - q) / (q * q);
  }
};

}  // namespace bilevel
