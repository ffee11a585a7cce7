#include "learning/ModelFactory.h"

#include "common/Error.h"
#include "learning/LearnedModel.h"
#include "registry/Registry.h"

namespace bilevel {

namespace {

// Model settings that only set the default θ, which the learned model's θ replaces: they may
// differ between the file and the configuration.
bool setsDefaultParametersOnly(const std::string& key) {
  return key == "model.lambda" || key == "model.nu";
}

std::string shown(const nlohmann::json* value) {
  return value ? value->dump() : std::string("absent");
}

}  // namespace

std::unique_ptr<LowerLevel> makeModel(const Configuration& configuration, const Image& noisy) {
  const auto& section = configuration.json()["model"];
  return registry::model(section["type"].get<std::string>()).make(noisy, section);
}

std::unique_ptr<InnerSolver> makeInnerSolver(const std::string& name) {
  const registry::SolverEntry& entry = registry::solver(name);
  return entry.make();
}

std::filesystem::path initialModelPath(const Configuration& configuration) {
  const nlohmann::json& train = configuration.json()["train"];
  const std::string name = train.value("initial_model", std::string());
  if (name.empty()) return {};
  const std::filesystem::path path(name);
  return path.is_absolute() ? path : (configuration.baseDirectory() / path).lexically_normal();
}

Vector initialParameters(const Configuration&, const LowerLevel& model) {
  return model.defaultParameters();
}

Vector startingParameters(const Configuration& configuration, const LowerLevel& model) {
  const std::filesystem::path path = initialModelPath(configuration);
  if (path.empty()) return model.defaultParameters();
  LearnedModel learned;
  try {
    learned = readLearnedModel(path);  // names the file
  } catch (const Error& e) {
    throw Error(e.kind(), std::string("train.initial_model: ") + e.what());
  }
  const std::string source = "train.initial_model: learned model '" + path.string() + "'";
  const auto differs = [&](const std::string& item, const std::string& there,
                           const std::string& here) {
    return usageError(source + " is not the configured model: " + item + " is " + there +
                      " there and " + here + " here");
  };
  // The settings first, in the registry's order: they say what to change; the layout check
  // (parametersFor) then only catches a layout the settings do not explain (a file from another
  // version).
  const nlohmann::json& configured = configuration.json()["model"];
  const std::string type = configured["type"].get<std::string>();
  if (learned.model["type"] != configured["type"])
    throw differs("model.type", learned.model["type"].dump(), configured["type"].dump());
  const registry::ModelEntry& entry = registry::model(type);
  for (const registry::Setting& setting : registry::settings()) {
    const std::string& key = setting.key;
    if (key.rfind("model.", 0) != 0 || key == "model.type" || setsDefaultParametersOnly(key) ||
        !entry.uses(key)) {
      continue;
    }
    const std::string name = key.substr(6);
    const nlohmann::json* file = learned.model.contains(name) ? &learned.model[name] : nullptr;
    if (!file || *file != configured[name])
      throw differs(key, shown(file), configured[name].dump());
  }
  // The layout block by block, the size of θ and the positivity of the positive blocks (ν, λ).
  return learned.parametersFor(model, source);
}

}  // namespace bilevel
