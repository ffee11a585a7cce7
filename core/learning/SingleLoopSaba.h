#pragma once

#include "learning/SingleLoopSoba.h"

namespace bilevel {

// SABA, single-loop stochastic bilevel learning with SAGA variance reduction (Dagréou, Ablin,
// Vaiter & Moreau, NeurIPS 2022, seed 002; SAGA: Defazio, Bach & Lacoste-Julien 2014). Per step,
// on a batch B of b of the n training samples and with SOBA's directions (SingleLoopSoba.h) at the
// current (x_i, v_i, θ),
//   D_x,i = ∂_xE_i(x_i, θ),   D_v,i = (∂²_xxE_i) v_i − ∂_xL_i,   D_θ,i = ∂_θL_i − (∂²_θxE_i) v_i,
// each drawn sample steps x_i ← x_i − ρ_i D_x,i, v_i ← v_i − ρ_i D_v,i (ρ_i = train.inner_step /
// L_i(θ)), and θ moves along the seed's SAGA estimator of the mean θ direction
//   D̂_θ = (1/b) Σ_{i∈B} (D_θ,i − m_i) + (1/n) Σ_k m_k,      then m_i ← D_θ,i for i ∈ B,
// φ ← φ − γ · D̂_θ ⊙ ∂θ/∂φ with γ = outer.step constant: m_i is the last θ direction computed at
// sample i (0 before its first draw: benchmark_bilevel's init_memory "zero"). Its variance
// vanishes as the iterates settle, so constant steps reach the stationary point itself (the
// seed's theorem; train.step_decay is not used). Measured on 8 dead-leaves patches, batch 2:
// λ = 0.04861 from step 2000 on, two-loop's λ* 0.048614.
//
// The seed keeps SAGA tables of the x and v directions too, because its inner variable is shared
// by all samples and each draw sees one term of its gradient. Here every sample owns its x_i and
// v_i and its energy reads nothing else, so a drawn sample's D_x,i and D_v,i are already the whole
// direction of its block (no sampling noise to reduce). The SAGA estimator over the concatenated
// (x_1, …, x_n) would also move every undrawn block along its stored direction; measured that way
// (same problem, block step b/n·ρ_i so that the mean step matches), λ still wandered ±3% after
// 16,000 steps and ‖D̂_θ‖ did not decrease: a stored direction goes on being applied for a random
// (geometric) number of steps after it stopped being true. So x and v move as in SOBA and only θ's
// directions are kept: n·dim θ doubles, part of the checkpoint, so a resumed run continues
// exactly. With the full batch (b = n) this is SOBA with constant steps.
class SingleLoopSaba final : public SingleLoopSoba {
 public:
  // Error(Usage) when the model is not smooth.
  SingleLoopSaba(const Dataset& dataset, const Configuration& configuration,
                 TrainingOptions options);

 protected:
  nlohmann::json algorithmState() const override;
  void restoreAlgorithmState(const nlohmann::json& state) override;

  // (1/n) Σ_k m_k on a moving step (step 0 reports the plain batch mean).
  Vector thetaOffset(bool move) const override;
  // D_θ,i − m_i, then m_i ← D_θ,i, on a moving step; D_θ,i at step 0.
  Vector thetaTerm(std::size_t i, Vector directionTheta, bool move) override;
  // outer.step, constant.
  double thetaStep(int) const override { return outerStep_; }

 private:
  std::vector<Vector> memoryTheta_;  // m_i, one per training sample
};

}  // namespace bilevel
