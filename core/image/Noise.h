#pragma once

#include <cstdint>

#include "image/Image.h"

namespace bilevel {

// y = x + σ·n in working intensities (σ relative to the clean image's data range) with n i.i.d.
// standard normal from a seeded generator, so that every run of a configuration sees the same noisy
// image. Values are not clipped: clipping would bias the noise model the data term ½‖x−y‖² assumes.
Image addGaussianNoise(const Image& clean, double sigma, std::uint64_t seed);

}  // namespace bilevel
