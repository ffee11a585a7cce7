#pragma once

#include <vector>

#include "common/Cancellation.h"
#include "image/Image.h"
#include "losses/UpperLoss.h"
#include "models/Model.h"
#include "solvers/InnerSolver.h"

namespace bilevel {

// The two images behind every implicit hypergradient (DESIGN.md §2): the forward sensitivity of
// the solution along a parameter direction and the reverse adjoint. They are dual,
//   ⟨∂_xL, s⟩ = ⟨H a, s⟩ = ⟨a, H s⟩ = −⟨(∂²_θxE) a, v⟩,
// so ∇U·v = ∂_θL·v + ⟨∂_xL, s⟩ either way.
struct SensitivityMaps {
  Vector direction;  // v in θ-space (unit norm)
  Image sensitivity;  // s = ∂x*/∂θ · v = −H(x*)⁻¹ (∂²_xθE) v (for a scalar λ: ∂x*/∂λ)
  Image adjoint;  // a = H(x*)⁻¹ ∂_xL(x*), the adjoint map every implicit method contracts
  std::vector<double> sensitivityResidualHistory, adjointResidualHistory;  // CG relative residuals
  Termination sensitivityTermination = Termination::Converged;
  Termination adjointTermination = Termination::Converged;
  bool cancelled = false;
};

// `solution` must be the lower-level solution x*(θ). v as in derivativeSequence(): `direction`
// normalised, or the normalised all-ones vector when empty. Both systems are solved by CG on
// Hessian-vector products at x* to relative residual `cgTolerance`; a CG that hits its limit is
// reported in the terminations, not thrown. Throws Error(Usage) for arguments that do not fit the
// model and Error(Numerical) when the Hessian is not positive definite at x*. A cancelled run
// returns cancelled = true and the maps computed so far (the others empty).
SensitivityMaps sensitivityMaps(const Model& model, const UpperLoss& loss, const Vector& theta,
                                const Vector& solution, Vector direction,
                                double cgTolerance = 1e-10, int cgMaxIterations = 5000,
                                const CancellationFlag* cancel = nullptr);
// The same for either kind of lower level: the smooth maps above for a Model; for TV (nonsmooth)
// the same two solves on the identified manifold (IdentifiedManifold.h): s = −B H_M⁻¹ C_M v and
// a = B H_M⁻¹ Bᵀ ∂_xL, dual as above with H_M in place of H (∇U·v = ∂_θL·v + ⟨∂_xL, s⟩ =
// ∂_θL·v − ⟨C_Mᵀ a_M, v⟩, what implicit-manifold computes). Throws Error(Usage) for a lower level
// that is neither.
SensitivityMaps sensitivityMaps(const LowerLevel& model, const UpperLoss& loss, const Vector& theta,
                                const Vector& solution, Vector direction,
                                double cgTolerance = 1e-10, int cgMaxIterations = 5000,
                                const CancellationFlag* cancel = nullptr);

}  // namespace bilevel
