#pragma once

#include <optional>

#include "image/Image.h"
#include "models/Model.h"
#include "operators/BilinearUpsampling.h"
#include "operators/FiniteDifferenceGradient.h"
#include "operators/RowStreamedDivergence.h"

namespace bilevel {

// Huber total variation (DESIGN.md §2):
//   E(x, θ) = ½‖x − y‖² + Σ_i λ_i h_ε(|(∇x)_i|),   h_ε(t) = t²/(2ε) for t ≤ ε, else t − ε/2,
// with |·| the Euclidean norm of the two forward differences at pixel i (isotropic TV).
// λ is either one scalar (θ = (λ), "huber-tv") or a spatial map λ = Bθ given by bilinear
// interpolation of a coarse control grid ("huber-tv-map"), so θ may have hundreds of entries.
//
// With ψ(g) = g / max(ε, |g|) = ∇h_ε(|g|):
//   ∂_xE = x − y + ∇ᵀ(λ ψ(∇x)),
//   ∂²_xxE v = v + ∇ᵀ(λ Dψ(∇x) ∇v),  Dψ(g) = I/ε for |g| ≤ ε, else (I − ggᵀ/|g|²)/|g|,
//   ∂²_θxE v = Bᵀ(⟨ψ(∇x)_i, (∇v)_i⟩)_i.
// h_ε is C¹ with a jump of its second derivative at |g| = ε, so E is twice differentiable almost
// everywhere; the Hessian-vector product is the one of the branch each pixel is on.
class HuberTV final : public Model {
 public:
  struct Options {
    // Huber smoothing ε > 0: below ε the penalty is quadratic.
    double epsilon = 0.01;
    // Initial regularisation weight λ (every control point of a map starts there).
    double lambda = 0.05;
    // Control grid of the weight map; 0×0 means a scalar λ.
    int gridRows = 0;
    int gridCols = 0;
  };

  HuberTV(const Image& noisy, const Options& options);

  std::string name() const override { return upsampling_ ? "huber-tv-map" : "huber-tv"; }
  const ParameterLayout& parameterLayout() const override { return layout_; }
  int rows() const override { return gradient_.rows(); }
  int cols() const override { return gradient_.cols(); }
  const Vector& initialPoint() const override { return noisy_; }
  double epsilon() const { return options_.epsilon; }
  bool hasWeightMap() const override { return upsampling_.has_value(); }

  double energy(const Vector& x, const Vector& theta) const override;
  double energyAndGradient(const Vector& x, const Vector& theta, Vector& g) const override;
  void hessianVectorProduct(const Vector& x, const Vector& theta, const Vector& v,
                            Vector& out) const override;
  void mixedProduct(const Vector& x, const Vector& theta, const Vector& v,
                    Vector& out) const override;
  void mixedTransposeProduct(const Vector& x, const Vector& theta, const Vector& dtheta,
                             Vector& out) const override;
  double gradientLipschitzBound(const Vector& theta) const override;
  double strongConvexityBound(const Vector&) const override { return 1.0; }
  Vector defaultParameters() const override;

  // The per-pixel weight λ_i = (Bθ)_i (a constant image for scalar λ): what the window shows as
  // the λ map.
  Vector weightMap(const Vector& theta) const override;

 private:
  // Weights for θ, recomputed only when θ changed since the last call.
  const Vector& pixelWeights(const Vector& theta) const;
  // Writes row r of λ ψ(∇x) into ph, pv and returns that row's Σ_i λ_i h_ε(|∇x|_i), using
  // `penalty` (one row) as scratch.
  double fluxRow(const double* x, const double* weights, int r, double* ph, double* pv,
                 double* penalty) const;
  // Per-pixel Hessian data at (x, θ), recomputed only when x or θ changed since the last call.
  void linearize(const Vector& x, const Vector& theta) const;

  Vector noisy_;
  Options options_;
  FiniteDifferenceGradient gradient_;
  std::optional<BilinearUpsampling> upsampling_;
  ParameterLayout layout_;

  RowStreamedDivergence streaming_;
  mutable Vector pixelScratch_;
  mutable std::vector<double> rowData_;
  // Three rows (flux h, flux v, terms) for energy(): pixelScratch_ has only rows·cols entries, too
  // few on images of one or two rows.
  mutable std::vector<double> energyRows_;
  mutable Vector cachedTheta_, cachedWeights_;
  mutable Vector linearizedAt_, linearizedTheta_, curvature_, unitHorizontal_, unitVertical_;
};

}  // namespace bilevel
