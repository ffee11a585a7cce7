#pragma once

#include <memory>

#include "config/Configuration.h"
#include "image/Image.h"
#include "learning/TrainingPair.h"
#include "models/LowerLevel.h"
#include "solvers/InnerSolver.h"

namespace bilevel {

// The lower-level solve alone, x*(θ) for parameters a person sets by hand (the studio's sliders):
// each solve starts from the previous solution, so nudging λ costs a few dozen iterations instead
// of a cold solve. Holds its own model, so it never shares scratch buffers with a learning run.
class ReconstructionPreview {
 public:
  ReconstructionPreview(const TrainingPair& pair, const Configuration& configuration);
  ~ReconstructionPreview();
  // Not copyable: the solve options point at this object's solver state.
  ReconstructionPreview(const ReconstructionPreview&) = delete;
  ReconstructionPreview& operator=(const ReconstructionPreview&) = delete;

  // Solves for θ from the last solution (or the noisy image the first time). On cancellation or
  // divergence the previous solution is kept and the summary says so.
  SolveSummary solve(const Vector& theta, const CancellationFlag* cancel = nullptr);

  // The next solve starts from x (a solution another solver reached at a nearby θ) instead of the
  // last one. The kept dual belongs to the last x, so it is dropped: the solver restarts it at 0.
  void startFrom(const Vector& x);
  const LowerLevel& model() const { return *model_; }
  // x*(θ) of the last successful solve, as an image of the pair's shape.
  const Image& reconstruction() const { return reconstruction_; }
  const Vector& parameters() const { return theta_; }

 private:
  std::unique_ptr<LowerLevel> model_;
  std::unique_ptr<InnerSolver> solver_;
  SolveOptions options_;
  // The solver's state beyond x at the last solution (Chambolle–Pock's dual), warm-starting the
  // next solve with x (options_.state points here).
  SolverState state_;
  Vector work_, theta_;
  Image reconstruction_;
};

}  // namespace bilevel
