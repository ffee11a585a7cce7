#pragma once

#include "solvers/InnerSolver.h"

namespace bilevel {

// Plain gradient descent for the lower level (solver.type = "gradient-descent"):
//   x_{k+1} = x_k − τ ∂_xE(x_k),   τ = 1/L from the model's bound at θ,
// stopped when ‖∂_xE(x_k)‖ ≤ tolerance·‖∂_xE(x_ref)‖ (returning x_k) or after exactly
// fixedIterations steps. It converges like (1 − μ/L)^k, √κ times slower than AcceleratedGradient;
// it is here because its iteration map (GradientDescentMap) is the simplest one to differentiate
// and the one the theory of unrolling and FPAD starts from (seed 004). solve() runs that very map,
// so `unrolled` differentiates exactly the algorithm that solved the problem.
//
// Named InnerGradientDescent, not GradientDescent: that is the outer optimiser
// (core/outer/GradientDescent.h) in the same namespace, a different algorithm (Armijo
// backtracking on φ); the prefix follows OuterLbfgs, which tells the two L-BFGS apart the same way.
class InnerGradientDescent final : public SmoothInnerSolver {
 public:
  using SmoothInnerSolver::iterationMap;
  using SmoothInnerSolver::solve;
  std::string name() const override { return "gradient-descent"; }
  SolveSummary solve(const Model& model, const Vector& theta, Vector& x,
                     const SolveOptions& options,
                     const CancellationFlag* cancel = nullptr) const override;
  std::unique_ptr<IterationMap> iterationMap(const Model& model,
                                             const Vector& theta) const override;
  bool hasIterationMap(std::string*) const override { return true; }
};

}  // namespace bilevel
