#include "hypergradients/ImplicitCG.h"

#include <algorithm>
#include <cstdio>

#include "diagnostics/HessianSpectrum.h"
#include "solvers/ConjugateGradient.h"

namespace bilevel {

void ImplicitCG::solveAdjoint(const BilevelProblem& problem, const Vector& theta,
                              const Vector& solution, const Vector& rhs, Vector& adjoint,
                              HypergradientSummary& summary, const CancellationFlag* cancel) const {
  const auto hessian = [&](const Vector& v, Vector& out) {
    problem.smoothModel().hessianVectorProduct(solution, theta, v, out);
  };
  const auto cg = conjugateGradient(
      hessian, rhs, adjoint,
      {.tolerance = options_.tolerance, .maxIterations = options_.maxIterations}, cancel);
  summary.iterations = cg.iterations;
  summary.termination = cg.termination;
  summary.residual = cg.relativeResidual;
  summary.residualHistory = cg.residualHistory;
  if (cg.termination == Termination::NegativeCurvature) {
    // The size of the negative curvature tells a saddle point (λ_min clearly below 0) from a flat
    // valley (λ_min ≈ 0 against λ_max): a Lanczos estimate (HessianSpectrum.h) on a few more
    // Hessian-vector products than CG has just spent is cheap next to the solve that failed.
    HessianSpectrumOptions lanczos;
    lanczos.steps = int(std::min<Eigen::Index>(30, solution.size()));
    const HessianSpectrum spectrum =
        hessianSpectrum(problem.smoothModel(), solution, theta, lanczos, cancel);
    char estimate[160] = "";
    if (!spectrum.cancelled) {
      std::snprintf(estimate, sizeof estimate, " (Lanczos, %d steps: λ_min ≈ %.3g, λ_max ≈ %.3g)",
                    spectrum.steps, spectrum.smallest, spectrum.largest);
    }
    summary.message = "indefinite Hessian at x*: " + cg.message + estimate +
                      ", so x* is no strict local minimum (a saddle point or a flat valley of a "
                      "non-convex energy) and the adjoint system has no reliable solution; solve "
                      "the lower level more tightly or use a convex penalty";
  } else if (cg.termination == Termination::Diverged) {
    summary.message = "adjoint CG: " + cg.message;
  }
}

}  // namespace bilevel
