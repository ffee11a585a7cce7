#pragma once

#include "common/Vector.h"

namespace bilevel {

// The discrete gradient ∇ of DESIGN.md §2: forward differences with Neumann boundary,
//   (∇x)_h(r, c) = x(r, c+1) − x(r, c)  for c < cols−1, else 0,
//   (∇x)_v(r, c) = x(r+1, c) − x(r, c)  for r < rows−1, else 0,
// and its exact adjoint ∇ᵀ (minus the discrete divergence). ‖∇‖² ≤ 8, the bound every step size in
// the solvers relies on. All functions write into caller-provided vectors of the right size, so
// solver loops never allocate.
class FiniteDifferenceGradient {
 public:
  FiniteDifferenceGradient(int rows, int cols) : rows_(rows), cols_(cols) {}

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  Eigen::Index pixelCount() const { return Eigen::Index(rows_) * cols_; }

  // Upper bound on ‖∇‖² (= λ_max(∇ᵀ∇) ≤ 4 + 4).
  static constexpr double kSquaredNormBound = 8.0;

  void apply(const Vector& x, Vector& horizontal, Vector& vertical) const;
  void applyAdjoint(const Vector& horizontal, const Vector& vertical, Vector& out) const;
  // ∇ᵀ∇x, the Neumann Laplacian with the sign that makes it positive semi-definite.
  void applyNormal(const Vector& x, Vector& out) const;

  // The eigenvalue of ∇ᵀ∇ belonging to the DCT-II basis function (i, j):
  // (2 − 2cos(πi/rows)) + (2 − 2cos(πj/cols)).
  double normalEigenvalue(int i, int j) const;

 private:
  int rows_;
  int cols_;
};

}  // namespace bilevel
