#pragma once

#include "hypergradients/AdjointHypergradient.h"

namespace bilevel {

// implicit-cg: solves the adjoint system (∂²_xxE(x*)) a = ∂_xL by conjugate gradients on
// Hessian-vector products, to relative residual `tolerance`. Exact up to that residual and the
// inner tolerance; memory O(n).
class ImplicitCG final : public AdjointHypergradient {
 public:
  using AdjointHypergradient::AdjointHypergradient;
  std::string name() const override { return "implicit-cg"; }
  std::string description() const override {
    return "Implicit differentiation: solves the adjoint system H a = ∂L/∂x at the solution by "
           "conjugate gradients on Hessian-vector products. Exact to the CG tolerance; costs one "
           "Hessian-vector product per CG step and O(n) memory.";
  }

 protected:
  void solveAdjoint(const BilevelProblem& problem, const Vector& theta, const Vector& solution,
                    const Vector& rhs, Vector& adjoint, HypergradientSummary& summary,
                    const CancellationFlag* cancel) const override;
  double workingVectors() const override { return 4.0; }
};

}  // namespace bilevel
