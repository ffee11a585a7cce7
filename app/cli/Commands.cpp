#include "Commands.h"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "RunOutputs.h"
#include "common/Error.h"
#include "common/MemoryUsage.h"
#include "common/Stopwatch.h"
#include "config/Configuration.h"
#include "diagnostics/DirectionalAgreement.h"
#include "diagnostics/MethodAgreement.h"
#include "image/ImageIO.h"
#include "image/Quality.h"
#include "learning/LearnedModel.h"
#include "learning/LearningRecords.h"
#include "learning/LearningSession.h"
#include "learning/ModelFactory.h"
#include "learning/TrainingPair.h"
#include "registry/Registry.h"

namespace bilevel::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Configuration loadConfiguration(const CommandLine& options) {
  if (!options.preset.empty() && !options.configFile.empty()) {
    throw usageError("give either --preset or --config, not both");
  }
  if (options.preset.empty() && options.configFile.empty()) {
    throw usageError("give --preset NAME or --config FILE (see `bilevel-cli presets`)");
  }
  Configuration config = options.preset.empty() ? Configuration::fromFile(options.configFile)
                                                : Configuration::fromPreset(options.preset);
  if (!options.image.empty()) {
    std::error_code ec;
    config.merge({{"image", fs::absolute(options.image, ec).string()}}, "--image");
  }
  if (!options.method.empty())
    config.merge({{"hypergradient", {{"method", options.method}}}}, "--method");
  if (options.iterations != -2) {
    if (options.iterations < 0) {
      throw usageError("--iterations must be 0 or a positive integer, got " +
                       std::to_string(options.iterations));
    }
    config.merge({{"outer", {{"iterations", options.iterations}}}}, "--iterations");
  }
  for (const auto& assignment : options.assignments)
    config.set(assignment);
  return config;
}

// loadTrainingPairs, with what a person should know about how the files were read (a colour file
// made grey, a data range other than the type range) on stderr.
std::vector<TrainingPair> loadPairs(const Configuration& config) {
  std::vector<TrainingPair> pairs = loadTrainingPairs(config);
  for (const TrainingPair& pair : pairs) {
    for (const std::string& notice : inputNotices(pair))
      std::cerr << "note: " << notice << "\n";
  }
  return pairs;
}

// The benchmark problem of issue 2 (and DESIGN.md §4's check/bench): the generated image at n×n,
// σ = 0.1, λ = 0.08, ε = 0.01, inner and adjoint tolerances 1e-8.
Configuration benchmarkConfiguration(const CommandLine& options) {
  if (options.model.empty())
    throw usageError("--model is required (" + registry::modelNames() + ")");
  if (options.size < kMinimumImageSide || options.size > 8192) {
    throw usageError("--size must lie in [" + std::to_string(kMinimumImageSide) + ", 8192]");
  }
  const registry::ModelEntry& model = registry::model(options.model);
  Configuration config;
  json problem = {{"image", "benchmark:" + std::to_string(options.size)},
                  {"noise", {{"sigma", 0.1}, {"seed", 0}}},
                  {"model", {{"type", model.name}, {"lambda", 0.08}, {"epsilon", 0.01}}}};
  // A model of the other kind than the defaults' (tv: primal–dual) comes with the first solver of
  // its kind and the first method that differentiates it; --set may choose others.
  const registry::SolverEntry& defaultSolver = registry::solver(config.solverType());
  const registry::SolverEntry* solver = &defaultSolver;
  if (defaultSolver.kind != model.kind) {
    for (const auto& s : registry::solvers()) {
      if (s.kind == model.kind) {
        solver = &s;
        break;
      }
    }
    problem["solver"] = {{"type", solver->name}};
  }
  if (const auto& method = registry::method(config.method());
      !registry::methodSupportsModel(method, model) ||
      !registry::methodSupportsSolver(method, *solver)) {
    for (const auto& m : registry::methods()) {
      if (registry::methodSupportsModel(m, model) && registry::methodSupportsSolver(m, *solver)) {
        problem["hypergradient"] = {{"method", m.name}};
        break;
      }
    }
  }
  config.merge(problem, "benchmark problem");
  for (const auto& assignment : options.assignments)
    config.set(assignment);
  return config;
}

std::string formatSeconds(double seconds) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(seconds < 1.0 ? 1 : 2)
      << (seconds < 1.0 ? seconds * 1e3 : seconds) << (seconds < 1.0 ? " ms" : " s");
  return out.str();
}

}  // namespace

namespace {

// One entry of `list`: the name in a column, then the label and description wrapped after it.
void printEntry(const std::string& name, const std::string& text,
                const std::vector<std::string>& settings) {
  constexpr std::size_t kColumn = 24, kWidth = 100;
  std::string line = "  " + name;
  line += std::string(line.size() < kColumn ? kColumn - line.size() : 1, ' ');
  std::string all = text;
  if (!settings.empty()) {
    all += " Settings:";
    for (const auto& key : settings)
      all += " " + key;
    all += ".";
  }
  std::istringstream words(all);
  std::string word;
  bool first = true;
  // Widths count bytes, so lines with many non-ASCII symbols wrap a little early.
  while (words >> word) {
    if (!first && line.size() + 1 + word.size() > kWidth) {
      std::cout << line << "\n";
      line = std::string(kColumn, ' ');
      first = true;
    }
    line += (first ? "" : " ") + word;
    first = false;
  }
  std::cout << line << "\n";
}

}  // namespace

int listRegistry(const CommandLine& options) {
  if (options.json) {
    json out = {{"models", json::array()},
                {"solvers", json::array()},
                {"methods", json::array()},
                {"optimizers", json::array()},
                {"settings", json::array()}};
    for (const auto& m : registry::models()) {
      out["models"].push_back({{"name", m.name},
                               {"label", m.label},
                               {"formula", m.formula},
                               {"description", m.description},
                               {"kind", registry::toString(m.kind)},
                               {"settings", m.settings},
                               {"weight_map", m.hasWeightMap},
                               {"unavailable", m.unavailable}});
    }
    for (const auto& e : registry::solvers()) {
      out["solvers"].push_back({{"name", e.name},
                                {"label", e.label},
                                {"description", e.description},
                                {"kind", registry::toString(e.kind)},
                                {"settings", e.settings}});
    }
    for (const auto& e : registry::methods()) {
      out["methods"].push_back({{"name", e.name},
                                {"label", e.label},
                                {"description", e.description},
                                {"settings", e.settings}});
    }
    for (const auto& e : registry::optimizers()) {
      out["optimizers"].push_back({{"name", e.name},
                                   {"label", e.label},
                                   {"description", e.description},
                                   {"settings", e.settings}});
    }
    for (const auto& e : registry::settings()) {
      out["settings"].push_back({{"key", e.key},
                                 {"default", e.defaultValue},
                                 {"range", e.requirement()},
                                 {"description", e.description}});
    }
    std::cout << out.dump() << std::endl;
    return 0;
  }
  std::cout << "Models (model.type):\n";
  for (const auto& m : registry::models()) {
    printEntry(m.name,
               m.label + ", " + registry::toString(m.kind) + ": " + m.formula + ". " +
                   m.description +
                   (m.unavailable.empty() ? "" : " Not available yet: " + m.unavailable + "."),
               m.settings);
  }
  std::cout << "\nInner solvers (solver.type):\n";
  for (const auto& e : registry::solvers()) {
    printEntry(e.name,
               e.label + ", for " + registry::toString(e.kind) + " models: " + e.description,
               e.settings);
  }
  std::cout << "\nHypergradient methods (hypergradient.method, learn --method):\n";
  for (const auto& e : registry::methods())
    printEntry(e.name, e.label + ": " + e.description, e.settings);
  std::cout << "\nOuter optimisers (outer.optimizer):\n";
  for (const auto& e : registry::optimizers())
    printEntry(e.name, e.label + ": " + e.description, e.settings);
  std::cout << "\nSettings (--set key=value; default, range):\n";
  for (const auto& e : registry::settings()) {
    const std::string range = e.requirement();
    printEntry(
        e.key,
        "= " + e.defaultValue.dump() + (range.empty() ? "" : ", " + range) + ". " + e.description,
        {});
  }
  return 0;
}

int listPresets() {
  for (const auto& name : presetNames())
    std::cout << name << "\n";
  return 0;
}

int solveCommand(const CommandLine& options, const RunControl& control) {
  if (options.out.empty()) throw usageError("--out DIR is required");
  Configuration config = loadConfiguration(options);
  // --params: a learned model (train's model.json) brings its model, solver and θ.
  std::optional<LearnedModel> learned;
  const std::string paramsSource = "--params '" + options.params + "'";
  if (!options.params.empty()) {
    learned = readLearnedModel(options.params);
    learned->applyTo(config, paramsSource);
  }
  const auto pairs = loadPairs(config);
  prepareOutputDirectory(options.out);
  const TrainingPair& pair = pairs.front();
  const auto model = makeModel(config, pair.noisy);
  const auto solver = makeInnerSolver(config.solverType());
  const Vector theta =
      learned ? learned->parametersFor(*model, paramsSource) : initialParameters(config, *model);
  Vector x = pair.noisy.pixels;
  const SolveSummary summary = solver->solve(*model, theta, x, config.solveOptions(), &control);
  if (summary.termination == Termination::Cancelled) {
    std::cerr << "solve cancelled after " << summary.iterations << " iterations\n";
    return kExitCancelled;
  }
  if (summary.termination == Termination::Diverged) {
    throw numericalError("the " + solver->name() + " solve diverged: " + summary.message);
  }
  Image result = pair.clean;
  result.pixels = x;
  const fs::path out(options.out);
  if (!pair.cleanPath.empty()) refuseToOverwrite(pair.cleanPath, out / "reconstruction.png");
  writeImage(result, out / "reconstruction.png", 8);
  if (pair.clean.sourceBitDepth == 16) writeImage(result, out / "reconstruction_16.png", 16);
  writeImage(pair.noisy, out / "noisy.png", 8);
  const json report = {{"model", model->name()},
                       {"solver", solver->name()},
                       {"termination", toString(summary.termination)},
                       {"iterations", summary.iterations},
                       {"relative_gradient_norm", summary.relativeGradientNorm},
                       {"energy", summary.energy},
                       {"psnr_noisy", psnr(pair.noisy.pixels, pair.clean.pixels)},
                       {"psnr", psnr(x, pair.clean.pixels)},
                       {"ssim", ssim(result, pair.clean)},
                       {"params", parametersJson(model->parameterLayout(), theta)},
                       {"seconds", summary.seconds}};
  writeTextFileAtomically(out / "summary.json", report.dump(2) + "\n");
  std::cout << report.dump(options.json ? -1 : 2) << "\n";
  // The outputs are finite and written (summary.json says how the solve ended), but a
  // reconstruction that missed the requested accuracy is a failure the caller must see.
  const SolveOptions solveOptions = config.solveOptions();
  if (summary.termination == Termination::IterationLimit && solveOptions.fixedIterations == 0) {
    throw numericalError("the " + solver->name() + " solve stopped at its iteration cap " +
                         "(solver.max_iterations = " + std::to_string(solveOptions.maxIterations) +
                         ") with " + solver->stoppingMeasure() + " " +
                         std::to_string(summary.relativeGradientNorm) +
                         " above solver.tolerance = " + std::to_string(solveOptions.tolerance) +
                         "; raise solver.max_iterations or loosen solver.tolerance");
  }
  return 0;
}

int learnCommand(const CommandLine& options, const RunControl& control) {
  if (options.out.empty()) throw usageError("--out DIR is required");
  const Configuration config = loadConfiguration(options);
  auto pairs = loadPairs(config);
  prepareOutputDirectory(options.out);
  LearningSession session(std::move(pairs), config);
  const std::string modelName = session.model().name();
  const std::string method = config.method();
  const int iterations = config.json()["outer"]["iterations"].get<int>();
  session.setObserver([&](const Snapshot& s) {
    if (options.json) {
      std::cout << snapshotJson(s).dump() << std::endl;
    } else {
      std::cerr << "iter " << std::setw(3) << s.iteration << "  loss " << std::setprecision(8)
                << s.outerLoss << "  PSNR " << std::fixed << std::setprecision(3) << s.psnr
                << " dB  |∇U| " << std::scientific << std::setprecision(3) << s.hypergradientNorm
                << "  θ∈[" << std::setprecision(4) << s.parameters.minCoeff() << ", "
                << s.parameters.maxCoeff() << "]  " << std::defaultfloat
                << formatSeconds(s.stepSeconds) << std::endl;
    }
    return control.decision();  // Abort after Ctrl-C
  });
  int exitCode = 0;
  try {
    session.run(iterations, &control);
  } catch (const Error&) {
    // Keep what was learned so far, then report the failure.
    if (!session.history().empty()) writeLearnOutputs(session, modelName, method, options.out);
    throw;
  }
  if (session.summary().termination == LearnTermination::Cancelled) exitCode = kExitCancelled;
  if (!session.history().empty()) writeLearnOutputs(session, modelName, method, options.out);
  const json summary = summaryJson(session, modelName, method);
  if (options.json) {
    std::cout << summary.dump() << std::endl;
  } else {
    std::cerr << summary["termination"].get<std::string>() << " after "
              << summary["iterations"].get<int>() << " iterations: PSNR "
              << summary["initial"]["psnr"].get<double>() << " → "
              << summary["final"]["psnr"].get<double>() << " dB; outputs in " << options.out
              << "\n";
  }
  if (exitCode == kExitCancelled) std::cerr << "cancelled; partial results written\n";
  return exitCode;
}

namespace {

// check for a model with more parameters than the coordinate-wise reference affords (a filter
// bank): every method against central differences along three random directions of θ.
int checkAlongDirections(const CommandLine& options, const RunControl& control,
                         const Configuration& config, const BilevelProblem& problem,
                         const Vector& theta, const Vector& warmStart,
                         const std::vector<std::string>& methods, const std::string& why) {
  constexpr int kDirections = 3;
  int exitCode = 0;
  if (!options.json) {
    std::cout << "model " << problem.model.name() << ", " << options.size << "×" << options.size
              << ", " << theta.size() << " parameter(s); reference: central differences along "
              << kDirections << " random directions (" << why << ")\n";
    std::cout << std::left << std::setw(20) << "method" << std::setw(16) << "‖∇U‖" << std::setw(14)
              << "rel. error" << std::setw(12) << "time"
              << "memory\n";
  }
  const auto printRow = [&](const DirectionalAgreementRow& row) {
    if (row.summary.termination == Termination::Diverged ||
        row.summary.termination == Termination::NegativeCurvature)
      exitCode = 4;
    if (options.json) {
      json line = {{"method", row.method}, {"termination", toString(row.summary.termination)}};
      if (!row.refusal.empty()) {
        line["refusal"] = row.refusal;
      } else {
        line["relative_error_along_directions"] = row.relativeError;
        line["hypergradient_norm"] = row.hypergradientNorm;
        line["seconds"] = row.seconds;
        line["working_mb"] = row.summary.workingMegabytes;
      }
      std::cout << line.dump() << std::endl;
      return;
    }
    if (!row.refusal.empty()) {
      std::cout << std::left << std::setw(20) << row.method << "refused: " << row.refusal
                << std::endl;
      return;
    }
    std::ostringstream norm, error, memory;
    norm << std::scientific << std::setprecision(6) << row.hypergradientNorm;
    error << std::scientific << std::setprecision(2) << row.relativeError;
    memory << std::fixed << std::setprecision(1) << row.summary.workingMegabytes << " MB";
    std::cout << std::left << std::setw(20) << row.method << std::setw(16) << norm.str()
              << std::setw(14) << error.str() << std::setw(12) << formatSeconds(row.seconds)
              << memory.str();
    if (!row.summary.usable()) std::cout << "  " << toString(row.summary.termination);
    std::cout << std::endl;
  };
  const DirectionalAgreementReport report =
      compareAlongDirections(problem, theta, warmStart, config.hypergradientOptions(), methods,
                             kDirections, 1, &control, printRow);
  if (report.cancelled) return kExitCancelled;
  return exitCode;
}

}  // namespace

int checkCommand(const CommandLine& options, const RunControl& control) {
  // Tight tolerances by default so that the methods' own truncation shows, not the solver's.
  CommandLine tight = options;
  tight.assignments.insert(tight.assignments.begin(),
                           {"solver.tolerance=1e-10", "hypergradient.tolerance=1e-10"});
  const Configuration config = benchmarkConfiguration(tight);
  std::vector<std::string> methods;
  if (!options.methods.empty()) {
    std::stringstream list(options.methods);
    for (std::string name; std::getline(list, name, ',');)
      methods.push_back(name);
  }
  const auto pairs = loadPairs(config);
  const auto model = makeModel(config, pairs.front().noisy);
  const auto solver = makeInnerSolver(config.solverType());
  const SquaredError loss(pairs.front().clean.pixels);
  const Vector theta = initialParameters(config, *model);
  const BilevelProblem problem{*model, loss, *solver, config.solveOptions()};
  if (std::string why;
      !registry::referenceMethod().make(config.hypergradientOptions())->supports(problem, &why)) {
    return checkAlongDirections(options, control, config, problem, theta,
                                pairs.front().noisy.pixels, methods, why);
  }

  int exitCode = 0;
  bool headerPrinted = false;
  // Rows are printed as they finish; the header waits for the reference, so a failed reference
  // prints nothing on stdout.
  const auto printRow = [&](const MethodAgreementRow& row) {
    const HypergradientSummary& summary = row.summary;
    if (summary.termination == Termination::Diverged) exitCode = 4;
    if (options.json && !row.refusal.empty()) {
      std::cout << json{{"method", row.method},
                        {"termination", toString(summary.termination)},
                        {"refusal", row.refusal}}
                       .dump()
                << std::endl;
      return;
    }
    if (options.json) {
      std::cout << json{{"method", row.method},
                        {"relative_error", row.relativeError},
                        {"cosine", row.cosine},
                        {"seconds", row.seconds},
                        {"hypergradient_norm", row.hypergradientNorm},
                        {"iterations", summary.iterations},
                        {"inner_iterations", summary.inner.iterations},
                        {"residual",
                         std::isnan(summary.residual) ? json(nullptr) : json(summary.residual)},
                        {"working_mb", summary.workingMegabytes},
                        {"termination", toString(summary.termination)}}
                       .dump()
                << std::endl;
      return;
    }
    if (!headerPrinted) {
      headerPrinted = true;
      std::cout << "model " << model->name() << ", " << options.size << "×" << options.size << ", "
                << theta.size() << " parameter(s); reference: " << registry::referenceMethod().name
                << "\n";
      std::cout << std::left << std::setw(20) << "method" << std::setw(16) << "‖∇U‖"
                << std::setw(14) << "rel. error" << std::setw(12) << "cosine" << std::setw(12)
                << "time"
                << "memory\n";
    }
    if (!row.refusal.empty()) {
      std::cout << std::left << std::setw(20) << row.method << "refused: " << row.refusal
                << std::endl;
      return;
    }
    std::ostringstream error, cos;
    error << std::scientific << std::setprecision(2) << row.relativeError;
    cos << std::fixed << std::setprecision(6) << row.cosine;
    std::ostringstream norm;
    norm << std::scientific << std::setprecision(6) << row.hypergradientNorm;
    std::ostringstream memory;
    memory << std::fixed << std::setprecision(1) << summary.workingMegabytes << " MB";
    std::cout << std::left << std::setw(20) << row.method << std::setw(16) << norm.str()
              << std::setw(14) << error.str() << std::setw(12) << cos.str() << std::setw(12)
              << formatSeconds(row.seconds) << memory.str() << std::endl;
  };
  const MethodAgreementReport report =
      compareHypergradientMethods(problem, theta, pairs.front().noisy.pixels,
                                  config.hypergradientOptions(), methods, &control, printRow);
  if (report.cancelled) return kExitCancelled;
  return exitCode;
}

int benchCommand(const CommandLine& options, const RunControl& control) {
  if (options.method.empty()) throw usageError("--method is required");
  if (options.repeat < 1) throw usageError("--repeat must be at least 1");
  const Configuration config = benchmarkConfiguration(options);
  const auto solver = makeInnerSolver(config.solverType());
  const auto method = makeHypergradientMethod(options.method, config.hypergradientOptions());
  // A method that cannot differentiate the model's kind or the solver is refused before the image
  // is made.
  if (std::string why; !registry::methodSupportsModel(registry::method(options.method),
                                                      registry::model(config.modelType()), &why) ||
                       !method->supportsSolver(*solver, &why)) {
    throw usageError(why);
  }
  const auto pairs = loadPairs(config);
  const auto model = makeModel(config, pairs.front().noisy);
  const SquaredError loss(pairs.front().clean.pixels);
  const Vector theta = initialParameters(config, *model);
  SolveOptions solve = config.solveOptions();
  solve.recordTrace = false;
  const BilevelProblem problem{*model, loss, *solver, solve};
  requireSupport(*method, problem);

  struct Run {
    double total, inner, hypergradient;
    int innerIterations;
  };
  std::vector<Run> runs;
  for (int r = 0; r < options.repeat; ++r) {
    Vector x = pairs.front().noisy.pixels, gradient(theta.size());
    Stopwatch clock;
    const auto summary = method->evaluate(problem, theta, x, gradient, &control);
    const double total = clock.seconds();
    if (summary.termination == Termination::Cancelled) return kExitCancelled;
    if (summary.termination == Termination::Diverged)
      throw numericalError("the benchmark diverged");
    runs.push_back(
        {total, summary.innerSeconds, summary.hypergradientSeconds, summary.inner.iterations});
  }
  // The median run by total time: robust to the shared machine's noise.
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.total < b.total; });
  const Run& median = runs[runs.size() / 2];
  const json report = {{"model", model->name()},
                       {"size", options.size},
                       {"method", method->name()},
                       {"solver", solver->name()},
                       {"inner_iterations", median.innerIterations},
                       {"inner_seconds", median.inner},
                       {"hypergradient_seconds", median.hypergradient},
                       {"total_seconds", median.total},
                       {"min_total_seconds", runs.front().total},
                       {"repeat", options.repeat},
                       {"peak_rss_mb", peakResidentMegabytes()}};
  std::cout << report.dump(options.json ? -1 : 2) << std::endl;
  return 0;
}

}  // namespace bilevel::cli
