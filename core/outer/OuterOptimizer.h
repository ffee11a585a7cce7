#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/Vector.h"

namespace bilevel {

// The upper-level objective as the outer optimisers see it: U and ∇U in the optimisation
// variables φ (log θ for positive weights). Each evaluation solves every lower-level problem.
struct OuterEvaluation {
  double value = 0.0;
  Vector gradient;
};

class OuterObjective {
 public:
  virtual ~OuterObjective() = default;
  // Returns false when the evaluation was cancelled; throws Error(Numerical) on divergence.
  virtual bool evaluate(const Vector& phi, OuterEvaluation& result) = 0;
  // The point evaluated last becomes the current iterate (its lower-level solutions become the
  // warm starts of the next evaluations).
  virtual void accept() = 0;
};

struct OuterOptions {
  // Length of the first step in φ = log θ units (gradient descent and L-BFGS), or Adam's learning
  // rate. Range (0, 10]; default 0.5.
  double step = 0.5;
  // Stop when ‖∇_φU‖ ≤ tolerance · ‖∇_φU‖ at the first iterate. Range [0, 1); default 1e-6.
  double tolerance = 1e-6;
  // L-BFGS pairs kept. Default 10.
  int memory = 10;
  // The largest change of any one coordinate of φ a line-search trial may make (gradient descent
  // and L-BFGS shorten the first trial to it); 0 leaves steps unbounded. A quasi-Newton step built
  // from inexact hypergradients can reach far outside the region where the lower-level solutions
  // it warm-starts from are near: with a non-convex lower level (foe, Student-t) such trials cost
  // thousands of inner iterations before they are rejected (docs/foe-quality.md §5). Default 0.
  double maxStep = 0.0;
};

// The options of the configuration's "outer" section (step, tolerance, max_step).
OuterOptions outerOptionsFrom(const nlohmann::json& outerSection);

struct OuterStep {
  int evaluations = 0;
  double stepLength = 0.0;  // ‖φ_new − φ_old‖
  bool moved = false;       // φ changed
  bool converged = false;   // the stopping test holds, or no decrease is possible any more
  bool cancelled = false;
  std::string message;
};

// One outer iteration: from φ with its evaluation `current`, find the next iterate, call
// objective.accept() for it and update φ and `current`.
class OuterOptimizer {
 public:
  virtual ~OuterOptimizer() = default;
  virtual std::string name() const = 0;
  virtual OuterStep step(Vector& phi, OuterEvaluation& current, OuterObjective& objective) = 0;

  // The memory step() carries between calls, for a checkpoint of dataset learning
  // (DatasetLearning.h); JSON numbers round-trip doubles exactly. Null when the optimiser cannot
  // save it (a resumed run would then not continue exactly, so checkpoints refuse it).
  virtual nlohmann::json state() const { return nullptr; }
  // Restores what state() returned; Error(Usage) when it does not fit.
  virtual void restore(const nlohmann::json& state);
  // Whether step() compares U at several points (a line search): those points must see the same
  // samples, so minibatch learning draws the next batch before re-evaluating the current point.
  virtual bool usesLineSearch() const { return true; }
};

// The registry entry's optimiser (registry::optimizers()); Error(Usage) naming it and listing the
// known ones otherwise.
std::unique_ptr<OuterOptimizer> makeOuterOptimizer(const std::string& name,
                                                   const OuterOptions& options);

// Armijo backtracking along `direction` from `initialStep`, halving up to 12 times:
// accepts φ + t d when U(φ + t d) ≤ U(φ) + 1e-4 t ⟨∇U, d⟩. Shared by gradient descent and L-BFGS.
// With maxStep > 0 the first t is shortened so that t·‖d‖∞ ≤ maxStep (OuterOptions::maxStep).
OuterStep armijoBacktracking(Vector& phi, OuterEvaluation& current, const Vector& direction,
                             double initialStep, double maxStep, OuterObjective& objective,
                             double* acceptedStep);

}  // namespace bilevel
