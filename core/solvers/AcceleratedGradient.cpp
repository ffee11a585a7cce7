#include "solvers/AcceleratedGradient.h"

#include <cmath>

#include "common/Stopwatch.h"

namespace bilevel {

NesterovParameters nesterovParameters(const Model& model, const Vector& theta) {
  const double lipschitz = model.gradientLipschitzBound(theta);
  const double mu = model.strongConvexityBound(theta);
  const double root = std::sqrt(mu / lipschitz);
  return {.step = 1.0 / lipschitz, .momentum = (1.0 - root) / (1.0 + root)};
}

SolveSummary AcceleratedGradient::solve(const Model& model, const Vector& theta, Vector& x,
                                        const SolveOptions& options,
                                        const CancellationFlag* cancel) const {
  Stopwatch clock;
  SolveSummary summary;
  const auto [step, momentum] = nesterovParameters(model, theta);
  const bool fixed = options.fixedIterations > 0;
  const int iterationLimit = fixed ? options.fixedIterations : options.maxIterations;

  Vector g(x.size()), y(x.size()), previous = x;
  model.gradient(model.initialPoint(), theta, g);
  summary.gradientEvaluations = 1;
  summary.referenceGradientNorm = std::max(g.norm(), 1e-300);
  const double threshold = options.tolerance * summary.referenceGradientNorm;
  if (options.recordTrace) summary.trace.reserve(iterationLimit + 1);

  summary.termination = Termination::IterationLimit;
  bool atY = false;  // whether g currently holds ∂_xE at x
  for (int k = 0; k < iterationLimit; ++k) {
    if (isCancelled(cancel)) {
      summary.termination = Termination::Cancelled;
      break;
    }
    y = x + momentum * (x - previous);
    model.gradient(y, theta, g);
    ++summary.gradientEvaluations;
    const double norm = g.norm();
    if (options.recordTrace) summary.trace.push_back(norm / summary.referenceGradientNorm);
    if (!std::isfinite(norm) || norm > 1e12 * summary.referenceGradientNorm) {
      summary.termination = Termination::Diverged;
      summary.message = "the gradient norm became " + std::to_string(norm);
      break;
    }
    if (!fixed && norm <= threshold) {
      x = y;
      atY = true;
      summary.termination = Termination::Converged;
      summary.relativeGradientNorm = norm / summary.referenceGradientNorm;
      break;
    }
    previous.swap(x);    // previous ← x_k
    x = y - step * g;    // x ← x_{k+1}
    ++summary.iterations;
    if (!fixed && g.dot(x - previous) > 0.0) previous = x;  // restart: drop the momentum
  }
  summary.iterations = std::max(summary.iterations, 0);
  if (!atY && summary.termination != Termination::Diverged) {
    summary.energy = model.energyAndGradient(x, theta, g);
    ++summary.gradientEvaluations;
    summary.relativeGradientNorm = g.norm() / summary.referenceGradientNorm;
  } else if (atY) {
    summary.energy = model.energy(x, theta);
  }
  summary.seconds = clock.seconds();
  return summary;
}

}  // namespace bilevel
