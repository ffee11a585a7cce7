#pragma once

#include "solvers/InnerSolver.h"
#include "solvers/LbfgsMemory.h"

namespace bilevel {

// Limited-memory BFGS (Nocedal & Wright, Alg. 7.5) with an Armijo backtracking line search. The
// first step, and any step after the line search fails, is the safe gradient step 1/L. The
// Armijo test allows a few ulps of |E| so the method keeps descending on the gradient norm when
// energy differences fall below rounding at tight tolerances (1e-12 relative).
class Lbfgs final : public SmoothInnerSolver {
 public:
  using SmoothInnerSolver::iterationMap;
  using SmoothInnerSolver::solve;
  std::string name() const override { return "lbfgs"; }
  SolveSummary solve(const Model& model, const Vector& theta, Vector& x,
                     const SolveOptions& options,
                     const CancellationFlag* cancel = nullptr) const override;

  // As solve(), and leaves the final inverse-Hessian estimate in `memory` (what `shine` reuses).
  SolveSummary solve(const Model& model, const Vector& theta, Vector& x,
                     const SolveOptions& options, const CancellationFlag* cancel,
                     LbfgsMemory& memory) const;

  // No iteration map: each step's length comes from a line search and its direction from the
  // memory of past steps, neither of which is a smooth function of (x, θ) worth differentiating.
  bool hasIterationMap(std::string* why) const override;
};

}  // namespace bilevel
