#pragma once

#include "common/Cancellation.h"
#include "models/LowerLevel.h"
#include "models/Model.h"
#include "solvers/ConjugateGradient.h"

namespace bilevel {

// The θ-space direction v of the Jacobian diagnostics (DESIGN.md §2): `direction` scaled to unit
// norm, or the normalised all-ones vector when it is empty (for a scalar λ that is e_0, so J*v is
// ∂x*/∂λ itself). Throws Error(Usage) when its length is not the model's parameter count or its
// norm is zero or not finite.
Vector diagnosticDirection(const LowerLevel& model, Vector direction);

// J*v = (dx*/dθ) v by the implicit function theorem at the solution x* (∂_xE(x*(θ), θ) = 0):
//   H(x*) (J*v) = −(∂²_xθE(x*)) v,
// solved by CG on Hessian-vector products to relative residual `options.tolerance`, from zero.
ConjugateGradientSummary solveSolutionTangent(const Model& model, const Vector& theta,
                                              const Vector& solution, const Vector& direction,
                                              Vector& tangent,
                                              const ConjugateGradientOptions& options,
                                              const CancellationFlag* cancel = nullptr);

// J*v for either kind of lower level: the smooth system above for a Model; for TV (a nonsmooth
// TotalVariation) the tangent of the identified manifold, −B H_M⁻¹ C_M v (IdentifiedManifold.h,
// the formula `implicit-manifold` differentiates with), whose jump set is read from `solution`.
// Throws Error(Usage) for a lower level that has neither.
ConjugateGradientSummary solveSolutionTangent(const LowerLevel& model, const Vector& theta,
                                              const Vector& solution, const Vector& direction,
                                              Vector& tangent,
                                              const ConjugateGradientOptions& options,
                                              const CancellationFlag* cancel = nullptr);

// Throws Error(Usage) naming the argument when θ or x* do not fit the model or a CG setting is out
// of range; the diagnostics' shared argument check.
void checkDiagnosticArguments(const LowerLevel& model, const Vector& theta, const Vector& solution,
                              double cgTolerance, int cgMaxIterations);

}  // namespace bilevel
