#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "image/Image.h"
#include "models/PrimalDualModel.h"
#include "operators/BilinearUpsampling.h"
#include "operators/FiniteDifferenceGradient.h"

namespace bilevel {

// Nonsmooth (isotropic ℓ2,1) total variation, issue 9 §2:
//   E(x, θ) = ½‖x − y‖² + Σ_i λ_i |(∇x)_i|,
// ∇ the forward differences with Neumann boundary of FiniteDifferenceGradient (K = ∇, ‖K‖² ≤ 8)
// and |·| the Euclidean norm of a pixel's two differences. λ is one scalar (θ = (λ), "tv") or the
// bilinear control-grid map λ = Bθ of HuberTV ("tv-map").
//
// As a primal–dual problem: G(x) = ½‖x − y‖², F(p) = Σ_i λ_i |p_i|, F*(q) the indicator of the
// balls |q_i| ≤ λ_i, so prox_{σF*} is the projection of L2BallProjection (its kink selection is
// documented there). Dual layout: q ∈ R^{2n} is [q_h; q_v], every pixel's horizontal component
// first, then every vertical one, pixel (r, c) at index r·cols + c in each half, matching
// FiniteDifferenceGradient::apply(x, horizontal, vertical). Entries outside the range of ∇ (q_h in
// the last column, q_v in the last row) do not enter Kᵀq; solvers start them at 0 and the
// iteration keeps them there.
//
// The optimality conditions of (x, q) are x − y + ∇ᵀq = 0 and q_i ∈ λ_i ∂|·|((∇x)_i), so the gap
//   P(x) − D(q) = ½‖x − y + ∇ᵀq‖² + Σ_i (λ_i |(∇x)_i| − ⟨(∇x)_i, q_i⟩)     (|q_i| ≤ λ_i)
// is a sum of non-negative terms and can be evaluated to full relative precision near 0 (no
// cancellation between P and D). Each pixel's TV term is clamped at 0 against rounding.
class TotalVariation final : public PrimalDualModel {
 public:
  struct Options {
    // Initial regularisation weight λ ≥ 0 (every control point of a map starts there).
    double lambda = 0.05;
    // Control grid of the weight map; 0×0 means a scalar λ.
    int gridRows = 0;
    int gridCols = 0;
  };

  // Refuses (usageError) a non-finite pixel of the data, a negative or non-finite λ, and a grid
  // with one side zero.
  TotalVariation(const Image& noisy, const Options& options);

  std::string name() const override { return upsampling_ ? "tv-map" : "tv"; }
  const ParameterLayout& parameterLayout() const override { return layout_; }
  int rows() const override { return gradient_.rows(); }
  int cols() const override { return gradient_.cols(); }
  Eigen::Index dualSize() const override { return 2 * gradient_.pixelCount(); }
  const Vector& initialPoint() const override { return noisy_; }
  const FiniteDifferenceGradient& gradientOperator() const { return gradient_; }

  double energy(const Vector& x, const Vector& theta) const override;
  void applyK(const Vector& x, Vector& q) const override;
  void applyKAdjoint(const Vector& q, Vector& x) const override;
  double squaredNormBound() const override { return FiniteDifferenceGradient::kSquaredNormBound; }
  void dataProx(double tau, const Vector& v, Vector& out) const override;
  void conjugateProx(double sigma, const Vector& theta, const Vector& q,
                     Vector& out) const override;
  void conjugateProxJacobian(double sigma, const Vector& theta, const Vector& q, const Vector& dq,
                             Vector& out) const override;
  void conjugateProxParameterProduct(double sigma, const Vector& theta, const Vector& q,
                                     const Vector& dtheta, Vector& out) const override;
  void conjugateProxParameterAdjoint(double sigma, const Vector& theta, const Vector& q,
                                     const Vector& w, Vector& out) const override;
  double primalDualGap(const Vector& x, const Vector& q, const Vector& theta) const override;
  Vector defaultParameters() const override;
  bool hasWeightMap() const override { return upsampling_.has_value(); }
  Vector weightMap(const Vector& theta) const override { return pixelWeights(theta); }
  // The reconstruction, the λ map (tv-map), and the jump set of x (jumpSet with the default
  // tolerance, as 0/1 pixels).
  std::vector<LowerLevelView> views(const Vector& x, const Vector& theta) const override;

  // λ_i per pixel for θ, recomputed only when θ changed since the last call. Refuses
  // (usageError) a θ of the wrong size or with a negative or non-finite entry: a negative radius
  // would make the dual feasible set empty.
  const Vector& pixelWeights(const Vector& theta) const;

  // The jump set of x: mask[i] = 1 where |(∇x)_i| > tolerance (the support of ∇x that the
  // manifold methods and the studio's "jump set" view use), 0 elsewhere. Returns its size.
  // `mask` is resized to variableCount(). The default tolerance suits images in [0, 1] solved to a
  // relative gap of 1e-8 or tighter; looser solves leave spurious small differences above it.
  static constexpr double kDefaultJumpTolerance = 1e-6;
  Eigen::Index jumpSet(const Vector& x, std::vector<std::uint8_t>& mask,
                       double tolerance = kDefaultJumpTolerance) const;

  // out = Bᵀ field (or the sum of the field for a scalar λ) ∈ R^p: the adjoint of θ ↦ λ, for
  // methods that differentiate through the per-pixel weights (implicit-manifold).
  void weightAdjoint(const Vector& field, Vector& out) const;
  // out = B dθ ∈ R^n (dθ[0] everywhere for a scalar λ): the derivative of θ ↦ λ along dθ.
  void weightProduct(const Vector& dtheta, Vector& out) const;

 private:
  Vector noisy_;
  Options options_;
  FiniteDifferenceGradient gradient_;
  std::optional<BilinearUpsampling> upsampling_;
  ParameterLayout layout_;

  mutable Vector cachedTheta_, cachedWeights_;
  mutable Vector pixelScratch_;
};

}  // namespace bilevel
