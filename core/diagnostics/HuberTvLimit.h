#pragma once

#include <vector>

#include "image/Image.h"

namespace bilevel {

// How Huber-TV's hypergradient tends to nonsmooth TV's as ε → 0 (issue 9 §3). h_ε(t) = t²/(2ε)
// for t ≤ ε, else t − ε/2, differs from |t| by at most ε/2, and on a stable support the Huber
// solution's flat regions are flat to within gradients of order ε: x_ε = x* + O(ε) and its
// derivative in λ likewise, so dU_ε/dλ − dU/dλ = O(ε).
//
// For U(λ) = ½‖x(λ) − clean‖² with a scalar λ: dU/dλ of huber-tv by implicit-cg (accelerated
// gradient, tight tolerances) for every ε, and of tv by implicit-manifold (Chambolle–Pock to a
// tight relative gap).
struct HuberTvLimitOptions {
  // Inner tolerance of the Huber solves (relative gradient norm) and the adjoint CG of both
  // methods. Default 1e-12.
  double tolerance = 1e-12;
  // Relative primal–dual gap of the TV solve: quadratic in the distance to x*, so 1e-13 leaves x*
  // about 3e-7 off relative. Measured at 128² on the benchmark pair: 1e-15 is below the rounding
  // floor of the gap (200,000 iterations did not reach it). Default 1e-13.
  double gap = 1e-13;
  // Iteration cap of every solve and CG. Default 200000.
  int maxIterations = 200000;
};

struct HuberTvLimitRow {
  double epsilon = 0.0;
  double hypergradient = 0.0;  // dU_ε/dλ
  double difference = 0.0;     // |dU_ε/dλ − dU/dλ| / |dU/dλ|
  int innerIterations = 0;
  int adjointIterations = 0;
  double seconds = 0.0;  // solve + hypergradient
};

struct HuberTvLimit {
  double hypergradient = 0.0;  // dU/dλ of tv
  int innerIterations = 0;
  int adjointIterations = 0;
  double seconds = 0.0;
  std::vector<HuberTvLimitRow> rows;  // in the order of `epsilons`
};

// Throws Error(Usage) for images of different sizes, λ ≤ 0 or an ε ≤ 0, and Error(Numerical)
// when a solve or an adjoint does not converge (the table would compare approximations).
HuberTvLimit huberTvLimit(const Image& noisy, const Image& clean, double lambda,
                          const std::vector<double>& epsilons,
                          const HuberTvLimitOptions& options = {});

}  // namespace bilevel
