#include "solvers/InnerSolver.h"

#include <cmath>

#include "common/Error.h"
#include "iterations/IterationMap.h"
#include "iterations/IterationState.h"
#include "registry/Registry.h"

namespace bilevel {

std::string toString(Termination termination) {
  switch (termination) {
    case Termination::Converged:
      return "converged";
    case Termination::IterationLimit:
      return "iteration-limit";
    case Termination::Cancelled:
      return "cancelled";
    case Termination::Diverged:
      return "diverged";
    case Termination::NegativeCurvature:
      return "negative-curvature";
    case Termination::Unsupported:
      return "unsupported";
  }
  return "unknown";
}

std::unique_ptr<IterationMap> InnerSolver::iterationMap(const LowerLevel&, const Vector&) const {
  return nullptr;
}

SolveSummary InnerSolver::solveToFixedPoint(const LowerLevel& model, const Vector& theta, Vector& x,
                                            const SolveOptions& options, const IterationMap& map,
                                            IterationState& z,
                                            const CancellationFlag* cancel) const {
  SolveSummary summary = solve(model, theta, x, options, cancel);
  if (summary.usable()) map.fixedPoint(x, z);
  return summary;
}

const Model& requireSmoothModel(const LowerLevel& model, const std::string& user) {
  const auto* smooth = dynamic_cast<const Model*>(&model);
  if (!smooth) {
    throw usageError(user + " needs a smooth model; " + model.name() +
                     " is nonsmooth (use solver " +
                     registry::solverNamesFor(registry::LowerLevelKind::PrimalDual) + ")");
  }
  return *smooth;
}

bool SmoothInnerSolver::supportsModel(const LowerLevel& model, std::string* why) const {
  if (dynamic_cast<const Model*>(&model)) return true;
  if (why) {
    *why = name() + " needs a smooth model; " + model.name() + " is nonsmooth (use solver " +
           registry::solverNamesFor(registry::LowerLevelKind::PrimalDual) + ")";
  }
  return false;
}

SolveSummary SmoothInnerSolver::solve(const LowerLevel& model, const Vector& theta, Vector& x,
                                      const SolveOptions& options,
                                      const CancellationFlag* cancel) const {
  return solve(requireSmoothModel(model, name()), theta, x, options, cancel);
}

std::unique_ptr<IterationMap> SmoothInnerSolver::iterationMap(const LowerLevel& model,
                                                              const Vector& theta) const {
  return iterationMap(requireSmoothModel(model, name()), theta);
}

std::unique_ptr<IterationMap> SmoothInnerSolver::iterationMap(const Model&, const Vector&) const {
  return nullptr;
}

bool InnerSolver::hasIterationMap(std::string* why) const {
  if (why) *why = name() + " has no iteration map";
  return false;
}

bool SolveOptions::isValid(std::string* error) const {
  auto fail = [&](const std::string& message) {
    if (error) *error = message;
    return false;
  };
  if (!(tolerance > 0.0 && tolerance < 1.0)) return fail("solver.tolerance must lie in (0, 1)");
  if (maxIterations < 1) return fail("solver.max_iterations must be at least 1");
  if (fixedIterations < 0) return fail("solver.iterations must be 0 (until tolerance) or positive");
  if (lbfgsMemory < 1 || lbfgsMemory > 200) return fail("solver.memory must lie in [1, 200]");
  return true;
}

}  // namespace bilevel
