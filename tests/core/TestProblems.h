#pragma once

// Small fixtures shared by the core suites: the benchmark problem of issue 2 at a test-friendly
// size, and random vectors from a fixed seed so every run checks the same numbers.

#include <random>

#include "hypergradients/HypergradientMethod.h"
#include "image/BenchmarkImage.h"
#include "image/Noise.h"
#include "models/HuberTV.h"
#include "models/Quadratic.h"
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
