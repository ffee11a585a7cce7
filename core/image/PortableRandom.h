#pragma once

#include <cstdint>
#include <random>

namespace bilevel {

// A uniform double in [0, 1) from the top 53 bits of mt19937_64. std::uniform_real_distribution
// (and uniform_int_distribution, std::shuffle) are implementation-defined, so the same seed could
// give other images or other splits with another standard library; the output sequence of
// mt19937_64 itself is fixed by the standard.
inline double uniform01(std::mt19937_64& generator) {
  return static_cast<double>(generator() >> 11) * 0x1.0p-53;
}

// A uniform integer in [0, n) for n ≥ 1 (n ≪ 2⁵³: the bias of the floor is below 2⁻⁵⁰·n).
inline std::uint64_t uniformIndex(std::mt19937_64& generator, std::uint64_t n) {
  const auto k = static_cast<std::uint64_t>(uniform01(generator) * static_cast<double>(n));
  return k < n ? k : n - 1;
}

}  // namespace bilevel
