#include "learning/ParameterTransform.h"

namespace bilevel {

Vector thetaFromPhi(const ParameterLayout& layout, const Vector& phi) {
  Vector theta = phi;
  for (const auto& block : layout.blocks()) {
    if (block.positive) {
      theta.segment(block.offset, block.size) = phi.segment(block.offset, block.size).array().exp();
    }
  }
  return theta;
}

Vector phiFromTheta(const ParameterLayout& layout, const Vector& theta) {
  Vector phi = theta;
  for (const auto& block : layout.blocks()) {
    if (block.positive) {
      phi.segment(block.offset, block.size) = theta.segment(block.offset, block.size).array().log();
    }
  }
  return phi;
}

Vector gradientInPhi(const ParameterLayout& layout, const Vector& theta,
                     const Vector& gradientTheta) {
  Vector gradient = gradientTheta;
  for (const auto& block : layout.blocks()) {
    if (block.positive) {
      gradient.segment(block.offset, block.size).array() *=
          theta.segment(block.offset, block.size).array();
    }
  }
  return gradient;
}

}  // namespace bilevel
