#include "image/Shapes.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>

#include "common/Error.h"
#include "image/PortableRandom.h"

namespace bilevel {

namespace {

constexpr double kShapesLo = 0.05;
constexpr double kShapesHi = 0.95;

using Point = std::array<double, 2>;

// Signed area test; the sign is the same for all three edges exactly inside a triangle.
double edge(const Point& p, const Point& q, double x, double y) {
  return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
}
bool insideTriangle(const std::array<Point, 3>& t, double x, double y) {
  const double e0 = edge(t[0], t[1], x, y);
  const double e1 = edge(t[1], t[2], x, y);
  const double e2 = edge(t[2], t[0], x, y);
  return (e0 >= 0 && e1 >= 0 && e2 >= 0) || (e0 <= 0 && e1 <= 0 && e2 <= 0);
}

void requireSide(int n) {
  if (n < 8)
    throw usageError("a shapes image needs a side of at least 8, got " + std::to_string(n));
}

}  // namespace

ShapesImage shapesImage(int n) {
  requireSide(n);
  ShapesImage out{Image(n, n), Image(n, n)};
  // Disc: bright dome, brightest at the centre.
  constexpr double kDiscX = 0.28, kDiscY = 0.28, kDiscR = 0.17;
  // Rectangle rotated by 20 degrees: ramp along its long axis.
  constexpr double kRectX = 0.73, kRectY = 0.27, kRectHalfW = 0.15, kRectHalfH = 0.10;
  const double rectC = std::cos(20.0 * std::numbers::pi / 180.0);
  const double rectS = std::sin(20.0 * std::numbers::pi / 180.0);
  // Triangle: darker than the background, so both edge polarities occur in the image.
  constexpr std::array<Point, 3> kTri = {{{0.10, 0.90}, {0.46, 0.90}, {0.30, 0.55}}};
  // Ring (annulus): intensity varies smoothly with the angle.
  constexpr double kRingX = 0.72, kRingY = 0.72, kRingOuter = 0.20, kRingInner = 0.11;

  for (int row = 0; row < n; ++row) {
    const double y = (row + 0.5) / n;
    for (int col = 0; col < n; ++col) {
      const double x = (col + 0.5) / n;
      double v = 0.25 + 0.10 * (x + y);  // diagonal background ramp 0.25..0.45
      bool inside = false;

      const double ddx = x - kDiscX, ddy = y - kDiscY;
      const double rd2 = (ddx * ddx + ddy * ddy) / (kDiscR * kDiscR);
      if (rd2 <= 1.0) {
        v = 0.90 - 0.20 * rd2;
        inside = true;
      }
      const double rx = x - kRectX, ry = y - kRectY;
      const double ru = rx * rectC + ry * rectS;
      const double rv = -rx * rectS + ry * rectC;
      if (std::abs(ru) <= kRectHalfW && std::abs(rv) <= kRectHalfH) {
        v = 0.55 + 0.30 * (ru + kRectHalfW) / (2.0 * kRectHalfW);
        inside = true;
      }
      if (insideTriangle(kTri, x, y)) {
        v = 0.08 + 0.12 * (y - 0.55) / 0.35;
        inside = true;
      }
      const double gx = x - kRingX, gy = y - kRingY;
      const double rg = std::hypot(gx, gy);
      if (rg <= kRingOuter && rg >= kRingInner) {
        // cos of the polar angle avoids the seam that a linear ramp in atan2 would create.
        v = 0.75 + 0.15 * gx / rg;
        inside = true;
      }
      out.image.at(row, col) = std::clamp(v, kShapesLo, kShapesHi);
      out.mask.at(row, col) = inside ? 1.0 : 0.0;
    }
  }
  return out;
}

ShapesImage randomShapesImage(int n, std::uint64_t seed) {
  requireSide(n);
  std::mt19937_64 generator(seed);
  const auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * uniform01(generator); };
  ShapesImage out{Image(n, n), Image(n, n)};
  const double angle = uniform(0.0, 2.0 * std::numbers::pi);
  const double base = uniform(0.2, 0.5), slope = uniform(0.05, 0.2);
  for (int row = 0; row < n; ++row) {
    for (int col = 0; col < n; ++col) {
      const double x = (col + 0.5) / n - 0.5, y = (row + 0.5) / n - 0.5;
      out.image.at(row, col) = base + slope * (x * std::cos(angle) + y * std::sin(angle));
    }
  }
  const int count = 2 + int(uniformIndex(generator, 4));
  for (int s = 0; s < count; ++s) {
    const int kind = int(uniformIndex(generator, 4));
    const double cx = uniform(0.15, 0.85), cy = uniform(0.15, 0.85), size = uniform(0.1, 0.3);
    const double level = uniform(0.1, 0.9), ramp = uniform(-0.15, 0.15);
    const double turn = uniform(0.0, std::numbers::pi), c = std::cos(turn), sn = std::sin(turn);
    const std::array<Point, 3> triangle = {
        {{cx + size * std::cos(turn), cy + size * std::sin(turn)},
         {cx + size * std::cos(turn + 2.1), cy + size * std::sin(turn + 2.1)},
         {cx + size * std::cos(turn + 4.2), cy + size * std::sin(turn + 4.2)}}};
    for (int row = 0; row < n; ++row) {
      const double y = (row + 0.5) / n;
      for (int col = 0; col < n; ++col) {
        const double x = (col + 0.5) / n;
        const double dx = x - cx, dy = y - cy;
        const double u = dx * c + dy * sn, w = -dx * sn + dy * c;
        bool inside = false;
        double v = 0.0;
        switch (kind) {
          case 0:  // disc with a dome
            inside = dx * dx + dy * dy <= size * size;
            v = level + ramp * (1.0 - (dx * dx + dy * dy) / (size * size));
            break;
          case 1:  // rotated rectangle with a ramp along its long axis
            inside = std::abs(u) <= size && std::abs(w) <= 0.6 * size;
            v = level + ramp * u / size;
            break;
          case 2:  // triangle with a ramp
            inside = insideTriangle(triangle, x, y);
            v = level + ramp * w / size;
            break;
          default: {  // ring, intensity with the cosine of the angle
            const double r = std::hypot(dx, dy);
            inside = r <= size && r >= 0.55 * size;
            v = level + ramp * (r > 0.0 ? dx / r : 0.0);
          }
        }
        if (inside) {
          out.image.at(row, col) = v;
          out.mask.at(row, col) = 1.0;
        }
      }
    }
  }
  out.image.pixels = out.image.pixels.cwiseMax(kShapesLo).cwiseMin(kShapesHi);
  return out;
}

}  // namespace bilevel
