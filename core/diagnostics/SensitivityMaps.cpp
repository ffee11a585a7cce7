#include "diagnostics/SensitivityMaps.h"

#include <string>

#include "common/Error.h"
#include "diagnostics/SolutionTangent.h"
#include "hypergradients/IdentifiedManifold.h"
#include "models/TotalVariation.h"

namespace bilevel {

namespace {

// What the maps of both kinds begin with: the argument checks, the unit direction v and the first
// poll of the cancellation flag.
SensitivityMaps startMaps(const LowerLevel& model, const Vector& theta, const Vector& solution,
                          Vector direction, double cgTolerance, int cgMaxIterations,
                          const CancellationFlag* cancel) {
  checkDiagnosticArguments(model, theta, solution, cgTolerance, cgMaxIterations);
  SensitivityMaps maps;
  maps.direction = diagnosticDirection(model, std::move(direction));
  maps.cancelled = isCancelled(cancel);
  return maps;
}

}  // namespace

SensitivityMaps sensitivityMaps(const Model& model, const UpperLoss& loss, const Vector& theta,
                                const Vector& solution, Vector direction, double cgTolerance,
                                int cgMaxIterations, const CancellationFlag* cancel) {
  SensitivityMaps maps =
      startMaps(model, theta, solution, std::move(direction), cgTolerance, cgMaxIterations, cancel);
  if (maps.cancelled) return maps;
  const ConjugateGradientOptions cgOptions{.tolerance = cgTolerance,
                                           .maxIterations = cgMaxIterations};
  const auto finish = [&](const ConjugateGradientSummary& cg, const char* what) {
    if (cg.termination == Termination::Cancelled) maps.cancelled = true;
    if (cg.termination == Termination::Diverged ||
        cg.termination == Termination::NegativeCurvature) {
      throw numericalError(std::string("the Hessian at the solution is not positive definite (CG "
                                       "for the ") +
                           what + " broke down)");
    }
    return !maps.cancelled;
  };

  Image sensitivity(model.rows(), model.cols());
  const ConjugateGradientSummary forward = solveSolutionTangent(
      model, theta, solution, maps.direction, sensitivity.pixels, cgOptions, cancel);
  maps.sensitivityResidualHistory = forward.residualHistory;
  maps.sensitivityTermination = forward.termination;
  if (!finish(forward, "sensitivity")) return maps;
  maps.sensitivity = std::move(sensitivity);

  // (∂²_xxE(x*)) a = ∂_xL(x*): the adjoint system of DESIGN.md §2.
  Image adjoint(model.rows(), model.cols());
  Vector rhs(model.variableCount());
  loss.gradientX(solution, theta, rhs);
  const auto hessian = [&](const Vector& in, Vector& out) {
    model.hessianVectorProduct(solution, theta, in, out);
  };
  const ConjugateGradientSummary reverse =
      conjugateGradient(hessian, rhs, adjoint.pixels, cgOptions, cancel);
  maps.adjointResidualHistory = reverse.residualHistory;
  maps.adjointTermination = reverse.termination;
  if (!finish(reverse, "adjoint")) return maps;
  maps.adjoint = std::move(adjoint);
  return maps;
}

SensitivityMaps sensitivityMaps(const LowerLevel& model, const UpperLoss& loss, const Vector& theta,
                                const Vector& solution, Vector direction, double cgTolerance,
                                int cgMaxIterations, const CancellationFlag* cancel) {
  if (const auto* smooth = dynamic_cast<const Model*>(&model)) {
    return sensitivityMaps(*smooth, loss, theta, solution, std::move(direction), cgTolerance,
                           cgMaxIterations, cancel);
  }
  const auto* tv = dynamic_cast<const TotalVariation*>(&model);
  if (!tv) {
    throw usageError("the sensitivity maps of " + model.name() +
                     " have no implicit system here: it is neither smooth nor TV");
  }
  SensitivityMaps maps =
      startMaps(model, theta, solution, std::move(direction), cgTolerance, cgMaxIterations, cancel);
  if (maps.cancelled) return maps;
  const IdentifiedManifold manifold(*tv, theta, solution);
  const ConjugateGradientOptions cgOptions{.tolerance = cgTolerance,
                                           .maxIterations = cgMaxIterations};
  // H_M is SPD (BᵀB is the positive diagonal of region sizes), so CG does not break down.
  Image sensitivity(model.rows(), model.cols());
  const ConjugateGradientSummary forward =
      manifold.tangent(maps.direction, sensitivity.pixels, cgOptions, cancel);
  maps.sensitivityResidualHistory = forward.residualHistory;
  maps.sensitivityTermination = forward.termination;
  if (forward.termination == Termination::Cancelled) {
    maps.cancelled = true;
    return maps;
  }
  maps.sensitivity = std::move(sensitivity);

  Vector rhs(model.variableCount()), regions;
  loss.gradientX(solution, theta, rhs);
  const ConjugateGradientSummary reverse = manifold.adjoint(rhs, regions, cgOptions, cancel);
  maps.adjointResidualHistory = reverse.residualHistory;
  maps.adjointTermination = reverse.termination;
  if (reverse.termination == Termination::Cancelled) {
    maps.cancelled = true;
    return maps;
  }
  Image adjoint(model.rows(), model.cols());
  manifold.expand(regions, adjoint.pixels);
  maps.adjoint = std::move(adjoint);
  return maps;
}

}  // namespace bilevel
