#include "iterations/PrimalDualMap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "common/Error.h"

namespace bilevel {

PrimalDualMap::PrimalDualMap(const PrimalDualModel& model, const Vector& theta,
                             const Options& options)
    : IterationMap(model, theta), model_(model) {
  if (!(options.primalStep > 0.0) || !std::isfinite(options.primalStep)) {
    throw usageError("the primal step of the " + name() + " iteration must be a finite number > 0");
  }
  tau_ = options.primalStep;
  sigma_ = 1.0 / (tau_ * model.squaredNormBound());
  const Eigen::Index n = model.variableCount(), m = model.dualSize();
  ownLinearPoint_.resize(m);
  dual_.resize(m);
  dualScratch_.resize(m);
  primalScratch_.resize(n);
}

IterationState PrimalDualMap::makeState() const {
  return IterationState({variableCount(), variableCount(), model_.dualSize()});
}

void PrimalDualMap::warmStart(const Vector& x, IterationState& z) const {
  z.part(0) = x;
  z.part(1) = x;
  z.part(2).setZero();
}

void PrimalDualMap::fixedPoint(const Vector&, IterationState&) const {
  throw usageError("the fixed point of the " + name() +
                   " iteration needs the solver's dual solution q* (it is not a function of x*): "
                   "use InnerSolver::solveToFixedPoint");
}

void PrimalDualMap::fixedPoint(const Vector& solution, const Vector& dualSolution,
                               IterationState& z) const {
  z.part(0) = solution;
  z.part(1) = solution;
  z.part(2) = dualSolution;
}

void PrimalDualMap::primalAdjoint(const Vector& xBar, IterationState& zBar) const {
  zBar.part(0) = xBar;
  zBar.part(1).setZero();
  zBar.part(2).setZero();
}

void PrimalDualMap::dualArgument(const IterationState& z, Vector& out) const {
  model_.applyK(z.part(1), out);
  out = z.part(2) + sigma_ * out;
}

double PrimalDualMap::step(int, const IterationState& z, IterationState& next) const {
  const double measure = model_.primalDualGap(z.part(0), z.part(2), theta());
  dualArgument(z, dual_);
  model_.conjugateProx(sigma_, theta(), dual_, next.part(2));
  model_.applyKAdjoint(next.part(2), primalScratch_);
  primalScratch_ = z.part(0) - tau_ * primalScratch_;
  model_.dataProx(tau_, primalScratch_, next.part(0));
  next.part(1) = 2.0 * next.part(0) - z.part(0);
  return measure;
}

double PrimalDualMap::stoppingReference() const {
  // The gap at the cold start (y, q = 0): for TV it is P(y) = Σ λ_i |(∇y)_i|, the scale the
  // relative test of the solver (gap / P) has at its start.
  const Vector zero = Vector::Zero(model_.dualSize());
  return std::max(model_.primalDualGap(model_.initialPoint(), zero, theta()), 1e-300);
}

void PrimalDualMap::linearize(int, const IterationState& z) const {
  dualArgument(z, ownLinearPoint_);
  linearPoint_ = &ownLinearPoint_;
}

IterationState PrimalDualMap::makeSavedLinearization() const {
  return IterationState({model_.dualSize()});
}

void PrimalDualMap::saveLinearization(int, const IterationState& z, IterationState& saved) const {
  dualArgument(z, saved.part(0));
}

void PrimalDualMap::linearizeSaved(int, const IterationState& saved) const {
  linearPoint_ = &saved.part(0);
}

void PrimalDualMap::stateProduct(const IterationState& v, IterationState& out) const {
  const double c = 1.0 / (1.0 + tau_);
  // dq⁺ = J (dq + σ K dx̄)
  model_.applyK(v.part(1), dualScratch_);
  dualScratch_ = v.part(2) + sigma_ * dualScratch_;
  model_.conjugateProxJacobian(sigma_, theta(), *linearPoint_, dualScratch_, out.part(2));
  // dx⁺ = c (dx − τ Kᵀ dq⁺),  dx̄⁺ = 2 dx⁺ − dx
  model_.applyKAdjoint(out.part(2), primalScratch_);
  out.part(0) = c * (v.part(0) - tau_ * primalScratch_);
  out.part(1) = 2.0 * out.part(0) - v.part(0);
}

void PrimalDualMap::stateTransposeProduct(const IterationState& w, IterationState& out) const {
  const double c = 1.0 / (1.0 + tau_);
  // g = wx + 2 wx̄ (the cotangent of x⁺), h = wq − cτ K g (the cotangent of q⁺; left in
  // dualScratch_ for cotangentProduct).
  primalScratch_ = w.part(0) + 2.0 * w.part(1);
  model_.applyK(primalScratch_, dualScratch_);
  dualScratch_ = w.part(2) - (c * tau_) * dualScratch_;
  out.part(0) = c * primalScratch_ - w.part(1);
  model_.conjugateProxJacobian(sigma_, theta(), *linearPoint_, dualScratch_, out.part(2));
  model_.applyKAdjoint(out.part(2), out.part(1));
  out.part(1) *= sigma_;
}

void PrimalDualMap::cotangentProduct(const IterationState& w, IterationState& out,
                                     Vector& thetaBar) const {
  stateTransposeProduct(w, out);  // leaves h = wq − cτ K g in dualScratch_
  thetaBar.resize(parameterCount());
  model_.conjugateProxParameterAdjoint(sigma_, theta(), *linearPoint_, dualScratch_, thetaBar);
}

void PrimalDualMap::parameterProduct(const Vector& dtheta, IterationState& out) const {
  const double c = 1.0 / (1.0 + tau_);
  model_.conjugateProxParameterProduct(sigma_, theta(), *linearPoint_, dtheta, out.part(2));
  model_.applyKAdjoint(out.part(2), primalScratch_);
  out.part(0) = (-c * tau_) * primalScratch_;
  out.part(1) = 2.0 * out.part(0);
}

void PrimalDualMap::parameterTransposeProduct(const IterationState& w, Vector& out) const {
  const double c = 1.0 / (1.0 + tau_);
  primalScratch_ = w.part(0) + 2.0 * w.part(1);
  model_.applyK(primalScratch_, dualScratch_);
  dualScratch_ = w.part(2) - (c * tau_) * dualScratch_;
  out.resize(parameterCount());
  model_.conjugateProxParameterAdjoint(sigma_, theta(), *linearPoint_, dualScratch_, out);
}

double PrimalDualMap::contractionRate() const {
  if (!linearPoint_) return std::numeric_limits<double>::quiet_NaN();
  constexpr int kSteps = 200;
  IterationState v = makeState(), next = makeState();
  std::mt19937_64 generator(20260101);
  std::normal_distribution<double> normal;
  for (int i = 0; i < v.partCount(); ++i)
    for (Eigen::Index j = 0; j < v.part(i).size(); ++j)
      v.part(i)[j] = normal(generator);
  double half = 0.0;
  for (int k = 1; k <= kSteps; ++k) {
    stateProduct(v, next);
    v.swap(next);
    // Renormalise the whole state (keeping the ratio of primal norms) against under/overflow.
    const double primalNorm = v.part(0).norm();
    if (k == kSteps / 2) {
      half = primalNorm;
      const double scale = 1.0 / std::max(std::sqrt(v.squaredNorm()), 1e-300);
      for (int i = 0; i < v.partCount(); ++i)
        v.part(i) *= scale;
      half *= scale;
    }
    if (k == kSteps) {
      if (!(half > 0.0)) return 0.0;
      return std::pow(primalNorm / half, 1.0 / (kSteps / 2));
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace bilevel
