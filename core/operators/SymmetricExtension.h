#pragma once

#include "common/Vector.h"

namespace bilevel {

// Whole-sample symmetric extension of an image by r pixels on every side (MATLAB's 'symmetric',
// OpenCV's BORDER_REFLECT: … c b a | a b c … x y z | z y x …), and its adjoint.
//
// Why: a filter of side s correlated only where it fits ('valid') sees a border pixel in fewer
// windows than an interior one (a corner pixel in 1 of s², an edge pixel in s), so a
// Fields-of-Experts prior on valid responses barely regularises a band of s − 1 pixels round the
// picture, which stays nearly as noisy as the input. On the picture extended by ⌊s/2⌋ every
// picture pixel takes part in s² responses for odd s, counting its mirror copies: the boundary
// Chen, Ranftl & Pock and later TNRD train and test with. The energy then reads the responses of
// extend(x), and every x-space derivative folds back through extendAdjoint (Eᵀ), so the chain rule
// stays exact.
class SymmetricExtension {
 public:
  // rows, cols ≥ 1; 0 ≤ margin ≤ min(rows, cols) (one reflection, no wrap-around).
  SymmetricExtension(int rows, int cols, int margin);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  int margin() const { return margin_; }
  int extendedRows() const { return rows_ + 2 * margin_; }
  int extendedCols() const { return cols_ + 2 * margin_; }
  Eigen::Index extendedSize() const { return Eigen::Index(extendedRows()) * extendedCols(); }

  // out (extendedRows × extendedCols) = E x. Allocation-free when out already has that size.
  void extend(const Vector& x, Vector& out) const;
  // out (rows × cols) = Eᵀ g: every extended pixel adds into the picture pixel it copies.
  void extendAdjoint(const Vector& g, Vector& out) const;

 private:
  // The picture index a coordinate of the extended image copies, for one axis of length n.
  static int reflect(int i, int n);

  int rows_, cols_, margin_;
};

}  // namespace bilevel
