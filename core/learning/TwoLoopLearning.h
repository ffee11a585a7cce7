#pragma once

#include <memory>

#include "learning/DatasetLearning.h"
#include "outer/OuterOptimizer.h"

namespace bilevel {

// Two-loop dataset learning (seed 002, "two-loops approaches"; AmIGO's warm starts: Arbel &
// Mairal 2022): each step solves every sample of the batch to solver.tolerance, computes its
// hypergradient with hypergradient.method, and moves θ with outer.optimizer along the mean
// ∇U = (1/|B|) Σ_{i∈B} ∇U_i (in φ = log θ on positive blocks). Each sample's x and adjoint start
// from where its last accepted evaluation left them. The samples of a batch run in parallel
// (train.threads).
//
// Minibatches (dataset.batch > 0): a new batch is drawn every step. An optimiser with a line
// search (lbfgs, gradient-descent) first re-evaluates the current θ on the new batch, so that
// its trial points compare losses of one batch; Adam steps along the last batch's gradient and
// evaluates the new θ on the new batch (one evaluation a step).
class TwoLoopLearning final : public LearningAlgorithm {
 public:
  // Error(Usage) when checkpoints are asked for (train.checkpoint_every > 0) and the optimiser
  // cannot save its memory (OuterOptimizer::state).
  TwoLoopLearning(const Dataset& dataset, const Configuration& configuration,
                  TrainingOptions options);
  ~TwoLoopLearning() override;
  LearningAlgorithmKind kind() const override { return LearningAlgorithmKind::TwoLoop; }

 protected:
  StepReport initialize(const std::vector<std::size_t>& batch,
                        const CancellationFlag* cancel) override;
  StepReport advance(const std::vector<std::size_t>& batch,
                     const CancellationFlag* cancel) override;
  nlohmann::json algorithmState() const override;
  void restoreAlgorithmState(const nlohmann::json& state) override;

 private:
  class Objective;
  StepReport report() const;

  std::unique_ptr<Objective> objective_;
  std::unique_ptr<OuterOptimizer> optimizer_;
  OuterEvaluation current_;
};

}  // namespace bilevel
