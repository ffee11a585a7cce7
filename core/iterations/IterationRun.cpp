#include "iterations/IterationRun.h"

#include <cmath>

namespace bilevel {

IterationRun::IterationRun(const IterationMap& map, const SolveOptions& options,
                           SolveSummary& summary)
    : map_(map),
      summary_(summary),
      fixedIterations_(options.fixedIterations),
      maxIterations_(options.maxIterations),
      recordTrace_(options.recordTrace) {
  summary_.referenceGradientNorm = map_.stoppingReference();
  ++summary_.gradientEvaluations;
  threshold_ = options.tolerance * summary_.referenceGradientNorm;
  summary_.termination = Termination::IterationLimit;
}

bool IterationRun::advance(int k, const IterationState& z, IterationState& next) {
  return record(map_.step(k, z, next));
}

bool IterationRun::advance(int k, IterationState& z) {
  // A fixed-length run stops only on a breakdown (NaN fails every comparison).
  return record(map_.advance(k, z, fixedLength() ? -1.0 : threshold_));
}

bool IterationRun::record(double measure) {
  ++summary_.gradientEvaluations;
  if (std::isinf(measure) && measure > 0.0) return true;  // not evaluated at this step
  summary_.relativeGradientNorm = measure / summary_.referenceGradientNorm;
  if (recordTrace_) summary_.trace.push_back(summary_.relativeGradientNorm);
  if (!std::isfinite(measure)) {
    summary_.termination = Termination::Diverged;
    summary_.message = "the gradient became NaN or infinite";
    return false;
  }
  if (!fixedLength() && measure <= threshold_) {
    summary_.termination = Termination::Converged;
    return false;
  }
  return true;
}

}  // namespace bilevel
