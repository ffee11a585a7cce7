// The outer optimisers a configuration can name (outer.optimizer).
#include "registry/Registry.h"

namespace bilevel::registry {

const std::vector<OptimizerEntry>& optimizers() {
  static const std::vector<OptimizerEntry> table = {
      {"lbfgs",
       "L-BFGS",
       "L-BFGS on log λ with Armijo backtracking: the fastest on exact hypergradients and few "
       "parameters.",
       {"outer.iterations", "outer.step", "outer.tolerance"}},
      {"adam",
       "Adam",
       "Adam with learning rate outer.step: every step accepted, no line search; suits noisy or "
       "inexact hypergradients.",
       {"outer.iterations", "outer.step", "outer.tolerance"}},
      {"gradient-descent",
       "Gradient descent",
       "Gradient descent on log λ with Armijo backtracking; the step doubles after each accepted "
       "one.",
       {"outer.iterations", "outer.step", "outer.tolerance"}},
  };
  return table;
}

}  // namespace bilevel::registry
