#pragma once

// An exact solver of 1-D total-variation denoising, the reference the primal–dual solver is
// checked against (issue 9 §3):
//   x* = argmin_x ½ Σ_i (x_i − y_i)² + λ Σ_i |x_{i+1} − x_i|,   i = 0..n−1.
//
// The taut-string characterisation: let S_k = y_0 + … + y_{k−1} (S_0 = 0) be the cumulative sums
// of the data and X_k those of the solution. The optimality conditions say that X_k − S_k = q_{k−1}
// for a dual variable with |q| ≤ λ that equals ±λ where x jumps; so the graph of X is the shortest
// path ("taut string") from (0, 0) to (n, S_n) that stays in the tube S_k − λ ≤ X_k ≤ S_k + λ at
// k = 1..n−1, and x_i = X_{i+1} − X_i is its slope. A shortest path in such a tube is straight
// except where it touches a side, and it bends only there: its slope increases where the upper side
// holds it down (q = +λ, x jumps up) and decreases where the lower side holds it up (q = −λ).
//
// The path is built segment by segment from an anchor point (k0, X_{k0}) on the string. Scanning
// k = k0+1, k0+2, …, the slopes of lines from the anchor that pass below every upper bound seen so
// far form (−∞, upperSlope], those passing above every lower bound [lowerSlope, ∞). As long as the
// two ranges meet, a straight segment can still reach k. When a new lower bound lifts lowerSlope
// above upperSlope, no straight segment reaches k: the string is pulled against the upper side at
// the point that set upperSlope, so the segment ends there with that slope, and that point becomes
// the next anchor. Symmetrically for a new upper bound that drops below lowerSlope. At k = n both
// bounds are the fixed end value S_n. Every rescan starts at the new anchor, so the cost is O(n²)
// in the worst case; this is a test reference, written for clarity, not speed.
//
// Every accepted segment is feasible (its slope lies in both ranges for all points before the
// violation), which the test suite also checks through the optimality conditions
// (exactTv1dDual below) rather than trusting this argument.

#include <cassert>
#include <limits>
#include <vector>

namespace bilevel::test {

inline std::vector<double> exactTv1d(const std::vector<double>& y, double lambda) {
  const int n = int(y.size());
  std::vector<double> x(std::size_t(n), 0.0);
  if (n == 0) return x;
  std::vector<double> sums(std::size_t(n) + 1, 0.0);
  for (int i = 0; i < n; ++i)
    sums[std::size_t(i) + 1] = sums[std::size_t(i)] + y[std::size_t(i)];
  const auto lower = [&](int k) {
    return k == n ? sums[std::size_t(n)] : sums[std::size_t(k)] - lambda;
  };
  const auto upper = [&](int k) {
    return k == n ? sums[std::size_t(n)] : sums[std::size_t(k)] + lambda;
  };

  int anchor = 0;
  double anchorValue = 0.0;
  while (anchor < n) {
    double upperSlope = std::numeric_limits<double>::infinity();
    double lowerSlope = -std::numeric_limits<double>::infinity();
    int upperTouch = anchor, lowerTouch = anchor;
    int end = n;  // where the segment from the anchor ends
    double slope = 0.0;
    bool bent = false, touchesUpper = false;
    for (int k = anchor + 1; k <= n; ++k) {
      const double toUpper = (upper(k) - anchorValue) / (k - anchor);
      const double toLower = (lower(k) - anchorValue) / (k - anchor);
      if (toLower > upperSlope) {  // pulled against the upper side at upperTouch
        end = upperTouch;
        slope = upperSlope;
        bent = touchesUpper = true;
        break;
      }
      if (toUpper < lowerSlope) {  // pulled against the lower side at lowerTouch
        end = lowerTouch;
        slope = lowerSlope;
        bent = true;
        break;
      }
      // The last point attaining a bound is kept: collinear touches give the same line.
      if (toUpper <= upperSlope) upperSlope = toUpper, upperTouch = k;
      if (toLower >= lowerSlope) lowerSlope = toLower, lowerTouch = k;
    }
    if (!bent) {
      // Reached the end: both bounds at n are S_n, so upperSlope = lowerSlope is the slope to it.
      end = n;
      slope = (sums[std::size_t(n)] - anchorValue) / (n - anchor);
    }
    assert(end > anchor);
    for (int i = anchor; i < end; ++i)
      x[std::size_t(i)] = slope;
    anchorValue = end == n ? sums[std::size_t(n)] : anchorValue + slope * (end - anchor);
    // The anchor sits on a side of the tube exactly; set it there so rounding cannot drift.
    if (bent) anchorValue = touchesUpper ? upper(end) : lower(end);
    anchor = end;
  }
  return x;
}

// The dual certificate of a 1-D solution: q_k = X_{k+1} − S_{k+1}, k = 0..n−2, for which
// x − y + Dᵀq = 0 holds by construction (D the forward differences). x is optimal iff |q_k| ≤ λ and
// q_k = λ·sign(x_{k+1} − x_k) wherever x jumps.
inline std::vector<double> exactTv1dDual(const std::vector<double>& x,
                                         const std::vector<double>& y) {
  std::vector<double> q(x.size() > 0 ? x.size() - 1 : 0);
  double cumulative = 0.0;
  for (std::size_t k = 0; k + 1 < x.size(); ++k) {
    cumulative += x[k] - y[k];
    q[k] = cumulative;
  }
  return q;
}

}  // namespace bilevel::test
