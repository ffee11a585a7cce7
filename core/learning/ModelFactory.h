#pragma once

#include <filesystem>
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

// The learned model train.initial_model names, resolved as dataset.folder is (a relative path
// against the configuration's base directory: its file's folder); empty when the key is empty.
std::filesystem::path initialModelPath(const Configuration& configuration);

// Where learning starts (DatasetLearning, LearningSession): θ of the learned model
// train.initial_model names, else the model's default parameters (model.lambda, model.nu, ...).
// The file must describe the configured model: the same model.type, the same value of every
// model setting the model uses except those that only set the default θ (model.lambda,
// model.nu), and the same parameter layout (block names and sizes); otherwise Error(Usage)
// naming the file and the first item that differs. A file that is missing or not a learned model
// is an error naming it (readLearnedModel), and so is a non-positive value of a positive block.
Vector initialParameters(const Configuration& configuration, const LowerLevel& model);

}  // namespace bilevel
