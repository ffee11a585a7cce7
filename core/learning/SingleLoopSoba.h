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
// then φ ← φ − γ_k · mean_B(D_θ ⊙ ∂θ/∂φ), with ρ_i = ρ_0 / L_i(θ) (L_i the Lipschitz bound of
// ∂_xE_i, Model::gradientLipschitzBound). The slides' v is −v here: the sign convention of
// AdjointHypergradient (∇U = ∂_θL − (∂²_θxE) a). Needs a smooth lower level; x_i starts at the
// noisy sample, v_i at 0.
//
// Steps (seed 002, SOBA's theorem: ρ_t = αt^(−2/5), γ_t = βt^(−3/5)): at step k (0 for the first
// move) γ_k = outer.step·(1 + k/τ)^(−3/5) with τ = train.step_decay (0: constant), so the first τ
// steps run near outer.step and θ then slows down while x and v keep their pace. The inner step
// stays ρ_0 = train.inner_step: the theorem decreases it because its inner variable is shared and
// each draw sees a noisy piece of its gradient, whereas here a drawn sample's D_x and D_v are the
// whole direction of its own x_i and v_i. Measured on bench/dataset-learning's problem (24
// patches, batch 4, outer.step 0.002, 3,000 steps): constant steps peak at 23.87 dB validation
// PSNR (step 500) and diverge (θ not finite) after step 600; SABA, which removes the θ noise, does
// the same, so the fall comes from x and v lagging behind θ, not from the noise (λ was 0.17 at
// step 600, 3.6 times two-loop's optimum, and ρ_i = 1/L_i with L_i = 1 + 8λ/ε shrinks as λ grows).
// τ = 100 with both steps decreasing peaks at 23.88 dB and falls back to 20.48; with the θ step
// alone decreasing it rises monotonically to 23.88 dB and stays. The schedule is a function of the
// step count alone, which the checkpoint keeps.
//
// SingleLoopSaba is this scheme with another θ direction estimator and θ step (the protected hooks
// below) and the estimator's memory in the checkpoint.
class SingleLoopSoba : public LearningAlgorithm {
 public:
  // Error(Usage) when the model is not smooth.
  SingleLoopSoba(const Dataset& dataset, const Configuration& configuration,
                 TrainingOptions options);
  LearningAlgorithmKind kind() const override { return kind_; }

 protected:
  // The scheme under `kind`'s name (its messages say "train.algorithm <name>", "<name> diverged").
  SingleLoopSoba(const Dataset& dataset, const Configuration& configuration,
                 TrainingOptions options, LearningAlgorithmKind kind);

  StepReport initialize(const std::vector<std::size_t>& batch,
                        const CancellationFlag* cancel) override;
  StepReport advance(const std::vector<std::size_t>& batch,
                     const CancellationFlag* cancel) override;
  nlohmann::json algorithmState() const override { return nullptr; }
  void restoreAlgorithmState(const nlohmann::json&) override {}

  // θ's direction estimator, D̂_θ = (1/b) Σ_{i∈B} thetaTerm(i, D_θ,i) + thetaOffset, the sum in
  // batch order. SOBA's is the batch mean of D_θ,i: the term is D_θ,i and there is no offset.
  // `move` is false at step 0, which moves nothing.
  //
  // The offset, taken before any term of the step; empty for none.
  virtual Vector thetaOffset(bool /*move*/) const { return {}; }
  // Sample i's term, computed after its x_i and v_i moved; the batch's samples run in parallel,
  // so it may touch sample i's state only.
  virtual Vector thetaTerm(std::size_t /*i*/, Vector directionTheta, bool /*move*/) {
    return directionTheta;
  }
  // γ_k, θ's step at step k (0 for the first move).
  virtual double thetaStep(int k) const;

  double outerStep_ = 0.0;  // outer.step

 private:
  // The batch's loss, PSNR and θ direction D̂_θ at the current iterates; with `move`, also steps
  // x_i and v_i.
  StepReport measure(const std::vector<std::size_t>& batch, bool move, Vector& direction);

  const LearningAlgorithmKind kind_;
  const std::string user_;  // "train.algorithm <name>", for requireSmoothModel
};

// (1 + k/τ)^(−exponent), or 1 when τ = 0 (SingleLoopSoba's θ step schedule).
double stepDecayFactor(int k, double tau, double exponent);

}  // namespace bilevel
