#include "hypergradients/Unrolled.h"

#include <cmath>
#include <vector>

#include "common/Stopwatch.h"
#include "iterations/IterationRun.h"

namespace bilevel {

HypergradientSummary Unrolled::evaluate(const BilevelProblem& problem, const Vector& theta,
                                        Vector& x, Vector& gradient,
                                        const CancellationFlag* cancel) const {
  HypergradientSummary summary;
  summary.method = name();
  const auto map = iterationMap(problem, theta);
  Stopwatch innerClock;
  const Eigen::Index n = problem.model.variableCount();
  SolveSummary& inner = summary.inner;
  IterationRun run(*map, problem.solve, inner);

  // Checkpoint spacing: ⌈√K⌉ balances stored checkpoints against the recomputed segment. With
  // a tolerance-driven length K is unknown; assume at most 1024 steps for the spacing.
  const int lengthGuess =
      run.fixedLength() ? run.iterationLimit() : std::min(run.iterationLimit(), 1024);
  const int interval = options_.checkpointInterval > 0
                           ? options_.checkpointInterval
                           : std::max(1, int(std::ceil(std::sqrt(double(lengthGuess)))));

  // Forward pass: keep the full state z_k at every k multiple of the interval.
  std::vector<IterationState> checkpoints;
  IterationState z = map->makeState();
  map->coldStart(z);
  int steps = 0;
  for (; steps < run.iterationLimit(); ++steps) {
    if (isCancelled(cancel)) {
      summary.termination = inner.termination = Termination::Cancelled;
      return summary;
    }
    if (steps % interval == 0) checkpoints.push_back(z);
    const bool output = !run.advance(steps, z);
    if (run.fixedLength()) {
      reportSteps(cancel, "unrolled forward pass", steps + (output ? 0 : 1), run.iterationLimit());
    } else {
      // The measure of z_k, read by the step from it (k = steps).
      reportProgress(cancel, "unrolled forward pass", steps, inner.relativeGradientNorm,
                     problem.solve.tolerance);
    }
    if (output) break;
  }
  inner.iterations = steps;
  if (inner.termination == Termination::Diverged) {
    summary.termination = Termination::Diverged;
    return summary;
  }
  map->primal(z, x);
  inner.energy = problem.model.energy(x, theta);
  inner.seconds = innerClock.seconds();
  summary.innerSeconds = inner.seconds;

  // Reverse pass: z̄ = Pᵀ ∂_xL, then back through the segments.
  Stopwatch reverseClock;
  summary.outerLoss = problem.loss.value(x, theta);
  Vector dLdx(n), thetaBar(theta.size());
  problem.loss.gradientX(x, theta, dLdx);
  problem.loss.gradientTheta(x, theta, gradient);
  IterationState zBar = map->makeState(), previousBar = map->makeState();
  map->primalAdjoint(dLdx, zBar);
  const int first = options_.truncation > 0 ? std::max(0, steps - options_.truncation) : 0;
  reportSteps(cancel, "unrolled reverse pass", 0, steps - first);
  // The segment keeps, per step, what the map's products need (for Nesterov's scheme y_k only).
  std::vector<IterationState> segment(std::min(interval, std::max(steps, 1)),
                                      map->makeSavedLinearization());
  for (int start = ((steps - 1) / interval) * interval; start >= 0 && steps > 0;
       start -= interval) {
    const int end = std::min(start + interval, steps);
    if (end <= first) break;
    // Recompute z_k for k in [start, end) from the checkpoint at `start`, saving each one's
    // linearisation; z (the K-th state) is no longer needed and serves as the running state.
    z = checkpoints[start / interval];
    for (int k = start; k < end; ++k) {
      map->saveLinearization(k, z, segment[k - start]);
      if (k + 1 < end) map->advance(k, z, -1.0);
    }
    for (int k = end - 1; k >= std::max(start, first); --k) {
      if (isCancelled(cancel)) {
        summary.termination = Termination::Cancelled;
        return summary;
      }
      map->linearizeSaved(k, segment[k - start]);
      map->parameterTransposeProduct(zBar, thetaBar);
      gradient += thetaBar;
      map->stateTransposeProduct(zBar, previousBar);
      zBar.swap(previousBar);
      ++summary.iterations;
      reportSteps(cancel, "unrolled reverse pass", summary.iterations, steps - first);
    }
  }
  summary.termination = Termination::Converged;
  summary.hypergradientSeconds = reverseClock.seconds();
  const double stateVectors = double(z.size()) / double(n);
  const double savedVectors = double(segment.front().size()) / double(n);
  const double vectors =
      stateVectors * double(checkpoints.size() + 4) + savedVectors * double(segment.size()) + 2.0;
  summary.workingMegabytes = vectors * double(n) * 8.0 / (1024.0 * 1024.0);
  summary.message = "K = " + std::to_string(steps) + ", checkpoint every " +
                    std::to_string(interval) + ", differentiated " +
                    std::to_string(summary.iterations) + " steps";
  return summary;
}

}  // namespace bilevel
