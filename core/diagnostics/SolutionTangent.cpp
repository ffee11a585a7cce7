#include "diagnostics/SolutionTangent.h"

#include <cmath>
#include <string>

#include "common/Error.h"
#include "hypergradients/IdentifiedManifold.h"
#include "models/TotalVariation.h"

namespace bilevel {

Vector diagnosticDirection(const LowerLevel& model, Vector direction) {
  const Eigen::Index p = model.parameterCount();
  if (direction.size() == 0) direction = Vector::Ones(p);
  if (direction.size() != p) {
    throw usageError("the diagnostic direction has " + std::to_string(direction.size()) +
                     " entries but the model " + model.name() + " has " + std::to_string(p) +
                     " parameters");
  }
  const double norm = direction.norm();
  if (!(norm > 0.0) || !std::isfinite(norm)) {
    throw usageError("the diagnostic direction must be a finite, non-zero vector");
  }
  return direction / norm;
}

ConjugateGradientSummary solveSolutionTangent(const Model& model, const Vector& theta,
                                              const Vector& solution, const Vector& direction,
                                              Vector& tangent,
                                              const ConjugateGradientOptions& options,
                                              const CancellationFlag* cancel) {
  const Eigen::Index n = model.variableCount();
  Vector rhs(n);
  model.mixedTransposeProduct(solution, theta, direction, rhs);
  rhs = -rhs;
  tangent.setZero(n);
  const auto hessian = [&](const Vector& in, Vector& out) {
    model.hessianVectorProduct(solution, theta, in, out);
  };
  return conjugateGradient(hessian, rhs, tangent, options, cancel);
}

ConjugateGradientSummary solveSolutionTangent(const LowerLevel& model, const Vector& theta,
                                              const Vector& solution, const Vector& direction,
                                              Vector& tangent,
                                              const ConjugateGradientOptions& options,
                                              const CancellationFlag* cancel) {
  if (const auto* smooth = dynamic_cast<const Model*>(&model)) {
    return solveSolutionTangent(*smooth, theta, solution, direction, tangent, options, cancel);
  }
  if (const auto* tv = dynamic_cast<const TotalVariation*>(&model)) {
    const IdentifiedManifold manifold(*tv, theta, solution);
    return manifold.tangent(direction, tangent, options, cancel);
  }
  throw usageError("the solution derivative of " + model.name() +
                   " has no implicit system here: it is neither smooth nor TV");
}

void checkDiagnosticArguments(const LowerLevel& model, const Vector& theta, const Vector& solution,
                              double cgTolerance, int cgMaxIterations) {
  if (theta.size() != model.parameterCount()) {
    throw usageError("θ has " + std::to_string(theta.size()) + " entries but the model " +
                     model.name() + " has " + std::to_string(model.parameterCount()) +
                     " parameters");
  }
  if (solution.size() != model.variableCount()) {
    throw usageError("the solution has " + std::to_string(solution.size()) +
                     " entries but the model's image has " + std::to_string(model.variableCount()) +
                     " pixels");
  }
  if (!(cgTolerance > 0.0 && cgTolerance < 1.0)) {
    throw usageError("the CG tolerance of the diagnostics must lie in (0, 1)");
  }
  if (cgMaxIterations < 1) {
    throw usageError("the CG iteration limit of the diagnostics must be at least 1");
  }
}

}  // namespace bilevel
