#pragma once

#include <memory>

#include "config/Configuration.h"
#include "image/Image.h"
#include "models/LowerLevel.h"
#include "solvers/InnerSolver.h"

namespace bilevel {

// The lower-level model a configuration names (model.type, built by its registry entry as either
// kind), bound to one noisy image.
std::unique_ptr<LowerLevel> makeModel(const Configuration& configuration, const Image& noisy);

// An inner solver by its registry name (registry::solvers()); Error(Usage) naming it and listing
// the known ones otherwise.
std::unique_ptr<InnerSolver> makeInnerSolver(const std::string& name);

// Initial parameters from the configuration (model.lambda everywhere).
Vector initialParameters(const Configuration& configuration, const LowerLevel& model);

}  // namespace bilevel
