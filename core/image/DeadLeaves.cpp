#include "image/DeadLeaves.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "common/Error.h"
#include "image/PortableRandom.h"

namespace bilevel {

namespace {
constexpr double kLeafMinRadius = 2.0;

// Inverse CDF of p(r) ∝ r⁻³ on [rmin, rmax]: F(r) = (rmin⁻² − r⁻²) / (rmin⁻² − rmax⁻²).
double sampleLeafRadius(std::mt19937_64& generator, double rmin, double rmax) {
  const double lo = 1.0 / (rmin * rmin);
  const double hi = 1.0 / (rmax * rmax);
  return 1.0 / std::sqrt(lo - uniform01(generator) * (lo - hi));
}
}  // namespace

Image deadLeavesImage(int n, std::uint64_t seed) {
  if (n < 8)
    throw usageError("a dead-leaves image needs a side of at least 8, got " + std::to_string(n));
  std::mt19937_64 generator(seed);
  const double rmax = n / 4.0;
  Image image(n, n);
  std::vector<unsigned char> covered(std::size_t(n) * std::size_t(n), 0);
  std::int64_t uncovered = static_cast<std::int64_t>(n) * n;
  // Each new leaf lies beneath all earlier ones, so it paints only pixels still uncovered; every
  // pixel is hit with positive probability, so the loop ends.
  while (uncovered > 0) {
    const double cx = -rmax + uniform01(generator) * (n + 2.0 * rmax);
    const double cy = -rmax + uniform01(generator) * (n + 2.0 * rmax);
    const double r = sampleLeafRadius(generator, kLeafMinRadius, rmax);
    const double grey = uniform01(generator);
    const int row0 = std::max(0, static_cast<int>(std::floor(cy - r)));
    const int row1 = std::min(n - 1, static_cast<int>(std::ceil(cy + r)));
    const int col0 = std::max(0, static_cast<int>(std::floor(cx - r)));
    const int col1 = std::min(n - 1, static_cast<int>(std::ceil(cx + r)));
    for (int row = row0; row <= row1; ++row) {
      const double dy = row + 0.5 - cy;
      for (int col = col0; col <= col1; ++col) {
        unsigned char& done = covered[std::size_t(row) * std::size_t(n) + std::size_t(col)];
        if (done) continue;
        const double dx = col + 0.5 - cx;
        if (dx * dx + dy * dy <= r * r) {
          image.at(row, col) = grey;
          done = 1;
          --uncovered;
        }
      }
    }
  }
  return image;
}

}  // namespace bilevel
