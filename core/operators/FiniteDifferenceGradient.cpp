#include "operators/FiniteDifferenceGradient.h"

#include <cmath>
#include <numbers>

namespace bilevel {
namespace {
// Below this many pixels a parallel region costs more than it saves.
constexpr int kParallelPixels = 128 * 128;
}  // namespace

void FiniteDifferenceGradient::apply(const Vector& x, Vector& horizontal, Vector& vertical) const {
  const double* in = x.data();
  double* h = horizontal.data();
  double* v = vertical.data();
  for (int r = 0; r < rows_; ++r) {
    const Eigen::Index row = Eigen::Index(r) * cols_;
    for (int c = 0; c + 1 < cols_; ++c)
      h[row + c] = in[row + c + 1] - in[row + c];
    h[row + cols_ - 1] = 0.0;
    if (r + 1 < rows_) {
      for (int c = 0; c < cols_; ++c)
        v[row + c] = in[row + cols_ + c] - in[row + c];
    } else {
      for (int c = 0; c < cols_; ++c)
        v[row + c] = 0.0;
    }
  }
}

void FiniteDifferenceGradient::applyAdjoint(const Vector& horizontal, const Vector& vertical,
                                            Vector& out) const {
  const double* h = horizontal.data();
  const double* v = vertical.data();
  double* o = out.data();
  const int rows = rows_, cols = cols_;
  // (∇ᵀp)(r,c) = p_h(r,c−1) − p_h(r,c) + p_v(r−1,c) − p_v(r,c), where p_h(·, cols−1), p_v(rows−1,
  // ·) and the entries before the first column/row are outside the range of ∇ and count as 0.
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelPixels)
  for (int r = 0; r < rows; ++r) {
    const Eigen::Index row = Eigen::Index(r) * cols;
    const double* hHere = h + row;
    const double* vHere = v + row;
    const double* vAbove = r > 0 ? vHere - cols : vHere;
    const double vScale = (r + 1 < rows) ? 1.0 : 0.0;
    const double aboveScale = r > 0 ? 1.0 : 0.0;
    double* oHere = o + row;
    // Edge columns peeled off so the loop has no conditional loads and vectorises.
    oHere[0] = -hHere[0] + aboveScale * vAbove[0] - vScale * vHere[0];
#pragma omp simd
    for (int c = 1; c < cols - 1; ++c) {
      oHere[c] = hHere[c - 1] - hHere[c] + aboveScale * vAbove[c] - vScale * vHere[c];
    }
    // One column: p_h is wholly outside the range of ∇ (and hHere[cols − 2] would be h[−1]).
    if (cols == 1) {
      oHere[0] = aboveScale * vAbove[0] - vScale * vHere[0];
      continue;
    }
    oHere[cols - 1] = hHere[cols - 2] + aboveScale * vAbove[cols - 1] - vScale * vHere[cols - 1];
  }
}

void FiniteDifferenceGradient::applyNormal(const Vector& x, Vector& out) const {
  Vector h(x.size()), v(x.size());
  apply(x, h, v);
  applyAdjoint(h, v, out);
}

double FiniteDifferenceGradient::normalEigenvalue(int i, int j) const {
  return (2.0 - 2.0 * std::cos(std::numbers::pi * i / rows_)) +
         (2.0 - 2.0 * std::cos(std::numbers::pi * j / cols_));
}

}  // namespace bilevel
