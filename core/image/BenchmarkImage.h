#pragma once

#include "image/Image.h"

namespace bilevel {

// The benchmark problem of issue 2, shared with other implementations so that figures compare:
// x(r, c) = 0.2 + 0.6·[(c/n − ½)² + (r/n − ½)² < 0.1] + 0.1·sin(8c/n), r the row, c the column.
Image benchmarkImage(int n);

// Noise level and seed of the benchmark problem (σ = 0.1).
constexpr double kBenchmarkNoiseSigma = 0.1;
constexpr unsigned kBenchmarkNoiseSeed = 0;

}  // namespace bilevel
