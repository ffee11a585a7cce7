#pragma once

#include <memory>

#include "config/Configuration.h"
#include "image/Image.h"
#include "models/Model.h"
#include "solvers/InnerSolver.h"

namespace bilevel {

// The lower-level model a configuration names (model.type), bound to one noisy image.
std::unique_ptr<Model> makeModel(const Configuration& configuration, const Image& noisy);

// "accelerated-gradient", "gradient-descent" or "lbfgs"; Error(Usage) otherwise.
std::unique_ptr<InnerSolver> makeInnerSolver(const std::string& name);

// Initial parameters from the configuration (model.lambda everywhere).
Vector initialParameters(const Configuration& configuration, const Model& model);

}  // namespace bilevel
