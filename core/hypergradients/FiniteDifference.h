#pragma once

#include "hypergradients/HypergradientMethod.h"

namespace bilevel {

// finite-difference: the reference. Central differences
//   ∂U/∂θ_j ≈ (U(θ + h_j e_j) − U(θ − h_j e_j)) / (2 h_j),   h_j = step · max(|θ_j|, 1e-3),
// each U from a lower-level solve to `finiteDifferenceTolerance`, warm-started at x*(θ). Costs 2p
// tight solves; the truncation error is O(h²) where U is smooth.
class FiniteDifference final : public HypergradientMethod {
 public:
  explicit FiniteDifference(HypergradientOptions options) : options_(options) {}
  std::string name() const override { return "finite-difference"; }
  std::string description() const override {
    return "Central finite differences of the outer loss, with tight inner solves: the reference "
           "the other methods are checked against. Costs two full solves per parameter.";
  }
  HypergradientSummary evaluate(const BilevelProblem& problem, const Vector& theta, Vector& x,
                                Vector& gradient,
                                const CancellationFlag* cancel = nullptr) const override;
  // Besides the solver: at most kMaxParameters parameters (2·200 tight solves). A filter bank has
  // hundreds to thousands; check those along a few random directions of θ instead.
  bool supports(const BilevelProblem& problem, std::string* why = nullptr) const override;
  static constexpr Eigen::Index kMaxParameters = 200;

 private:
  HypergradientOptions options_;
};

}  // namespace bilevel
