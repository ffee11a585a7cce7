// The hypergradient methods a configuration can name (hypergradient.method), in the order of
// DESIGN.md §2. A new method is one entry here; its description is its own description().
#include "hypergradients/FiniteDifference.h"
#include "hypergradients/ForwardMode.h"
#include "hypergradients/Fpad.h"
#include "hypergradients/ImplicitCG.h"
#include "hypergradients/ImplicitManifold.h"
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

// A method for one kind of lower level only, and what it needs of it.
MethodEntry only(MethodEntry e, LowerLevelKind kind, std::string requirement) {
  e.modelKinds = {kind};
  e.modelRequirement = std::move(requirement);
  return e;
}

// The method the others are checked against.
MethodEntry reference(MethodEntry e) {
  e.reference = true;
  return e;
}

const char* kNeedsHessian = "uses the Hessian of a smooth lower level";

}  // namespace

const std::vector<MethodEntry>& methods() {
  static const std::vector<MethodEntry> table = {
      only(entry<ImplicitCG>("implicit-cg", "Implicit (CG)",
                             {"hypergradient.tolerance", "hypergradient.max_iterations"}),
           LowerLevelKind::Smooth, kNeedsHessian),
      only(entry<ImplicitNeumann>("implicit-neumann", "Implicit (Neumann series)",
                                  {"hypergradient.tolerance", "hypergradient.max_iterations"}),
           LowerLevelKind::Smooth, kNeedsHessian),
      only(entry<JacobianFree>("jacobian-free", "Jacobian-free", {}), LowerLevelKind::Smooth,
           kNeedsHessian),
      only(entry<Shine>("shine", "SHINE (quasi-Newton)", {"solver.memory"}), LowerLevelKind::Smooth,
           kNeedsHessian),
      only(entry<ImplicitManifold>("implicit-manifold", "Implicit on the manifold (TV)",
                                   {"hypergradient.tolerance", "hypergradient.max_iterations"}),
           LowerLevelKind::PrimalDual,
           "differentiates on the manifold of a nonsmooth TV solution (tv, tv-map)"),
      entry<Unrolled>(
          "unrolled", "Unrolled (reverse mode)",
          {"solver.iterations", "hypergradient.truncation", "hypergradient.checkpoint_interval"}),
      entry<ForwardMode>("forward", "Forward mode", {"solver.iterations"}),
      entry<Fpad>("fpad", "Fixed-point AD (FPAD)",
                  {"hypergradient.tolerance", "hypergradient.max_iterations"}),
      reference(entry<FiniteDifference>("finite-difference", "Finite differences",
                                        {"hypergradient.fd_step", "hypergradient.fd_tolerance"})),
  };
  return table;
}

}  // namespace bilevel::registry
