#pragma once

#include <cstdint>

#include "image/Image.h"

namespace bilevel {

// A piecewise-smooth image with its ground-truth mask (1 on the shapes, 0 on the background).
// Edges are not anti-aliased: each pixel belongs wholly to one region, so the jumps of the image
// fall exactly on the mask's boundary, which segmentation and edge losses assume. All values lie
// in [0.05, 0.95], so additive noise stays unbiased after quantisation to 8 or 16 bits.
struct ShapesImage {
  Image image;
  Image mask;
};

// sample_images/shapes.png at n×n (make-sample-images): a diagonal background ramp with a bright
// dome disc, a rotated rectangle with a linear ramp, a dark triangle with a vertical ramp and a
// ring whose intensity follows the cosine of the angle. Geometry in units of the side, so the
// picture is the same at every size. n ≥ 8.
ShapesImage shapesImage(int n);

// A random variant for generated datasets: a background ramp in a random direction and 2 to 5
// shapes of the same four kinds at random places, sizes and intensities, later ones in front. The
// same (n, seed) gives the same image on every platform (PortableRandom.h). n ≥ 8.
ShapesImage randomShapesImage(int n, std::uint64_t seed);

}  // namespace bilevel
