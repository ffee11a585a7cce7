#pragma once

#include <string>
#include <vector>

#include "common/Cancellation.h"

namespace bilevel::cli {

// Settings shared by the subcommands, filled by the command-line parser.
struct CommandLine {
  std::string preset;
  std::string configFile;
  std::string image;
  std::string method;
  std::string model;
  std::string methods;
  std::string out;
  std::vector<std::string> assignments;  // --set key=value
  std::string params;                    // solve, evaluate: a learned model (model.json)
  std::string images;                    // evaluate: a folder of clean images
  double sigma = -1.0;                   // evaluate: noise σ (-1: not given)
  long long seed = 1;                    // evaluate: noise seed
  bool resume = false;                   // train: continue from the checkpoint in --out
  int iterations = -2;                   // -2: not given
  int size = 0;
  int repeat = 1;
  bool json = false;
};

// Each returns the process exit code (DESIGN.md §4) and throws bilevel::Error for failures.
// `control` is aborted by Ctrl-C: solve, check and bench poll it as their cancellation flag, and
// learn's observer answers with its decision() after every iteration.
int listPresets();
// The registry: models, solvers, methods, optimisers and every setting with its default, range and
// meaning (one JSON object with --json).
int listRegistry(const CommandLine& options);
int solveCommand(const CommandLine& options, const RunControl& control);
int learnCommand(const CommandLine& options, const RunControl& control);
int checkCommand(const CommandLine& options, const RunControl& control);
int benchCommand(const CommandLine& options, const RunControl& control);
// Dataset learning with checkpoints (TrainCommand.cpp) and a learned model's quality on a folder
// of images (EvaluateCommand.cpp).
int trainCommand(const CommandLine& options, const RunControl& control);
int evaluateCommand(const CommandLine& options, const RunControl& control);

constexpr int kExitCancelled = 130;

}  // namespace bilevel::cli
