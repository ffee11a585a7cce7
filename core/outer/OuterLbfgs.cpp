#include "outer/OuterLbfgs.h"

#include "common/Error.h"

namespace bilevel {

OuterStep OuterLbfgs::step(Vector& phi, OuterEvaluation& current, OuterObjective& objective) {
  const double norm = current.gradient.norm();
  if (initialGradientNorm_ == 0.0) initialGradientNorm_ = norm;
  if (norm == 0.0 || norm <= options_.tolerance * initialGradientNorm_) {
    return {.converged = true, .message = "hypergradient norm below outer.tolerance"};
  }
  if (memory_.dimension() != phi.size()) memory_ = LbfgsMemory(options_.memory, phi.size());

  Vector direction(phi.size());
  memory_.applyInverseHessian(current.gradient, direction);
  direction = -direction;
  double initialStep = 1.0;
  if (memory_.size() == 0 || !(current.gradient.dot(direction) < 0.0)) {
    memory_.clear();
    direction = -current.gradient;
    initialStep = options_.step / norm;
  }
  const Vector previousPhi = phi;
  const Vector previousGradient = current.gradient;
  OuterStep report = armijoBacktracking(phi, current, direction, initialStep, options_.maxStep,
                                        objective, nullptr);
  if (report.moved) {
    memory_.push(phi - previousPhi, current.gradient - previousGradient);
  } else if (!report.cancelled && memory_.size() > 0) {
    // The quasi-Newton direction failed: forget the curvature and retry along −∇U next time.
    memory_.clear();
    report.converged = false;
    report.message = "line search failed; L-BFGS memory reset";
  }
  return report;
}

namespace {
std::vector<double> toList(const Vector& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}
}  // namespace

nlohmann::json OuterLbfgs::state() const {
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& [s, y] : memory_.pairs())
    pairs.push_back({toList(s), toList(y)});
  return {{"optimizer", name()},
          {"dimension", memory_.dimension()},
          {"pairs", pairs},
          {"initial_gradient_norm", initialGradientNorm_}};
}

void OuterLbfgs::restore(const nlohmann::json& state) {
  try {
    if (state.at("optimizer") != name()) throw usageError("not an L-BFGS state");
    initialGradientNorm_ = state.at("initial_gradient_norm").get<double>();
    const auto dimension = state.at("dimension").get<Eigen::Index>();
    memory_ = dimension > 0 ? LbfgsMemory(options_.memory, dimension) : LbfgsMemory();
    for (const auto& pair : state.at("pairs")) {
      const auto s = pair.at(0).get<std::vector<double>>();
      const auto y = pair.at(1).get<std::vector<double>>();
      if (Eigen::Index(s.size()) != dimension || Eigen::Index(y.size()) != dimension)
        throw usageError("the saved L-BFGS pairs do not have the parameters' size");
      memory_.push(Eigen::Map<const Vector>(s.data(), dimension),
                   Eigen::Map<const Vector>(y.data(), dimension));
    }
  } catch (const nlohmann::json::exception& e) {
    throw usageError(std::string("the saved L-BFGS state is damaged: ") + e.what());
  }
}

}  // namespace bilevel
