// Fields-of-Experts products at the size of issue 11 §5: 48 filters of 7×7 on 8 patches of 64×64
// (σ = 25/255). Times one energy+gradient, one Hessian-vector product and the two mixed products
// (∂²_θxE·v = ∂_θ⟨∂_xE, v⟩, what a hypergradient ends with, and ∂²_xθE·dθ) over the 8 patches
// (the median of --repeat runs) and prints them with the work they do, for comparison with
// bench/foe_torch_reference.py. With --hypergradient it times instead the whole computation of
// issue 11 §5, one full-batch `implicit-cg` hypergradient of the mean loss over the 8 patches
// (L-BFGS to a relative gradient of 1e-6 from x = y, CG to a relative residual of 1e-6), on
// --threads threads (patches split between them, as `train.threads` does: each model then runs its
// products on its caller's thread, as inside train's parallel loop), and prints one JSON line per
// stage in the reference's format.
// Usage: foe-products-bench [--repeat N] [--filters K] [--size s] [--nu ν] [--hypergradient]
//                           [--threads T]
#include <omp.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "common/MemoryUsage.h"
#include "hypergradients/ImplicitCG.h"
#include "image/BenchmarkImage.h"
#include "image/Noise.h"
#include "losses/SquaredError.h"
#include "models/FieldsOfExperts.h"
#include "solvers/Lbfgs.h"

using namespace bilevel;

namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// One implicit-cg hypergradient of U(θ) = (1/B) Σ_b ½‖x*_b − c_b‖², each patch its own lower level
// (the per-patch form of the reference, `--per-patch`), patches split over `threads` threads.
int wholeHypergradient(const std::vector<std::unique_ptr<FieldsOfExperts>>& models,
                       const std::vector<Vector>& noisy, const std::vector<Vector>& clean,
                       const Vector& theta, int threads) {
  const std::size_t patches = models.size();
  const double scale = 1.0 / double(patches);
  std::vector<SquaredError> losses;
  for (const Vector& c : clean)
    losses.emplace_back(c);
  HypergradientOptions adjointOptions;
  adjointOptions.tolerance = 1e-6;
  const ImplicitCG method(adjointOptions);
  const Lbfgs solver;
  SolveOptions solve;
  solve.tolerance = 1e-6;
  solve.maxIterations = 20000;
  solve.recordTrace = false;
  std::vector<HypergradientSummary> summaries(patches);
  std::vector<Vector> gradients(patches, Vector::Zero(theta.size()));
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> team;
  for (int t = 0; t < threads; ++t) {
    team.emplace_back([&, t] {
      for (std::size_t p = std::size_t(t); p < patches; p += std::size_t(threads)) {
        Vector x = noisy[p];
        const BilevelProblem problem{*models[p], losses[p], solver, solve};
        summaries[p] = method.evaluate(problem, theta, x, gradients[p]);
      }
    });
  }
  for (std::thread& member : team)
    member.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Vector gradient = Vector::Zero(theta.size());
  double loss = 0.0, innerSeconds = 0.0, adjointSeconds = 0.0;
  int innerIterations = 0, adjointIterations = 0;
  bool usable = true;
  for (std::size_t p = 0; p < patches; ++p) {
    gradient += scale * gradients[p];
    loss += scale * summaries[p].outerLoss;
    innerSeconds += summaries[p].innerSeconds;
    adjointSeconds += summaries[p].hypergradientSeconds;
    innerIterations += summaries[p].inner.iterations;
    adjointIterations += summaries[p].iterations;
    usable = usable && summaries[p].usable();
  }
  // Stage times: the threads' busy time in each stage divided by the threads (the wall clock of a
  // stage when the split is even); "total" is the wall clock itself.
  std::printf("{\"stage\": \"solve\", \"seconds\": %.3f, \"iterations\": %d}\n",
              innerSeconds / threads, innerIterations);
  std::printf("{\"stage\": \"adjoint+hypergradient\", \"seconds\": %.3f, \"iterations\": %d}\n",
              adjointSeconds / threads, adjointIterations);
  std::printf(
      "{\"stage\": \"total\", \"seconds\": %.3f, \"threads\": %d, \"U\": %.6f, "
      "\"grad_norm\": %.3f, \"usable\": %s, \"peak_rss_mb\": %.1f}\n",
      seconds, threads, loss, gradient.norm(), usable ? "true" : "false", peakResidentMegabytes());
  return usable ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 21, filters = 48, size = 7, threads = 2;
  double nu = FieldsOfExperts::Options().nu;
  bool hypergradient = false;
  for (int i = 1; i < argc; ++i) {
    const bool hasValue = i + 1 < argc;
    if (!std::strcmp(argv[i], "--hypergradient")) {
      hypergradient = true;
    } else if (hasValue && !std::strcmp(argv[i], "--repeat")) {
      repeat = std::atoi(argv[++i]);
    } else if (hasValue && !std::strcmp(argv[i], "--filters")) {
      filters = std::atoi(argv[++i]);
    } else if (hasValue && !std::strcmp(argv[i], "--size")) {
      size = std::atoi(argv[++i]);
    } else if (hasValue && !std::strcmp(argv[i], "--nu")) {
      nu = std::atof(argv[++i]);
    } else if (hasValue && !std::strcmp(argv[i], "--threads")) {
      threads = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "foe-products-bench: unknown or incomplete option '%s'\n", argv[i]);
      return 2;
    }
  }
  // With several patch threads a model's own team would put 2·T threads on T cores; train.threads
  // nests the same way and OpenMP gives the inner regions one thread.
  if (hypergradient && threads > 1) omp_set_num_threads(1);
  constexpr int kPatches = 8, kSide = 64;
  const Image whole = benchmarkImage(256);
  std::vector<std::unique_ptr<FieldsOfExperts>> models;
  std::vector<Vector> points, cleanPatches;
  FieldsOfExperts::Options options;
  options.filters = filters;
  options.filterSize = size;
  options.nu = nu;
  options.boundary = FilterBoundary::Valid;  // conv2d without padding, as the PyTorch reference
  for (int p = 0; p < kPatches; ++p) {
    Image patch(kSide, kSide);
    const int top = 64 * (p / 4), left = 64 * (p % 4);
    for (int r = 0; r < kSide; ++r) {
      for (int c = 0; c < kSide; ++c)
        patch.at(r, c) = whole.at(top + r, left + c);
    }
    const Image noisy = addGaussianNoise(patch, 25.0 / 255.0, 1 + p);
    models.push_back(std::make_unique<FieldsOfExperts>(noisy, options));
    points.push_back(noisy.pixels);
    cleanPatches.push_back(patch.pixels);
  }
  const Vector theta = models.front()->defaultParameters();
  if (hypergradient) return wholeHypergradient(models, points, cleanPatches, theta, threads);
  const Eigen::Index n = Eigen::Index(kSide) * kSide;
  Vector g(n), v = Vector::Ones(n), hv(n), mixed(theta.size()), transposed(n);
  const Vector dtheta = Vector::Constant(theta.size(), 1e-3);
  std::vector<double> gradientTimes, hessianTimes, mixedTimes, transposeTimes;
  double sink = 0.0;
  const auto seconds = [](auto from, auto to) {
    return std::chrono::duration<double>(to - from).count();
  };
  for (int r = 0; r < repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    for (int p = 0; p < kPatches; ++p)
      sink += models[p]->energyAndGradient(points[p], theta, g);
    auto middle = std::chrono::steady_clock::now();
    for (int p = 0; p < kPatches; ++p) {
      // A new x each repeat would re-linearize; the Hessian product inside CG reuses x*, so this
      // times the cached case after the first run.
      models[p]->hessianVectorProduct(points[p], theta, v, hv);
      sink += hv[0];
    }
    auto hessianEnd = std::chrono::steady_clock::now();
    for (int p = 0; p < kPatches; ++p) {
      models[p]->mixedProduct(points[p], theta, v, mixed);
      sink += mixed[0];
    }
    auto mixedEnd = std::chrono::steady_clock::now();
    for (int p = 0; p < kPatches; ++p) {
      models[p]->mixedTransposeProduct(points[p], theta, dtheta, transposed);
      sink += transposed[0];
    }
    auto end = std::chrono::steady_clock::now();
    gradientTimes.push_back(seconds(start, middle));
    hessianTimes.push_back(seconds(middle, hessianEnd));
    mixedTimes.push_back(seconds(hessianEnd, mixedEnd));
    transposeTimes.push_back(seconds(mixedEnd, end));
  }
  // Multiply-adds of one correlation of the bank with one image over the 8 patches.
  const double outputs = double(kSide - size + 1) * (kSide - size + 1);
  const double macs = double(filters) * size * size * outputs * kPatches;
  std::printf("FoE %d filters of %dx%d on %d patches of %dx%d (median of %d)\n", filters, size,
              size, kPatches, kSide, kSide, repeat);
  // Correlations per product: energy+gradient and Hessian-vector 2 (the bank and its adjoint),
  // the mixed product 3 (one correlation, two filter gradients), its transpose 3.
  const auto report = [&](const char* name, const std::vector<double>& times, int correlations) {
    const double t = median(times);
    std::printf("%-17s %8.3f ms  (%.2f GFLOP/s)\n", name, 1e3 * t,
                2.0 * correlations * macs / t * 1e-9);
  };
  report("energy+gradient", gradientTimes, 2);
  report("Hessian-vector", hessianTimes, 2);
  report("mixed", mixedTimes, 3);
  report("mixed transpose", transposeTimes, 3);
  return sink == 12345.0;  // keeps the work from being optimised away
}
