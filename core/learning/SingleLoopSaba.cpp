#include "learning/SingleLoopSaba.h"

#include <cstring>

#include "common/Error.h"
#include "image/Quality.h"
#include "learning/ParameterTransform.h"

namespace bilevel {
using Json = nlohmann::json;

namespace {

// A table row as the hex digits of its doubles' bytes (this machine's byte order, as the
// checkpoint's warm starts): restored bit for bit, which decimal text guarantees only through
// the formatter's round-trip.
std::string toHex(const Vector& v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const auto* bytes = reinterpret_cast<const unsigned char*>(v.data());
  const std::size_t count = std::size_t(v.size()) * sizeof(double);
  std::string text(2 * count, '0');
  for (std::size_t i = 0; i < count; ++i) {
    text[2 * i] = kDigits[bytes[i] >> 4];
    text[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return text;
}

Vector fromHex(const std::string& text, Eigen::Index size) {
  if (text.size() != std::size_t(size) * sizeof(double) * 2)
    throw usageError("the checkpoint's saba memory does not have θ's size");
  const auto digit = [](char c) -> unsigned {
    if (c >= '0' && c <= '9') return unsigned(c - '0');
    if (c >= 'a' && c <= 'f') return unsigned(c - 'a' + 10);
    throw usageError("the checkpoint's saba memory is not hexadecimal");
  };
  std::vector<unsigned char> bytes(text.size() / 2);
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<unsigned char>(digit(text[2 * i]) << 4 | digit(text[2 * i + 1]));
  Vector v(size);
  if (size > 0) std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

}  // namespace

SingleLoopSaba::SingleLoopSaba(const Dataset& dataset, const Configuration& configuration,
                               TrainingOptions options)
    : LearningAlgorithm(dataset, configuration, options) {
  requireSmoothModel(model(), "train.algorithm saba");
  thetaStep_ = configuration.json()["outer"]["step"].get<double>();
  for (Sample& sample : training_) {
    sample.state.adjoint = Vector::Zero(sample.x.size());
    memoryTheta_.push_back(Vector::Zero(theta_.size()));
  }
}

LearningAlgorithm::StepReport SingleLoopSaba::measure(const std::vector<std::size_t>& batch,
                                                      bool move, Vector& direction) {
  const Eigen::Index p = theta_.size();
  const std::size_t n = training_.size();
  const double b = double(batch.size());
  // (1/n) Σ_k m_θ,k before this step's replacements, summed in index order.
  Vector memoryMean = Vector::Zero(p);
  if (move) {
    for (const Vector& m : memoryTheta_)
      memoryMean += m;
    memoryMean /= double(n);
  }
  std::vector<Vector> corrections(n);  // D_θ,i − m_θ,i (or D_θ,i at step 0) on the batch
  std::vector<double> losses(n), psnrs(n);
  forEach(
      batch,
      [&](std::size_t i, int) {
        Sample& sample = training_[i];
        const Model& model = requireSmoothModel(*sample.model, "train.algorithm saba");
        Vector& x = sample.x;
        Vector& v = sample.state.adjoint;
        const Eigen::Index pixels = x.size();
        Vector gradientX(pixels), lossGradient(pixels), hv(pixels), mixed(p), lossTheta(p);
        model.gradient(x, theta_, gradientX);
        sample.loss->gradientX(x, theta_, lossGradient);
        model.hessianVectorProduct(x, theta_, v, hv);
        model.mixedProduct(x, theta_, v, mixed);
        sample.loss->gradientTheta(x, theta_, lossTheta);
        losses[i] = sample.loss->value(x, theta_);
        psnrs[i] = psnr(x, sample.data.clean.pixels);
        Vector directionTheta = lossTheta - mixed;
        if (!move) {
          corrections[i] = std::move(directionTheta);
          return;
        }
        const double rho = options_.innerStep / model.gradientLipschitzBound(theta_);
        x -= rho * gradientX;
        v -= rho * (hv - lossGradient);
        if (!x.allFinite() || !v.allFinite()) {
          throw numericalError("saba diverged on sample '" + sample.data.name +
                               "' (lower train.inner_step or outer.step)");
        }
        corrections[i] = directionTheta - memoryTheta_[i];
        memoryTheta_[i] = std::move(directionTheta);
      },
      /*light=*/true);
  StepReport r;
  direction = Vector::Zero(p);
  for (const std::size_t i : batch) {  // in batch order: the same sum on any thread count
    direction += corrections[i];
    r.loss += losses[i];
    r.psnr += psnrs[i];
  }
  direction /= b;
  direction += memoryMean;
  r.loss /= b;
  r.psnr /= b;
  r.hypergradientNorm = direction.norm();
  r.innerIterations = move ? int(batch.size()) : 0;
  r.adjointIterations = r.innerIterations;
  return r;
}

LearningAlgorithm::StepReport SingleLoopSaba::initialize(const std::vector<std::size_t>& batch,
                                                         const CancellationFlag*) {
  Vector direction;
  return measure(batch, false, direction);
}

LearningAlgorithm::StepReport SingleLoopSaba::advance(const std::vector<std::size_t>&,
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
  phi_ -= thetaStep_ * gradientInPhi(layout, theta_, direction);
  theta_ = thetaFromPhi(layout, phi_);
  if (!theta_.allFinite())
    throw numericalError("saba diverged: θ is not finite (lower outer.step)");
  return r;
}

Json SingleLoopSaba::algorithmState() const {
  Json theta = Json::array();
  for (const Vector& m : memoryTheta_)
    theta.push_back(toHex(m));
  return {{"memory_theta", theta}};
}

void SingleLoopSaba::restoreAlgorithmState(const Json& state) {
  const Json& theta = state.at("memory_theta");
  if (theta.size() != training_.size())
    throw usageError("the checkpoint's saba memory does not have the training samples' count");
  for (std::size_t i = 0; i < training_.size(); ++i)
    memoryTheta_[i] = fromHex(theta[i].get<std::string>(), theta_.size());
}

}  // namespace bilevel
