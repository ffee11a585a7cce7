#include "operators/ValidCorrelation.h"

#include <algorithm>

namespace bilevel {

ValidCorrelation::ValidCorrelation(int rows, int cols, int size)
    : rows_(rows), cols_(cols), size_(size) {}

void ValidCorrelation::apply(const double* filter, const double* image, double* out) const {
  const int outRows = outputRows(), outCols = outputCols(), s = size_;
  // Per filter row a, each output is Σ_b k[a, b] x[i + a, j + b] summed in a register: one load
  // and one store of the output per filter row instead of per tap (the loop is bound by loads and
  // stores, not by the multiply-adds).
  for (int i = 0; i < outRows; ++i) {
    double* __restrict o = out + long(i) * outCols;
    std::fill(o, o + outCols, 0.0);
    for (int a = 0; a < s; ++a) {
      const double* __restrict row = image + long(i + a) * cols_;
      const double* __restrict k = filter + a * s;
#pragma omp simd
      for (int j = 0; j < outCols; ++j) {
        double sum = o[j];
        for (int b = 0; b < s; ++b)
          sum += k[b] * row[j + b];
        o[j] = sum;
      }
    }
  }
}

void ValidCorrelation::addAdjoint(const double* filter, const double* responses,
                                  double* out) const {
  const int outRows = outputRows(), outCols = outputCols(), s = size_;
  // Gathered rather than scattered: pixel c of row i + a receives Σ_b k[a, b] r[i, c − b] over the
  // taps with 0 ≤ c − b < outCols. Where every tap is valid (s − 1 ≤ c < outCols) the sum runs in
  // a register like apply(); the s − 1 pixels at either end take the bounded sum.
  const int interiorBegin = s - 1, interiorEnd = std::max(outCols, interiorBegin);
  const auto edge = [&](const double* k, const double* r, double* target, int c) {
    double sum = 0.0;
    for (int b = std::max(0, c - (outCols - 1)); b <= std::min(s - 1, c); ++b)
      sum += k[b] * r[c - b];
    target[c] += sum;
  };
  for (int i = 0; i < outRows; ++i) {
    const double* __restrict r = responses + long(i) * outCols;
    for (int a = 0; a < s; ++a) {
      double* __restrict target = out + long(i + a) * cols_;
      const double* __restrict k = filter + a * s;
      for (int c = 0; c < std::min(interiorBegin, cols_); ++c)
        edge(k, r, target, c);
#pragma omp simd
      for (int c = interiorBegin; c < interiorEnd; ++c) {
        double sum = target[c];
        for (int b = 0; b < s; ++b)
          sum += k[b] * r[c - b];
        target[c] = sum;
      }
      for (int c = interiorEnd; c < cols_; ++c)
        edge(k, r, target, c);
    }
  }
}

void ValidCorrelation::addFilterGradient(const double* image, const double* weights,
                                         double* gradient) const {
  const int outRows = outputRows(), outCols = outputCols(), s = size_;
  for (int i = 0; i < outRows; ++i) {
    const double* __restrict w = weights + long(i) * outCols;
    for (int a = 0; a < s; ++a) {
      const double* row = image + long(i + a) * cols_;
      for (int b = 0; b < s; ++b) {
        const double* __restrict in = row + b;
        double sum = 0.0;
#pragma omp simd reduction(+ : sum)
        for (int j = 0; j < outCols; ++j)
          sum += w[j] * in[j];
        gradient[a * s + b] += sum;
      }
    }
  }
}

}  // namespace bilevel
