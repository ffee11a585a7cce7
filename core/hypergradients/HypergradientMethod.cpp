#include "hypergradients/HypergradientMethod.h"

#include "common/Error.h"
#include "registry/Registry.h"

namespace bilevel {

bool HypergradientOptions::isValid(std::string* error) const {
  auto fail = [&](const std::string& message) {
    if (error) *error = message;
    return false;
  };
  if (!(tolerance > 0.0 && tolerance < 1.0))
    return fail("hypergradient.tolerance must lie in (0, 1)");
  if (maxIterations < 1) return fail("hypergradient.max_iterations must be at least 1");
  if (truncation < 0) return fail("hypergradient.truncation must be 0 (all steps) or positive");
  if (checkpointInterval < 0) {
    return fail("hypergradient.checkpoint_interval must be 0 (automatic) or positive");
  }
  if (!(finiteDifferenceStep > 0.0 && finiteDifferenceStep < 0.1)) {
    return fail("hypergradient.fd_step must lie in (0, 0.1)");
  }
  if (!(finiteDifferenceTolerance > 0.0 && finiteDifferenceTolerance < 1.0)) {
    return fail("hypergradient.fd_tolerance must lie in (0, 1)");
  }
  if (identificationRounds < 0) {
    return fail("the identification rounds of implicit-manifold must be 0 (none) or positive");
  }
  return true;
}

bool HypergradientMethod::supports(const BilevelProblem& problem, std::string* why) const {
  std::string reason;
  if (!problem.solver.supportsModel(problem.model, &reason)) {
    if (why) *why = name() + " cannot run: " + reason;
    return false;
  }
  return supportsSolver(problem.solver, why);
}

void requireSupport(const HypergradientMethod& method, const BilevelProblem& problem) {
  std::string why;
  if (!method.supports(problem, &why)) throw usageError(why);
}

bool IterationMapMethod::supportsSolver(const InnerSolver& solver, std::string* why) const {
  std::string reason;
  if (solver.hasIterationMap(&reason)) return true;
  if (why) *why = name() + " differentiates the solver's iterations; " + reason;
  return false;
}

std::unique_ptr<IterationMap> IterationMapMethod::iterationMap(const BilevelProblem& problem,
                                                               const Vector& theta) const {
  requireSupport(*this, problem);
  auto map = problem.solver.iterationMap(problem.model, theta);
  if (!map) {
    throw usageError(name() + " differentiates the solver's iterations; " + problem.solver.name() +
                     " returned no iteration map");
  }
  return map;
}

const std::vector<std::string>& hypergradientMethodNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& entry : registry::methods())
      out.push_back(entry.name);
    return out;
  }();
  return names;
}

std::unique_ptr<HypergradientMethod> makeHypergradientMethod(const std::string& name,
                                                             const HypergradientOptions& options) {
  return registry::method(name).make(options);
}

}  // namespace bilevel
