#pragma once

#include "losses/UpperLoss.h"

namespace bilevel {

// L(x) = ½‖x − x_clean‖², reported to users as PSNR (issue 2, "Outer").
class SquaredError final : public UpperLoss {
 public:
  explicit SquaredError(Vector clean) : clean_(std::move(clean)) {}
  std::string name() const override { return "squared-error"; }
  double value(const Vector& x, const Vector&) const override {
    return 0.5 * (x - clean_).squaredNorm();
  }
  void gradientX(const Vector& x, const Vector&, Vector& out) const override { out = x - clean_; }
  const Vector& clean() const { return clean_; }

 private:
  Vector clean_;
};

}  // namespace bilevel
