#include "solvers/InnerSolver.h"

#include <cmath>

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
  }
  return "unknown";
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
