#include "learning/ModelFactory.h"

#include "common/Error.h"
#include "models/HuberTV.h"
#include "models/Quadratic.h"
#include "solvers/AcceleratedGradient.h"
#include "solvers/InnerGradientDescent.h"
#include "solvers/Lbfgs.h"

namespace bilevel {

std::unique_ptr<Model> makeModel(const Configuration& configuration, const Image& noisy) {
  const auto& m = configuration.json()["model"];
  const std::string type = m["type"].get<std::string>();
  const double lambda = m["lambda"].get<double>();
  if (type == "quadratic") return std::make_unique<Quadratic>(noisy, lambda);
  HuberTV::Options options;
  options.lambda = lambda;
  options.epsilon = m["epsilon"].get<double>();
  if (type == "huber-tv-map") {
    options.gridRows = m["grid"][0].get<int>();
    options.gridCols = m["grid"][1].get<int>();
  } else if (type != "huber-tv") {
    throw usageError("unknown model '" + type + "'");
  }
  return std::make_unique<HuberTV>(noisy, options);
}

std::unique_ptr<InnerSolver> makeInnerSolver(const std::string& name) {
  if (name == "accelerated-gradient") return std::make_unique<AcceleratedGradient>();
  if (name == "gradient-descent") return std::make_unique<InnerGradientDescent>();
  if (name == "lbfgs") return std::make_unique<Lbfgs>();
  throw usageError("unknown solver '" + name +
                   "' (known: accelerated-gradient, gradient-descent, lbfgs)");
}

Vector initialParameters(const Configuration&, const Model& model) {
  return model.defaultParameters();
}

}  // namespace bilevel
