// Fields-of-Experts products at the size of issue 11 §5: 48 filters of 7×7 on 8 patches of 64×64
// (σ = 25/255). Times one energy+gradient and one Hessian-vector product over the 8 patches (the
// median of --repeat runs) and prints them with the work they do, for comparison with
// bench/foe_torch_reference.py. Usage: foe-products-bench [--repeat N] [--filters K] [--size s].
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "image/BenchmarkImage.h"
#include "image/Noise.h"
#include "models/FieldsOfExperts.h"

using namespace bilevel;

namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 21, filters = 48, size = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--repeat")) repeat = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--filters")) filters = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--size")) size = std::atoi(argv[i + 1]);
  }
  constexpr int kPatches = 8, kSide = 64;
  const Image whole = benchmarkImage(256);
  std::vector<std::unique_ptr<FieldsOfExperts>> models;
  std::vector<Vector> points;
  FieldsOfExperts::Options options;
  options.filters = filters;
  options.filterSize = size;
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
  }
  const Vector theta = models.front()->defaultParameters();
  const Eigen::Index n = Eigen::Index(kSide) * kSide;
  Vector g(n), v = Vector::Ones(n), hv(n);
  std::vector<double> gradientTimes, hessianTimes;
  double sink = 0.0;
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
    auto end = std::chrono::steady_clock::now();
    gradientTimes.push_back(std::chrono::duration<double>(middle - start).count());
    hessianTimes.push_back(std::chrono::duration<double>(end - middle).count());
  }
  const double outputs = double(kSide - size + 1) * (kSide - size + 1);
  const double macs = 2.0 * filters * size * size * outputs * kPatches;  // correlation + adjoint
  std::printf("FoE %d filters of %dx%d on %d patches of %dx%d (median of %d)\n", filters, size,
              size, kPatches, kSide, kSide, repeat);
  std::printf("energy+gradient   %8.3f ms  (%.2f GFLOP/s)\n", 1e3 * median(gradientTimes),
              2.0 * macs / median(gradientTimes) * 1e-9);
  std::printf("Hessian-vector    %8.3f ms  (%.2f GFLOP/s)\n", 1e3 * median(hessianTimes),
              2.0 * macs / median(hessianTimes) * 1e-9);
  return sink == 12345.0;  // keeps the work from being optimised away
}
