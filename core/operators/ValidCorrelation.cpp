#include "operators/ValidCorrelation.h"

#include <algorithm>

namespace bilevel {

ValidCorrelation::ValidCorrelation(int rows, int cols, int size)
    : rows_(rows), cols_(cols), size_(size) {}

void ValidCorrelation::apply(const double* filter, const double* image, double* out) const {
  const int outRows = outputRows(), outCols = outputCols(), s = size_;
  for (int i = 0; i < outRows; ++i) {
    double* __restrict o = out + long(i) * outCols;
    std::fill(o, o + outCols, 0.0);
    for (int a = 0; a < s; ++a) {
      const double* row = image + long(i + a) * cols_;
      for (int b = 0; b < s; ++b) {
        const double k = filter[a * s + b];
        const double* __restrict in = row + b;
#pragma omp simd
        for (int j = 0; j < outCols; ++j)
          o[j] += k * in[j];
      }
    }
  }
}

void ValidCorrelation::addAdjoint(const double* filter, const double* responses,
                                  double* out) const {
  const int outRows = outputRows(), outCols = outputCols(), s = size_;
  for (int i = 0; i < outRows; ++i) {
    const double* __restrict r = responses + long(i) * outCols;
    for (int a = 0; a < s; ++a) {
      double* row = out + long(i + a) * cols_;
      for (int b = 0; b < s; ++b) {
        const double k = filter[a * s + b];
        double* __restrict o = row + b;
#pragma omp simd
        for (int j = 0; j < outCols; ++j)
          o[j] += k * r[j];
      }
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
