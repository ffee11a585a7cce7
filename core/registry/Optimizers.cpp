// The outer optimisers a configuration can name (outer.optimizer).
#include "outer/Adam.h"
#include "outer/GradientDescent.h"
#include "outer/OuterLbfgs.h"
#include "registry/Registry.h"

namespace bilevel::registry {

namespace {

template <typename Optimizer>
OptimizerEntry entry(std::string name, std::string label, std::string description) {
  OptimizerEntry e;
  e.name = std::move(name);
  e.label = std::move(label);
  e.description = std::move(description);
  e.settings = {"outer.iterations", "outer.step", "outer.tolerance"};
  e.make = [](const OuterOptions& options) -> std::unique_ptr<OuterOptimizer> {
    return std::make_unique<Optimizer>(options);
  };
  return e;
}

}  // namespace

const std::vector<OptimizerEntry>& optimizers() {
  static const std::vector<OptimizerEntry> table = {
      entry<OuterLbfgs>("lbfgs", "L-BFGS",
                        "L-BFGS on log λ with Armijo backtracking: the fastest on exact "
                        "hypergradients and few parameters."),
      entry<Adam>("adam", "Adam",
                  "Adam with learning rate outer.step: every step accepted, no line search; "
                  "suits noisy or inexact hypergradients."),
      entry<GradientDescent>("gradient-descent", "Gradient descent",
                             "Gradient descent on log λ with Armijo backtracking; the step "
                             "doubles after each accepted one."),
  };
  return table;
}

}  // namespace bilevel::registry
