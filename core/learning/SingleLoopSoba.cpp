#include "learning/SingleLoopSoba.h"

#include <cmath>

#include "common/Error.h"
#include "image/Quality.h"
#include "learning/ParameterTransform.h"

namespace bilevel {

namespace {
// SOBA's convergence theorem (Dagréou et al. 2022, seed 002): γ_t ∝ t^(−3/5) on θ.
constexpr double kOuterDecayExponent = 0.6;
}  // namespace

double stepDecayFactor(int k, double tau, double exponent) {
  return tau > 0.0 ? std::pow(1.0 + double(k) / tau, -exponent) : 1.0;
}

SingleLoopSoba::SingleLoopSoba(const Dataset& dataset, const Configuration& configuration,
                               TrainingOptions options)
    : SingleLoopSoba(dataset, configuration, options, LearningAlgorithmKind::Soba) {}

SingleLoopSoba::SingleLoopSoba(const Dataset& dataset, const Configuration& configuration,
                               TrainingOptions options, LearningAlgorithmKind kind)
    : LearningAlgorithm(dataset, configuration, options),
      kind_(kind),
      user_("train.algorithm " + toString(kind)) {
  requireSmoothModel(model(), user_);
  outerStep_ = configuration.json()["outer"]["step"].get<double>();
  for (Sample& sample : training_)
    sample.state.adjoint = Vector::Zero(sample.x.size());
}

double SingleLoopSoba::thetaStep(int k) const {
  return outerStep_ * stepDecayFactor(k, options_.stepDecay, kOuterDecayExponent);
}

LearningAlgorithm::StepReport SingleLoopSoba::measure(const std::vector<std::size_t>& batch,
                                                      bool move, Vector& direction) {
  const Eigen::Index p = theta_.size();
  const Vector offset = thetaOffset(move);
  std::vector<Vector> terms(training_.size());
  std::vector<double> losses(training_.size()), psnrs(training_.size());
  forEach(
      batch,
      [&](std::size_t i, int) {
        Sample& sample = training_[i];
        const Model& model = requireSmoothModel(*sample.model, user_);
        Vector& x = sample.x;
        Vector& v = sample.state.adjoint;
        const Eigen::Index n = x.size();
        Vector gradientX(n), lossGradient(n), hv(n), mixed(p), lossTheta(p);
        model.gradient(x, theta_, gradientX);
        sample.loss->gradientX(x, theta_, lossGradient);
        model.hessianVectorProduct(x, theta_, v, hv);
        model.mixedProduct(x, theta_, v, mixed);
        sample.loss->gradientTheta(x, theta_, lossTheta);
        losses[i] = sample.loss->value(x, theta_);
        psnrs[i] = psnr(x, sample.data.clean.pixels);
        Vector directionTheta = lossTheta - mixed;
        if (move) {
          const double rho = options_.innerStep / model.gradientLipschitzBound(theta_);
          x -= rho * gradientX;
          v -= rho * (hv - lossGradient);
          if (!x.allFinite() || !v.allFinite()) {
            throw numericalError(name() + " diverged on sample '" + sample.data.name +
                                 "' (lower train.inner_step or outer.step)");
          }
        }
        terms[i] = thetaTerm(i, std::move(directionTheta), move);
      },
      /*light=*/true);
  StepReport r;
  direction = Vector::Zero(p);
  for (const std::size_t i : batch) {  // in batch order: the same sum on any thread count
    direction += terms[i];
    r.loss += losses[i];
    r.psnr += psnrs[i];
  }
  const double b = double(batch.size());
  direction /= b;
  if (offset.size() > 0) direction += offset;
  r.loss /= b;
  r.psnr /= b;
  r.hypergradientNorm = direction.norm();
  r.innerIterations = move ? int(batch.size()) : 0;
  r.adjointIterations = r.innerIterations;
  return r;
}

LearningAlgorithm::StepReport SingleLoopSoba::initialize(const std::vector<std::size_t>& batch,
                                                         const CancellationFlag*) {
  Vector direction;
  return measure(batch, false, direction);
}

LearningAlgorithm::StepReport SingleLoopSoba::advance(const std::vector<std::size_t>&,
                                                      const CancellationFlag* cancel) {
  StepReport r;
  if (isCancelled(cancel)) {
    r.cancelled = true;
    return r;
  }
  batch_ = drawBatch();
  Vector direction;
  r = measure(batch_, true, direction);
  const ParameterLayout& layout = model().parameterLayout();
  phi_ -= thetaStep(stepCount()) * gradientInPhi(layout, theta_, direction);
  theta_ = thetaFromPhi(layout, phi_);
  if (!theta_.allFinite())
    throw numericalError(name() + " diverged: θ is not finite (lower outer.step)");
  return r;
}

}  // namespace bilevel
