#pragma once

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common/Cancellation.h"
#include "hypergradients/HypergradientMethod.h"

namespace bilevel {

// Agreement of hypergradient methods with central differences of U along a few random directions
// of θ, for models whose parameters are too many for the coordinate-wise reference (a filter bank
// of hundreds to thousands: finite-difference refuses above FiniteDifference::kMaxParameters).
// Along d_i, ⟨∇U, d_i⟩ ≈ (U(θ + h d_i) − U(θ − h d_i)) / 2h with tight solves: two solves per
// direction instead of two per parameter. d_i has Gaussian entries scaled by max(|θ_j|, 1e-3),
// the coordinate steps of finite-difference, so a weight of 0.002 and a coefficient of 10 move by
// the same fraction.
struct DirectionalAgreementRow {
  std::string method;
  Vector projections;  // ⟨g, d_i⟩ for every direction
  // ‖(⟨g, d_i⟩)_i − (c_i)_i‖ / ‖(c_i)_i‖ against the central differences c_i.
  double relativeError = std::numeric_limits<double>::quiet_NaN();
  double seconds = 0.0, hypergradientNorm = 0.0;
  HypergradientSummary summary;
  std::string refusal;  // HypergradientMethod::supports' sentence; no numbers then
};

struct DirectionalAgreementReport {
  std::vector<Vector> directions;
  Vector differences;  // c_i
  double step = 0.0;   // h
  double referenceSeconds = 0.0;
  std::vector<DirectionalAgreementRow> rows;
  bool cancelled = false;
};

// Solves at θ (to options.finiteDifferenceTolerance, from warmStart), then at θ ± h d_i for
// `directionCount` directions drawn from `seed` (h = options.finiteDifferenceStep), then runs each
// method of `methods` (empty: every registered method but the reference) from warmStart. Unknown
// method names throw Error(Usage) before any work; a failed tight solve throws Error(Numerical).
// `onRow` (may be empty) is called after each row. When `cancel` is raised the report returns
// with cancelled = true and the rows so far.
DirectionalAgreementReport compareAlongDirections(
    const BilevelProblem& problem, const Vector& theta, const Vector& warmStart,
    const HypergradientOptions& options, std::vector<std::string> methods, int directionCount,
    unsigned seed, const CancellationFlag* cancel = nullptr,
    const std::function<void(const DirectionalAgreementRow&)>& onRow = {});

}  // namespace bilevel
