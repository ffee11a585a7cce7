#include "solvers/InnerGradientDescent.h"

#include "common/Stopwatch.h"
#include "iterations/GradientDescentMap.h"
#include "iterations/IterationRun.h"

namespace bilevel {

std::unique_ptr<IterationMap> InnerGradientDescent::iterationMap(const Model& model,
                                                                 const Vector& theta) const {
  return std::make_unique<GradientDescentMap>(model, theta);
}

SolveSummary InnerGradientDescent::solve(const Model& model, const Vector& theta, Vector& x,
                                         const SolveOptions& options,
                                         const CancellationFlag* cancel) const {
  Stopwatch clock;
  SolveSummary summary;
  const GradientDescentMap map(model, theta);
  IterationState z = map.makeState();
  map.warmStart(x, z);
  IterationRun run(map, options, summary);
  if (options.recordTrace) summary.trace.reserve(run.iterationLimit() + 1);
  for (int k = 0; k < run.iterationLimit(); ++k) {
    if (isCancelled(cancel)) {
      summary.termination = Termination::Cancelled;
      break;
    }
    if (!run.advance(k, z)) break;
    ++summary.iterations;
    reportProgress(cancel, "inner solve", summary.iterations, summary.relativeGradientNorm,
                   options.tolerance);
  }
  map.primal(z, x);
  if (summary.termination == Termination::Converged) {
    summary.energy = model.energy(x, theta);
  } else if (summary.termination != Termination::Diverged) {
    Vector g(x.size());
    summary.energy = model.energyAndGradient(x, theta, g);
    ++summary.gradientEvaluations;
    summary.relativeGradientNorm = g.norm() / summary.referenceGradientNorm;
  }
  summary.seconds = clock.seconds();
  return summary;
}

}  // namespace bilevel
