#pragma once

#include "common/Vector.h"

namespace bilevel {

// The s×s two-dimensional orthonormal DCT-II basis without the constant atom: the s² − 1 filters
// of zero mean that a Fields-of-Experts filter is a combination of (Huang & Mumford 1999; Chen,
// Ranftl & Pock 2014), k = Σ_l ϑ_l K_l. Atom (u, v), u + v > 0, is
//   K_uv[a, b] = c_u c_v cos(π(2a + 1)u / 2s) cos(π(2b + 1)v / 2s),  c_0 = √(1/s), c_u = √(2/s),
// stored row-major (a the row). Atoms are ordered by frequency u + v, then by u, so the first
// atoms are the smooth first-derivative-like ones. Orthonormal: ⟨K_l, K_m⟩ = δ_lm, so ‖k‖₂ = ‖ϑ‖₂.
class DctFilterBasis {
 public:
  // size s ≥ 2.
  explicit DctFilterBasis(int size);

  int size() const { return size_; }
  int atomCount() const { return size_ * size_ - 1; }
  // Atom l as s² coefficients, row-major.
  const double* atom(int l) const { return atoms_.data() + Eigen::Index(l) * size_ * size_; }

  // filters (count × s², row k the k-th filter) = coefficients (count × (s² − 1), row-major) ×
  // atoms.
  void synthesize(const double* coefficients, int count, double* filters) const;
  // coefficients = filters × atomsᵀ: the coordinates of s×s filters in the basis (the adjoint of
  // synthesize, and its inverse on zero-mean filters).
  void analyze(const double* filters, int count, double* coefficients) const;

 private:
  int size_;
  Vector atoms_;  // atomCount × s², row-major
};

}  // namespace bilevel
