#include "models/Quadratic.h"

#include "operators/Dct.h"

namespace bilevel {

Quadratic::Quadratic(const Image& noisy, double initialLambda)
    : noisy_(noisy.pixels),
      gradient_(noisy.rows, noisy.cols),
      initialLambda_(initialLambda),
      horizontal_(noisy.size()),
      vertical_(noisy.size()),
      scratch_(noisy.size()) {
  layout_.add({.name = "lambda", .symbol = "λ", .size = 1, .lower = 0.0, .positive = true});
}

Vector Quadratic::defaultParameters() const {
  return Vector::Constant(1, initialLambda_);
}

double Quadratic::energy(const Vector& x, const Vector& theta) const {
  gradient_.apply(x, horizontal_, vertical_);
  return 0.5 * (x - noisy_).squaredNorm() +
         0.5 * theta[0] * (horizontal_.squaredNorm() + vertical_.squaredNorm());
}

double Quadratic::energyAndGradient(const Vector& x, const Vector& theta, Vector& g) const {
  gradient_.apply(x, horizontal_, vertical_);
  const double regulariser = 0.5 * (horizontal_.squaredNorm() + vertical_.squaredNorm());
  gradient_.applyAdjoint(horizontal_, vertical_, g);
  g = (x - noisy_) + theta[0] * g;
  return 0.5 * (x - noisy_).squaredNorm() + theta[0] * regulariser;
}

void Quadratic::hessianVectorProduct(const Vector&, const Vector& theta, const Vector& v,
                                     Vector& out) const {
  gradient_.apply(v, horizontal_, vertical_);
  gradient_.applyAdjoint(horizontal_, vertical_, out);
  out = v + theta[0] * out;
}

void Quadratic::mixedProduct(const Vector& x, const Vector&, const Vector& v, Vector& out) const {
  // ∂_λ⟨x − y + λ∇ᵀ∇x, v⟩ = ⟨∇ᵀ∇x, v⟩.
  gradient_.applyNormal(x, scratch_);
  out.resize(1);
  out[0] = scratch_.dot(v);
}

void Quadratic::mixedTransposeProduct(const Vector& x, const Vector&, const Vector& dtheta,
                                      Vector& out) const {
  gradient_.applyNormal(x, out);
  out *= dtheta[0];
}

double Quadratic::gradientLipschitzBound(const Vector& theta) const {
  return 1.0 + FiniteDifferenceGradient::kSquaredNormBound * theta[0];
}

Vector Quadratic::laplacianEigenvalues() const {
  Vector mu(noisy_.size());
  for (int i = 0; i < rows(); ++i) {
    for (int j = 0; j < cols(); ++j)
      mu[Eigen::Index(i) * cols() + j] = gradient_.normalEigenvalue(i, j);
  }
  return mu;
}

Vector Quadratic::closedFormSolution(double lambda) const {
  const Vector mu = laplacianEigenvalues();
  const Vector coefficients = dct2(noisy_, rows(), cols());
  return idct2(coefficients.array() / (1.0 + lambda * mu.array()), rows(), cols());
}

double Quadratic::closedFormHypergradient(double lambda, const Vector& clean) const {
  const Vector mu = laplacianEigenvalues();
  const Vector yHat = dct2(noisy_, rows(), cols());
  const Vector cleanHat = dct2(clean, rows(), cols());
  const Eigen::ArrayXd denominator = 1.0 + lambda * mu.array();
  const Eigen::ArrayXd xHat = yHat.array() / denominator;
  const Eigen::ArrayXd dxHat = -mu.array() * yHat.array() / denominator.square();
  // The DCT is orthonormal, so ⟨x* − clean, dx*/dλ⟩ is the same sum in either basis.
  return ((xHat - cleanHat.array()) * dxHat).sum();
}

}  // namespace bilevel
