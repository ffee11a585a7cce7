#pragma once

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common/Cancellation.h"
#include "common/Vector.h"
#include "solvers/InnerSolver.h"

namespace bilevel {

// Conjugate gradients for A a = b with A symmetric positive definite, given only as a product
// v ↦ Av (Hestenes & Stiefel 1952). Stops when ‖b − Aa‖ ≤ tolerance·‖b‖. Used for the adjoint
// system (∂²_xxE) a = ∂_xL of `implicit-cg`. A is only assumed positive definite: when a search
// direction has pᵀAp ≤ 0 the solve stops with Termination::NegativeCurvature (A is indefinite or
// singular there: the Hessian of a non-convex energy at a saddle point or a flat local minimum)
// and leaves the last iterate, instead of stepping along a direction of non-positive curvature.
struct ConjugateGradientOptions {
  double tolerance = 1e-8;  // relative residual
  int maxIterations = 5000;
};

struct ConjugateGradientSummary {
  Termination termination = Termination::IterationLimit;
  int iterations = 0;
  double relativeResidual = 0.0;
  std::vector<double> residualHistory;  // relative residual after each iteration (and at start)
  // With NegativeCurvature: pᵀAp / ‖p‖² of the direction that stopped it (≤ 0), a Rayleigh
  // quotient of A, so an upper bound on its smallest eigenvalue. NaN otherwise.
  double curvature = std::numeric_limits<double>::quiet_NaN();
  std::string message;  // why a solve that is not Converged stopped, in one sentence
};

using LinearOperator = std::function<void(const Vector& in, Vector& out)>;

// `a` holds the initial guess on entry (zero is a fine default) and the solution on return.
ConjugateGradientSummary conjugateGradient(const LinearOperator& apply, const Vector& b, Vector& a,
                                           const ConjugateGradientOptions& options,
                                           const CancellationFlag* cancel = nullptr);

// The same with a preconditioner: `precondition` applies M⁻¹ ≈ A⁻¹ (symmetric positive definite,
// e.g. the inverse diagonal of A, Jacobi). The stopping test is on the unpreconditioned residual
// ‖b − Aa‖ ≤ tolerance·‖b‖, so a tolerance means the same as without M. For systems whose diagonal
// spans orders of magnitude (the manifold Hessian of TV: curvatures λ_i/|(∇x*)_i| next to region
// sizes) this cuts the iterations several-fold (IdentifiedManifold.h).
ConjugateGradientSummary preconditionedConjugateGradient(const LinearOperator& apply,
                                                         const LinearOperator& precondition,
                                                         const Vector& b, Vector& a,
                                                         const ConjugateGradientOptions& options,
                                                         const CancellationFlag* cancel = nullptr);

}  // namespace bilevel
