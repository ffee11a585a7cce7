#pragma once

#include <limits>
#include <string>
#include <vector>

#include "common/Vector.h"

namespace bilevel {

// One named block of the parameter vector θ: a scalar weight, a spatial weight map on a control
// grid, a filter bank. Blocks carry their shape (for display) and their box constraints, so outer
// optimisers, configuration files and the window treat every model alike.
struct ParameterBlock {
  std::string name;
  // How people write it ("λ", "ν", "ϑ"): the window's summaries and legends. Empty: the name.
  std::string symbol;
  Eigen::Index offset = 0;
  Eigen::Index size = 1;
  int rows = 1;  // shape of the block as an image (maps, filters); rows·cols == size
  int cols = 1;
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  // A weight that must stay positive: outer optimisers work on log θ for it (θ = e^φ).
  bool positive = false;
};

class ParameterLayout {
 public:
  // Appends a block after the existing ones and returns its offset.
  Eigen::Index add(ParameterBlock block) {
    block.offset = size_;
    size_ += block.size;
    blocks_.push_back(std::move(block));
    return blocks_.back().offset;
  }
  Eigen::Index size() const { return size_; }
  const std::vector<ParameterBlock>& blocks() const { return blocks_; }
  const ParameterBlock* find(const std::string& name) const {
    for (const auto& b : blocks_) {
      if (b.name == name) return &b;
    }
    return nullptr;
  }

 private:
  std::vector<ParameterBlock> blocks_;
  Eigen::Index size_ = 0;
};

}  // namespace bilevel
