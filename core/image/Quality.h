#pragma once

#include "image/Image.h"

namespace bilevel {

// Peak signal-to-noise ratio in dB of working intensities: 10·log10(1 / MSE), i.e. with the
// clean image's data range as the peak (IntensityRange.h), whatever the file's type.
double psnr(const Vector& image, const Vector& reference);

// PSNR from the outer loss ½‖x − x_clean‖² over `pixelCount` pixels, so the learning loop does not
// recompute the residual.
double psnrFromSquaredErrorLoss(double halfSquaredError, Eigen::Index pixelCount);

// Structural similarity (Wang et al. 2004) with the standard 11×11 Gaussian window, σ = 1.5,
// K1 = 0.01, K2 = 0.03 and data range 1 (the clean image's, in working intensities).
double ssim(const Image& image, const Image& reference);

}  // namespace bilevel
