#pragma once

#include <cmath>

namespace bilevel {

// Charbonnier penalty, a smooth convex stand-in for |z| (Charbonnier et al. 1997):
//   ρ(z) = √(1 + z²) − 1,  ρ'(z) = z / √(1 + z²),  ρ''(z) = (1 + z²)^(−3/2) ∈ (0, 1].
struct Charbonnier {
  static constexpr double kCurvatureMaximum = 1.0;
  static constexpr double kCurvatureMinimum = 0.0;

  static double value(double z) {
    // √(1 + z²) − 1 = z² / (√(1 + z²) + 1), without the cancellation for small z.
    return z * z / (std::sqrt(1.0 + z * z) + 1.0);
  }
  static double first(double z) { return z / std::sqrt(1.0 + z * z); }
  static double second(double z) {
    const double root = std::sqrt(1.0 + z * z);
    return 1.0 / (root * root * root);
  }
};

}  // namespace bilevel
