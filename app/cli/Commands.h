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
  int iterations = -2;                   // -2: not given
  int size = 0;
  int repeat = 1;
  bool json = false;
};

// Each returns the process exit code (DESIGN.md §4) and throws bilevel::Error for failures.
int listPresets();
int solveCommand(const CommandLine& options, const CancellationFlag& cancel);
int learnCommand(const CommandLine& options, const CancellationFlag& cancel);
int checkCommand(const CommandLine& options, const CancellationFlag& cancel);
int benchCommand(const CommandLine& options, const CancellationFlag& cancel);

constexpr int kExitCancelled = 130;

}  // namespace bilevel::cli
