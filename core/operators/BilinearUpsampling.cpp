#include "operators/BilinearUpsampling.h"

#include <algorithm>
#include <cmath>

#include "common/Error.h"

namespace bilevel {

BilinearUpsampling::BilinearUpsampling(int gridRows, int gridCols, int rows, int cols)
    : gridRows_(gridRows), gridCols_(gridCols), rows_(rows), cols_(cols) {
  if (gridRows < 1 || gridCols < 1) throw usageError("control grid must be at least 1×1");
  if (gridRows > rows || gridCols > cols) {
    throw usageError("control grid " + std::to_string(gridCols) + "×" + std::to_string(gridRows) +
                     " is finer than the image " + std::to_string(cols) + "×" +
                     std::to_string(rows));
  }
  rowAxis_ = makeAxis(gridRows, rows);
  colAxis_ = makeAxis(gridCols, cols);
}

BilinearUpsampling::Axis BilinearUpsampling::makeAxis(int controlPoints, int pixels) {
  Axis axis;
  axis.lower.resize(pixels);
  axis.fraction.resize(pixels);
  for (int p = 0; p < pixels; ++p) {
    if (controlPoints == 1 || pixels == 1) {
      axis.lower[p] = 0;
      axis.fraction[p] = 0.0;
      continue;
    }
    const double position = double(p) * (controlPoints - 1) / (pixels - 1);
    const int lower = std::min(int(std::floor(position)), controlPoints - 2);
    axis.lower[p] = lower;
    axis.fraction[p] = position - lower;
  }
  return axis;
}

void BilinearUpsampling::apply(const Vector& control, Vector& field) const {
  const bool rowsVary = gridRows_ > 1, colsVary = gridCols_ > 1;
  for (int r = 0; r < rows_; ++r) {
    const int a = rowAxis_.lower[r];
    const double fr = rowAxis_.fraction[r];
    const double* top = control.data() + Eigen::Index(a) * gridCols_;
    const double* bottom = rowsVary ? top + gridCols_ : top;
    double* out = field.data() + Eigen::Index(r) * cols_;
    for (int c = 0; c < cols_; ++c) {
      const int b = colAxis_.lower[c];
      const double fc = colAxis_.fraction[c];
      const int b1 = colsVary ? b + 1 : b;
      const double upper = (1.0 - fc) * top[b] + fc * top[b1];
      const double lowerValue = (1.0 - fc) * bottom[b] + fc * bottom[b1];
      out[c] = (1.0 - fr) * upper + fr * lowerValue;
    }
  }
}

void BilinearUpsampling::applyAdjoint(const Vector& field, Vector& control) const {
  control.setZero();
  const bool rowsVary = gridRows_ > 1, colsVary = gridCols_ > 1;
  for (int r = 0; r < rows_; ++r) {
    const int a = rowAxis_.lower[r];
    const double fr = rowAxis_.fraction[r];
    double* top = control.data() + Eigen::Index(a) * gridCols_;
    double* bottom = rowsVary ? top + gridCols_ : top;
    const double* in = field.data() + Eigen::Index(r) * cols_;
    for (int c = 0; c < cols_; ++c) {
      const int b = colAxis_.lower[c];
      const double fc = colAxis_.fraction[c];
      const int b1 = colsVary ? b + 1 : b;
      const double value = in[c];
      top[b] += (1.0 - fr) * (1.0 - fc) * value;
      top[b1] += (1.0 - fr) * fc * value;
      bottom[b] += fr * (1.0 - fc) * value;
      bottom[b1] += fr * fc * value;
    }
  }
}

}  // namespace bilevel
