#pragma once

#include "common/Vector.h"
#include "models/ParameterLayout.h"

namespace bilevel {

// The variables outer optimisers move: φ = log θ on the blocks that must stay positive
// (ParameterBlock::positive), φ = θ elsewhere, so a step of any length keeps weights positive.

// θ = e^φ on positive blocks, φ elsewhere.
Vector thetaFromPhi(const ParameterLayout& layout, const Vector& phi);
// φ = log θ on positive blocks (θ > 0 there), θ elsewhere.
Vector phiFromTheta(const ParameterLayout& layout, const Vector& theta);
// ∇_φU = ∇_θU ⊙ ∂θ/∂φ, with ∂θ/∂φ = θ on positive blocks and 1 elsewhere.
Vector gradientInPhi(const ParameterLayout& layout, const Vector& theta,
                     const Vector& gradientTheta);

}  // namespace bilevel
