#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "common/Vector.h"
#include "config/Configuration.h"
#include "models/LowerLevel.h"

namespace bilevel {

// A learned model (issue 11 §2): what `bilevel-cli train` writes as model.json and what `solve
// --params`, `evaluate` and the studio load. A JSON object
//
//   {"format": "bilevel-learned-model", "version": 1,
//    "model": {"type": "huber-tv", "epsilon": 0.01, ...},   // the configuration's model section
//    "solver": {"type": ..., "tolerance": ..., ...},         // how its lower level was solved
//    "layout": [{"name": "lambda", "size": 1, "rows": 1, "cols": 1, "positive": true}, ...],
//    "theta": [...],                                          // θ, exact (17 significant digits)
//    "parameters": {"lambda": 0.041, ...},                    // θ by block name, for people
//    "training": {"dataset": "...", "sigma": 0.1, "steps": 50, "algorithm": "two-loop",
//                 "method": "implicit-cg", "optimizer": "adam", "seconds": 12.3,
//                 "date": "2026-11-29T12:00:00Z", "validation_psnr": 27.1,
//                 "initial_model": "/runs/a/model.json", ...}}          // when θ started there
//
// Whatever the model (huber-tv, foe, ...), the file names it by its registry name and θ by the
// blocks of its parameter layout, so no model is special here.
struct LearnedModel {
  nlohmann::json model;   // the "model" section of a configuration
  nlohmann::json solver;  // the "solver" section
  Vector theta;
  nlohmann::json layout;
  nlohmann::json training;

  // The configuration's model and solver sections replaced by this file's (full validation:
  // Error(Usage) naming `source` when the model is unknown here).
  void applyTo(Configuration& configuration, const std::string& source) const;
  // θ for `model` (built from applyTo's configuration); Error(Usage) naming `source` and the
  // first block that differs when the model's parameter layout (block names and sizes) differs
  // from the file's, or a positive block holds a value ≤ 0.
  Vector parametersFor(const LowerLevel& model, const std::string& source) const;
};

// The JSON of a learned model: the model and solver sections of `configuration`, θ of `model`,
// and `training` (the provenance) as given; the date is added (UTC, ISO 8601), and the path of
// train.initial_model when the run started from a learned model.
nlohmann::json learnedModelJson(const Configuration& configuration, const LowerLevel& model,
                                const Vector& theta, nlohmann::json training);

// Reads a learned model file. Error(UnreadableInput) naming the file when it is missing or not
// JSON, Error(Usage) when it is JSON but not a learned model (naming the missing or bad key).
LearnedModel readLearnedModel(const std::filesystem::path& path);

}  // namespace bilevel
