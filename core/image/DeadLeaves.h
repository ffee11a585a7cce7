#pragma once

#include <cstdint>

#include "image/Image.h"

namespace bilevel {

// The seed of sample_images/dead_leaves.png (make-sample-images).
constexpr std::uint64_t kDeadLeavesSampleSeed = 0x5eed'dead'1eaf'0001ULL;

// A dead-leaves image of n×n pixels, values in [0, 1): occluding discs with radii drawn from
// p(r) ∝ r⁻³ on [2, n/4] px (the scale-invariant case of Lee, Mumford & Huang, "Occlusion models
// for natural images", IJCV 41, 2001: about the 1/f² power spectrum of natural images), uniform
// grey levels and centres uniform over the canvas grown by the largest radius. Discs are drawn
// front to back until every pixel is covered: an exact sample of the stationary model (Kendall &
// Thönnes 1999). The same (n, seed) gives the same image on every platform (PortableRandom.h).
// n ≥ 8.
Image deadLeavesImage(int n, std::uint64_t seed = kDeadLeavesSampleSeed);

}  // namespace bilevel
