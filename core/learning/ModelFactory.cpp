#include "learning/ModelFactory.h"

#include "common/Error.h"
#include "registry/Registry.h"

namespace bilevel {

std::unique_ptr<Model> makeModel(const Configuration& configuration, const Image& noisy) {
  const auto& section = configuration.json()["model"];
  const registry::ModelEntry& entry = registry::model(section["type"].get<std::string>());
  if (!entry.makeSmooth) {
    throw usageError("model '" + entry.name + "' is a " + registry::toString(entry.kind) +
                     " model, not a smooth one");
  }
  return entry.makeSmooth(noisy, section);
}

std::unique_ptr<InnerSolver> makeInnerSolver(const std::string& name) {
  const registry::SolverEntry& entry = registry::solver(name);
  return entry.make();
}

Vector initialParameters(const Configuration&, const Model& model) {
  return model.defaultParameters();
}

}  // namespace bilevel
