#pragma once

#include <memory>

#include "config/Configuration.h"
#include "image/Image.h"
#include "models/Model.h"
#include "solvers/InnerSolver.h"

namespace bilevel {

// The smooth lower-level model a configuration names (model.type, built by its registry entry),
// bound to one noisy image. Error(Usage) for a primal–dual model.
std::unique_ptr<Model> makeModel(const Configuration& configuration, const Image& noisy);

// An inner solver by its registry name (registry::solvers()); Error(Usage) naming it and listing
// the known ones otherwise.
std::unique_ptr<InnerSolver> makeInnerSolver(const std::string& name);

// Initial parameters from the configuration (model.lambda everywhere).
Vector initialParameters(const Configuration& configuration, const Model& model);

}  // namespace bilevel
