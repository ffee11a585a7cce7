#pragma once

#include "image/Image.h"
#include "models/Model.h"
#include "operators/FiniteDifferenceGradient.h"

namespace bilevel {

// The H¹/Tikhonov model E(x, λ) = ½‖x − y‖² + λ/2 ‖∇x‖² (DESIGN.md §2), θ = (λ). Its minimiser has
// the closed form x* = (I + λ∇ᵀ∇)⁻¹ y, diagonal in the DCT-II basis, which makes it the exact
// reference every hypergradient method is checked against.
class Quadratic final : public Model {
 public:
  Quadratic(const Image& noisy, double initialLambda);

  std::string name() const override { return "quadratic"; }
  const ParameterLayout& parameterLayout() const override { return layout_; }
  int rows() const override { return gradient_.rows(); }
  int cols() const override { return gradient_.cols(); }
  const Vector& initialPoint() const override { return noisy_; }

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

  // x*(λ) = IDCT(DCT(y) / (1 + λ μ_k)), μ_k the eigenvalues of ∇ᵀ∇.
  Vector closedFormSolution(double lambda) const;
  // dU/dλ for U(λ) = ½‖x*(λ) − clean‖², from dx̂*/dλ = −μ_k ŷ_k / (1 + λμ_k)² in the DCT basis.
  double closedFormHypergradient(double lambda, const Vector& clean) const;

 private:
  Vector laplacianEigenvalues() const;

  Vector noisy_;
  FiniteDifferenceGradient gradient_;
  ParameterLayout layout_;
  double initialLambda_;
  mutable Vector horizontal_, vertical_, scratch_;
};

}  // namespace bilevel
