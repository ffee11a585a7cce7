#include "diagnostics/HuberTvLimit.h"

#include <cmath>
#include <string>

#include "common/Error.h"
#include "common/Stopwatch.h"
#include "hypergradients/HypergradientMethod.h"
#include "hypergradients/ImplicitCG.h"
#include "hypergradients/ImplicitManifold.h"
#include "losses/SquaredError.h"
#include "models/HuberTV.h"
#include "models/TotalVariation.h"
#include "solvers/AcceleratedGradient.h"
#include "solvers/ChambollePock.h"

namespace bilevel {
namespace {

HypergradientSummary evaluate(const HypergradientMethod& method, const LowerLevel& model,
                              const UpperLoss& loss, const InnerSolver& solver,
                              const SolveOptions& solve, const Vector& theta, Vector& gradient) {
  const BilevelProblem problem{model, loss, solver, solve};
  Vector x = model.initialPoint();
  gradient.resize(theta.size());
  const HypergradientSummary summary = method.evaluate(problem, theta, x, gradient);
  if (summary.termination != Termination::Converged ||
      summary.inner.termination != Termination::Converged) {
    throw numericalError("huber-tv limit: " + method.name() + " on " + model.name() +
                         " did not converge (inner " + toString(summary.inner.termination) +
                         ", adjoint " + toString(summary.termination) + " " + summary.message +
                         ")");
  }
  return summary;
}

}  // namespace

HuberTvLimit huberTvLimit(const Image& noisy, const Image& clean, double lambda,
                          const std::vector<double>& epsilons, const HuberTvLimitOptions& options) {
  if (noisy.rows != clean.rows || noisy.cols != clean.cols) {
    throw usageError("huber-tv limit: the noisy and clean images differ in size");
  }
  if (!(lambda > 0.0)) throw usageError("huber-tv limit: λ must be > 0");
  HypergradientOptions adjoint;
  adjoint.tolerance = options.tolerance;
  adjoint.maxIterations = options.maxIterations;
  const SquaredError loss(clean.pixels);
  const Vector theta = Vector::Constant(1, lambda);
  HuberTvLimit table;

  TotalVariation::Options tvOptions;
  tvOptions.lambda = lambda;
  const TotalVariation tv(noisy, tvOptions);
  SolveOptions gapSolve;
  gapSolve.tolerance = options.gap;
  gapSolve.maxIterations = options.maxIterations;
  Vector gradient;
  Stopwatch clock;
  const HypergradientSummary manifold =
      evaluate(ImplicitManifold(adjoint), tv, loss, ChambollePock(), gapSolve, theta, gradient);
  table.seconds = clock.seconds();
  table.hypergradient = gradient[0];
  table.innerIterations = manifold.inner.iterations;
  table.adjointIterations = manifold.iterations;

  SolveOptions smoothSolve;
  smoothSolve.tolerance = options.tolerance;
  smoothSolve.maxIterations = options.maxIterations;
  const ImplicitCG implicitCg(adjoint);
  for (double epsilon : epsilons) {
    if (!(epsilon > 0.0)) throw usageError("huber-tv limit: every ε must be > 0");
    HuberTV::Options huberOptions;
    huberOptions.lambda = lambda;
    huberOptions.epsilon = epsilon;
    const HuberTV huber(noisy, huberOptions);
    clock = Stopwatch();
    const HypergradientSummary summary =
        evaluate(implicitCg, huber, loss, AcceleratedGradient(), smoothSolve, theta, gradient);
    HuberTvLimitRow row;
    row.epsilon = epsilon;
    row.hypergradient = gradient[0];
    row.difference = std::abs(gradient[0] - table.hypergradient) / std::abs(table.hypergradient);
    row.innerIterations = summary.inner.iterations;
    row.adjointIterations = summary.iterations;
    row.seconds = clock.seconds();
    table.rows.push_back(row);
  }
  return table;
}

}  // namespace bilevel
