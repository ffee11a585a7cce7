#pragma once

#include "iterations/SmoothIterationMap.h"

namespace bilevel {

// The iteration of AcceleratedGradient with constant momentum and no restart (what it runs with
// SolveOptions::fixedIterations > 0), on the state z = (x_k, x_{k−1}) (parts 0 and 1):
//   y_k = (1+β) x_k − β x_{k−1},   A(z) = (y_k − τ ∂_xE(y_k), x_k),   z_0 = (x_0, x_0),
// τ = 1/L and β = (1 − √(μ/L)) / (1 + √(μ/L)) from the model's bounds at θ, treated as constants
// (no derivative through L(θ): the limit x* does not depend on them). With H = ∂²_xxE(y_k):
//   A_z v  = ((I − τH) v_y, v_x),           v_y = (1+β) v_x − β v₋,
//   A_zᵀ w = ((1+β) ȳ + w₋, −β ȳ),          ȳ = (I − τH) w_x,
//   A_θ dθ = (−τ (∂²_xθE(y_k)) dθ, 0),
//   A_θᵀ w = −τ (∂²_θxE(y_k)) w_x.
// The fixed point of x* is (x*, x*); the stopping measure is ‖∂_xE(y_k)‖, and when it passes the
// output is x_k (no step is taken from it). The map does not depend on k. Its FPAD recursion
// contracts at 1 − √(μ/L): the slowest mode (eigenvalue μ of H) has that double root.
class AcceleratedGradientMap final : public SmoothIterationMap {
 public:
  AcceleratedGradientMap(const Model& model, const Vector& theta);

  std::string name() const override { return "accelerated-gradient"; }
  double stepSize() const { return step_; }
  double momentum() const { return momentum_; }
  IterationState makeState() const override;

  void warmStart(const Vector& x, IterationState& z) const override;
  void fixedPoint(const Vector& solution, IterationState& z) const override;
  void primal(const IterationState& z, Vector& x) const override { x = z.part(0); }
  void primalAdjoint(const Vector& xBar, IterationState& zBar) const override;

  double step(int k, const IterationState& z, IterationState& next) const override;
  double advance(int k, IterationState& z, double threshold) const override;
  double stoppingReference() const override;

  void linearize(int k, const IterationState& z) const override;
  // Keeps y_k only (one part): the products need nothing else.
  IterationState makeSavedLinearization() const override;
  void saveLinearization(int k, const IterationState& z, IterationState& saved) const override;
  void linearizeSaved(int k, const IterationState& saved) const override;
  void stateProduct(const IterationState& v, IterationState& out) const override;
  void stateTransposeProduct(const IterationState& w, IterationState& out) const override;
  void parameterProduct(const Vector& dtheta, IterationState& out) const override;
  void parameterTransposeProduct(const IterationState& w, Vector& out) const override;
  void tangentProduct(const IterationState& v, const Vector& dtheta,
                      IterationState& out) const override;

  double contractionRate() const override;

 private:
  double step_ = 0.0, momentum_ = 0.0;
  // y of step() and its gradient; y of the linearisation point; the extrapolated direction and
  // products with it.
  mutable Vector stepPoint_, gradient_, ownLinearPoint_, direction_, curvature_, mixed_;
  // y of the linearisation point: ownLinearPoint_, or a saved linearisation's part.
  mutable const Vector* linearPoint_ = &ownLinearPoint_;
};

}  // namespace bilevel
