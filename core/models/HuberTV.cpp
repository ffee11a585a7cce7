#include "models/HuberTV.h"

#include <cmath>

#include "common/Error.h"

namespace bilevel {

HuberTV::HuberTV(const Image& noisy, const Options& options)
    : noisy_(noisy.pixels),
      options_(options),
      gradient_(noisy.rows, noisy.cols),
      streaming_(noisy.rows, noisy.cols),
      pixelScratch_(noisy.size()),
      rowData_(noisy.rows),
      energyRows_(3 * std::size_t(std::max(noisy.cols, 0))) {
  if (!(options.epsilon > 0.0) || !std::isfinite(options.epsilon)) {
    throw usageError("model.epsilon must be a finite number > 0");
  }
  if (options.gridRows > 0 || options.gridCols > 0) {
    upsampling_.emplace(options.gridRows, options.gridCols, noisy.rows, noisy.cols);
    layout_.add({.name = "lambda",
                 .symbol = "λ",
                 .size = Eigen::Index(options.gridRows) * options.gridCols,
                 .rows = options.gridRows,
                 .cols = options.gridCols,
                 .lower = 0.0,
                 .positive = true});
  } else {
    layout_.add({.name = "lambda", .symbol = "λ", .size = 1, .lower = 0.0, .positive = true});
  }
}

Vector HuberTV::defaultParameters() const {
  return Vector::Constant(layout_.size(), options_.lambda);
}

const Vector& HuberTV::pixelWeights(const Vector& theta) const {
  if (cachedTheta_.size() != theta.size() || cachedTheta_ != theta) {
    cachedTheta_ = theta;
    cachedWeights_.resize(noisy_.size());
    if (upsampling_) {
      upsampling_->apply(theta, cachedWeights_);
    } else {
      cachedWeights_.setConstant(theta[0]);
    }
  }
  return cachedWeights_;
}

Vector HuberTV::weightMap(const Vector& theta) const {
  return pixelWeights(theta);
}

double HuberTV::fluxRow(const double* x, const double* w, int r, double* ph, double* pv,
                        double* penalty) const {
  const double eps = options_.epsilon;
  const int rows = gradient_.rows(), cols = gradient_.cols();
  const double* __restrict here = x + Eigen::Index(r) * cols;
  // Neumann: ∇_v x = 0 on the last row, and ∇_h x = 0 in the last column, which the clamped index
  // min(c+1, cols−1) gives with an unconditional load.
  const double* __restrict below = (r + 1 < rows) ? here + cols : here;
  const double* __restrict weight = w + Eigen::Index(r) * cols;
  double* __restrict fluxH = ph;
  double* __restrict fluxV = pv;
  double* __restrict terms = penalty;
  // With m = max(|g|, ε): ψ(g) = g/m and h_ε(|g|) = |g|²/(2m) + max(|g| − ε, 0)/2, which is
  // |g|²/(2ε) below ε and |g| − ε/2 above. No branches (noise makes the branch a coin flip per
  // pixel) and no reduction in the loop, so that it vectorises; Eigen sums the row afterwards.
#pragma omp simd
  for (int c = 0; c < cols; ++c) {
    const double gh = here[std::min(c + 1, cols - 1)] - here[c];
    const double gv = below[c] - here[c];
    const double squared = gh * gh + gv * gv;
    const double norm = std::sqrt(squared);
    const double inverse = 1.0 / std::max(norm, eps);
    const double s = weight[c] * inverse;
    fluxH[c] = s * gh;
    fluxV[c] = s * gv;
    terms[c] = weight[c] * (0.5 * squared * inverse + 0.5 * std::max(norm - eps, 0.0));
  }
  return Eigen::Map<const Eigen::ArrayXd>(penalty, cols).sum();
}

double HuberTV::energy(const Vector& x, const Vector& theta) const {
  const double* w = pixelWeights(theta).data();
  double penalty = 0.0;
  const int cols = gradient_.cols();
  double* ph = energyRows_.data();  // three rows of scratch; the flux itself is not needed
  for (int r = 0; r < gradient_.rows(); ++r) {
    penalty += fluxRow(x.data(), w, r, ph, ph + cols, ph + 2 * cols);
  }
  return 0.5 * (x - noisy_).squaredNorm() + penalty;
}

double HuberTV::energyAndGradient(const Vector& x, const Vector& theta, Vector& g) const {
  const double* in = x.data();
  const double* w = pixelWeights(theta).data();
  const double* y = noisy_.data();
  double* out = g.data();
  const int cols = gradient_.cols();
  std::vector<double>& dataTerms = rowData_;
  const double penalty =
      streaming_.run([&](int r, double* ph, double* pv,
                         double* scratch) { return fluxRow(in, w, r, ph, pv, scratch); },
                     [&](int r, const double* divergence) {
                       const Eigen::Index row = Eigen::Index(r) * cols;
                       double data = 0.0;
#pragma omp simd reduction(+ : data)
                       for (int c = 0; c < cols; ++c) {
                         const double d = in[row + c] - y[row + c];
                         data += d * d;
                         out[row + c] = d + divergence[c];
                       }
                       dataTerms[r] = data;
                     });
  double data = 0.0;
  for (double d : dataTerms)
    data += d;
  return 0.5 * data + penalty;
}

void HuberTV::linearize(const Vector& x, const Vector& theta) const {
  if (linearizedAt_.size() == x.size() && linearizedTheta_.size() == theta.size() &&
      linearizedAt_ == x && linearizedTheta_ == theta) {
    return;
  }
  linearizedAt_ = x;
  linearizedTheta_ = theta;
  curvature_.resize(x.size());
  unitHorizontal_.resize(x.size());
  unitVertical_.resize(x.size());
  const double eps = options_.epsilon;
  const int rows = gradient_.rows(), cols = gradient_.cols();
  const double* in = x.data();
  const double* w = pixelWeights(theta).data();
  double* __restrict k = curvature_.data();
  double* __restrict uh = unitHorizontal_.data();
  double* __restrict uv = unitVertical_.data();
  // On the quadratic branch the unit vector is multiplied by 0, which switches the projection off.
#pragma omp parallel for schedule(static) if (rows * cols >= RowStreamedDivergence::kParallelPixels)
  for (int r = 0; r < rows; ++r) {
    const Eigen::Index row = Eigen::Index(r) * cols;
    const double* __restrict here = in + row;
    const double* __restrict below = (r + 1 < rows) ? here + cols : here;
#pragma omp simd
    for (int c = 0; c < cols; ++c) {
      const double gh = here[std::min(c + 1, cols - 1)] - here[c];  // 0 in the last column
      const double gv = below[c] - here[c];
      const double norm = std::sqrt(gh * gh + gv * gv);
      const double inverse = 1.0 / std::max(norm, eps);
      const double linear = norm > eps ? inverse : 0.0;
      k[row + c] = w[row + c] * inverse;
      uh[row + c] = gh * linear;
      uv[row + c] = gv * linear;
    }
  }
}

void HuberTV::hessianVectorProduct(const Vector& x, const Vector& theta, const Vector& v,
                                   Vector& out) const {
  // CG and the Neumann/FPAD recursions apply H(x*) dozens of times at one x*, so the per-pixel
  // curvature λ_i/max(ε,|g_i|) and unit vector g_i/|g_i| are computed once per point:
  //   Dψ(g) d = (d − u⟨u, d⟩) · λ/max(ε,|g|),  u = g/|g| on the linear branch, 0 on the quadratic.
  linearize(x, theta);
  const int rows = gradient_.rows(), cols = gradient_.cols();
  const double* dir = v.data();
  const double* k = curvature_.data();
  const double* uh = unitHorizontal_.data();
  const double* uv = unitVertical_.data();
  double* result = out.data();
  streaming_.run(
      [&](int r, double* qh, double* qv, double*) {
        const Eigen::Index row = Eigen::Index(r) * cols;
        const double* __restrict here = dir + row;
        const double* __restrict below = (r + 1 < rows) ? here + cols : here;
        const double* __restrict kr = k + row;
        const double* __restrict uhr = uh + row;
        const double* __restrict uvr = uv + row;
        double* __restrict outH = qh;
        double* __restrict outV = qv;
#pragma omp simd
        for (int c = 0; c < cols; ++c) {
          // here[min(c+1, cols−1)] − here[c] is 0 in the last column, the Neumann boundary, with
          // an unconditional load.
          const double dh = here[std::min(c + 1, cols - 1)] - here[c];
          const double dv = below[c] - here[c];
          const double t = uhr[c] * dh + uvr[c] * dv;
          outH[c] = kr[c] * (dh - uhr[c] * t);
          outV[c] = kr[c] * (dv - uvr[c] * t);
        }
        return 0.0;
      },
      [&](int r, const double* divergence) {
        const Eigen::Index row = Eigen::Index(r) * cols;
#pragma omp simd
        for (int c = 0; c < cols; ++c)
          result[row + c] = dir[row + c] + divergence[c];
      });
}

void HuberTV::mixedProduct(const Vector& x, const Vector&, const Vector& v, Vector& out) const {
  const double eps = options_.epsilon;
  const int rows = gradient_.rows(), cols = gradient_.cols();
  const double* in = x.data();
  const double* dir = v.data();
  double* s = pixelScratch_.data();
#pragma omp parallel for schedule(static) if (rows * cols >= RowStreamedDivergence::kParallelPixels)
  for (int r = 0; r < rows; ++r) {
    const Eigen::Index row = Eigen::Index(r) * cols;
    const bool hasBelow = r + 1 < rows;
    const double* xHere = in + row;
    const double* vHere = dir + row;
    const double* xBelow = hasBelow ? xHere + cols : xHere;
    const double* vBelow = hasBelow ? vHere + cols : vHere;
    const auto pixel = [&](int c, double gh, double gv, double dh, double dv) {
      s[row + c] = (gh * dh + gv * dv) / std::max(std::sqrt(gh * gh + gv * gv), eps);
    };
#pragma omp simd
    for (int c = 0; c < cols - 1; ++c) {
      pixel(c, xHere[c + 1] - xHere[c], xBelow[c] - xHere[c], vHere[c + 1] - vHere[c],
            vBelow[c] - vHere[c]);
    }
    pixel(cols - 1, 0.0, xBelow[cols - 1] - xHere[cols - 1], 0.0,
          vBelow[cols - 1] - vHere[cols - 1]);
  }
  out.resize(layout_.size());
  if (upsampling_) {
    upsampling_->applyAdjoint(pixelScratch_, out);
  } else {
    out[0] = pixelScratch_.sum();
  }
}

void HuberTV::mixedTransposeProduct(const Vector& x, const Vector&, const Vector& dtheta,
                                    Vector& out) const {
  // ∂_xE is linear in λ, so its derivative along dθ is the regulariser part of ∂_xE with λ = B dθ.
  Vector& weights = pixelScratch_;
  if (upsampling_) {
    upsampling_->apply(dtheta, weights);
  } else {
    weights.setConstant(dtheta[0]);
  }
  const int cols = gradient_.cols();
  double* result = out.data();
  streaming_.run(
      [&](int r, double* ph, double* pv, double* scratch) {
        return fluxRow(x.data(), weights.data(), r, ph, pv, scratch);
      },
      [&](int r, const double* divergence) {
        std::copy(divergence, divergence + cols, result + Eigen::Index(r) * cols);
      });
}

double HuberTV::gradientLipschitzBound(const Vector& theta) const {
  // ‖Dψ‖ ≤ 1/ε and ‖∇‖² ≤ 8, so ∂²_xxE ⪯ (1 + 8 max λ / ε) I. Bilinear weights never exceed the
  // largest control value.
  return 1.0 + FiniteDifferenceGradient::kSquaredNormBound * theta.maxCoeff() / options_.epsilon;
}

}  // namespace bilevel
