#pragma once

#include "hypergradients/AdjointHypergradient.h"

namespace bilevel {

// jacobian-free: replaces the Hessian by the identity, a = ∂_xL (Fung et al. 2022). One mixed
// product and nothing else; a descent direction only when H is close to a multiple of I.
class JacobianFree final : public AdjointHypergradient {
 public:
  using AdjointHypergradient::AdjointHypergradient;
  std::string name() const override { return "jacobian-free"; }
  std::string description() const override {
    return "Jacobian-free backpropagation: pretends the Hessian is the identity, so the adjoint is "
           "∂L/∂x itself. Costs one mixed product and no linear solve; biased wherever the "
           "Hessian is far from I.";
  }

 protected:
  void solveAdjoint(const BilevelProblem&, const Vector&, const Vector&, const Vector& rhs,
                    Vector& adjoint, HypergradientSummary& summary,
                    const CancellationFlag*) const override {
    adjoint = rhs;
    summary.termination = Termination::Converged;
  }
  double workingVectors() const override { return 1.0; }
};

}  // namespace bilevel
