// The inner solvers a configuration can name (solver.type).
#include "registry/Registry.h"
#include "solvers/AcceleratedGradient.h"
#include "solvers/ChambollePock.h"
#include "solvers/InnerGradientDescent.h"
#include "solvers/Lbfgs.h"

namespace bilevel::registry {

const std::vector<SolverEntry>& solvers() {
  static const std::vector<SolverEntry> table = [] {
    std::vector<SolverEntry> t;
    SolverEntry accelerated;
    accelerated.name = "accelerated-gradient";
    accelerated.label = "Accelerated gradient";
    accelerated.description =
        "Nesterov's accelerated gradient with adaptive restart, step 1/L; its iterations can be "
        "differentiated (unrolled, forward, FPAD).";
    accelerated.settings = {"solver.tolerance", "solver.max_iterations", "solver.iterations"};
    accelerated.make = [] { return std::make_unique<AcceleratedGradient>(); };
    t.push_back(std::move(accelerated));

    SolverEntry descent;
    descent.name = "gradient-descent";
    descent.label = "Gradient descent";
    descent.description =
        "Plain gradient descent, step 1/L: √κ times slower than accelerated gradient, the "
        "simplest iteration to differentiate.";
    descent.settings = {"solver.tolerance", "solver.max_iterations", "solver.iterations"};
    descent.make = [] { return std::make_unique<InnerGradientDescent>(); };
    t.push_back(std::move(descent));

    SolverEntry lbfgs;
    lbfgs.name = "lbfgs";
    lbfgs.label = "L-BFGS";
    lbfgs.description =
        "Limited-memory BFGS with a line search: the fewest iterations, but no iteration map, "
        "so only implicit methods and SHINE can differentiate it.";
    lbfgs.settings = {"solver.tolerance", "solver.max_iterations", "solver.iterations",
                      "solver.memory"};
    lbfgs.make = [] { return std::make_unique<Lbfgs>(); };
    t.push_back(std::move(lbfgs));

    SolverEntry chambollePock;
    chambollePock.name = "chambolle-pock";
    chambollePock.label = "Chambolle–Pock (primal–dual)";
    chambollePock.description =
        "Chambolle & Pock's accelerated primal–dual method with adaptive restart, stopped on "
        "the primal–dual gap: the solver of the nonsmooth TV models.";
    chambollePock.kind = LowerLevelKind::PrimalDual;
    chambollePock.settings = {"solver.tolerance", "solver.max_iterations", "solver.iterations"};
    chambollePock.make = [] { return std::make_unique<ChambollePock>(); };
    t.push_back(std::move(chambollePock));
    return t;
  }();
  return table;
}

}  // namespace bilevel::registry
