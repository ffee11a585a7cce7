#pragma once

// Small fixtures shared by the core suites: the benchmark problem of issue 2 at a test-friendly
// size, and random vectors from a fixed seed so every run checks the same numbers.

#include <random>
#include <utility>

#include "hypergradients/HypergradientMethod.h"
#include "image/BenchmarkImage.h"
#include "image/Noise.h"
#include "models/HuberTV.h"
#include "models/Quadratic.h"
#include "models/TotalVariation.h"
#include "solvers/InnerSolver.h"

namespace bilevel::test {

inline Vector randomVector(Eigen::Index n, unsigned seed, double scale = 1.0) {
  std::mt19937_64 generator(seed);
  std::normal_distribution<double> normal(0.0, scale);
  Vector v(n);
  for (Eigen::Index i = 0; i < n; ++i)
    v[i] = normal(generator);
  return v;
}

struct BenchmarkPair {
  Image clean;
  Image noisy;
};

inline BenchmarkPair benchmarkPair(int n) {
  BenchmarkPair pair{benchmarkImage(n), {}};
  pair.noisy = addGaussianNoise(pair.clean, kBenchmarkNoiseSigma, kBenchmarkNoiseSeed);
  return pair;
}

// 12×12: four constant blocks (0.2, 0.7, 0.5, 0.9) plus Gaussian noise of σ = 0.05 (seed 17). At
// λ ≈ 0.08–0.1 TV's solution is piecewise constant with a jump set that stays put under small
// changes of θ (the support-stability assumption of seed 004 §III), so x*(θ) and U(θ) are
// differentiable there and central differences are a reference.
inline BenchmarkPair fourBlocks() {
  BenchmarkPair pair{Image(12, 12), Image(12, 12)};
  const Vector noise = randomVector(144, 17, 0.05);
  for (int r = 0; r < 12; ++r)
    for (int c = 0; c < 12; ++c) {
      const double value = r < 6 ? (c < 6 ? 0.2 : 0.7) : (c < 6 ? 0.5 : 0.9);
      pair.clean.at(r, c) = value;
      pair.noisy.at(r, c) = value + noise[r * 12 + c];
    }
  return pair;
}

// TV with weight λ; a weight map with a gridRows × gridCols control grid when both are positive.
inline TotalVariation::Options tvOptions(double lambda, int gridRows = 0, int gridCols = 0) {
  TotalVariation::Options options;
  options.lambda = lambda;
  options.gridRows = gridRows;
  options.gridCols = gridCols;
  return options;
}

// TV of the benchmark pair at n² (issue 2's noise), for the solver's and the maps' suites.
struct TvBenchmark {
  BenchmarkPair pair;
  TotalVariation model;
};
inline TvBenchmark tvBenchmark(int n, const TotalVariation::Options& options) {
  BenchmarkPair pair = benchmarkPair(n);
  TotalVariation model(pair.noisy, options);
  return {std::move(pair), std::move(model)};
}

// The model's θ₀, with a weight map's control points spread by |N(0, 0.01²)| (seed 3) so that no
// two are equal and a derivative that mixes them up shows; a scalar λ stays as it is.
inline Vector spreadParameters(const LowerLevel& model) {
  Vector theta = model.defaultParameters();
  if (theta.size() > 1) theta += randomVector(theta.size(), 3, 0.01).cwiseAbs();
  return theta;
}

// Chambolle–Pock to a relative gap of 1e-15: after identification it converges linearly, so x* is
// exact to rounding (the reference of the TV derivative suites).
inline SolveOptions exactTvSolve() {
  SolveOptions options;
  options.tolerance = 1e-15;
  options.maxIterations = 200000;
  return options;
}

inline HuberTV::Options huberOptions(bool map) {
  HuberTV::Options options;
  options.lambda = 0.08;
  options.epsilon = 0.01;
  if (map) {
    options.gridRows = 4;
    options.gridCols = 5;
  }
  return options;
}

// Tight settings shared by the hypergradient and diagnostics suites: inner solves and adjoint
// recursions to 1e-11, unrolled/forward run until the iteration's gradient is below that too.
inline SolveOptions tightSolve() {
  SolveOptions options;
  options.tolerance = 1e-11;
  options.maxIterations = 50000;
  return options;
}
inline HypergradientOptions tightHypergradient() {
  HypergradientOptions options;
  options.tolerance = 1e-11;
  options.maxIterations = 50000;
  return options;
}

inline double relativeError(const Vector& value, const Vector& reference) {
  return (value - reference).norm() / std::max(reference.norm(), 1e-300);
}

}  // namespace bilevel::test
