// bilevel-cli train: dataset learning with progress, checkpoints and --resume (DESIGN.md §4).
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "Commands.h"
#include "RunOutputs.h"
#include "common/Error.h"
#include "config/Configuration.h"
#include "data/Dataset.h"
#include "image/ImageIO.h"
#include "learning/DatasetLearning.h"
#include "learning/LearnedModel.h"
#include "learning/LearningRecords.h"
#include "learning/ModelFactory.h"

namespace bilevel::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kCheckpointFile = "checkpoint.bin";

json number(double value) {
  return std::isfinite(value) ? json(value) : json(nullptr);
}

std::string duration(double seconds) {
  std::ostringstream out;
  out << std::fixed;
  if (seconds < 1.0) {
    out << std::setprecision(0) << seconds * 1e3 << " ms";
  } else if (seconds < 120.0) {
    out << std::setprecision(1) << seconds << " s";
  } else {
    out << std::setprecision(0) << std::floor(seconds / 60.0) << " min " << std::fmod(seconds, 60.0)
        << " s";
  }
  return out.str();
}

json progressJson(const TrainingProgress& p) {
  return {{"step", p.step},
          {"total_steps", p.totalSteps},
          {"loss", p.trainingLoss},
          {"psnr", p.trainingPsnr},
          {"validation_psnr", number(p.validationPsnr)},
          {"hypergradient_norm", p.hypergradientNorm},
          {"seconds", p.stepSeconds},
          {"elapsed_seconds", p.elapsedSeconds},
          {"validation_seconds", p.validationSeconds},
          {"eta_seconds", p.etaSeconds},
          {"inner_iterations", p.innerIterations},
          {"adjoint_iterations", p.adjointIterations},
          {"parameter_min", p.parameterMin},
          {"parameter_max", p.parameterMax},
          {"status", toString(p.status)}};
}

std::string historyCsv(const std::vector<TrainingProgress>& history) {
  std::ostringstream csv;
  csv << std::setprecision(12)
      << "step,loss,psnr,validation_psnr,hypergradient_norm,step_seconds,elapsed_seconds,"
         "inner_iterations,adjoint_iterations,parameter_min,parameter_max\n";
  for (const TrainingProgress& p : history) {
    csv << p.step << ',' << p.trainingLoss << ',' << p.trainingPsnr << ',';
    if (std::isfinite(p.validationPsnr)) csv << p.validationPsnr;
    csv << ',' << p.hypergradientNorm << ',' << p.stepSeconds << ',' << p.elapsedSeconds << ','
        << p.innerIterations << ',' << p.adjointIterations << ',' << p.parameterMin << ','
        << p.parameterMax << '\n';
  }
  return csv.str();
}

}  // namespace

int trainCommand(const CommandLine& options, const RunControl& control) {
  if (options.out.empty()) throw usageError("--out DIR is required");
  if (options.configFile.empty() == options.preset.empty()) {
    throw usageError("give --config FILE (or --preset NAME) with the dataset.* and train.* keys");
  }
  Configuration config = options.preset.empty() ? Configuration::fromFile(options.configFile)
                                                : Configuration::fromPreset(options.preset);
  for (const auto& assignment : options.assignments)
    config.set(assignment);
  const Dataset dataset(DatasetOptions::fromConfiguration(config));
  const fs::path out(options.out);
  const fs::path checkpoint = out / kCheckpointFile;
  std::error_code ec;
  if (!options.resume && fs::exists(checkpoint, ec)) {
    throw usageError("--out '" + out.string() + "' holds the checkpoint of an earlier run; pass " +
                     "--resume to continue it, or choose another folder");
  }
  if (options.resume && !fs::exists(checkpoint, ec)) {
    throw usageError("--resume: no checkpoint in '" + out.string() + "' (" + kCheckpointFile +
                     " is written every train.checkpoint_every steps)");
  }
  std::cerr << "dataset: " << dataset.describe() << std::endl;
  // A resumed run's θ is the checkpoint's: the model it started from may be gone or replaced
  // since (the fingerprint ignores the key, so the checkpoint still matches).
  Configuration built = config;
  if (options.resume) built.merge({{"train", {{"initial_model", ""}}}}, "--resume");
  auto learning = makeLearningAlgorithm(dataset, built);
  prepareOutputDirectory(out);
  if (options.resume) {
    learning->restoreCheckpoint(checkpoint);
    std::cerr << "resuming from step " << learning->stepCount() << " of "
              << learning->options().steps << std::endl;
  } else if (const fs::path initial = initialModelPath(config); !initial.empty()) {
    std::cerr << "starting from the parameters of " << initial.string() << std::endl;
  }
  std::cerr << learning->trainingSampleCount() << " training and "
            << learning->validationSampleCount() << " validation samples, " << learning->name()
            << ", " << config.method() << ", "
            << config.json()["outer"]["optimizer"].get<std::string>() << std::endl;
  learning->setObserver([&](const TrainingProgress& p) {
    if (options.json) {
      std::cout << progressJson(p).dump() << std::endl;
    } else {
      std::ostringstream line;
      line << "step " << std::setw(4) << p.step << "/" << p.totalSteps << "  loss "
           << std::scientific << std::setprecision(4) << p.trainingLoss << std::fixed
           << std::setprecision(2) << "  PSNR " << p.trainingPsnr << " dB";
      if (std::isfinite(p.validationPsnr)) line << "  val " << p.validationPsnr << " dB";
      line << "  |∇U| " << std::scientific << std::setprecision(2) << p.hypergradientNorm << "  θ∈["
           << std::setprecision(3) << p.parameterMin << ", " << p.parameterMax << "]  "
           << duration(p.stepSeconds);
      if (p.step > 0 && p.step < p.totalSteps) line << "  ETA " << duration(p.etaSeconds);
      std::cerr << line.str() << std::endl;
    }
    return control.decision();  // Abort after Ctrl-C
  });

  const auto writeOutputs = [&] {
    const TrainingSummary& s = learning->summary();
    const auto& d = config.json()["dataset"];
    json training = {{"dataset", dataset.describe()},
                     {"folder", d["folder"]},
                     {"patch_size", d["patch_size"]},
                     {"patches", d["patches"]},
                     {"batch", d["batch"]},
                     {"sigma", config.json()["noise"]["sigma"]},
                     {"noise_seed", config.json()["noise"]["seed"]},
                     {"steps", s.steps},
                     {"algorithm", learning->name()},
                     {"method", config.method()},
                     {"optimizer", config.json()["outer"]["optimizer"]},
                     {"seconds", s.seconds},
                     {"validation_psnr", number(s.finalValidationPsnr)},
                     {"termination", toString(s.termination)}};
    const json model =
        learnedModelJson(config, learning->model(), learning->parameters(), training);
    writeTextFileAtomically(out / "model.json", model.dump(2) + "\n");
    writeTextFileAtomically(out / "history.csv", historyCsv(learning->history()));
    const json summary = {
        {"model", learning->model().name()},
        {"algorithm", learning->name()},
        {"method", config.method()},
        {"steps", s.steps},
        {"termination", toString(s.termination)},
        {"message", s.message},
        {"initial",
         {{"loss", s.initialLoss}, {"validation_psnr", number(s.initialValidationPsnr)}}},
        {"final", {{"loss", s.finalLoss}, {"validation_psnr", number(s.finalValidationPsnr)}}},
        {"params", parametersJson(learning->model().parameterLayout(), learning->parameters())},
        {"seconds", s.seconds}};
    writeTextFileAtomically(out / "summary.json", summary.dump(2) + "\n");
    return summary;
  };

  try {
    learning->run(&control, checkpoint);
  } catch (const Error&) {
    if (!learning->history().empty()) writeOutputs();  // keep what was learned so far
    throw;
  }
  const json summary = writeOutputs();
  if (options.json) {
    std::cout << summary.dump() << std::endl;
  } else {
    std::cerr << summary["termination"].get<std::string>() << " after " << summary["steps"]
              << " steps: validation PSNR " << summary["initial"]["validation_psnr"] << " → "
              << summary["final"]["validation_psnr"] << " dB; model.json in " << out.string()
              << std::endl;
  }
  if (learning->summary().termination == LearnTermination::Cancelled) {
    std::cerr << "cancelled; model.json holds θ of step " << learning->stepCount()
              << ", the checkpoint the last one written" << std::endl;
    return kExitCancelled;
  }
  return 0;
}

}  // namespace bilevel::cli
