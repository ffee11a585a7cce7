#pragma once

#include "hypergradients/HypergradientMethod.h"

namespace bilevel {

// The implicit family: solve the lower level to x*, approximate the adjoint a ≈ (∂²_xxE)⁻¹ ∂_xL
// in the way the subclass defines, and return ∇U = ∂_θL − (∂²_θxE) a (DESIGN.md §2).
class AdjointHypergradient : public HypergradientMethod {
 public:
  explicit AdjointHypergradient(HypergradientOptions options) : options_(options) {}

  HypergradientSummary evaluate(const BilevelProblem& problem, const Vector& theta, Vector& x,
                                Vector& gradient,
                                const CancellationFlag* cancel = nullptr) const override;
  // These methods solve with (or approximate) the Hessian ∂²_xxE: they refuse a nonsmooth model,
  // which has none, and name the methods that differentiate it.
  bool supports(const BilevelProblem& problem, std::string* why = nullptr) const override;

 protected:
  // Solves the lower level from the warm start in x.
  virtual SolveSummary solveLowerLevel(const BilevelProblem& problem, const Vector& theta,
                                       Vector& x, const CancellationFlag* cancel) const;
  // Writes the adjoint approximation into `adjoint` and fills iterations/termination/history in
  // `summary`; sets summary.residual when it knows it (otherwise the base measures it).
  virtual void solveAdjoint(const BilevelProblem& problem, const Vector& theta,
                            const Vector& solution, const Vector& rhs, Vector& adjoint,
                            HypergradientSummary& summary,
                            const CancellationFlag* cancel) const = 0;
  // Number of n-vectors the adjoint computation holds, for the memory report.
  virtual double workingVectors() const = 0;

  HypergradientOptions options_;
};

}  // namespace bilevel
