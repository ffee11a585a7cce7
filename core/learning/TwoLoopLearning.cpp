#include "learning/TwoLoopLearning.h"

#include <cmath>
#include <limits>

#include "common/Error.h"
#include "image/Quality.h"
#include "learning/ParameterTransform.h"

namespace bilevel {
using Json = nlohmann::json;

// U_B(φ) = (1/|B|) Σ_{i∈B} ½‖x_i(θ) − clean_i‖² over the current batch, with its gradient in φ.
// Trial solutions and adjoints start from the accepted ones; accept() keeps them.
//
// A non-convex lower level (foe with Student-t) can put a line-search trial θ where some sample's
// x* has an indefinite Hessian: implicit-cg then has no adjoint and no gradient to give
// (ImplicitCG.cpp); or where the inner solve stops at solver.max_iterations, so U is not known
// there. Such a trial is rejected as a point outside the domain where U is known and
// differentiable: its value is +∞, so the Armijo search (OuterOptimizer.cpp) halves the step and
// the run goes on from the accepted θ, whose samples all converged with positive-definite
// Hessians; the step's message names the sample and the reason. Outside a line search (the first
// evaluation, a new minibatch at the current θ, optimisers that step without one) nothing can be
// rejected, and the error names the sample and the Lanczos estimate.
class TwoLoopLearning::Objective final : public OuterObjective {
 public:
  explicit Objective(TwoLoopLearning& owner)
      : owner_(owner),
        trialX_(owner.training_.size()),
        trialState_(owner.training_.size()),
        loss_(owner.training_.size()),
        psnr_(owner.training_.size()),
        gradient_(owner.training_.size()),
        inner_(owner.training_.size()),
        adjoint_(owner.training_.size()) {}

  bool evaluate(const Vector& phi, OuterEvaluation& result) override {
    TwoLoopLearning& o = owner_;
    const ParameterLayout& layout = o.model().parameterLayout();
    const Vector theta = thetaFromPhi(layout, phi);
    const std::vector<std::size_t>& batch = o.batch_;
    std::vector<char> cancelled(o.training_.size(), 0), rejected(o.training_.size(), 0);
    std::vector<std::string> rejection(o.training_.size());
    o.forEach(batch, [&](std::size_t i, int slot) {
      Sample& sample = o.training_[i];
      trialX_[i] = sample.x;
      trialState_[i] = sample.state;
      SolveOptions solve = o.solveOptions_;
      solve.state = &trialState_[i];
      const BilevelProblem problem{*sample.model, *sample.loss, *o.solvers_[std::size_t(slot)],
                                   solve};
      gradient_[i].resize(theta.size());
      const HypergradientSummary summary = o.methods_[std::size_t(slot)]->evaluate(
          problem, theta, trialX_[i], gradient_[i], cancel_);
      inner_[i] = summary.inner.iterations;
      adjoint_[i] = summary.iterations;
      if (summary.termination == Termination::Cancelled) {
        cancelled[i] = 1;
        return;
      }
      if (summary.termination == Termination::NegativeCurvature) {
        if (!lineSearchTrial_) {
          throw numericalError("the " + summary.method + " evaluation of sample '" +
                               sample.data.name + "' at the current θ failed: " + summary.message);
        }
        rejected[i] = 1;
        rejection[i] = "indefinite Hessian at x* of sample '" + sample.data.name + "'";
        return;
      }
      if (lineSearchTrial_ && summary.inner.termination == Termination::IterationLimit &&
          o.solveOptions_.fixedIterations == 0) {
        rejected[i] = 1;
        rejection[i] =
            "the inner solve of sample '" + sample.data.name + "' stopped at solver.max_iterations";
        return;
      }
      o.requireUsable(summary, sample);
      if (!gradient_[i].allFinite()) {
        throw numericalError("the hypergradient of sample '" + sample.data.name +
                             "' is not finite");
      }
      loss_[i] = summary.outerLoss;
      psnr_[i] = psnr(trialX_[i], sample.data.clean.pixels);
    });
    for (const std::size_t i : batch) {
      if (cancelled[i]) return false;
    }
    for (const std::size_t i : batch) {  // the first in batch order: the same on any thread count
      if (!rejected[i]) continue;
      ++rejectedTrials_;
      rejectedReason_ = rejection[i];
      for (const std::size_t j : batch) {
        totalInner_ += inner_[j];
        totalAdjoint_ += adjoint_[j];
      }
      result.value = std::numeric_limits<double>::infinity();
      result.gradient = Vector::Constant(phi.size(), std::numeric_limits<double>::quiet_NaN());
      return true;
    }
    Vector total = Vector::Zero(theta.size());
    double value = 0.0, psnrSum = 0.0;
    innerIterations_ = adjointIterations_ = 0;
    for (const std::size_t i : batch) {  // in batch order: the same sum on any thread count
      value += loss_[i];
      psnrSum += psnr_[i];
      total += gradient_[i];
      innerIterations_ += inner_[i];
      adjointIterations_ += adjoint_[i];
    }
    const double n = double(batch.size());
    trialGradientTheta_ = total / n;
    trialPsnr_ = psnrSum / n;
    result.value = value / n;
    result.gradient = gradientInPhi(layout, theta, trialGradientTheta_);
    totalInner_ += innerIterations_;
    totalAdjoint_ += adjointIterations_;
    return true;
  }

  void accept() override {
    for (const std::size_t i : owner_.batch_) {
      std::swap(owner_.training_[i].x, trialX_[i]);
      std::swap(owner_.training_[i].state, trialState_[i]);
    }
    acceptedPsnr_ = trialPsnr_;
    acceptedGradientNorm_ = trialGradientTheta_.norm();
  }

  void setCancel(const CancellationFlag* cancel) { cancel_ = cancel; }
  // Whether evaluate() is asked for a line-search trial, which it may reject (see above).
  void setLineSearchTrial(bool trial) { lineSearchTrial_ = trial; }
  // How many trials were rejected since the last call, and why the last one was.
  std::pair<int, std::string> takeRejections() {
    std::pair<int, std::string> out{rejectedTrials_, rejectedReason_};
    rejectedTrials_ = 0;
    rejectedReason_.clear();
    return out;
  }
  double acceptedPsnr() const { return acceptedPsnr_; }
  double acceptedGradientNorm() const { return acceptedGradientNorm_; }
  std::pair<int, int> takeIterations() {
    const std::pair<int, int> out{totalInner_, totalAdjoint_};
    totalInner_ = totalAdjoint_ = 0;
    return out;
  }

 private:
  TwoLoopLearning& owner_;
  const CancellationFlag* cancel_ = nullptr;
  bool lineSearchTrial_ = false;
  int rejectedTrials_ = 0;
  std::string rejectedReason_;
  std::vector<Vector> trialX_;
  std::vector<SolverState> trialState_;
  std::vector<double> loss_, psnr_;
  std::vector<Vector> gradient_;
  std::vector<int> inner_, adjoint_;
  Vector trialGradientTheta_;
  double trialPsnr_ = 0.0, acceptedPsnr_ = 0.0, acceptedGradientNorm_ = 0.0;
  int innerIterations_ = 0, adjointIterations_ = 0, totalInner_ = 0, totalAdjoint_ = 0;
};

TwoLoopLearning::TwoLoopLearning(const Dataset& dataset, const Configuration& configuration,
                                 TrainingOptions options)
    : LearningAlgorithm(dataset, configuration, options) {
  const Json& outer = configuration.json()["outer"];
  optimizer_ = makeOuterOptimizer(outer["optimizer"].get<std::string>(), outerOptionsFrom(outer));
  if (options_.checkpointEvery > 0 && optimizer_->state().is_null()) {
    throw usageError(
        "configuration: train.checkpoint_every = " + std::to_string(options_.checkpointEvery) +
        " needs an outer optimiser whose "
        "memory a checkpoint can keep; outer.optimizer '" +
        optimizer_->name() +
        "' cannot save it (use adam or gradient-descent, or train.checkpoint_every "
        "= 0)");
  }
  objective_ = std::make_unique<Objective>(*this);
}

TwoLoopLearning::~TwoLoopLearning() = default;

LearningAlgorithm::StepReport TwoLoopLearning::report() const {
  StepReport r;
  r.loss = current_.value;
  r.psnr = objective_->acceptedPsnr();
  r.hypergradientNorm = objective_->acceptedGradientNorm();
  std::tie(r.innerIterations, r.adjointIterations) = objective_->takeIterations();
  return r;
}

LearningAlgorithm::StepReport TwoLoopLearning::initialize(const std::vector<std::size_t>&,
                                                          const CancellationFlag* cancel) {
  objective_->setCancel(cancel);
  StepReport r;
  if (!objective_->evaluate(phi_, current_)) {
    r.cancelled = true;
    return r;
  }
  objective_->accept();
  return report();
}

LearningAlgorithm::StepReport TwoLoopLearning::advance(const std::vector<std::size_t>&,
                                                       const CancellationFlag* cancel) {
  objective_->setCancel(cancel);
  StepReport r;
  if (!fullBatch()) {
    batch_ = drawBatch();
    if (optimizer_->usesLineSearch()) {
      if (!objective_->evaluate(phi_, current_)) {
        r.cancelled = true;
        return r;
      }
      objective_->accept();
    }
  }
  objective_->setLineSearchTrial(optimizer_->usesLineSearch());
  const OuterStep step = optimizer_->step(phi_, current_, *objective_);
  objective_->setLineSearchTrial(false);
  const auto [rejected, reason] = objective_->takeRejections();
  if (step.cancelled) {
    r.cancelled = true;
    return r;
  }
  theta_ = thetaFromPhi(model().parameterLayout(), phi_);
  r = report();
  r.moved = step.moved;
  r.converged = step.converged;
  r.message = step.message;
  if (rejected > 0) {
    if (!r.message.empty()) r.message += "; ";
    r.message += std::to_string(rejected) + " line-search trial" + (rejected > 1 ? "s" : "") +
                 " rejected, the last because of: " + reason;
    // All 12 halvings rejected means no step shorter than the first stayed differentiable: not
    // a converged run, and the message says why.
    if (!step.moved) r.converged = false;
  }
  return r;
}

Json TwoLoopLearning::algorithmState() const {
  return {{"optimizer", optimizer_->state()},
          {"value", current_.value},
          {"gradient", std::vector<double>(current_.gradient.data(),
                                           current_.gradient.data() + current_.gradient.size())}};
}

void TwoLoopLearning::restoreAlgorithmState(const Json& state) {
  optimizer_->restore(state.at("optimizer"));
  current_.value = state.at("value").get<double>();
  const auto gradient = state.at("gradient").get<std::vector<double>>();
  if (Eigen::Index(gradient.size()) != theta_.size())
    throw usageError("the checkpoint's gradient does not have the parameters' size");
  current_.gradient = Eigen::Map<const Vector>(gradient.data(), Eigen::Index(gradient.size()));
}

}  // namespace bilevel
