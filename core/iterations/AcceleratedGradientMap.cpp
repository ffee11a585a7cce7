#include "iterations/AcceleratedGradientMap.h"

#include <algorithm>
#include <cmath>

#include "solvers/AcceleratedGradient.h"

namespace bilevel {

AcceleratedGradientMap::AcceleratedGradientMap(const Model& model, const Vector& theta)
    : SmoothIterationMap(model, theta) {
  const NesterovParameters parameters = nesterovParameters(model, theta);
  step_ = parameters.step;
  momentum_ = parameters.momentum;
  const Eigen::Index n = model.variableCount();
  stepPoint_.resize(n);
  gradient_.resize(n);
  ownLinearPoint_.resize(n);
  direction_.resize(n);
  curvature_.resize(n);
  mixed_.resize(n);
}

IterationState AcceleratedGradientMap::makeState() const {
  return IterationState({variableCount(), variableCount()});
}

void AcceleratedGradientMap::warmStart(const Vector& x, IterationState& z) const {
  z.part(0) = x;
  z.part(1) = x;
}

void AcceleratedGradientMap::fixedPoint(const Vector& solution, IterationState& z) const {
  warmStart(solution, z);
}

void AcceleratedGradientMap::primalAdjoint(const Vector& xBar, IterationState& zBar) const {
  zBar.part(0) = xBar;
  zBar.part(1).setZero();
}

double AcceleratedGradientMap::step(int, const IterationState& z, IterationState& next) const {
  const Vector& x = z.part(0);
  stepPoint_ = (1.0 + momentum_) * x - momentum_ * z.part(1);
  model().gradient(stepPoint_, theta(), gradient_);
  next.part(0) = stepPoint_ - step_ * gradient_;
  next.part(1) = x;
  return gradient_.norm();
}

double AcceleratedGradientMap::advance(int, IterationState& z, double threshold) const {
  stepPoint_ = (1.0 + momentum_) * z.part(0) - momentum_ * z.part(1);
  model().gradient(stepPoint_, theta(), gradient_);
  const double measure = gradient_.norm();
  if (!(measure > threshold)) return measure;
  z.part(1).swap(z.part(0));  // x_k becomes x_{k−1} without a copy
  z.part(0) = stepPoint_ - step_ * gradient_;
  return measure;
}

double AcceleratedGradientMap::stoppingReference() const {
  model().gradient(model().initialPoint(), theta(), gradient_);
  return std::max(gradient_.norm(), 1e-300);
}

void AcceleratedGradientMap::linearize(int, const IterationState& z) const {
  ownLinearPoint_ = (1.0 + momentum_) * z.part(0) - momentum_ * z.part(1);
  linearPoint_ = &ownLinearPoint_;
}

IterationState AcceleratedGradientMap::makeSavedLinearization() const {
  return IterationState({variableCount()});
}

void AcceleratedGradientMap::saveLinearization(int, const IterationState& z,
                                               IterationState& saved) const {
  saved.part(0) = (1.0 + momentum_) * z.part(0) - momentum_ * z.part(1);
}

void AcceleratedGradientMap::linearizeSaved(int, const IterationState& saved) const {
  linearPoint_ = &saved.part(0);
}

void AcceleratedGradientMap::stateProduct(const IterationState& v, IterationState& out) const {
  direction_ = (1.0 + momentum_) * v.part(0) - momentum_ * v.part(1);  // v_y
  model().hessianVectorProduct(*linearPoint_, theta(), direction_, curvature_);
  out.part(0) = direction_ - step_ * curvature_;
  out.part(1) = v.part(0);
}

void AcceleratedGradientMap::stateTransposeProduct(const IterationState& w,
                                                   IterationState& out) const {
  model().hessianVectorProduct(*linearPoint_, theta(), w.part(0), curvature_);
  direction_ = w.part(0) - step_ * curvature_;  // ȳ
  out.part(0) = (1.0 + momentum_) * direction_ + w.part(1);
  out.part(1) = -momentum_ * direction_;
}

void AcceleratedGradientMap::parameterProduct(const Vector& dtheta, IterationState& out) const {
  model().mixedTransposeProduct(*linearPoint_, theta(), dtheta, out.part(0));
  out.part(0) *= -step_;
  out.part(1).setZero();
}

void AcceleratedGradientMap::parameterTransposeProduct(const IterationState& w, Vector& out) const {
  model().mixedProduct(*linearPoint_, theta(), w.part(0), out);
  out *= -step_;
}

void AcceleratedGradientMap::tangentProduct(const IterationState& v, const Vector& dtheta,
                                            IterationState& out) const {
  direction_ = (1.0 + momentum_) * v.part(0) - momentum_ * v.part(1);  // v_y
  model().hessianVectorProduct(*linearPoint_, theta(), direction_, curvature_);
  model().mixedTransposeProduct(*linearPoint_, theta(), dtheta, mixed_);
  out.part(0) = direction_ - step_ * (curvature_ + mixed_);
  out.part(1) = v.part(0);
}

double AcceleratedGradientMap::contractionRate() const {
  return 1.0 - std::sqrt(std::max(model().strongConvexityBound(theta()), 0.0) /
                         model().gradientLipschitzBound(theta()));
}

}  // namespace bilevel
