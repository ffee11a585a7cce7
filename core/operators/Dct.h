#pragma once

#include "common/Vector.h"

namespace bilevel {

// Orthonormal 2-D DCT-II of a rows×cols image (OpenCV's cv::dct) and its inverse. The DCT-II basis
// diagonalises the Neumann Laplacian ∇ᵀ∇, which gives the Quadratic model its closed form.
// OpenCV's DCT needs even sizes; odd sizes are rejected with Error(Usage).
Vector dct2(const Vector& image, int rows, int cols);
Vector idct2(const Vector& coefficients, int rows, int cols);

}  // namespace bilevel
