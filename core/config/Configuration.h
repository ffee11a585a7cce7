#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hypergradients/HypergradientMethod.h"
#include "solvers/InnerSolver.h"

namespace bilevel {

// A validated learning configuration (DESIGN.md §4). It is built from the defaults, a preset or a
// JSON file laid over them, and `--set key=value` overrides; every key must exist in the
// defaults, have the same JSON type and pass its range check, and every name (model.type,
// solver.type, hypergradient.method, outer.optimizer) must be in the registry, or Error(Usage)
// names the key and lists what is valid. Every key, its default, its range and what it means are
// in core/registry/Settings.cpp (`bilevel-cli list` prints them); the defaults are
//
// {
//   "image": "shapes.png", "noisy": null, "noise": {"sigma": 0.1, "seed": 1},
//   "model": {"type": "huber-tv", "lambda": 0.05, "epsilon": 0.01, "grid": [8, 8]},
//   "solver": {"type": "accelerated-gradient", "tolerance": 1e-8, "max_iterations": 10000,
//              "iterations": 0, "memory": 10},
//   "hypergradient": {"method": "implicit-cg", "tolerance": 1e-8, "max_iterations": 5000,
//                     "truncation": 0, "checkpoint_interval": 0, "fd_step": 1e-5,
//                     "fd_tolerance": 1e-12},
//   "outer": {"optimizer": "lbfgs", "iterations": 30, "step": 0.5, "tolerance": 1e-6}
// }
// Relative image paths resolve against the configuration file's folder, then sample_images/.
class Configuration {
 public:
  // The defaults alone.
  Configuration();
  static Configuration fromPreset(const std::string& name);
  static Configuration fromFile(const std::filesystem::path& path);
  // A configuration held inside another document (a saved studio session): `json` is laid over the
  // defaults with full validation, relative image paths resolve against `baseDirectory`.
  static Configuration fromJson(const nlohmann::json& json,
                                const std::filesystem::path& baseDirectory,
                                const std::string& origin);
  // Lays `overrides` over the current settings with full validation; `origin` names the source in
  // messages (a file name, "preset tv-denoise").
  void merge(const nlohmann::json& overrides, const std::string& origin);
  // Applies one "dotted.key=value" override; value is parsed as JSON, or taken as a string.
  void set(const std::string& assignment);

  const nlohmann::json& json() const { return json_; }
  const std::filesystem::path& baseDirectory() const { return baseDirectory_; }

  // Typed views of the validated settings.
  std::string modelType() const;
  SolveOptions solveOptions() const;
  std::string solverType() const;
  HypergradientOptions hypergradientOptions() const;
  std::string method() const;
  // Resolved image paths (empty entries for "benchmark:N" images).
  std::vector<std::string> imageSpecifications() const;
  std::vector<std::string> noisySpecifications() const;

 private:
  void validate() const;

  nlohmann::json json_;
  std::filesystem::path baseDirectory_;
};

// Names of the built-in presets, sorted.
std::vector<std::string> presetNames();
// The folder with the bundled sample images: $BILEVEL_SAMPLE_DIR; else, for an installed program,
// share/bilevel-studio/sample_images beside its bin/ folder; else the source tree's.
std::filesystem::path sampleImageDirectory();

}  // namespace bilevel
