#include "iterations/GradientDescentMap.h"

#include <algorithm>

namespace bilevel {

GradientDescentMap::GradientDescentMap(const Model& model, const Vector& theta)
    : SmoothIterationMap(model, theta), step_(1.0 / model.gradientLipschitzBound(theta)) {
  const Eigen::Index n = model.variableCount();
  gradient_.resize(n);
  curvature_.resize(n);
  mixed_.resize(n);
}

IterationState GradientDescentMap::makeState() const {
  return IterationState({variableCount()});
}

double GradientDescentMap::step(int, const IterationState& z, IterationState& next) const {
  model().gradient(z.part(0), theta(), gradient_);
  next.part(0) = z.part(0) - step_ * gradient_;
  return gradient_.norm();
}

double GradientDescentMap::advance(int, IterationState& z, double threshold) const {
  model().gradient(z.part(0), theta(), gradient_);
  const double measure = gradient_.norm();
  if (measure > threshold) z.part(0) -= step_ * gradient_;
  return measure;
}

double GradientDescentMap::stoppingReference() const {
  model().gradient(model().initialPoint(), theta(), gradient_);
  return std::max(gradient_.norm(), 1e-300);
}

void GradientDescentMap::stateProduct(const IterationState& v, IterationState& out) const {
  model().hessianVectorProduct(*linearPoint_, theta(), v.part(0), curvature_);
  out.part(0) = v.part(0) - step_ * curvature_;
}

void GradientDescentMap::parameterProduct(const Vector& dtheta, IterationState& out) const {
  model().mixedTransposeProduct(*linearPoint_, theta(), dtheta, out.part(0));
  out.part(0) *= -step_;
}

void GradientDescentMap::parameterTransposeProduct(const IterationState& w, Vector& out) const {
  model().mixedProduct(*linearPoint_, theta(), w.part(0), out);
  out *= -step_;
}

void GradientDescentMap::tangentProduct(const IterationState& v, const Vector& dtheta,
                                        IterationState& out) const {
  model().hessianVectorProduct(*linearPoint_, theta(), v.part(0), curvature_);
  model().mixedTransposeProduct(*linearPoint_, theta(), dtheta, mixed_);
  out.part(0) = v.part(0) - step_ * (curvature_ + mixed_);
}

double GradientDescentMap::contractionRate() const {
  // μ ≤ 0 (a non-convex lower level): no contraction is guaranteed, the rate is 1.
  return 1.0 - std::max(model().strongConvexityBound(theta()), 0.0) /
                   model().gradientLipschitzBound(theta());
}

}  // namespace bilevel
