#pragma once

#include "common/Vector.h"

namespace bilevel::test {

// Valid correlation of a rows×cols image with one s×s filter, its adjoint and its filter gradient
// from the definitions, one output (or one tap) at a time: the reference that
// FilterBankCorrelation's blocked products and the Fields-of-Experts model must reproduce.
// Outputs are (rows − s + 1) × (cols − s + 1), row-major.
inline Vector referenceCorrelation(const double* k, const Vector& x, int rows, int cols, int s) {
  const int outRows = rows - s + 1, outCols = cols - s + 1;
  Vector z = Vector::Zero(Eigen::Index(outRows) * outCols);
  for (int i = 0; i < outRows; ++i) {
    for (int j = 0; j < outCols; ++j) {
      for (int a = 0; a < s; ++a) {
        for (int b = 0; b < s; ++b)
          z[i * outCols + j] += k[a * s + b] * x[(i + a) * cols + j + b];
      }
    }
  }
  return z;
}

inline Vector referenceAdjoint(const double* k, const Vector& r, int rows, int cols, int s) {
  const int outRows = rows - s + 1, outCols = cols - s + 1;
  Vector out = Vector::Zero(Eigen::Index(rows) * cols);
  for (int i = 0; i < outRows; ++i) {
    for (int j = 0; j < outCols; ++j) {
      for (int a = 0; a < s; ++a) {
        for (int b = 0; b < s; ++b)
          out[(i + a) * cols + j + b] += k[a * s + b] * r[i * outCols + j];
      }
    }
  }
  return out;
}

inline Vector referenceFilterGradient(const Vector& x, const Vector& w, int rows, int cols, int s) {
  const int outRows = rows - s + 1, outCols = cols - s + 1;
  Vector g = Vector::Zero(Eigen::Index(s) * s);
  for (int a = 0; a < s; ++a) {
    for (int b = 0; b < s; ++b) {
      for (int i = 0; i < outRows; ++i) {
        for (int j = 0; j < outCols; ++j)
          g[a * s + b] += w[i * outCols + j] * x[(i + a) * cols + j + b];
      }
    }
  }
  return g;
}

}  // namespace bilevel::test
