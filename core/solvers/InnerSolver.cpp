#include "solvers/InnerSolver.h"

#include <cmath>

#include "iterations/IterationMap.h"

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
    case Termination::Unsupported:
      return "unsupported";
  }
  return "unknown";
}

std::unique_ptr<IterationMap> InnerSolver::iterationMap(const Model&, const Vector&) const {
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
