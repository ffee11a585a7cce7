#include "learning/ModelFactory.h"

#include "common/Error.h"
#include "registry/Registry.h"

namespace bilevel {

std::unique_ptr<LowerLevel> makeModel(const Configuration& configuration, const Image& noisy) {
  const auto& section = configuration.json()["model"];
  return registry::model(section["type"].get<std::string>()).make(noisy, section);
}

std::unique_ptr<InnerSolver> makeInnerSolver(const std::string& name) {
  const registry::SolverEntry& entry = registry::solver(name);
  return entry.make();
}

Vector initialParameters(const Configuration&, const LowerLevel& model) {
  return model.defaultParameters();
}

}  // namespace bilevel
