#pragma once

#include <limits>
#include <string>
#include <vector>

#include "common/Cancellation.h"
#include "iterations/IterationMap.h"
#include "models/Model.h"
#include "solvers/InnerSolver.h"

namespace bilevel {

struct DerivativeSequenceOptions {
  // Steps n of both recursions; the sequences have iterations + 1 entries (n = 0 included).
  int iterations = 300;
  // CG settings of the reference J*v.
  double cgTolerance = 1e-10;
  int cgMaxIterations = 5000;
  // Stop each recursion once its error is at most this, before `iterations` (0: never). The
  // primal–dual sequences need tens of thousands of steps on hard problems and reach their floor
  // far sooner on easy ones. Default 0.
  double stopBelow = 0.0;
};

// The derivative-sequence convergence of seed 004 (Mehmood & Ochs 2020; DESIGN.md §2 "Jacobian
// diagnostics"): the error of the n-th derivative iterate J^{(n)}v against the true solution
// derivative J*v, for the two ways of differentiating an inner solver's iteration map
// z_{k+1} = A(z_k, θ) (core/iterations): along the iterates, as `unrolled`/`forward` do, and at the
// fixed point, as `fpad` does. For the accelerated-gradient map
//   y_k = (1+β) x_k − β x_{k−1},   x_{k+1} = y_k − τ ∂_xE(y_k),   τ = 1/L, β from μ/L;
// for Chambolle–Pock's (PrimalDualMap) on (x, x̄, q) over nonsmooth TV, where J*v is the tangent of
// the identified manifold (IdentifiedManifold.h) and the unrolled sequence converges linearly only
// once the iterates' jump set is that of x* (seed 004 §II: finite identification, then a linear
// rate), which `identifiedAt` marks.
struct DerivativeSequence {
  std::string iteration;  // the map differentiated: its solver's name ("accelerated-gradient")
  Vector direction;       // v in θ-space (unit norm)
  // J*v = dx*/dθ · v (length n): −H(x*)⁻¹ (∂²_xθE) v by CG for a smooth model, the manifold
  // tangent −B H_M⁻¹ C_M v by CG for TV (solveSolutionTangent).
  Vector solutionTangent;
  double solutionTangentResidual = 0.0;  // the CG relative residual of J*v
  int solutionTangentIterations = 0;
  // ‖J^{(n)}v − J*v‖ / ‖J*v‖ (absolute when J*v = 0), n = 0..iterations (fewer when stopBelow
  // ended it), for the forward-mode
  // state tangent T_{k+1} = A_z T_k + A_θ v along the iterates from the cold start (T_0 = 0),
  // read on x (J^{(n)}v = P T_n): the map `forward` differentiates, so unrolled[K] is the error of
  // what it computes with solver.iterations = K.
  std::vector<double> unrolled;
  // The same for the FPAD recursion with every iterate replaced by the fixed-point state z*:
  //   T_{k+1} = A_z(z*) T_k + A_θ(z*) v,   T_0 = 0.
  std::vector<double> fpad;
  // The last tangents, J^{(K)}v of each recursion (K = the entries computed minus one).
  Vector unrolledTangent;
  Vector fpadTangent;
  // The map's contraction rate (IterationMap::contractionRate, taken at z*): from the model's
  // bounds for the smooth maps, 1 − √(μ/L) for accelerated gradient, whose slowest FPAD mode
  // (eigenvalue μ of H) has that double root, so its error is O(n (1 − √(μ/L))ⁿ), and 1 − μ/L for
  // gradient descent; for Chambolle–Pock, which has no closed form, a power-iteration estimate of
  // the spectral radius of A_z(z*) on the primal read-out.
  double contractionRate = 0.0;
  // For TV: the first unrolled iterate n from which on the jump set of x_n (TotalVariation::
  // jumpSet) is that of x*, up to the last one computed; −1 when it still differed at the end, or
  // for a smooth model (no manifold to identify).
  int identifiedAt = -1;
  // Whether J*v is a manifold tangent (TV) and identifiedAt applies.
  bool manifold = false;
  // The linear rates measured on the sequences: exp of the least-squares slope of log e_n over
  // the tail where it falls linearly, from max(identifiedAt, 0) (unrolled) or 0 (fpad) to the first
  // n where e_n is within a decade of the lowest error after that start (the floor set by the
  // accuracy of x* and rounding). NaN when that tail spans less than a decade or 10 steps.
  double unrolledRate = std::numeric_limits<double>::quiet_NaN();
  double fpadRate = std::numeric_limits<double>::quiet_NaN();
  bool cancelled = false;
  // Why there are no sequences, when the solver has no iteration map (empty otherwise).
  std::string unavailable;
};

// `fixedPoint` must be the map's fixed-point state z* of the lower-level solution x*(θ) (the
// solver leaves it: InnerSolver::solveToFixedPoint); its accuracy bounds the floor the sequences
// reach. If `direction` is empty, v is the normalised all-ones vector in θ-space (e_0 for a scalar
// λ); otherwise `direction` normalised. Throws Error(Usage) for arguments that do not fit the model
// or a lower level without a solution derivative here (solveSolutionTangent), and
// Error(Numerical) when the Hessian is not positive definite at x* or the iterates diverge.
// Allocates its vectors once; the loops do not allocate. Polls `cancel` once per step; a cancelled
// run returns the entries computed so far with cancelled = true.
DerivativeSequence derivativeSequence(const IterationMap& map, const IterationState& fixedPoint,
                                      Vector direction, const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel = nullptr);
// The same with z* = map.fixedPoint(solution), for maps whose fixed point is a function of x* (the
// smooth ones; PrimalDualMap refuses: its q* must come from the solver).
DerivativeSequence derivativeSequence(const IterationMap& map, const Vector& solution,
                                      Vector direction, const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel = nullptr);
// The same for the iteration of `solver`; when it has none (lbfgs), returns no sequences and says
// why in `unavailable`.
DerivativeSequence derivativeSequence(const InnerSolver& solver, const Model& model,
                                      const Vector& theta, const Vector& solution, Vector direction,
                                      const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel = nullptr);
// The same for the accelerated-gradient map (the default solver's).
DerivativeSequence derivativeSequence(const Model& model, const Vector& theta,
                                      const Vector& solution, Vector direction,
                                      const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel = nullptr);

// The rate line of the derivative-sequence plot: values[j] is the reference at n = first + j.
// From the map's contraction rate when it is the closed form of a smooth map (no manifold):
// ρⁿ from n = 0, 1. For TV, from the unrolled sequence's measured rate after identification:
// e_{n₀} ρⁿ⁻ⁿ⁰ from n₀ = identifiedAt, so the line lies on the linear phase it was fitted to.
// Either stops at a tenth of the lowest positive error either sequence reached, so that it does not
// stretch a log axis over empty decades. Empty values when there is no rate in (0, 1), and for TV
// when the unrolled iterates did not identify the support within the run.
struct RateReference {
  int first = 0;
  double rate = std::numeric_limits<double>::quiet_NaN();
  bool measured = false;  // fitted to the sequence (TV) rather than from the model's bounds
  std::vector<double> values;
};
RateReference rateReference(const DerivativeSequence& sequence);

// exp of the least-squares slope of log e_n over [from, to], to the first n ≥ from where e_n is
// within a decade of min_{m ≥ from} e_m: the measured linear rate of a sequence (NaN when that
// window spans less than a decade or 10 steps, or holds a non-positive entry).
double measuredLinearRate(const std::vector<double>& errors, int from);

}  // namespace bilevel
