#pragma once

#include "iterations/SmoothIterationMap.h"

namespace bilevel {

// Plain gradient descent with the constant step τ = 1/L of the model's bound at θ (treated as a
// constant, as in AcceleratedGradientMap), on the state z = (x_k) (one part):
//   A(x) = x − τ ∂_xE(x),   z_0 = (x_0).
// With H = ∂²_xxE(x_k), symmetric:
//   A_z v  = v − τ H v,        A_zᵀ w = w − τ H w,
//   A_θ dθ = −τ (∂²_xθE(x_k)) dθ,   A_θᵀ w = −τ (∂²_θxE(x_k)) w.
// The fixed point of x* is x* itself; the stopping measure is ‖∂_xE(x_k)‖. The map does not depend
// on k. Its FPAD recursion is the Neumann series of implicit-neumann and contracts at 1 − μ/L.
class GradientDescentMap final : public SmoothIterationMap {
 public:
  GradientDescentMap(const Model& model, const Vector& theta);

  std::string name() const override { return "gradient-descent"; }
  double stepSize() const { return step_; }
  IterationState makeState() const override;

  void warmStart(const Vector& x, IterationState& z) const override { z.part(0) = x; }
  void fixedPoint(const Vector& solution, IterationState& z) const override {
    z.part(0) = solution;
  }
  void primal(const IterationState& z, Vector& x) const override { x = z.part(0); }
  void primalAdjoint(const Vector& xBar, IterationState& zBar) const override {
    zBar.part(0) = xBar;
  }

  double step(int k, const IterationState& z, IterationState& next) const override;
  double advance(int k, IterationState& z, double threshold) const override;
  double stoppingReference() const override;

  void linearize(int, const IterationState& z) const override { linearPoint_ = &z.part(0); }
  void stateProduct(const IterationState& v, IterationState& out) const override;
  void stateTransposeProduct(const IterationState& w, IterationState& out) const override {
    stateProduct(w, out);  // A_z is symmetric
  }
  void parameterProduct(const Vector& dtheta, IterationState& out) const override;
  void parameterTransposeProduct(const IterationState& w, Vector& out) const override;
  void tangentProduct(const IterationState& v, const Vector& dtheta,
                      IterationState& out) const override;

  double contractionRate() const override;

 private:
  double step_ = 0.0;
  // The linearisation point: x_k itself, so no copy (linearize's contract keeps z alive).
  mutable const Vector* linearPoint_ = nullptr;
  mutable Vector gradient_, curvature_, mixed_;
};

}  // namespace bilevel
