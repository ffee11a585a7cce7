#include "outer/Adam.h"

#include <cmath>

#include "common/Error.h"

namespace bilevel {

OuterStep Adam::step(Vector& phi, OuterEvaluation& current, OuterObjective& objective) {
  constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEpsilon = 1e-8;
  const double norm = current.gradient.norm();
  if (initialGradientNorm_ == 0.0) initialGradientNorm_ = norm;
  if (norm == 0.0 || norm <= options_.tolerance * initialGradientNorm_) {
    return {.converged = true, .message = "hypergradient norm below outer.tolerance"};
  }
  if (firstMoment_.size() != phi.size()) {
    firstMoment_ = Vector::Zero(phi.size());
    secondMoment_ = Vector::Zero(phi.size());
  }
  ++t_;
  firstMoment_ = kBeta1 * firstMoment_ + (1.0 - kBeta1) * current.gradient;
  secondMoment_ =
      kBeta2 * secondMoment_ + (1.0 - kBeta2) * current.gradient.array().square().matrix();
  const double correction1 = 1.0 - std::pow(kBeta1, t_);
  const double correction2 = 1.0 - std::pow(kBeta2, t_);
  const Vector update = (options_.step * (firstMoment_.array() / correction1) /
                         ((secondMoment_.array() / correction2).sqrt() + kEpsilon))
                            .matrix();
  const Vector candidate = phi - update;
  OuterStep report;
  OuterEvaluation trial;
  if (!objective.evaluate(candidate, trial)) {
    report.cancelled = true;
    return report;
  }
  report.evaluations = 1;
  objective.accept();
  report.moved = true;
  report.stepLength = update.norm();
  phi = candidate;
  current = std::move(trial);
  return report;
}

}  // namespace bilevel

namespace bilevel {

namespace {
std::vector<double> toList(const Vector& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}
Vector fromList(const nlohmann::json& list) {
  const auto values = list.get<std::vector<double>>();
  return Eigen::Map<const Vector>(values.data(), Eigen::Index(values.size()));
}
}  // namespace

nlohmann::json Adam::state() const {
  return {{"optimizer", name()},
          {"t", t_},
          {"first_moment", toList(firstMoment_)},
          {"second_moment", toList(secondMoment_)},
          {"initial_gradient_norm", initialGradientNorm_}};
}

void Adam::restore(const nlohmann::json& state) {
  try {
    if (state.at("optimizer") != name()) throw usageError("not an Adam state");
    t_ = state.at("t").get<int>();
    firstMoment_ = fromList(state.at("first_moment"));
    secondMoment_ = fromList(state.at("second_moment"));
    initialGradientNorm_ = state.at("initial_gradient_norm").get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw usageError(std::string("the saved Adam state is damaged: ") + e.what());
  }
}

}  // namespace bilevel
