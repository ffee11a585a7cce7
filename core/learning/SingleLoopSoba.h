#pragma once

#include "learning/DatasetLearning.h"

namespace bilevel {

// SOBA, single-loop stochastic bilevel learning (Dagréou, Ablin, Vaiter & Moreau, NeurIPS 2022;
// seed 002). Every training sample i keeps x_i (its lower-level iterate) and v_i (its adjoint
// iterate, the solution of H_i v = ∂_xL_i when converged). Per step, for each sample of the batch
// and with every direction taken at the current (x_i, v_i, θ):
//   D_x = ∂_xE_i(x_i, θ)                                   x_i ← x_i − ρ_i D_x
//   D_v = (∂²_xxE_i(x_i, θ)) v_i − ∂_xL_i(x_i)              v_i ← v_i − ρ_i D_v
//   D_θ = ∂_θL_i − (∂²_θxE_i(x_i, θ)) v_i
// then φ ← φ − γ · mean_B(D_θ ⊙ ∂θ/∂φ), with ρ_i = train.inner_step / L_i(θ) (L_i the Lipschitz
// bound of ∂_xE_i, Model::gradientLipschitzBound) and γ = outer.step. The slides' v is −v here:
// the sign convention of AdjointHypergradient (∇U = ∂_θL − (∂²_θxE) a). Constant steps (the
// paper's decreasing ρ_t = αt^{-2/5}, γ_t = βt^{-3/5} are what its theorem needs; constant steps
// converge to a neighbourhood). Needs a smooth lower level; x_i starts at the noisy sample,
// v_i at 0.
class SingleLoopSoba final : public LearningAlgorithm {
 public:
  // Error(Usage) when the model is not smooth.
  SingleLoopSoba(const Dataset& dataset, const Configuration& configuration,
                 TrainingOptions options);
  LearningAlgorithmKind kind() const override { return LearningAlgorithmKind::Soba; }

 protected:
  StepReport initialize(const std::vector<std::size_t>& batch,
                        const CancellationFlag* cancel) override;
  StepReport advance(const std::vector<std::size_t>& batch,
                     const CancellationFlag* cancel) override;
  nlohmann::json algorithmState() const override { return nullptr; }
  void restoreAlgorithmState(const nlohmann::json&) override {}

 private:
  // The batch's loss, PSNR and θ direction at the current iterates; with `move`, also steps x_i
  // and v_i.
  StepReport measure(const std::vector<std::size_t>& batch, bool move, Vector& direction);

  double thetaStep_ = 0.0;
};

}  // namespace bilevel
