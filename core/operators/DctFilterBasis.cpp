#include "operators/DctFilterBasis.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

#include "common/Error.h"

namespace bilevel {

DctFilterBasis::DctFilterBasis(int size) : size_(size) {
  if (size < 2) throw usageError("a DCT filter basis needs a filter size of at least 2");
  std::vector<std::pair<int, int>> frequencies;
  for (int u = 0; u < size; ++u) {
    for (int v = 0; v < size; ++v) {
      if (u + v > 0) frequencies.emplace_back(u, v);
    }
  }
  std::stable_sort(frequencies.begin(), frequencies.end(), [](const auto& a, const auto& b) {
    return a.first + a.second < b.first + b.second;
  });
  const auto cosine = [size](int frequency, int position) {
    const double scale = frequency == 0 ? std::sqrt(1.0 / size) : std::sqrt(2.0 / size);
    return scale * std::cos(std::numbers::pi * (2 * position + 1) * frequency / (2.0 * size));
  };
  const Eigen::Index area = Eigen::Index(size) * size;
  atoms_.resize(area * atomCount());
  for (int l = 0; l < atomCount(); ++l) {
    const auto [u, v] = frequencies[l];
    for (int a = 0; a < size; ++a) {
      for (int b = 0; b < size; ++b)
        atoms_[l * area + a * size + b] = cosine(u, a) * cosine(v, b);
    }
  }
}

void DctFilterBasis::synthesize(const double* coefficients, int count, double* filters) const {
  const Eigen::Index area = Eigen::Index(size_) * size_;
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const RowMatrix> c(coefficients, count, atomCount());
  Eigen::Map<const RowMatrix> k(atoms_.data(), atomCount(), area);
  Eigen::Map<RowMatrix> f(filters, count, area);
  f.noalias() = c * k;
}

void DctFilterBasis::analyze(const double* filters, int count, double* coefficients) const {
  const Eigen::Index area = Eigen::Index(size_) * size_;
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const RowMatrix> f(filters, count, area);
  Eigen::Map<const RowMatrix> k(atoms_.data(), atomCount(), area);
  Eigen::Map<RowMatrix> c(coefficients, count, atomCount());
  c.noalias() = f * k.transpose();
}

}  // namespace bilevel
