#pragma once

#include <utility>
#include <vector>

#include "common/Vector.h"

namespace bilevel {

// The full state z of an inner algorithm (DESIGN.md §3, "Iteration maps"): one vector per part,
// in an order the iteration map documents: (x_k, x_{k−1}) for Nesterov's constant-momentum scheme,
// (x_k) for gradient descent, (x_k, x̄_k, q_k) for a primal–dual method. Parts are separate
// vectors rather than segments of one, so that each can be handed to a Model as the `const Vector&`
// its products take, without a copy.
//
// Tangents and cotangents of the state (J v, z̄) have the same layout and use the same type.
// Assignment between states of the same layout copies without allocating.
class IterationState {
 public:
  IterationState() = default;
  // Zero-filled parts of the given sizes.
  explicit IterationState(const std::vector<Eigen::Index>& sizes) {
    parts_.reserve(sizes.size());
    for (Eigen::Index size : sizes)
      parts_.push_back(Vector::Zero(size));
  }

  int partCount() const { return int(parts_.size()); }
  Vector& part(int i) { return parts_[std::size_t(i)]; }
  const Vector& part(int i) const { return parts_[std::size_t(i)]; }
  // Total number of entries.
  Eigen::Index size() const {
    Eigen::Index total = 0;
    for (const auto& p : parts_)
      total += p.size();
    return total;
  }

  void setZero() {
    for (auto& p : parts_)
      p.setZero();
  }
  double squaredNorm() const {
    double sum = 0.0;
    for (const auto& p : parts_)
      sum += p.squaredNorm();
    return sum;
  }
  double dot(const IterationState& other) const {
    double sum = 0.0;
    for (std::size_t i = 0; i < parts_.size(); ++i)
      sum += parts_[i].dot(other.parts_[i]);
    return sum;
  }
  // this += other (same layout).
  IterationState& operator+=(const IterationState& other) {
    for (std::size_t i = 0; i < parts_.size(); ++i)
      parts_[i] += other.parts_[i];
    return *this;
  }
  // this += a · other (same layout).
  void addScaled(double a, const IterationState& other) {
    for (std::size_t i = 0; i < parts_.size(); ++i)
      parts_[i] += a * other.parts_[i];
  }
  // Exchanges the contents without copying.
  void swap(IterationState& other) noexcept { parts_.swap(other.parts_); }

  // The parts stacked into one vector, and back (tests and finite differences; allocates).
  Vector flattened() const {
    Vector flat(size());
    Eigen::Index offset = 0;
    for (const auto& p : parts_) {
      flat.segment(offset, p.size()) = p;
      offset += p.size();
    }
    return flat;
  }
  void assignFlattened(const Vector& flat) {
    Eigen::Index offset = 0;
    for (auto& p : parts_) {
      p = flat.segment(offset, p.size());
      offset += p.size();
    }
  }

 private:
  std::vector<Vector> parts_;
};

}  // namespace bilevel
