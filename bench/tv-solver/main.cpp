// Benchmark of the nonsmooth-TV inner solver (issue 9 §4): Chambolle–Pock on the benchmark image
// (benchmark:N with the benchmark noise, σ = 0.1, seed 0) for E(x) = ½‖x − y‖² + λ TV(x).
//
// Prints, in this order:
//  1. the memory bandwidth this process sees (a STREAM-like copy, best of 5): arrays as large as
//     one image (in cache) and 256 MiB arrays (main memory), with 1 and with all threads;
//  2. the reference: Chambolle's (2004) dual projection iteration as scikit-image's
//     denoise_tv_chambolle runs it (τ = 1/4, stop when the change of its cost falls below
//     eps × its first cost, at most max_num_iter = 200 iterations), its time and the objective it
//     reaches: the target of issue 9 §4 unless --target gives another;
//  3. Chambolle–Pock: time per iteration (fixed iteration count), the objective and relative gap
//     after 50/100/200/400 iterations, iterations and seconds to reach the target objective, and
//     to the relative gaps 1e-6 and 1e-8.
//
// Usage: tv-solver-bench [--size N] [--lambda L] [--target E] [--eps EPS] [--repeat R]
//                        [--tau0 T] [--gamma G] [--restart F] [--gap-interval K]
//                        [--fista-iterations K]   (0 skips the FISTA comparison; default 3000)
//        tv-solver-bench --size N --write-noisy FILE
//   writes the noisy benchmark image as N×N little-endian float64 values, row by row, and exits:
//   bench/tv-vs-skimage runs scikit-image itself on exactly this image.
//        tv-solver-bench --size N --lambda L --huber-limit
//   prints the table of issue 9 §3 and exits: dU/dλ of huber-tv (implicit-cg) for ε = 1e-1 … 1e-4
//   against tv's (implicit-manifold), U = ½‖x*(λ) − clean‖² on the benchmark pair
//   (core/diagnostics/HuberTvLimit.h).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/Stopwatch.h"
#include "diagnostics/HuberTvLimit.h"
#include "image/BenchmarkImage.h"
#include "image/Noise.h"
#include "models/TotalVariation.h"
#include "prox/L2BallProjection.h"
#include "solvers/ChambollePock.h"

using namespace bilevel;

namespace {

// Best-of-5 bandwidth of b[i] = a[i] over `bytes` per array, counting read + write.
double copyBandwidth(std::size_t bytes, int threads) {
  const std::size_t n = bytes / sizeof(double);
  std::vector<double> a(n, 1.0), b(n, 0.0);
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    const int inner = std::max<std::size_t>(1, (std::size_t(1) << 28) / bytes);
    Stopwatch clock;
    for (int k = 0; k < inner; ++k) {
      a[std::size_t(k) % n] += 1.0;  // keep the copies from being merged
#pragma omp parallel for simd schedule(static) num_threads(threads)
      for (std::size_t i = 0; i < n; ++i)
        b[i] = a[i];
    }
    best = std::min(best, clock.seconds() / inner);
  }
  if (b[n / 2] < 0) std::printf("?");
  return 2.0 * double(bytes) / best / 1e9;
}

// Best-of-5 seconds of the projection alone over an image-sized dual field (read q_h, q_v, write
// them: one square root and one division per pixel): the arithmetic every iteration must do.
double projectionSeconds(Eigen::Index n, double radius, int threads) {
  Vector q = Vector::Random(2 * n);
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    Stopwatch clock;
    for (int k = 0; k < 20; ++k) {
      double* h = q.data();
      double* v = q.data() + n;
      const double grow = 1.0 + 1e-3 * (k % 2 ? -1 : 1);  // keep half the pixels outside
#pragma omp parallel for simd schedule(static) num_threads(threads)
      for (Eigen::Index i = 0; i < n; ++i) {
        const double ph = grow * h[i], pv = grow * v[i];
        const double s = L2BallProjection::scale(radius, ph, pv);
        h[i] = s * ph;
        v[i] = s * pv;
      }
    }
    best = std::min(best, clock.seconds() / 20);
  }
  return best;
}

// Chambolle (2004), as scikit-image's denoise_tv_chambolle runs it on a 2-D image: dual q with
// x = y − ∇ᵀq and the semi-implicit step q ← (q + τ∇x)/(1 + τ|∇x|/λ), τ = 1/4; its cost
// (‖x − y‖² + λ TV(x))/pixels is evaluated before each step and the loop stops when it changes by
// less than eps × its first value, or after maxIterations steps. Returns x.
Vector chambolle2004(const TotalVariation& model, double lambda, double eps, int maxIterations,
                     int* iterations) {
  const Eigen::Index n = model.variableCount();
  const Vector& y = model.initialPoint();
  Vector q = Vector::Zero(2 * n), g(2 * n), x = y, divergence(n);
  const double tau = 0.25;
  double first = 0.0, previous = 0.0;
  int i = 0;
  for (; i < maxIterations; ++i) {
    if (i > 0) {
      model.applyKAdjoint(q, divergence);
      x = y - divergence;
    }
    model.applyK(x, g);
    double cost = (x - y).squaredNorm();
    for (Eigen::Index p = 0; p < n; ++p) {
      const double norm = std::hypot(g[p], g[n + p]);
      cost += lambda * norm;
      const double denominator = 1.0 + tau * norm / lambda;
      q[p] = (q[p] + tau * g[p]) / denominator;
      q[n + p] = (q[n + p] + tau * g[n + p]) / denominator;
    }
    cost /= double(n);
    if (i == 0) {
      first = previous = cost;
    } else if (std::abs(previous - cost) < eps * first) {
      break;
    } else {
      previous = cost;
    }
  }
  *iterations = i;
  return x;
}

// The alternative issue 9 §2 names: accelerated projected gradient (FISTA) on the dual
// min_{|q_i| ≤ λ} ½‖y − ∇ᵀq‖², step 1/‖∇‖² = 1/8, x = y − ∇ᵀq, with the gradient restart of
// O'Donoghue & Candès (2015). Written plainly (several passes per iteration): only its iteration
// counts are compared, not its time. Returns the relative gap and the energy of x after each
// iteration.
void dualFista(const TotalVariation& model, const Vector& theta, int iterations,
               std::vector<double>& gaps, std::vector<double>& energies) {
  const Eigen::Index n = model.variableCount();
  const Vector& y = model.initialPoint();
  Vector q = Vector::Zero(2 * n), previous = q, extrapolated = q, g(2 * n), x(n), divergence(n);
  double t = 1.0;
  for (int k = 0; k < iterations; ++k) {
    model.applyKAdjoint(extrapolated, divergence);
    x = y - divergence;
    model.applyK(x, g);
    previous.swap(q);
    model.conjugateProx(1.0, theta, extrapolated + g / 8.0, q);
    const double next = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t * t));
    if ((extrapolated - q).dot(q - previous) > 0.0) {
      t = 1.0;  // restart
      extrapolated = q;
    } else {
      extrapolated = q + ((t - 1.0) / next) * (q - previous);
      t = next;
    }
    model.applyKAdjoint(q, divergence);
    x = y - divergence;
    const double energy = model.energy(x, theta);
    gaps.push_back(model.primalDualGap(x, q, theta) / energy);
    energies.push_back(energy);
  }
}

double argument(int argc, char** argv, const char* name, double fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atof(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int size = int(argument(argc, argv, "--size", 512));
  const double lambda = argument(argc, argv, "--lambda", 0.08);
  const double eps = argument(argc, argv, "--eps", 1e-6);
  const int repeat = int(argument(argc, argv, "--repeat", 3));
  double target = argument(argc, argv, "--target", 0.0);
  PrimalDualOptions base;
  base.initialPrimalStep = argument(argc, argv, "--tau0", base.initialPrimalStep);
  base.acceleration = argument(argc, argv, "--gamma", base.acceleration);
  base.restartFactor = argument(argc, argv, "--restart", base.restartFactor);
  base.gapInterval = int(argument(argc, argv, "--gap-interval", base.gapInterval));
  const int threads = omp_get_max_threads();

  const Image noisy =
      addGaussianNoise(benchmarkImage(size), kBenchmarkNoiseSigma, kBenchmarkNoiseSeed);
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--write-noisy") != 0) continue;
    std::FILE* file = std::fopen(argv[i + 1], "wb");
    const std::size_t count = std::size_t(noisy.size());
    if (!file || std::fwrite(noisy.pixels.data(), sizeof(double), count, file) != count ||
        std::fclose(file) != 0) {
      std::fprintf(stderr, "tv-solver-bench: cannot write %s\n", argv[i + 1]);
      return 3;
    }
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--huber-limit") != 0) continue;
    const HuberTvLimit table =
        huberTvLimit(noisy, benchmarkImage(size), lambda, {1e-1, 1e-2, 1e-3, 1e-4});
    std::printf("# Huber-TV → TV hypergradient: %d×%d benchmark pair, λ = %g\n\n", size, size,
                lambda);
    std::printf(
        "| model | ε | dU/dλ | relative difference to tv | inner iterations | adjoint "
        "iterations | seconds |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (const HuberTvLimitRow& row : table.rows) {
      std::printf("| huber-tv (implicit-cg) | %.0e | %.10f | %.3e | %d | %d | %.2f |\n",
                  row.epsilon, row.hypergradient, row.difference, row.innerIterations,
                  row.adjointIterations, row.seconds);
    }
    std::printf("| tv (implicit-manifold) | 0 | %.10f | — | %d | %d | %.2f |\n",
                table.hypergradient, table.innerIterations, table.adjointIterations, table.seconds);
    return 0;
  }
  const TotalVariation model(noisy, {.lambda = lambda});
  const Vector theta = Vector::Constant(1, lambda);
  const std::size_t imageBytes = std::size_t(noisy.size()) * sizeof(double);

  std::printf("# tv-solver-bench: %d×%d, λ = %g, %d OpenMP threads\n\n", size, size, lambda,
              threads);
  std::printf("## Copy bandwidth (read + write, best of 5)\n\n");
  std::printf("| arrays | 1 thread GB/s | %d threads GB/s |\n|---|---:|---:|\n", threads);
  for (std::size_t bytes : {imageBytes, std::size_t(256) << 20}) {
    std::printf("| %.0f MiB | %.1f | %.1f |\n", double(bytes) / (1 << 20), copyBandwidth(bytes, 1),
                copyBandwidth(bytes, threads));
  }

  std::printf("\n## Reference: Chambolle (2004) as scikit-image runs it (eps = %g, ≤ 200 its)\n\n",
              eps);
  double referenceSeconds = 1e30;
  int referenceIterations = 0;
  Vector reference;
  for (int r = 0; r < repeat; ++r) {
    Stopwatch clock;
    reference = chambolle2004(model, lambda, eps, 200, &referenceIterations);
    referenceSeconds = std::min(referenceSeconds, clock.seconds());
  }
  const double referenceObjective = model.energy(reference, theta);
  std::printf("iterations %d, %.3f s (this C++ port, one thread), objective %.10g\n",
              referenceIterations, referenceSeconds, referenceObjective);
  if (target <= 0.0) target = referenceObjective;
  std::printf("target objective: %.10g\n", target);

  std::printf("\n## Chambolle–Pock (τ0 = %g, γ = %g, restart %g, gap every %d iterations)\n\n",
              base.initialPrimalStep, base.acceleration, base.restartFactor, base.gapInterval);
  // Time per iteration: a fixed count, best of `repeat`.
  {
    PrimalDualOptions options = base;
    options.fixedIterations = 400;
    options.recordTrace = false;
    double best = 1e30;
    for (int r = 0; r < repeat; ++r) {
      PrimalDualState state;
      best = std::min(best, ChambollePock().solve(model, theta, state, options).seconds);
    }
    const double perIteration = best / 400;
    // One iteration reads x̄, q (2 arrays), x, y and writes q (2), x, x̄: 9 image-sized arrays.
    const double bytes = 9.0 * double(imageBytes);
    std::printf("time per iteration: %.3f ms (%.2f ns per pixel); %.1f GB/s of array traffic\n",
                perIteration * 1e3, perIteration * 1e9 / double(noisy.size()),
                bytes / perIteration / 1e9);
    const double projection = projectionSeconds(noisy.size(), 0.5, threads);
    std::printf(
        "the projection alone (1 sqrt + 1 division per pixel): %.3f ms, %.0f%% of an "
        "iteration\n",
        projection * 1e3, 100 * projection / perIteration);
  }
  std::printf("\n| iterations | objective | relative gap | seconds |\n|---:|---:|---:|---:|\n");
  for (int checkpoint : {50, 100, 200, 400}) {
    PrimalDualOptions fixed = base;
    fixed.fixedIterations = checkpoint;
    PrimalDualState state;
    const PrimalDualSummary s = ChambollePock().solve(model, theta, state, fixed);
    std::printf("| %d | %.10g | %.2e | %.3f |\n", checkpoint, s.energy, s.relativeGap, s.seconds);
  }
  // One recorded run to a tight gap gives the iteration counts; each count is then timed by a run
  // capped at it (the same trajectory, restarts included, without recording).
  PrimalDualOptions options = base;
  options.tolerance = 1e-8;
  options.maxIterations = 20000;
  PrimalDualState recordedState;
  const PrimalDualSummary recorded = ChambollePock().solve(model, theta, recordedState, options);
  // The first iteration whose recorded value is ≤ level (the history has one entry every
  // gapInterval iterations, so the count is rounded up to the next evaluation).
  const auto firstBelow = [&](const std::vector<double>& history, double level) {
    for (std::size_t k = 0; k < history.size(); ++k)
      if (history[k] <= level) return recorded.gapIterations[k];
    return -1;
  };
  const auto timeTo = [&](int iterations) {
    PrimalDualOptions capped = base;
    capped.tolerance = 1e-15;
    capped.maxIterations = std::max(iterations, 1);
    capped.recordTrace = false;
    double best = 1e30;
    for (int r = 0; r < repeat; ++r) {
      PrimalDualState state;
      best = std::min(best, ChambollePock().solve(model, theta, state, capped).seconds);
    }
    return best;
  };
  std::printf("\n| reached | iterations | seconds |\n|---|---:|---:|\n");
  const int toTarget = firstBelow(recorded.energyHistory, target);
  if (toTarget >= 0) {
    const double t = timeTo(toTarget);
    std::printf("| target objective %.10g | %d | %.3f (%.1f× the reference port) |\n", target,
                toTarget, t, referenceSeconds / t);
  } else {
    std::printf("| target objective: not within %d iterations | | |\n", recorded.iterations);
  }
  for (double level : {1e-4, 1e-6, 1e-8}) {
    const int k = firstBelow(recorded.gapHistory, level);
    if (k >= 0) {
      std::printf("| relative gap %.0e | %d | %.3f |\n", level, k, timeTo(k));
    } else {
      std::printf("| relative gap %.0e: not within %d iterations | | |\n", level,
                  recorded.iterations);
    }
  }
  if (const int fistaIterations = int(argument(argc, argv, "--fista-iterations", 3000));
      fistaIterations > 0) {
    std::vector<double> gaps, energies;
    dualFista(model, theta, fistaIterations, gaps, energies);
    const auto first = [](const std::vector<double>& history, double level) {
      for (std::size_t k = 0; k < history.size(); ++k)
        if (history[k] <= level) return int(k) + 1;
      return -1;
    };
    std::printf(
        "\n## For comparison: FISTA on the dual with gradient restart (iterations only)\n\n");
    std::printf("| reached | iterations |\n|---|---:|\n| target objective | %d |\n",
                first(energies, target));
    for (double level : {1e-4, 1e-6, 1e-8})
      std::printf("| relative gap %.0e | %d |\n", level, first(gaps, level));
  }
  return 0;
}
