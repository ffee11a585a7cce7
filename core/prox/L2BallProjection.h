#pragma once

#include <algorithm>
#include <cmath>

#include "common/Vector.h"

namespace bilevel {

// Pixelwise projection onto the Euclidean balls B_i = {q_i ∈ R² : |q_i| ≤ λ_i}: the prox of the
// conjugate of the isotropic TV term Σ_i λ_i |(∇x)_i| (the indicator of ×_i B_i), for any step σ.
//
//   P(q)_i = q_i                    for |q_i| ≤ λ_i   (inside, and on the sphere: "the kink")
//          = λ_i q_i / |q_i|        for |q_i| > λ_i   (outside)
//
// P is Lipschitz and piecewise smooth; its derivative jumps on the spheres |q_i| = λ_i. The
// conservative Jacobian used by the unrolled/forward/FPAD recursions is the derivative of the
// branch the pixel is on, with the closed ball counted as inside:
//
//   J_q P_i = I                                         for |q_i| ≤ λ_i
//           = (λ_i / |q_i|) (I − q̂_i q̂_iᵀ),  q̂ = q/|q|  for |q_i| > λ_i
//   ∂P_i/∂λ_i = 0                                       for |q_i| ≤ λ_i
//             = q̂_i                                     for |q_i| > λ_i
//
// Selection at the kink |q_i| = λ_i: both derivatives are those of the identity branch (I and 0).
// I and I − q̂q̂ᵀ are the two limits there, so I belongs to the Clarke Jacobian (the convex hull of
// the limits), and taking (J_q, ∂_λ) from the same branch keeps the pair a conservative field of
// (q, λ) ↦ P: it is the exact derivative of the smooth map q ↦ q that agrees with P on the ball.
// The projection itself decides "outside" by the same strict test |q| > λ, so the value and its
// derivative always come from one branch. J_q P_i is symmetric, so it is its own transpose.
//
// The per-pixel functions are inline so that fused solver loops vectorise them; the field
// functions act on a dual vector laid out as [q_h; q_v] (all horizontal components, then all
// vertical ones, n = radii.size() each) with one radius per pixel.
struct L2BallProjection {
  // Scale s with P(q) = s·q: 1 inside or on the sphere, λ/|q| outside. Written as a select of two
  // computed values so that it vectorises; for λ = 0 and q = 0 it returns 1 (P(0) = 0 either way).
  static double scale(double radius, double qh, double qv) {
    const double norm = std::sqrt(qh * qh + qv * qv);
    return norm > radius ? radius / norm : 1.0;
  }

  static void project(double radius, double& qh, double& qv) {
    const double s = scale(radius, qh, qv);
    qh *= s;
    qv *= s;
  }

  // (outH, outV) = J_q P(q) (dh, dv) with the selection above. Written with selects instead of a
  // branch so that the field loop vectorises: inside, q̂ = 0 and s = 1 give exactly (dh, dv).
  static void jacobianProduct(double radius, double qh, double qv, double dh, double dv,
                              double& outH, double& outV) {
    const double norm = std::sqrt(qh * qh + qv * qv);
    const bool outside = norm > radius;
    const double divisor = outside ? norm : 1.0;
    const double uh = outside ? qh / divisor : 0.0, uv = outside ? qv / divisor : 0.0;
    const double s = outside ? radius / divisor : 1.0;
    const double along = uh * dh + uv * dv;
    outH = s * (dh - along * uh);
    outV = s * (dv - along * uv);
  }

  // (outH, outV) = ∂P(q)/∂λ: the unit vector q̂ outside, 0 inside and on the sphere.
  // Selects instead of a branch, as in jacobianProduct.
  static void radiusDerivative(double radius, double qh, double qv, double& outH, double& outV) {
    const double norm = std::sqrt(qh * qh + qv * qv);
    const bool outside = norm > radius;
    const double divisor = outside ? norm : 1.0;
    outH = outside ? qh / divisor : 0.0;
    outV = outside ? qv / divisor : 0.0;
  }

  // Field versions on [q_h; q_v] (size 2n) with radii λ (size n). `out` may alias `q` in project.
  static void project(const Vector& radii, const Vector& q, Vector& out);
  // out = J_q P(q) dq (size 2n).
  static void jacobianProduct(const Vector& radii, const Vector& q, const Vector& dq, Vector& out);
  // out = (∂P/∂λ) dλ ∈ R^{2n}: pixel i contributes q̂_i dλ_i outside its ball.
  static void radiusProduct(const Vector& radii, const Vector& q, const Vector& dRadii,
                            Vector& out);
  // out = (∂P/∂λ)ᵀ w ∈ R^n: ⟨q̂_i, w_i⟩ outside, 0 inside; the adjoint of radiusProduct.
  static void radiusAdjoint(const Vector& radii, const Vector& q, const Vector& w, Vector& out);
};

}  // namespace bilevel
