#pragma once

#include <string>

#include "hypergradients/HypergradientMethod.h"
#include "models/TotalVariation.h"

namespace bilevel {

// implicit-manifold: implicit differentiation restricted to the identified manifold (partial
// smoothness; seed 004 §III, "ID under Partial Smoothness", Lewis '02, Vaiter et al. '17), for the
// nonsmooth TV models (tv, tv-map).
//
// On the manifold M of the solution (IdentifiedManifold.h: x constant on the regions where
// ∇x* = 0) the implicit function theorem gives, with the adjoint a ∈ R^m (one value per region)
// solving H_M a = Bᵀ ∂_xL by CG (hypergradient.tolerance, max_iterations),
//   ∇U = ∂_θL − C_Mᵀ a,
// H_M and C_M the restricted Hessian and mixed product of IdentifiedManifold, which the
// diagnostics' solution tangent dx*/dθ·v shares.
//
// The jump set is read from the solution: i ∈ S when |(∇x*)_i| > jumpTolerance (the default
// TotalVariation::kDefaultJumpTolerance = 1e-6, for images in [0, 1]), and x* is replaced by its
// projection on M (region means), so the small residual differences do not enter the curvature.
// Reading S from an inexact x is what can go wrong: after a solve to a relative gap of 1e-8 a few
// pixels near small true jumps (|(∇x*)_i| of 1e-6..1e-5) or flat pixels the solver has not
// flattened yet sit on the wrong side of the tolerance, and one such pixel splits or merges a
// region: measured on benchmark:64, λ = 0.1, a relative error of 2e-3 against finite differences
// at 1e-8 (21 pixels of S still changed when the gap went to 1e-9), 3e-6 at 1e-9, 1e-6 from
// 1e-10 on, when S stopped changing; on rof-denoise at 256² 3e-6 at 1e-8 (λ = 0.054). So the solve
// is continued until S is identified (seed 004 §II: the iterates reach the manifold after finitely
// many steps, then converge linearly): from the solve's state (x and the dual, through
// SolveOptions::state, or a state of its own) the relative gap is divided by 10 per round until S
// is the same after a round as before it, at most hypergradient identificationRounds times
// (HypergradientOptions), never below a relative gap of kFinestGap. When S still changed in the
// last round (or a round stopped on solver.max_iterations, as around degenerate pixels where the
// rate is sublinear) the result is returned as IterationLimit with a message saying how many
// pixels changed. The rounds' iterations are counted in the summary's inner solve. Measured on
// `learn --preset rof-denoise --method implicit-manifold` (256², OMP_NUM_THREADS=1): λ = 0.117768,
// PSNR 36.04972 dB in 9 steps, 21.6 s CPU (fpad: λ = 0.117857, 36.04972 dB in 8 steps, 14.4 s);
// near the optimum the support is degenerate (sublinear solver rate) and the rounds cost up to
// 27,000 inner iterations a step.
//
// Non-degeneracy (|q*_i| < λ_i off S) and a stable support are assumed, as the theorem does; where
// they fail (λ at which the support changes, which happens every ~1e-4 relative in λ on a noisy
// 256² image) the result is the derivative of the restricted problem, one of the one-sided
// derivatives, and central finite differences that straddle the change differ from it. Refuses
// smooth models (use implicit-cg) and any model other than TotalVariation.
class ImplicitManifold final : public HypergradientMethod {
 public:
  explicit ImplicitManifold(HypergradientOptions options) : options_(options) {}
  std::string name() const override { return "implicit-manifold"; }
  std::string description() const override {
    return "Implicit differentiation on the identified manifold (nonsmooth TV): x is constant on "
           "the regions where ∇x* = 0; solves the restricted Hessian system (one unknown per "
           "region) by CG. Exact where the support is stable.";
  }
  bool supports(const BilevelProblem& problem, std::string* why = nullptr) const override;
  HypergradientSummary evaluate(const BilevelProblem& problem, const Vector& theta, Vector& x,
                                Vector& gradient,
                                const CancellationFlag* cancel = nullptr) const override;

  // The finest relative gap the identification rounds ask for: near rounding of the energy.
  static constexpr double kFinestGap = 1e-14;

 private:
  struct Identification {
    int rounds = 0;                // continuation solves made
    double tolerance = 0.0;        // relative gap asked of the last one
    Eigen::Index lastChanges = 0;  // pixels that entered or left S in the last round
    bool stable = false;           // S unchanged in the last round (or no round was asked for)
    bool cancelled = false;
    std::string describe() const;
  };
  // Continues the solve of x until S is stable (see above); adds the rounds to `inner`.
  Identification identify(const BilevelProblem& problem, const TotalVariation& model,
                          const Vector& theta, Vector& x, const SolveOptions& solve,
                          SolveSummary& inner, const CancellationFlag* cancel) const;

  HypergradientOptions options_;
};

}  // namespace bilevel
