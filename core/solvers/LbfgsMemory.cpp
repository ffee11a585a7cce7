#include "solvers/LbfgsMemory.h"

namespace bilevel {

LbfgsMemory::LbfgsMemory(int capacity, Eigen::Index dimension)
    : capacity_(capacity),
      dimension_(dimension),
      s_(capacity, Vector(dimension)),
      y_(capacity, Vector(dimension)),
      rho_(capacity, 0.0),
      alpha_(capacity, 0.0) {}

bool LbfgsMemory::push(const Vector& s, const Vector& y) {
  if (capacity_ == 0) return false;
  const double curvature = s.dot(y);
  if (!(curvature > 1e-16 * s.norm() * y.norm())) return false;
  newest_ = (newest_ + 1) % capacity_;
  s_[newest_] = s;
  y_[newest_] = y;
  rho_[newest_] = 1.0 / curvature;
  count_ = std::min(count_ + 1, capacity_);
  return true;
}

void LbfgsMemory::applyInverseHessian(const Vector& v, Vector& out) const {
  out = v;
  if (count_ == 0) return;
  int k = newest_;
  for (int j = 0; j < count_; ++j) {
    alpha_[k] = rho_[k] * s_[k].dot(out);
    out -= alpha_[k] * y_[k];
    k = (k - 1 + capacity_) % capacity_;
  }
  out *= s_[newest_].dot(y_[newest_]) / y_[newest_].squaredNorm();
  k = (newest_ - count_ + 1 + capacity_) % capacity_;
  for (int j = 0; j < count_; ++j) {
    const double beta = rho_[k] * y_[k].dot(out);
    out += (alpha_[k] - beta) * s_[k];
    k = (k + 1) % capacity_;
  }
}

std::vector<std::pair<Vector, Vector>> LbfgsMemory::pairs() const {
  std::vector<std::pair<Vector, Vector>> out;
  int k = (newest_ - count_ + 1 + capacity_) % std::max(capacity_, 1);
  for (int j = 0; j < count_; ++j) {
    out.emplace_back(s_[k], y_[k]);
    k = (k + 1) % capacity_;
  }
  return out;
}

}  // namespace bilevel
