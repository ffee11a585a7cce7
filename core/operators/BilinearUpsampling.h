#pragma once

#include <vector>

#include "common/Vector.h"

namespace bilevel {

// The map B from a coarse gridRows×gridCols control grid to a rows×cols pixel field by bilinear
// interpolation (DESIGN.md §2, the spatial weight map λ(x) = B θ). Control point (a, b) sits at
// pixel position (a·(rows−1)/(gridRows−1), b·(cols−1)/(gridCols−1)); a 1-point axis is constant.
// Each pixel depends on at most four control points, so B and Bᵀ cost O(pixels).
class BilinearUpsampling {
 public:
  BilinearUpsampling(int gridRows, int gridCols, int rows, int cols);

  int gridRows() const { return gridRows_; }
  int gridCols() const { return gridCols_; }
  Eigen::Index controlCount() const { return Eigen::Index(gridRows_) * gridCols_; }
  Eigen::Index pixelCount() const { return Eigen::Index(rows_) * cols_; }

  void apply(const Vector& control, Vector& field) const;         // field = B·control
  void applyAdjoint(const Vector& field, Vector& control) const;  // control = Bᵀ·field

 private:
  struct Axis {
    std::vector<int> lower;        // index of the control point at or before each pixel
    std::vector<double> fraction;  // weight of the following control point
  };
  static Axis makeAxis(int controlPoints, int pixels);

  int gridRows_, gridCols_, rows_, cols_;
  Axis rowAxis_, colAxis_;
};

}  // namespace bilevel
