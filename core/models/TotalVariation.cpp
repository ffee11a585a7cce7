#include "models/TotalVariation.h"

#include <cmath>
#include <limits>

#include "common/Error.h"
#include "prox/L2BallProjection.h"
#include "prox/SquaredDistanceProx.h"

namespace bilevel {
namespace {
// Below this many pixels a parallel region costs more than it saves (as in the operators).
constexpr int kParallelPixels = 128 * 128;
// A dual point counts as feasible up to this relative excess over its radius: the projection
// returns λ q/|q|, whose norm is λ up to a rounding error or two.
constexpr double kFeasibilitySlack = 1e-12;
}  // namespace

TotalVariation::TotalVariation(const Image& noisy, const Options& options)
    : noisy_(noisy.pixels), options_(options), gradient_(noisy.rows, noisy.cols) {
  if (noisy.rows < 1 || noisy.cols < 1 || noisy.size() != Eigen::Index(noisy.rows) * noisy.cols) {
    throw usageError("the image for model tv must have at least one pixel");
  }
  for (Eigen::Index i = 0; i < noisy_.size(); ++i) {
    if (!std::isfinite(noisy_[i])) {
      throw usageError("the noisy image has a non-finite value at pixel (row " +
                       std::to_string(i / noisy.cols) + ", column " +
                       std::to_string(i % noisy.cols) + ")");
    }
  }
  if (!(options.lambda >= 0.0) || !std::isfinite(options.lambda)) {
    throw usageError("model.lambda must be a finite number ≥ 0");
  }
  if ((options.gridRows > 0) != (options.gridCols > 0) || options.gridRows < 0 ||
      options.gridCols < 0) {
    throw usageError("model.grid must have both sides positive (or both 0 for a scalar λ)");
  }
  if (options.gridRows > 0) {
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
  pixelScratch_.resize(noisy_.size());
}

Vector TotalVariation::defaultParameters() const {
  return Vector::Constant(layout_.size(), options_.lambda);
}

const Vector& TotalVariation::pixelWeights(const Vector& theta) const {
  if (cachedTheta_.size() == theta.size() && cachedTheta_ == theta) return cachedWeights_;
  if (theta.size() != layout_.size()) {
    throw usageError("model " + name() + " has " + std::to_string(layout_.size()) +
                     " parameters, not " + std::to_string(theta.size()));
  }
  for (Eigen::Index j = 0; j < theta.size(); ++j) {
    if (!(theta[j] >= 0.0) || !std::isfinite(theta[j])) {
      throw usageError("model " + name() + ": λ parameter " + std::to_string(j) + " is " +
                       std::to_string(theta[j]) + "; TV weights must be finite and ≥ 0");
    }
  }
  cachedWeights_.resize(noisy_.size());
  if (upsampling_) {
    // Bilinear weights are convex combinations, so λ ≥ 0 on the grid gives λ ≥ 0 everywhere.
    upsampling_->apply(theta, cachedWeights_);
  } else {
    cachedWeights_.setConstant(theta[0]);
  }
  cachedTheta_ = theta;
  return cachedWeights_;
}

void TotalVariation::weightAdjoint(const Vector& field, Vector& out) const {
  out.resize(layout_.size());
  if (upsampling_) {
    upsampling_->applyAdjoint(field, out);
  } else {
    out[0] = field.sum();
  }
}

void TotalVariation::weightProduct(const Vector& dtheta, Vector& out) const {
  out.resize(noisy_.size());
  if (upsampling_) {
    upsampling_->apply(dtheta, out);
  } else {
    out.setConstant(dtheta[0]);
  }
}

std::vector<LowerLevelView> TotalVariation::views(const Vector& x, const Vector& theta) const {
  std::vector<LowerLevelView> result = LowerLevel::views(x, theta);
  std::vector<std::uint8_t> mask;
  jumpSet(x, mask);
  Vector pixels(Eigen::Index(mask.size()));
  for (std::size_t i = 0; i < mask.size(); ++i)
    pixels[Eigen::Index(i)] = mask[i];
  result.push_back({ViewKind::JumpSet, "Jump set", std::move(pixels)});
  return result;
}

double TotalVariation::energy(const Vector& x, const Vector& theta) const {
  const double* w = pixelWeights(theta).data();
  const double* in = x.data();
  const double* y = noisy_.data();
  const int rows = gradient_.rows(), cols = gradient_.cols();
  double total = 0.0;
#pragma omp parallel for reduction(+ : total) schedule(static) if (rows * cols >= kParallelPixels)
  for (int r = 0; r < rows; ++r) {
    const Eigen::Index row = Eigen::Index(r) * cols;
    const double* here = in + row;
    const double* below = (r + 1 < rows) ? here + cols : here;  // Neumann: ∇_v = 0 on the last row
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (int c = 0; c < cols; ++c) {
      const double gh = here[std::min(c + 1, cols - 1)] - here[c];  // 0 in the last column
      const double gv = below[c] - here[c];
      const double d = here[c] - y[row + c];
      sum += 0.5 * d * d + w[row + c] * std::sqrt(gh * gh + gv * gv);
    }
    total += sum;
  }
  return total;
}

// K and Kᵀ are FiniteDifferenceGradient's ∇ and ∇ᵀ (same formulas, checked against it in
// tst_total_variation) written on the stacked layout [q_h; q_v] of one vector, which the
// operator's two-vector interface cannot address without copies.
void TotalVariation::applyK(const Vector& x, Vector& q) const {
  const int rows = gradient_.rows(), cols = gradient_.cols();
  const Eigen::Index n = gradient_.pixelCount();
  const double* in = x.data();
  double* h = q.data();
  double* v = q.data() + n;
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelPixels)
  for (int r = 0; r < rows; ++r) {
    const Eigen::Index row = Eigen::Index(r) * cols;
    const double* here = in + row;
    const double* below = (r + 1 < rows) ? here + cols : here;
#pragma omp simd
    for (int c = 0; c < cols; ++c) {
      h[row + c] = here[std::min(c + 1, cols - 1)] - here[c];
      v[row + c] = below[c] - here[c];
    }
  }
}

void TotalVariation::applyKAdjoint(const Vector& q, Vector& x) const {
  const int rows = gradient_.rows(), cols = gradient_.cols();
  const Eigen::Index n = gradient_.pixelCount();
  const double* h = q.data();
  const double* v = q.data() + n;
  double* out = x.data();
  // (∇ᵀq)(r,c) = q_h(r,c−1) − q_h(r,c) + q_v(r−1,c) − q_v(r,c), where q_h(·, cols−1), q_v(rows−1,
  // ·) and the entries before the first column/row are outside the range of ∇ and count as 0.
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelPixels)
  for (int r = 0; r < rows; ++r) {
    const Eigen::Index row = Eigen::Index(r) * cols;
    const double vScale = (r + 1 < rows) ? 1.0 : 0.0;
    const double aboveScale = r > 0 ? 1.0 : 0.0;
    const double* vAbove = r > 0 ? v + row - cols : v + row;
    for (int c = 0; c < cols; ++c) {
      const double left = c > 0 ? h[row + c - 1] : 0.0;
      const double right = c + 1 < cols ? h[row + c] : 0.0;
      out[row + c] = left - right + aboveScale * vAbove[c] - vScale * v[row + c];
    }
  }
}

void TotalVariation::dataProx(double tau, const Vector& v, Vector& out) const {
  SquaredDistanceProx(noisy_).apply(tau, v, out);
}

void TotalVariation::conjugateProx(double, const Vector& theta, const Vector& q,
                                   Vector& out) const {
  L2BallProjection::project(pixelWeights(theta), q, out);
}

void TotalVariation::conjugateProxJacobian(double, const Vector& theta, const Vector& q,
                                           const Vector& dq, Vector& out) const {
  L2BallProjection::jacobianProduct(pixelWeights(theta), q, dq, out);
}

void TotalVariation::conjugateProxParameterProduct(double, const Vector& theta, const Vector& q,
                                                   const Vector& dtheta, Vector& out) const {
  const Vector& weights = pixelWeights(theta);
  // The projection depends on θ only through the radii λ = Bθ, linearly: dλ = B dθ.
  if (upsampling_) {
    upsampling_->apply(dtheta, pixelScratch_);
  } else {
    pixelScratch_.setConstant(dtheta[0]);
  }
  L2BallProjection::radiusProduct(weights, q, pixelScratch_, out);
}

void TotalVariation::conjugateProxParameterAdjoint(double, const Vector& theta, const Vector& q,
                                                   const Vector& w, Vector& out) const {
  L2BallProjection::radiusAdjoint(pixelWeights(theta), q, w, pixelScratch_);
  weightAdjoint(pixelScratch_, out);
}

double TotalVariation::primalDualGap(const Vector& x, const Vector& q, const Vector& theta) const {
  const double* w = pixelWeights(theta).data();
  const int rows = gradient_.rows(), cols = gradient_.cols();
  const Eigen::Index n = gradient_.pixelCount();
  applyKAdjoint(q, pixelScratch_);
  const double* in = x.data();
  const double* y = noisy_.data();
  const double* div = pixelScratch_.data();
  const double* qh = q.data();
  const double* qv = q.data() + n;
  double total = 0.0;
  bool feasible = true;
#pragma omp parallel for reduction(+ : total) reduction(&& : feasible) schedule(static) \
    if (rows * cols >= kParallelPixels)
  for (int r = 0; r < rows; ++r) {
    const Eigen::Index row = Eigen::Index(r) * cols;
    const double* here = in + row;
    const double* below = (r + 1 < rows) ? here + cols : here;
    double sum = 0.0;
    bool rowFeasible = true;
    for (int c = 0; c < cols; ++c) {
      const Eigen::Index i = row + c;
      const double gh = here[std::min(c + 1, cols - 1)] - here[c];
      const double gv = below[c] - here[c];
      const double residual = here[c] - y[i] + div[i];
      const double qNorm = std::sqrt(qh[i] * qh[i] + qv[i] * qv[i]);
      rowFeasible = rowFeasible && qNorm <= w[i] * (1.0 + kFeasibilitySlack);
      // λ|g| − ⟨g, q⟩ ≥ 0 for |q| ≤ λ; clamped at 0 so that rounding (|q| = λ(1 + ε)) cannot
      // cancel the other terms and report a zero gap before x has converged.
      sum += 0.5 * residual * residual +
             std::max(w[i] * std::sqrt(gh * gh + gv * gv) - (gh * qh[i] + gv * qv[i]), 0.0);
    }
    total += sum;
    feasible = feasible && rowFeasible;
  }
  return feasible ? total : std::numeric_limits<double>::infinity();
}

Eigen::Index TotalVariation::jumpSet(const Vector& x, std::vector<std::uint8_t>& mask,
                                     double tolerance) const {
  const int rows = gradient_.rows(), cols = gradient_.cols();
  mask.assign(std::size_t(gradient_.pixelCount()), 0);
  Eigen::Index count = 0;
  for (int r = 0; r < rows; ++r) {
    const Eigen::Index row = Eigen::Index(r) * cols;
    const double* here = x.data() + row;
    const double* below = (r + 1 < rows) ? here + cols : here;
    for (int c = 0; c < cols; ++c) {
      const double gh = here[std::min(c + 1, cols - 1)] - here[c];
      const double gv = below[c] - here[c];
      if (std::sqrt(gh * gh + gv * gv) > tolerance) {
        mask[std::size_t(row + c)] = 1;
        ++count;
      }
    }
  }
  return count;
}

}  // namespace bilevel
