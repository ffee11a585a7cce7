#include "learning/ReconstructionPreview.h"

#include "common/Error.h"
#include "learning/ModelFactory.h"

namespace bilevel {

ReconstructionPreview::ReconstructionPreview(const TrainingPair& pair,
                                             const Configuration& configuration)
    : model_(makeModel(configuration, pair.noisy)),
      solver_(makeInnerSolver(configuration.solverType())),
      options_(configuration.solveOptions()),
      reconstruction_(pair.noisy) {
  // A preview shows the converged reconstruction even when the run unrolls a fixed K.
  options_.fixedIterations = 0;
  options_.recordTrace = false;
  options_.state = &state_;
  work_ = pair.noisy.pixels;
}

ReconstructionPreview::~ReconstructionPreview() = default;

SolveSummary ReconstructionPreview::solve(const Vector& theta, const CancellationFlag* cancel) {
  if (theta.size() != model_->parameterCount()) {
    throw usageError("preview: the model has " + std::to_string(model_->parameterCount()) +
                     " parameters, got " + std::to_string(theta.size()));
  }
  work_ = reconstruction_.pixels;
  SolveSummary summary = solver_->solve(*model_, theta, work_, options_, cancel);
  if (summary.usable() && work_.allFinite()) {
    reconstruction_.pixels.swap(work_);
    theta_ = theta;
  } else if (summary.termination != Termination::Cancelled) {
    summary.termination = Termination::Diverged;
  }
  return summary;
}

void ReconstructionPreview::startFrom(const Vector& x) {
  if (x.size() != reconstruction_.pixels.size()) {
    throw usageError("preview: the start has " + std::to_string(x.size()) + " pixels, the image " +
                     std::to_string(reconstruction_.pixels.size()));
  }
  reconstruction_.pixels = x;
  state_.dual.resize(0);
}

}  // namespace bilevel
