#pragma once

#include <string>
#include <vector>

#include "common/Cancellation.h"
#include "common/Vector.h"
#include "iterations/IterationMap.h"
#include "models/PrimalDualModel.h"
#include "solvers/InnerSolver.h"

namespace bilevel {

// Everything the primal–dual iteration carries from one step to the next, so that a solve can be
// warm-started, continued, or (later) differentiated through: the iteration map acts on
// z = (x, x̄, q) with the step sizes (τ, σ) as its schedule.
struct PrimalDualState {
  Vector x;  // primal iterate x^k (variableCount())
  Vector xBar;  // extrapolated point x̄^k = x^k + ϑ_{k−1}(x^k − x^{k−1}), where K is applied next
  Vector q;            // dual iterate q^k (dualSize())
  double tau = 0.0;    // primal step τ_k (0 before the first solve)
  double sigma = 0.0;  // dual step σ_k
  int iterations = 0;  // iterations run on this state since a solve last started its schedule

  // A state with no x: the solver starts from x = y, x̄ = x, q = 0.
  bool empty() const { return x.size() == 0; }
};

struct PrimalDualOptions {
  // Stop when the relative primal–dual gap (P(x) − D(q)) / P(x) ≤ tolerance, P the primal energy
  // and D the dual objective at the current iterate (x^k, q^k). The gap bounds P(x) − P(x*) (and
  // ½‖x − x*‖², G being 1-strongly convex), so this certifies the relative accuracy of the energy
  // whatever the start: a warm-started solve stops at the same accuracy as a cold one. Range
  // (0, 1); default 1e-8.
  double tolerance = 1e-8;
  // Upper bound on iterations when stopping on the tolerance. Default 10000.
  int maxIterations = 10000;
  // When > 0, run exactly this many iterations from the given state and ignore the tolerance: the
  // fixed map that `unrolled` and `forward` differentiate. Default 0.
  int fixedIterations = 0;
  // τ_0, the first primal step; σ_0 = 1/(τ_0 ‖K‖²). The scale-free quantity is γτ_0: small values
  // start with big dual steps (good when x starts near the solution), large ones with big primal
  // steps. > 0; default 1. Measured at 512² on the benchmark image, λ = 0.08 (bench/tv-solver,
  // iterations to scikit-image's objective / relative gap 1e-6 / 1e-8, restart 0.1): τ_0 = 0.1:
  // 68/460/2040, 0.3: 56/488/2188, 1: 52/472/2056, 3: 56/468/2020; flat around 1.
  double initialPrimalStep = 1.0;
  // γ of Chambolle–Pock's Algorithm 2, the rate at which τ shrinks and σ grows; the theory allows
  // any value up to the strong convexity of G (1 for ½‖x − y‖²), and the model's bound is used when
  // this exceeds it. 0 gives Algorithm 1: constant steps τ_0, σ_0 and ϑ = 1, a time-invariant
  // iteration map (what FPAD's fixed-point recursion needs; there τ_0 = 1/√8 balances the steps),
  // slower in 2-D (measured at 256²: 9789 iterations to relative gap 1e-6 against 1200). ≥ 0;
  // default 1.
  double acceleration = 1.0;
  // Adaptive restart: when the relative gap has fallen below restartFactor × its value at the last
  // (re)start, the schedule restarts from the current point (τ_0, σ_0, x̄ = x). Algorithm 2's
  // steps τ_k ~ 1/k make late iterations crawl (O(1/k) in x, measured: relative gap 1e-10 after
  // 2·10⁵ iterations on a 1-D signal, x still 3e-6 off); restarting gives the linear rate that
  // TV's partial smoothness allows once the jump set is identified (1e-8 in ~2000 iterations at
  // 512², 1-D exact to 1e-14). Not applied with fixedIterations, so that those iterations stay one
  // fixed map. Range [0, 1), 0 = never; default 0.1. Measured as for τ_0 (τ_0 = 1): restart 0.05:
  // 64/464/1772 iterations, 0.1: 52/472/2056, 0.2: 56/560/2292, never: 65/1367/12927 (τ_0 = 0.3).
  // For comparison, FISTA on the dual with gradient restart: 80/1365/> 3000.
  double restartFactor = 0.1;
  // Evaluate the gap (and stopping test, restart test, history) every this many iterations, and
  // always after the last one. The gap's TV terms cost a third of a fused iteration (one more
  // square root per pixel), so a few iterations between tests pay off; a solve may run up to
  // gapInterval − 1 iterations past the tolerance. ≥ 1; default 4.
  int gapInterval = 4;
  // true: every solve starts the step schedule afresh (τ_0, σ_0, x̄ = x) from the state's point,
  // which is what a warm start for a new θ wants. false: continue the schedule stored in the state
  // (τ, σ, x̄), e.g. after a cancelled solve. Default true.
  bool restartSchedule = true;
  // Record the relative gap and energy at the start and at every evaluation (gapInterval) in the
  // summary. Default true.
  bool recordTrace = true;
  // Use the model's fused single-pass iteration when it has one (TotalVariation does); false runs
  // the generic iteration through PrimalDualModel's virtual products, the reference the fused one
  // is tested against. Default true.
  bool fusedKernel = true;

  // Returns false and a sentence naming the option when a setting is out of range.
  bool isValid(std::string* error) const;
};

struct PrimalDualSummary {
  Termination termination = Termination::IterationLimit;
  int iterations = 0;
  int restarts = 0;          // adaptive restarts of the step schedule
  double energy = 0.0;       // P(x) at the returned x
  double gap = 0.0;          // P(x) − D(q) at the returned state
  double relativeGap = 0.0;  // gap / P(x)
  double seconds = 0.0;
  // Relative gap and primal energy P(x) at the start and after every evaluated iteration (every
  // gapInterval-th and the last one, when recordTrace); gapIterations holds the iteration count of
  // each entry (0 for the start).
  std::vector<double> gapHistory;
  std::vector<double> energyHistory;
  std::vector<int> gapIterations;
  std::string message;

  bool usable() const {
    return termination == Termination::Converged || termination == Termination::IterationLimit;
  }
};

// Chambolle & Pock (2011), Algorithm 2, for min_x G(x) + F(Kx; θ) with G γ-strongly convex:
//   q^{k+1} = prox_{σ_k F*}(q^k + σ_k K x̄^k)
//   x^{k+1} = prox_{τ_k G}(x^k − τ_k Kᵀ q^{k+1})
//   ϑ_k = 1/√(1 + 2γτ_k),  τ_{k+1} = ϑ_k τ_k,  σ_{k+1} = σ_k / ϑ_k
//   x̄^{k+1} = x^{k+1} + ϑ_k (x^{k+1} − x^k)
// with τ_0 σ_0 ‖K‖² = 1; ‖x^k − x*‖ = O(1/k), and the schedule restarts adaptively (restartFactor)
// for a linear rate near the solution. The gap of (x^{k+1}, q^{k+1}) is evaluated in the
// same pass as the step (TotalVariation: one pass over the image per iteration, OpenMP over row
// blocks); the generic path makes several passes through the model's virtual products. Work
// vectors are allocated once per solve, never per iteration.
//
// As an InnerSolver (for the bilevel methods, issue 9 §2) it serves the primal–dual kind of lower
// level: solve(LowerLevel, x) starts from (x, x̄ = x, q = 0) with the `defaults` below, the
// SolveOptions' tolerance read as the relative gap; with SolveOptions::fixedIterations > 0 it runs
// Algorithm 1 with τ = PrimalDualMap's step (acceleration 0, no restart), i.e. exactly
// iterationMap()'s iteration, so `unrolled` and `forward` differentiate what solved the problem.
class ChambollePock final : public InnerSolver {
 public:
  // `defaults`: the settings of solves made through the InnerSolver interface, except those the
  // SolveOptions set (tolerance, maxIterations, fixedIterations, recordTrace).
  explicit ChambollePock(PrimalDualOptions defaults = {}) : defaults_(defaults) {}
  std::string name() const override { return "chambolle-pock"; }

  // Solves from `state` (empty: x = y, q = 0) and leaves the last iterate in it. A state with a
  // non-finite entry is not iterated on: the summary says Diverged and names it. Throws
  // usageError for invalid options or a state of the wrong size.
  PrimalDualSummary solve(const PrimalDualModel& model, const Vector& theta, PrimalDualState& state,
                          const PrimalDualOptions& options,
                          const CancellationFlag* cancel = nullptr) const;

  // --- InnerSolver ------------------------------------------------------------------------------
  bool supportsModel(const LowerLevel& model, std::string* why = nullptr) const override;
  std::string stoppingMeasure() const override { return "relative primal–dual gap"; }
  // The summary's relativeGradientNorm and trace hold the relative gap (the stopping measure),
  // referenceGradientNorm the energy P(x) it is relative to, gradientEvaluations the iterations.
  SolveSummary solve(const LowerLevel& model, const Vector& theta, Vector& x,
                     const SolveOptions& options,
                     const CancellationFlag* cancel = nullptr) const override;
  // PrimalDualMap with its default steps; throws usageError for a smooth model.
  std::unique_ptr<IterationMap> iterationMap(const LowerLevel& model,
                                             const Vector& theta) const override;
  bool hasIterationMap(std::string*) const override { return true; }
  // The fixed point (x*, x*, q*) from this solve's own final dual q*.
  SolveSummary solveToFixedPoint(const LowerLevel& model, const Vector& theta, Vector& x,
                                 const SolveOptions& options, const IterationMap& map,
                                 IterationState& z,
                                 const CancellationFlag* cancel = nullptr) const override;
  // The PrimalDualOptions a solve with `options` runs with (see above).
  PrimalDualOptions primalDualOptions(const SolveOptions& options) const;
  // The same solve as solve(LowerLevel, ...), keeping the whole final state (x*, x̄, q*).
  SolveSummary solveState(const PrimalDualModel& model, const Vector& theta, PrimalDualState& state,
                          const SolveOptions& options, const CancellationFlag* cancel) const;

 private:
  PrimalDualOptions defaults_;
};

}  // namespace bilevel
