#pragma once

#include "hypergradients/HypergradientMethod.h"
#include "solvers/AcceleratedGradient.h"

namespace bilevel {

// The inner iteration that `unrolled` and `forward` differentiate: AcceleratedGradient with
// constant momentum and no restart, from x₀ = the model's initial point,
//   y_k = (1+β) x_k − β x_{k−1},   x_{k+1} = y_k − τ ∂_xE(y_k),   x_{−1} = x₀.
// It runs exactly solver.iterations steps when that is positive; otherwise until
// ‖∂_xE(y_k)‖ ≤ solver.tolerance·‖∂_xE(x₀)‖ (then K = k and the output is x_K) or max_iterations.
class NesterovUnrolling {
 public:
  NesterovUnrolling(const BilevelProblem& problem, const Vector& theta);

  double step() const { return parameters_.step; }
  double momentum() const { return parameters_.momentum; }
  bool fixedLength() const { return fixedIterations_ > 0; }
  int iterationLimit() const { return fixedLength() ? fixedIterations_ : maxIterations_; }

  // y ← (1+β) x − β previous, g ← ∂_xE(y); returns true when the stopping test says x is the
  // output (so no step is taken from it). Records the relative gradient norm in `inner`.
  bool advanceTo(const Vector& x, const Vector& previous, Vector& y, Vector& g,
                 SolveSummary& inner) const;

 private:
  const BilevelProblem& problem_;
  const Vector& theta_;
  NesterovParameters parameters_;
  int fixedIterations_;
  int maxIterations_;
  double threshold_ = 0.0;
  double referenceNorm_ = 1.0;
};

}  // namespace bilevel
