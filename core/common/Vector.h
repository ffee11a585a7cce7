#pragma once

#include <Eigen/Core>

namespace bilevel {

// Images, iterates and parameter vectors are flat double vectors; an image of `rows`×`cols` pixels
// stores pixel (r, c) at index r * cols + c (row-major, as OpenCV does).
using Vector = Eigen::VectorXd;

}  // namespace bilevel
