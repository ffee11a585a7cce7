#include "hypergradients/Unrolled.h"

#include <cmath>
#include <vector>

#include "common/Stopwatch.h"
#include "hypergradients/NesterovUnrolling.h"

namespace bilevel {

HypergradientSummary Unrolled::evaluate(const BilevelProblem& problem, const Vector& theta,
                                        Vector& x, Vector& gradient,
                                        const CancellationFlag* cancel) const {
  HypergradientSummary summary;
  summary.method = name();
  Stopwatch innerClock;
  const Model& model = problem.model;
  const Eigen::Index n = model.variableCount();
  NesterovUnrolling unrolling(problem, theta);
  const double tau = unrolling.step(), beta = unrolling.momentum();

  // Checkpoint spacing: ⌈√K⌉ balances stored checkpoints against the recomputed segment. With
  // a tolerance-driven length K is unknown; assume at most 1024 steps for the spacing.
  const int lengthGuess = unrolling.fixedLength() ? unrolling.iterationLimit()
                                                  : std::min(unrolling.iterationLimit(), 1024);
  const int interval = options_.checkpointInterval > 0
                           ? options_.checkpointInterval
                           : std::max(1, int(std::ceil(std::sqrt(double(lengthGuess)))));

  // Forward pass: keep (x_k, x_{k−1}) at every k multiple of the interval.
  std::vector<Vector> checkpointX, checkpointPrevious;
  Vector xk = model.initialPoint(), previous = xk, y(n), g(n);
  SolveSummary& inner = summary.inner;
  inner.termination = Termination::IterationLimit;
  int steps = 0;
  for (; steps < unrolling.iterationLimit(); ++steps) {
    if (isCancelled(cancel)) {
      summary.termination = inner.termination = Termination::Cancelled;
      return summary;
    }
    if (steps % interval == 0) {
      checkpointX.push_back(xk);
      checkpointPrevious.push_back(previous);
    }
    if (unrolling.advanceTo(xk, previous, y, g, inner)) break;
    previous.swap(xk);
    xk = y - tau * g;
  }
  inner.iterations = steps;
  if (inner.termination == Termination::Diverged) {
    summary.termination = Termination::Diverged;
    return summary;
  }
  x = xk;
  inner.energy = model.energy(x, theta);
  inner.seconds = innerClock.seconds();
  summary.innerSeconds = inner.seconds;

  // Reverse pass.
  Stopwatch reverseClock;
  summary.outerLoss = problem.loss.value(x, theta);
  Vector a(n), b = Vector::Zero(n), yBar(n), product(n), mixed(theta.size());
  problem.loss.gradientX(x, theta, a);
  problem.loss.gradientTheta(x, theta, gradient);
  const int first = options_.truncation > 0 ? std::max(0, steps - options_.truncation) : 0;
  std::vector<Vector> segment(std::min(interval, std::max(steps, 1)), Vector(n));
  Vector segmentX(n), segmentPrevious(n);
  for (int start = ((steps - 1) / interval) * interval; start >= 0 && steps > 0;
       start -= interval) {
    const int end = std::min(start + interval, steps);
    if (end <= first) break;
    // Recompute y_k for k in [start, end) from the checkpoint at `start`.
    segmentX = checkpointX[start / interval];
    segmentPrevious = checkpointPrevious[start / interval];
    for (int k = start; k < end; ++k) {
      Vector& yk = segment[k - start];
      yk = (1.0 + beta) * segmentX - beta * segmentPrevious;
      if (k + 1 < end) {
        model.gradient(yk, theta, g);
        segmentPrevious.swap(segmentX);
        segmentX = yk - tau * g;
      }
    }
    for (int k = end - 1; k >= std::max(start, first); --k) {
      if (isCancelled(cancel)) {
        summary.termination = Termination::Cancelled;
        return summary;
      }
      const Vector& yk = segment[k - start];
      model.hessianVectorProduct(yk, theta, a, product);
      model.mixedProduct(yk, theta, a, mixed);
      gradient -= tau * mixed;
      yBar = a - tau * product;
      a = b + (1.0 + beta) * yBar;
      b = -beta * yBar;
      ++summary.iterations;
    }
  }
  summary.termination = Termination::Converged;
  summary.hypergradientSeconds = reverseClock.seconds();
  const double vectors = 2.0 * double(checkpointX.size()) + double(segment.size()) + 8.0;
  summary.workingMegabytes = vectors * double(n) * 8.0 / (1024.0 * 1024.0);
  summary.message = "K = " + std::to_string(steps) + ", checkpoint every " +
                    std::to_string(interval) + ", differentiated " +
                    std::to_string(summary.iterations) + " steps";
  return summary;
}

}  // namespace bilevel
