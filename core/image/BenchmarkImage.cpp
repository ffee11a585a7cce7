#include "image/BenchmarkImage.h"

#include <cmath>

namespace bilevel {

Image benchmarkImage(int n) {
  Image image(n, n);
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      const double u = static_cast<double>(c) / n - 0.5;
      const double v = static_cast<double>(r) / n - 0.5;
      const double disc = (u * u + v * v < 0.1) ? 1.0 : 0.0;
      image.at(r, c) = 0.2 + 0.6 * disc + 0.1 * std::sin(8.0 * c / n);
    }
  }
  return image;
}

}  // namespace bilevel
