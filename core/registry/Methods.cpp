// The hypergradient methods a configuration can name (hypergradient.method), in the order of
// DESIGN.md §2. A new method is one entry here; its description is its own description().
#include "hypergradients/FiniteDifference.h"
#include "hypergradients/ForwardMode.h"
#include "hypergradients/Fpad.h"
#include "hypergradients/ImplicitCG.h"
#include "hypergradients/ImplicitNeumann.h"
#include "hypergradients/JacobianFree.h"
#include "hypergradients/Shine.h"
#include "hypergradients/Unrolled.h"
#include "registry/Registry.h"

namespace bilevel::registry {

namespace {

template <typename Method>
MethodEntry entry(std::string name, std::string label, std::vector<std::string> settings) {
  MethodEntry e;
  e.name = std::move(name);
  e.label = std::move(label);
  e.settings = std::move(settings);
  e.make = [](const HypergradientOptions& options) -> std::unique_ptr<HypergradientMethod> {
    return std::make_unique<Method>(options);
  };
  e.description = e.make({})->description();
  return e;
}

}  // namespace

const std::vector<MethodEntry>& methods() {
  static const std::vector<MethodEntry> table = {
      entry<ImplicitCG>("implicit-cg", "Implicit (CG)",
                        {"hypergradient.tolerance", "hypergradient.max_iterations"}),
      entry<ImplicitNeumann>("implicit-neumann", "Implicit (Neumann series)",
                             {"hypergradient.tolerance", "hypergradient.max_iterations"}),
      entry<JacobianFree>("jacobian-free", "Jacobian-free", {}),
      entry<Shine>("shine", "SHINE (quasi-Newton)", {"solver.memory"}),
      entry<Unrolled>(
          "unrolled", "Unrolled (reverse mode)",
          {"solver.iterations", "hypergradient.truncation", "hypergradient.checkpoint_interval"}),
      entry<ForwardMode>("forward", "Forward mode", {"solver.iterations"}),
      entry<Fpad>("fpad", "Fixed-point AD (FPAD)",
                  {"hypergradient.tolerance", "hypergradient.max_iterations"}),
      entry<FiniteDifference>("finite-difference", "Finite differences",
                              {"hypergradient.fd_step", "hypergradient.fd_tolerance"}),
  };
  return table;
}

}  // namespace bilevel::registry
