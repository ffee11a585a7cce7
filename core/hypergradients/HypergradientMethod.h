#pragma once

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/Cancellation.h"
#include "iterations/IterationMap.h"
#include "losses/UpperLoss.h"
#include "models/Model.h"
#include "solvers/InnerSolver.h"

namespace bilevel {

// Settings shared by the hypergradient methods of DESIGN.md §2 (each reads the ones it uses).
struct HypergradientOptions {
  // implicit-cg, implicit-neumann, fpad: stop when the relative residual of the adjoint system
  // (or the norm of the next series term) falls below this. Range (0, 1); default 1e-8.
  double tolerance = 1e-8;
  // implicit-cg: CG iterations; implicit-neumann: series terms; fpad: recursion steps. Default
  // 5000.
  int maxIterations = 5000;
  // unrolled: differentiate only the last T inner iterations, treating earlier ones as constant
  // (truncated back-propagation). 0 differentiates all of them. Default 0.
  int truncation = 0;
  // unrolled: keep every c-th iterate and recompute the ones between in the reverse pass, so
  // memory is O((K/c + c)·n) rather than O(K·n). 0 picks c = ⌈√K⌉; c ≥ K stores every iterate.
  int checkpointInterval = 0;
  // finite-difference: step h_j = step · max(|θ_j|, 1e-3) of the central difference. Default 1e-5.
  double finiteDifferenceStep = 1e-5;
  // finite-difference: inner tolerance of every solve it makes. Default 1e-12.
  double finiteDifferenceTolerance = 1e-12;
  // implicit-manifold: after the solve to solver.tolerance, keep solving (warm from x and the
  // dual, the relative gap ÷10 per round) until the jump set no longer changes from one round to
  // the next, for at most this many rounds; 0 differentiates on the manifold of the first solve as
  // it is (ImplicitManifold.h says why that is often wrong at 1e-8). ≥ 0; default 6.
  int identificationRounds = 6;

  bool isValid(std::string* error) const;
};

// One bilevel problem instance: the lower level (model and its data), the upper loss, and how the
// lower level is solved.
struct BilevelProblem {
  // Either kind of lower level; the solver must serve it (InnerSolver::supportsModel).
  const LowerLevel& model;
  const UpperLoss& loss;
  const InnerSolver& solver;
  SolveOptions solve;

  // The model as the smooth kind, for methods that need its Hessian (implicit-cg, ...); throws
  // Error(Usage) naming the model when it is nonsmooth (their supports() refuses that first).
  const Model& smoothModel() const {
    return requireSmoothModel(model, "this hypergradient method");
  }
};

// What one hypergradient evaluation did: the report a Jacobian-diagnostics table shows.
struct HypergradientSummary {
  std::string method;
  // Converged, IterationLimit (the adjoint computation hit its cap), Cancelled or Diverged.
  Termination termination = Termination::Converged;
  double outerLoss = 0.0;  // U(θ) = L(x(θ), θ) at the point differentiated
  SolveSummary inner;      // the lower-level solve or forward pass behind the gradient
  int iterations = 0;      // CG steps, series terms, recursion/unrolled steps or solves
  double residual = std::numeric_limits<double>::quiet_NaN();  // ‖(∂²_xxE)a − ∂_xL‖ / ‖∂_xL‖
  std::vector<double> residualHistory;
  double innerSeconds = 0.0;
  double hypergradientSeconds = 0.0;
  double workingMegabytes = 0.0;  // memory the method held beyond x and θ
  std::string message;

  bool usable() const {
    return termination == Termination::Converged || termination == Termination::IterationLimit;
  }
};

// A way to compute ∇U(θ). Every method is given θ and a warm start in x, leaves in x the
// lower-level point it differentiated (the solution x* for implicit methods, the K-th iterate for
// unrolled and forward) and writes ∇U(θ) into `gradient`.
class HypergradientMethod {
 public:
  virtual ~HypergradientMethod() = default;
  virtual std::string name() const = 0;
  // One or two sentences: what the method computes and what it costs (the studio's tooltips).
  virtual std::string description() const = 0;
  virtual HypergradientSummary evaluate(const BilevelProblem& problem, const Vector& theta,
                                        Vector& x, Vector& gradient,
                                        const CancellationFlag* cancel = nullptr) const = 0;

  // Whether this method can differentiate `problem` (its solver and its model). When it cannot,
  // returns false and, if `why` is given, one sentence naming the method and the solver or model
  // and what to use instead. Callers check before any work (a configuration error, never a silent
  // substitute); evaluate() on a refused problem throws Error(Usage) with that sentence.
  // The default: the solver serves the model (InnerSolver::supportsModel) and supportsSolver().
  virtual bool supports(const BilevelProblem& problem, std::string* why = nullptr) const;
  // The part of supports() that depends on the solver alone: what a configuration can check before
  // any image is read.
  virtual bool supportsSolver(const InnerSolver&, std::string* = nullptr) const { return true; }
};

// Throws Error(Usage) with supports()'s sentence when `method` cannot differentiate `problem`.
void requireSupport(const HypergradientMethod& method, const BilevelProblem& problem);

// The methods that differentiate the solver's iterations (unrolled, forward, fpad): they need an
// iteration map from the solver (InnerSolver::iterationMap).
class IterationMapMethod : public HypergradientMethod {
 public:
  bool supportsSolver(const InnerSolver& solver, std::string* why = nullptr) const override;

 protected:
  // The solver's map at θ; throws Error(Usage) with supports()'s sentence when there is none.
  std::unique_ptr<IterationMap> iterationMap(const BilevelProblem& problem,
                                             const Vector& theta) const;
};

// All method names in the order of DESIGN.md §2: the registry's (registry::methods(), where a new
// method is added).
const std::vector<std::string>& hypergradientMethodNames();

// The registry entry's method; throws Error(Usage) naming the method and listing the known ones
// when it is unknown.
std::unique_ptr<HypergradientMethod> makeHypergradientMethod(const std::string& name,
                                                             const HypergradientOptions& options);

}  // namespace bilevel
