#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/Cancellation.h"
#include "common/Vector.h"
#include "models/Model.h"
#include "solvers/SolverState.h"

namespace bilevel {

// How an inner (lower-level) solve ended.
enum class Termination {
  Converged,       // the stopping test held
  IterationLimit,  // max_iterations reached first (or the fixed iteration count was run)
  Cancelled,       // the cancellation flag was raised
  Diverged,        // a NaN/Inf or an exploding gradient
  // A linear solve met a direction of non-positive curvature (CG's pᵀAp ≤ 0): the Hessian at x*
  // is not positive definite (a saddle point, or a non-convex energy's flat minimum), so the
  // adjoint system has no reliable solution. Never the outcome of a lower-level solve.
  NegativeCurvature,
  // A hypergradient method refused the solver/model pair (HypergradientMethod::supports): nothing
  // was computed. Never the outcome of a solve.
  Unsupported,
};
std::string toString(Termination termination);

struct SolveOptions {
  // Stop when ‖∂_xE(x_k)‖ ≤ tolerance · ‖∂_xE(x_ref)‖, x_ref the model's initial point (the noisy
  // image): relative to a fixed scale, so a warm-started solve stops at the same accuracy as a cold
  // one. Range (0, 1); default 1e-8, the accuracy of the reference implementations.
  double tolerance = 1e-8;
  // Upper bound on iterations when stopping on the tolerance. Default 10000.
  int maxIterations = 10000;
  // When > 0, run exactly this many iterations from the given start and ignore the tolerance:
  // the fixed map that `unrolled` and `forward` differentiate (solver.iterations). Default 0.
  int fixedIterations = 0;
  // Number of (s, y) pairs L-BFGS keeps; also what `shine` reuses. Default 10.
  int lbfgsMemory = 10;
  // Record the relative gradient norm of every iteration in SolveSummary::trace. Default true.
  bool recordTrace = true;
  // The solver state beyond x to warm-start from and to leave the final state in (SolverState.h),
  // or null. A primal–dual solver starts from its dual when it has the model's size (projected on
  // the constraint of the current θ) and stores its final dual there after a usable solve. Not
  // read or written with fixedIterations > 0 (the map `unrolled` and `forward` differentiate
  // starts from q = 0); the smooth solvers ignore it. Not owned. Default null.
  SolverState* state = nullptr;

  // Returns false and a sentence naming the option when a setting is out of range.
  bool isValid(std::string* error) const;
};

struct SolveSummary {
  Termination termination = Termination::IterationLimit;
  int iterations = 0;
  int gradientEvaluations = 0;
  double energy = 0.0;
  double referenceGradientNorm = 0.0;  // ‖∂_xE(x_ref)‖
  double relativeGradientNorm = 0.0;   // ‖∂_xE(x)‖ / ‖∂_xE(x_ref)‖ at the returned x
  double seconds = 0.0;
  std::vector<double> trace;  // relative gradient norm per iteration
  std::string message;

  bool usable() const {
    return termination == Termination::Converged || termination == Termination::IterationLimit;
  }
};

class IterationMap;
class IterationState;

// A lower-level solver: minimises model.energy(·, θ) starting from x (the warm start) and leaves
// the result in x. Solvers allocate their work vectors once per solve, never per iteration. A
// solver serves one kind of lower level (supportsModel): the smooth solvers (SmoothInnerSolver)
// the Model kind, ChambollePock the PrimalDualModel kind.
class InnerSolver {
 public:
  virtual ~InnerSolver() = default;
  virtual std::string name() const = 0;
  // Whether this solver can minimise `model`; if not, and `why` is given, a sentence naming the
  // solver and the model ("accelerated-gradient needs a smooth model; tv is nonsmooth: ...").
  virtual bool supportsModel(const LowerLevel& model, std::string* why = nullptr) const = 0;
  // What the stopping test compares with SolveOptions::tolerance, the quantity a SolveSummary's
  // relativeGradientNorm holds, in words for messages: "relative gradient norm" for the smooth
  // solvers (‖∂_xE(x)‖ / ‖∂_xE(x_ref)‖); ChambollePock stops on the relative primal–dual gap.
  virtual std::string stoppingMeasure() const { return "relative gradient norm"; }
  // Throws Error(Usage) with supportsModel()'s sentence for a model of the wrong kind.
  virtual SolveSummary solve(const LowerLevel& model, const Vector& theta, Vector& x,
                             const SolveOptions& options,
                             const CancellationFlag* cancel = nullptr) const = 0;

  // The iteration this solver runs, as a differentiable map z⁺ = A_k(z, θ) on its full state
  // (core/iterations): what `unrolled`, `forward`, `fpad` and the derivative sequences
  // differentiate, so that they differentiate the algorithm that solved the problem. Null when the
  // solver has none (hasIterationMap says why). The map refers to `model` and `theta`, which must
  // outlive it.
  virtual std::unique_ptr<IterationMap> iterationMap(const LowerLevel& model,
                                                     const Vector& theta) const;
  // Whether iterationMap() returns a map; if not, and `why` is given, a sentence naming the solver
  // and the reason ("lbfgs has no iteration map (its steps depend on a line search): ...").
  virtual bool hasIterationMap(std::string* why = nullptr) const;

  // Solves as solve() does and leaves in `z` (a state of `map`, this solver's iterationMap at θ)
  // the fixed-point state of the solution, where FPAD linearises. The default solves and calls
  // map.fixedPoint(x*): for gradient methods the fixed point is a function of x*. A primal–dual
  // solver overrides it with its own final dual q* (not a function of x*: see PrimalDualMap).
  virtual SolveSummary solveToFixedPoint(const LowerLevel& model, const Vector& theta, Vector& x,
                                         const SolveOptions& options, const IterationMap& map,
                                         IterationState& z,
                                         const CancellationFlag* cancel = nullptr) const;
};

// The solvers of the smooth kind (accelerated gradient, gradient descent, L-BFGS): they call the
// Model's gradient, so their real entry points take a Model; the LowerLevel ones check the kind
// and forward.
class SmoothInnerSolver : public InnerSolver {
 public:
  bool supportsModel(const LowerLevel& model, std::string* why = nullptr) const override;
  SolveSummary solve(const LowerLevel& model, const Vector& theta, Vector& x,
                     const SolveOptions& options,
                     const CancellationFlag* cancel = nullptr) const final;
  virtual SolveSummary solve(const Model& model, const Vector& theta, Vector& x,
                             const SolveOptions& options,
                             const CancellationFlag* cancel = nullptr) const = 0;
  std::unique_ptr<IterationMap> iterationMap(const LowerLevel& model,
                                             const Vector& theta) const final;
  // The map over a smooth model; null by default (no map).
  virtual std::unique_ptr<IterationMap> iterationMap(const Model& model, const Vector& theta) const;
};

// The Model behind `model`, or Error(Usage) naming `user` (a solver or method) and the model when
// it is not of the smooth kind.
const Model& requireSmoothModel(const LowerLevel& model, const std::string& user);

}  // namespace bilevel
