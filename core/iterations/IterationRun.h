#pragma once

#include "iterations/IterationMap.h"
#include "solvers/InnerSolver.h"

namespace bilevel {

// Runs an iteration map forward as its solver would (what `unrolled` and `forward` differentiate):
// exactly SolveOptions::fixedIterations steps when that is positive; otherwise until the map's
// stopping measure is at most tolerance·stoppingReference() (then K = k and the output is the
// state z_K the measure was read at) or maxIterations steps. Records into a SolveSummary what the
// solvers record: the reference and relative gradient norms, the trace, one gradient evaluation
// per step, and the termination.
class IterationRun {
 public:
  // Evaluates the stopping reference (one gradient evaluation).
  IterationRun(const IterationMap& map, const SolveOptions& options, SolveSummary& summary);

  bool fixedLength() const { return fixedIterations_ > 0; }
  int iterationLimit() const { return fixedLength() ? fixedIterations_ : maxIterations_; }

  // next = A_k(z); returns false, taking no step, when z is the output: the stopping test held
  // (termination Converged) or the measure was NaN or infinite (Diverged, with a message).
  bool advance(int k, const IterationState& z, IterationState& next);
  // The same in place (IterationMap::advance): z ← A_k(z) unless z is the output, which then
  // stays in z. For passes that need no z_k after the step.
  bool advance(int k, IterationState& z);

 private:
  bool record(double measure);

  const IterationMap& map_;
  SolveSummary& summary_;
  int fixedIterations_;
  int maxIterations_;
  bool recordTrace_;
  double threshold_ = 0.0;
};

}  // namespace bilevel
