#pragma once

#include <vector>

#include "common/Cancellation.h"
#include "common/Vector.h"
#include "iterations/PrimalDualMap.h"
#include "models/TotalVariation.h"

namespace bilevel {

// How the primal–dual iteration identifies TV's manifold (issue 9 §2, diagnostics; seed 004 §II:
// after finitely many iterations the iterates lie on the manifold of x*, and from then on
// unrolling and the solver converge linearly). Runs PrimalDualMap (Chambolle–Pock Algorithm 1,
// the iteration `unrolled` differentiates) from the cold start and records, every `interval`
// iterations, the jump set's size, how many pixels entered or left it since the previous record,
// and the relative primal–dual gap.
struct SupportIdentificationOptions {
  // Iterations to run. ≥ 1; default 5000.
  int iterations = 5000;
  // Record every this many iterations (and the last one). ≥ 1; default 10.
  int interval = 10;
  // A pixel is in the jump set when |(∇x)_i| > this (TotalVariation::jumpSet). > 0.
  double jumpTolerance = TotalVariation::kDefaultJumpTolerance;
  // Stop at the first record whose relative gap is at most this (0: run all iterations): the
  // support no longer changes long before the gap reaches rounding. ≥ 0; default 0.
  double stopGap = 0.0;
  // The steps of the iteration (PrimalDualMap's defaults).
  PrimalDualMap::Options steps;
};

struct SupportIdentification {
  std::vector<int> iterations;               // iteration count of each record (0 = the start)
  std::vector<Eigen::Index> supportSize;     // |S_k|
  std::vector<Eigen::Index> supportChanges;  // |S_k Δ S_{previous record}| (0 at the start)
  std::vector<double> relativeGap;           // gap(x_k, q_k) / gap(y, 0)
  // The first recorded iteration from which the support no longer changed up to the last record;
  // −1 when it changed at the last record (not identified within the run).
  int identifiedAt = -1;
  bool cancelled = false;
};

// Throws usageError for options out of range or a θ the model refuses.
SupportIdentification supportIdentification(const TotalVariation& model, const Vector& theta,
                                            const SupportIdentificationOptions& options = {},
                                            const CancellationFlag* cancel = nullptr);

}  // namespace bilevel
