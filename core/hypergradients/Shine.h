#pragma once

#include "hypergradients/AdjointHypergradient.h"
#include "solvers/LbfgsMemory.h"

namespace bilevel {

// shine: reuses the inverse-Hessian estimate that the inner L-BFGS solve built, a = B ∂_xL
// (Ramzi et al. 2022, SHINE). The lower level is always solved by L-BFGS for this method (with
// solver.memory pairs). No extra Hessian-vector products; O(m·n) memory; as accurate as the
// quasi-Newton estimate is along ∂_xL. A warm start that converges at once leaves no pairs, and the
// method degrades to jacobian-free with a scaled identity.
class Shine final : public AdjointHypergradient {
 public:
  using AdjointHypergradient::AdjointHypergradient;
  std::string name() const override { return "shine"; }
  std::string description() const override {
    return "SHINE: reuses the L-BFGS inverse-Hessian estimate of the inner solve as the inverse "
           "Hessian. No extra Hessian products, O(m·n) memory; only as accurate as the "
           "quasi-Newton estimate.";
  }

 protected:
  SolveSummary solveLowerLevel(const BilevelProblem& problem, const Vector& theta, Vector& x,
                               const CancellationFlag* cancel) const override;
  void solveAdjoint(const BilevelProblem& problem, const Vector& theta, const Vector& solution,
                    const Vector& rhs, Vector& adjoint, HypergradientSummary& summary,
                    const CancellationFlag* cancel) const override;
  double workingVectors() const override { return 2.0 * memory_.capacity() + 1.0; }

 private:
  // Filled by solveLowerLevel and read by solveAdjoint within one evaluate() call.
  mutable LbfgsMemory memory_;
};

}  // namespace bilevel
