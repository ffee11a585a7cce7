#pragma once

#include "solvers/InnerSolver.h"

namespace bilevel {

// Step size and momentum of Nesterov's method for an L-smooth, μ-strongly convex energy:
// τ = 1/L, β = (1 − √(μ/L)) / (1 + √(μ/L)) (Nesterov 2004, constant-momentum scheme 2.2.19).
// The same constants define the iteration map that `unrolled`, `forward` and `fpad` differentiate;
// they are treated as constants there (no derivative through L(θ)), since the limit x* does not
// depend on them.
struct NesterovParameters {
  double step = 0.0;
  double momentum = 0.0;
};
NesterovParameters nesterovParameters(const Model& model, const Vector& theta);

// Accelerated gradient descent with constant strong-convexity momentum
//   y_k = x_k + β (x_k − x_{k−1}),   x_{k+1} = y_k − τ ∂_xE(y_k),   x_{−1} = x_0,
// and the gradient restart of O'Donoghue & Candès (2015): momentum is dropped whenever
// ⟨∂_xE(y_k), x_{k+1} − x_k⟩ > 0, which keeps the method fast when L is a loose bound. With
// SolveOptions::fixedIterations > 0 it runs exactly that many steps without restart, so the
// iteration is a fixed smooth map of (x_0, θ). On convergence it returns the point y_k whose
// gradient passed the test.
class AcceleratedGradient final : public SmoothInnerSolver {
 public:
  using SmoothInnerSolver::iterationMap;
  using SmoothInnerSolver::solve;
  std::string name() const override { return "accelerated-gradient"; }
  SolveSummary solve(const Model& model, const Vector& theta, Vector& x,
                     const SolveOptions& options,
                     const CancellationFlag* cancel = nullptr) const override;
  // AcceleratedGradientMap: the restart-free constant-momentum iteration (the one solve() runs
  // with fixedIterations > 0; with a tolerance the restarts change the path, not the limit x*).
  std::unique_ptr<IterationMap> iterationMap(const Model& model,
                                             const Vector& theta) const override;
  bool hasIterationMap(std::string*) const override { return true; }
};

}  // namespace bilevel
