#include "hypergradients/ImplicitManifold.h"

#include <string>

#include "common/Error.h"
#include "common/Stopwatch.h"
#include "hypergradients/IdentifiedManifold.h"
#include "models/TotalVariation.h"

namespace bilevel {
bool ImplicitManifold::supports(const BilevelProblem& problem, std::string* why) const {
  if (!dynamic_cast<const TotalVariation*>(&problem.model)) {
    if (why) {
      *why = name() + " differentiates on the manifold of a nonsmooth TV solution (tv, tv-map); " +
             problem.model.name() +
             (dynamic_cast<const Model*>(&problem.model) ? " is smooth: use implicit-cg"
                                                         : " is not a TV model");
    }
    return false;
  }
  return HypergradientMethod::supports(problem, why);
}

HypergradientSummary ImplicitManifold::evaluate(const BilevelProblem& problem, const Vector& theta,
                                                Vector& x, Vector& gradient,
                                                const CancellationFlag* cancel) const {
  requireSupport(*this, problem);
  const auto& model = static_cast<const TotalVariation&>(problem.model);
  HypergradientSummary summary;
  summary.method = name();
  summary.inner = problem.solver.solve(model, theta, x, problem.solve, cancel);
  summary.innerSeconds = summary.inner.seconds;
  if (!summary.inner.usable()) {
    summary.termination = summary.inner.termination;
    summary.message = "inner solve " + toString(summary.inner.termination);
    return summary;
  }
  Stopwatch clock;
  const Eigen::Index n = model.variableCount();
  const IdentifiedManifold manifold(model, theta, x);

  // ∇U = ∂_θL − C_Mᵀ a with H_M a = Bᵀ ∂_xL (IdentifiedManifold.h).
  summary.outerLoss = problem.loss.value(x, theta);
  Vector dLdx(n), adjoint, thetaBar;
  problem.loss.gradientX(x, theta, dLdx);
  problem.loss.gradientTheta(x, theta, gradient);
  const auto cg = manifold.adjoint(
      dLdx, adjoint, {.tolerance = options_.tolerance, .maxIterations = options_.maxIterations},
      cancel);
  summary.iterations = cg.iterations;
  summary.termination = cg.termination;
  summary.residual = cg.relativeResidual;
  summary.residualHistory = cg.residualHistory;
  if (cg.termination == Termination::Cancelled) return summary;
  manifold.parameterAdjoint(adjoint, thetaBar);
  gradient -= thetaBar;
  summary.hypergradientSeconds = clock.seconds();
  summary.workingMegabytes = 12.0 * double(n) * 8.0 / (1024.0 * 1024.0);
  summary.message =
      std::to_string(manifold.regionCount()) + " regions, jump set of " +
      std::to_string(manifold.jumpCount()) + " pixels" +
      (manifold.mergedJumps() > 0 ? " (" + std::to_string(manifold.mergedJumps()) +
                                        " more inside a region, left out: solve tighter)"
                                  : std::string());
  return summary;
}

}  // namespace bilevel
