#include "image/Noise.h"

#include <random>

namespace bilevel {

Image addGaussianNoise(const Image& clean, double sigma, std::uint64_t seed) {
  Image noisy = clean;
  std::mt19937_64 generator(seed);
  std::normal_distribution<double> normal(0.0, sigma);
  for (Eigen::Index i = 0; i < noisy.size(); ++i)
    noisy.pixels[i] += normal(generator);
  return noisy;
}

}  // namespace bilevel
