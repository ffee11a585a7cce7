#include "operators/SymmetricExtension.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace bilevel {

SymmetricExtension::SymmetricExtension(int rows, int cols, int margin)
    : rows_(rows), cols_(cols), margin_(margin) {
  if (rows < 1 || cols < 1 || margin < 0 || margin > std::min(rows, cols)) {
    throw std::invalid_argument("SymmetricExtension: a margin of " + std::to_string(margin) +
                                " needs an image of at least that many rows and columns (" +
                                std::to_string(rows) + "×" + std::to_string(cols) + ")");
  }
}

int SymmetricExtension::reflect(int i, int n) {
  if (i < 0) return -i - 1;
  if (i >= n) return 2 * n - i - 1;
  return i;
}

void SymmetricExtension::extend(const Vector& x, Vector& out) const {
  out.resize(extendedSize());
  const int width = extendedCols();
  for (int r = 0; r < extendedRows(); ++r) {
    const double* source = x.data() + Eigen::Index(reflect(r - margin_, rows_)) * cols_;
    double* target = out.data() + Eigen::Index(r) * width;
    for (int c = 0; c < margin_; ++c)
      target[c] = source[reflect(c - margin_, cols_)];
    std::copy(source, source + cols_, target + margin_);
    for (int c = margin_ + cols_; c < width; ++c)
      target[c] = source[reflect(c - margin_, cols_)];
  }
}

void SymmetricExtension::extendAdjoint(const Vector& g, Vector& out) const {
  out.setZero(Eigen::Index(rows_) * cols_);
  const int width = extendedCols();
  for (int r = 0; r < extendedRows(); ++r) {
    double* target = out.data() + Eigen::Index(reflect(r - margin_, rows_)) * cols_;
    const double* source = g.data() + Eigen::Index(r) * width;
    for (int c = 0; c < margin_; ++c)
      target[reflect(c - margin_, cols_)] += source[c];
    for (int c = 0; c < cols_; ++c)
      target[c] += source[margin_ + c];
    for (int c = margin_ + cols_; c < width; ++c)
      target[reflect(c - margin_, cols_)] += source[c];
  }
}

}  // namespace bilevel
