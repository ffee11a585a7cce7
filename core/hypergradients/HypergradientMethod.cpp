#include "hypergradients/HypergradientMethod.h"

#include "common/Error.h"
#include "hypergradients/FiniteDifference.h"
#include "hypergradients/ForwardMode.h"
#include "hypergradients/Fpad.h"
#include "hypergradients/ImplicitCG.h"
#include "hypergradients/ImplicitNeumann.h"
#include "hypergradients/JacobianFree.h"
#include "hypergradients/Shine.h"
#include "hypergradients/Unrolled.h"

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
  return true;
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
  static const std::vector<std::string> names = {"implicit-cg", "implicit-neumann", "jacobian-free",
                                                 "shine",       "unrolled",         "forward",
                                                 "fpad",        "finite-difference"};
  return names;
}

std::unique_ptr<HypergradientMethod> makeHypergradientMethod(const std::string& name,
                                                             const HypergradientOptions& options) {
  if (name == "implicit-cg") return std::make_unique<ImplicitCG>(options);
  if (name == "implicit-neumann") return std::make_unique<ImplicitNeumann>(options);
  if (name == "jacobian-free") return std::make_unique<JacobianFree>(options);
  if (name == "shine") return std::make_unique<Shine>(options);
  if (name == "unrolled") return std::make_unique<Unrolled>(options);
  if (name == "forward") return std::make_unique<ForwardMode>(options);
  if (name == "fpad") return std::make_unique<Fpad>(options);
  if (name == "finite-difference") return std::make_unique<FiniteDifference>(options);
  std::string known;
  for (const auto& n : hypergradientMethodNames())
    known += (known.empty() ? "" : ", ") + n;
  throw usageError("unknown hypergradient method '" + name + "' (known: " + known + ")");
}

}  // namespace bilevel
