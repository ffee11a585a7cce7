#pragma once

#include "hypergradients/AdjointHypergradient.h"

namespace bilevel {

// implicit-neumann: the adjoint from the truncated Neumann series
//   a = η Σ_{q=0}^{Q} (I − ηH)^q ∂_xL,   η = 1/L,
// stopped when the next term is below `tolerance`·‖∂_xL‖ (then ‖Ha − ∂_xL‖ equals that term's norm,
// since ηH Σ_{q≤Q} (I − ηH)^q = I − (I − ηH)^{Q+1}). Converges like (1 − μ/L)^Q; memory O(n).
class ImplicitNeumann final : public AdjointHypergradient {
 public:
  using AdjointHypergradient::AdjointHypergradient;
  std::string name() const override { return "implicit-neumann"; }
  std::string description() const override {
    return "Implicit differentiation with the inverse Hessian replaced by a truncated Neumann "
           "series η Σ (I − ηH)^q. One Hessian-vector product per term, O(n) memory; needs about "
           "κ = L/μ terms per digit, so it is slow on ill-conditioned problems.";
  }

 protected:
  void solveAdjoint(const BilevelProblem& problem, const Vector& theta, const Vector& solution,
                    const Vector& rhs, Vector& adjoint, HypergradientSummary& summary,
                    const CancellationFlag* cancel) const override;
  double workingVectors() const override { return 2.0; }
};

}  // namespace bilevel
