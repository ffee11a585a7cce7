// Fuzz target: the learning configuration as bilevel-cli and the studio read it — a JSON file
// (Configuration::fromFile), then `--set key=value` assignments (Configuration::set), then what the
// commands build from it before solving: options, image specifications, the training pairs when
// they are generated ("benchmark:N"), the solver, the hypergradient method, the models and the
// learning session.
//
// Input: the configuration file's text, then zero or more NUL-separated assignments, e.g.
//   {"model": {"type": "huber-tv-map"}}\0model.lambda=0.2\0solver.type=lbfgs
#include <string>

#include "FuzzInput.h"
#include "config/Configuration.h"
#include "image/BenchmarkImage.h"
#include "learning/LearningSession.h"
#include "learning/ModelFactory.h"
#include "learning/TrainingPair.h"

namespace {

using bilevel::Configuration;

// Generated images up to 32² only: larger ones are valid and would merely spend time.
bool cheapToLoad(const std::vector<std::string>& clean, const std::vector<std::string>& noisy) {
  for (const auto& spec : clean) {
    if (spec.rfind("benchmark:", 0) != 0) return false;
    try {
      std::size_t used = 0;
      const std::string digits = spec.substr(10);
      const int n = std::stoi(digits, &used);
      if (used == digits.size() && n > 32 && n <= 8192) return false;
    } catch (...) {
      // not a number: loadTrainingPairs refuses it
    }
  }
  // Noisy images are files; "benchmark:…" names none, so these fail fast as missing files.
  for (const auto& spec : noisy) {
    if (spec.rfind("benchmark:", 0) != 0) return false;
  }
  return true;
}

void exercise(const Configuration& config) {
  (void)config.modelType();
  (void)config.solverType();
  (void)config.method();
  std::string error;
  (void)config.solveOptions().isValid(&error);
  (void)config.hypergradientOptions().isValid(&error);
  (void)bilevel::inputImagePaths(config);
  (void)bilevel::makeInnerSolver(config.solverType());
  (void)bilevel::makeHypergradientMethod(config.method(), config.hypergradientOptions());
  const bilevel::Image tiny = bilevel::benchmarkImage(8);
  const auto model = bilevel::makeModel(config, tiny);
  (void)bilevel::initialParameters(config, *model);
  if (cheapToLoad(config.imageSpecifications(), config.noisySpecifications())) {
    bilevel::LearningSession session(bilevel::loadTrainingPairs(config), config);
    (void)session.parameters();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static bilevel::fuzz::MemoryFile file("fuzz-configuration");
  const auto parts = bilevel::fuzz::splitAtNul({reinterpret_cast<const char*>(data), size});
  const auto& document = parts.front();
  const std::filesystem::path& path =
      file.write(reinterpret_cast<const std::uint8_t*>(document.data()), document.size());
  bilevel::fuzz::expectOnlyErrors([&] {
    Configuration config = Configuration::fromFile(path);
    for (std::size_t i = 1; i < parts.size(); ++i) {
      // A refused assignment leaves the configuration as it was; the next ones still apply.
      bilevel::fuzz::expectOnlyErrors([&] { config.set(std::string(parts[i])); });
    }
    exercise(config);
  });
  return 0;
}
