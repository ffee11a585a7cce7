#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/Cancellation.h"
#include "common/Vector.h"
#include "models/Model.h"

namespace bilevel {

// How an inner (lower-level) solve ended.
enum class Termination {
  Converged,       // the stopping test held
  IterationLimit,  // max_iterations reached first (or the fixed iteration count was run)
  Cancelled,       // the cancellation flag was raised
  Diverged,        // a NaN/Inf or an exploding gradient
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

// A lower-level solver: minimises model.energy(·, θ) starting from x (the warm start) and leaves
// the result in x. Solvers allocate their work vectors once per solve, never per iteration.
class InnerSolver {
 public:
  virtual ~InnerSolver() = default;
  virtual std::string name() const = 0;
  virtual SolveSummary solve(const Model& model, const Vector& theta, Vector& x,
                             const SolveOptions& options,
                             const CancellationFlag* cancel = nullptr) const = 0;

  // The iteration this solver runs, as a differentiable map z⁺ = A_k(z, θ) on its full state
  // (core/iterations): what `unrolled`, `forward`, `fpad` and the derivative sequences
  // differentiate, so that they differentiate the algorithm that solved the problem. Null when the
  // solver has none (hasIterationMap says why). The map refers to `model` and `theta`, which must
  // outlive it.
  virtual std::unique_ptr<IterationMap> iterationMap(const Model& model, const Vector& theta) const;
  // Whether iterationMap() returns a map; if not, and `why` is given, a sentence naming the solver
  // and the reason ("lbfgs has no iteration map (its steps depend on a line search): ...").
  virtual bool hasIterationMap(std::string* why = nullptr) const;
};

}  // namespace bilevel
