#pragma once

#include <utility>
#include <vector>

#include "common/Vector.h"

namespace bilevel {

// The limited-memory BFGS inverse-Hessian estimate: the last m pairs (s_k, y_k) =
// (x_{k+1} − x_k, ∇E_{k+1} − ∇E_k) and the two-loop recursion (Nocedal & Wright, Alg. 7.4) that
// applies it. The inner L-BFGS solver builds it; `shine` reuses it for the adjoint system.
// Storage is allocated once (m pairs of n-vectors) and reused as a ring buffer.
class LbfgsMemory {
 public:
  LbfgsMemory() = default;
  LbfgsMemory(int capacity, Eigen::Index dimension);

  int capacity() const { return capacity_; }
  int size() const { return count_; }
  Eigen::Index dimension() const { return dimension_; }
  void clear() { count_ = 0; }

  // Stores the pair unless its curvature sᵀy is not safely positive; returns whether it was kept.
  bool push(const Vector& s, const Vector& y);
  // out = H v with H the current inverse-Hessian estimate (γ I with γ = sᵀy/yᵀy of the newest
  // pair as H₀; the identity when empty). `out` must not alias `v`.
  void applyInverseHessian(const Vector& v, Vector& out) const;
  // The stored pairs (s, y), oldest first: push()ing them again in this order into an empty
  // memory of the same capacity rebuilds the same estimate (a checkpoint of the outer L-BFGS).
  std::vector<std::pair<Vector, Vector>> pairs() const;

 private:
  int capacity_ = 0;
  Eigen::Index dimension_ = 0;
  int count_ = 0;
  int newest_ = -1;
  std::vector<Vector> s_, y_;
  std::vector<double> rho_;
  mutable std::vector<double> alpha_;
};

}  // namespace bilevel
