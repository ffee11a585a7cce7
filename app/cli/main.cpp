// bilevel-cli: the headless face of Bilevel Studio (DESIGN.md §4).
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "Commands.h"
#include "common/AtomicFile.h"
#include "common/Error.h"
#include "registry/Registry.h"

namespace {
bilevel::RunControl interrupted;
// Ctrl-C aborts the run (RunControl::abort, an atomic store): the inner loops poll it, so a run
// stops within one inner iteration, and learn's observer answers Abort; the partial results are
// still written (exit 130). A second Ctrl-C falls back to the default action.
extern "C" void onInterrupt(int) {
  interrupted.abort();
  std::signal(SIGINT, SIG_DFL);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace bilevel::cli;
  CLI::App app{"Bilevel Studio command line: learn image-model parameters by bilevel optimisation"};
  app.require_subcommand(1);
  CommandLine options;
  // Names from the registry, so the help lists exactly what the configuration accepts.
  const std::string modelHelp = "Model: " + bilevel::registry::modelNames();
  const std::string methodHelp = "Hypergradient method: " + bilevel::registry::methodNames();

  app.add_subcommand("presets", "List the built-in presets, one per line");
  auto* list = app.add_subcommand(
      "list", "List the models, solvers, hypergradient methods, optimisers and settings");
  list->add_flag("--json", options.json, "Print them as one JSON object");

  auto addConfig = [&](CLI::App* sub) {
    sub->add_option("--preset", options.preset, "Built-in preset (see `presets`)");
    sub->add_option("--config", options.configFile, "JSON configuration file");
    sub->add_option(
        "--set", options.assignments,
        "Override a setting by dotted key, e.g. --set model.lambda=0.1 (all keys: `list`)");
  };
  auto* solve =
      app.add_subcommand("solve", "Solve the lower-level problem at the configured parameters");
  addConfig(solve);
  solve->add_option("--image", options.image, "Clean image to use instead of the configured one");
  solve->add_option("--out", options.out, "Output folder")->required();
  solve->add_flag("--json", options.json, "Print the summary as one JSON line");

  auto* learn = app.add_subcommand("learn", "Learn the parameters by bilevel optimisation");
  addConfig(learn);
  learn->add_option("--image", options.image, "Clean image to use instead of the configured one");
  learn->add_option("--iterations", options.iterations, "Outer iterations (outer.iterations)");
  learn->add_option("--method", options.method, methodHelp + " (hypergradient.method)");
  learn->add_option("--out", options.out, "Output folder")->required();
  learn->add_flag("--json", options.json, "One JSON object per outer iteration, then the summary");

  auto* check =
      app.add_subcommand("check", "Compare every hypergradient method with finite differences");
  check->add_option("--model", options.model, modelHelp)->required();
  check->add_option("--size", options.size, "Benchmark image size N (N×N)")->required();
  check->add_option("--methods", options.methods, "Comma-separated methods (default: all)");
  check->add_option("--set", options.assignments, "Override a setting by dotted key");
  check->add_flag("--json", options.json, "One JSON object per method");

  auto* bench = app.add_subcommand("bench", "Time one method on the benchmark problem");
  bench->add_option("--model", options.model, modelHelp)->required();
  bench->add_option("--size", options.size, "Benchmark image size N (N×N)")->required();
  bench->add_option("--method", options.method, methodHelp)->required();
  bench->add_option("--repeat", options.repeat, "Repetitions; the median is reported");
  bench->add_option("--set", options.assignments, "Override a setting by dotted key");
  bench->add_flag("--json", options.json, "Print the report as one JSON line");

  auto* train = app.add_subcommand(
      "train", "Learn θ on a dataset (dataset.*, train.* keys), with checkpoints and --resume");
  train->add_option("--config", options.configFile, "JSON configuration file");
  train->add_option("--preset", options.preset, "Built-in preset (see `presets`)");
  train->add_option("--set", options.assignments, "Override a setting by dotted key");
  train->add_option("--out", options.out, "Output folder (model.json, checkpoint.bin, ...)")
      ->required();
  train->add_flag("--resume", options.resume, "Continue from the checkpoint in --out");
  train->add_flag("--json", options.json, "One JSON object per step, then the summary");

  auto* evaluate = app.add_subcommand(
      "evaluate", "PSNR and SSIM of a learned model on every image of a folder (CSV)");
  evaluate->add_option("--params", options.params, "Learned model (model.json of train)")
      ->required();
  evaluate->add_option("--images", options.images, "Folder of clean images")->required();
  evaluate->add_option("--sigma", options.sigma, "Noise σ, a fraction of the data range")
      ->required();
  evaluate->add_option("--seed", options.seed, "Noise seed (default 1)");
  evaluate->add_option("--out", options.out, "Output folder: evaluation.csv, denoised images");
  evaluate->add_flag("--json", options.json, "Print the summary as one JSON line");
  solve->add_option("--params", options.params, "Learned model (model.json of train) to apply");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;  // usage errors are exit code 2 (DESIGN.md §4)
  }

  std::signal(SIGINT, onInterrupt);
  bilevel::reportFileSizeLimitAsError();
  try {
    if (app.got_subcommand("presets")) return listPresets();
    if (app.got_subcommand("list")) return listRegistry(options);
    if (app.got_subcommand("solve")) return solveCommand(options, interrupted);
    if (app.got_subcommand("learn")) return learnCommand(options, interrupted);
    if (app.got_subcommand("check")) return checkCommand(options, interrupted);
    if (app.got_subcommand("bench")) return benchCommand(options, interrupted);
    if (app.got_subcommand("train")) return trainCommand(options, interrupted);
    if (app.got_subcommand("evaluate")) return evaluateCommand(options, interrupted);
  } catch (const bilevel::Error& e) {
    std::cerr << "error: " << e.what() << std::endl;
    return e.exitCode();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << std::endl;
    return 4;
  }
  return 2;
}
