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

// The model's default parameters (model.lambda, model.nu, ...): where solve, check, bench and a
// single-image learning session start.
Vector initialParameters(const Configuration& configuration, const LowerLevel& model);

// Where dataset learning starts (DatasetLearning: bilevel-cli train, the studio's dataset mode):
// θ of the learned model train.initial_model names, else initialParameters().
// The file must describe the configured model: the same model.type, the same value of every
// model setting the model uses except those that only set the default θ (model.lambda,
// model.nu), and the same parameter layout (block names and sizes); otherwise Error(Usage)
// naming the file and the first item that differs. A file that is missing or not a learned model
// is an error naming it (readLearnedModel), and so is a non-positive value of a positive block.
// A resumed run takes θ from its checkpoint and need not read the file (TrainCommand clears it).
Vector startingParameters(const Configuration& configuration, const LowerLevel& model);

}  // namespace bilevel
