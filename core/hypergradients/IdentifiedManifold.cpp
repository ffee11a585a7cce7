#include "hypergradients/IdentifiedManifold.h"

#include <cmath>
#include <numeric>

namespace bilevel {
namespace {

// Union–find over pixels with path halving.
struct Regions {
  std::vector<Eigen::Index> parent;
  explicit Regions(Eigen::Index n) : parent(std::size_t(n)) {
    std::iota(parent.begin(), parent.end(), Eigen::Index(0));
  }
  Eigen::Index find(Eigen::Index i) {
    while (parent[std::size_t(i)] != i) {
      parent[std::size_t(i)] = parent[std::size_t(parent[std::size_t(i)])];
      i = parent[std::size_t(i)];
    }
    return i;
  }
  void join(Eigen::Index a, Eigen::Index b) { parent[std::size_t(find(a))] = find(b); }
};

}  // namespace

IdentifiedManifold::IdentifiedManifold(const TotalVariation& model, const Vector& theta,
                                       const Vector& solution, double jumpTolerance)
    : model_(model) {
  const int rows = model.rows(), cols = model.cols();
  const Eigen::Index n = model.variableCount();
  jumpCount_ = model.jumpSet(solution, jumps_, jumpTolerance);
  Regions regions(n);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const Eigen::Index i = Eigen::Index(r) * cols + c;
      if (jumps_[std::size_t(i)]) continue;
      if (c + 1 < cols) regions.join(i, i + 1);
      if (r + 1 < rows) regions.join(i, i + cols);
    }
  region_.resize(std::size_t(n));
  std::vector<Eigen::Index> label(std::size_t(n), -1);
  Eigen::Index m = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index root = regions.find(i);
    if (label[std::size_t(root)] < 0) label[std::size_t(root)] = m++;
    region_[std::size_t(i)] = label[std::size_t(root)];
  }
  sizes_ = Vector::Zero(m);
  Vector means = Vector::Zero(m);
  for (Eigen::Index i = 0; i < n; ++i) {
    sizes_[region_[std::size_t(i)]] += 1.0;
    means[region_[std::size_t(i)]] += solution[i];
  }
  means = means.cwiseQuotient(sizes_);
  projected_.resize(n);
  expand(means, projected_);

  // g_i = (∇x_M)_i on S, its unit normal and λ_i/|g_i|.
  expanded_.resize(n);
  back_.resize(n);
  field_.resize(2 * n);
  model.applyK(projected_, field_);
  const Vector& weights = model.pixelWeights(theta);
  normal_ = Vector::Zero(2 * n);
  curvature_ = Vector::Zero(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!jumps_[std::size_t(i)]) continue;
    const double norm = std::hypot(field_[i], field_[n + i]);
    if (!(norm > 0.0)) {
      jumps_[std::size_t(i)] = 0;
      --jumpCount_;
      ++merged_;
      continue;
    }
    normal_[i] = field_[i] / norm;
    normal_[n + i] = field_[n + i] / norm;
    curvature_[i] = weights[i] / norm;
  }

  // diag(H_M)_r = |region r| + Σ_{i∈S} c_i (|a|² − ⟨n_i, a⟩²), a = (∇B e_r)_i the differences of
  // region r's indicator at i: nonzero only for the (at most three) regions of i, its right and
  // its lower neighbour. Differences outside the range of ∇ (last column, last row) are 0.
  inverseDiagonal_ = sizes_;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const Eigen::Index i = Eigen::Index(r) * cols + c;
      if (!jumps_[std::size_t(i)]) continue;
      const Eigen::Index here = region_[std::size_t(i)];
      const Eigen::Index right = c + 1 < cols ? region_[std::size_t(i + 1)] : -1;
      const Eigen::Index below = r + 1 < rows ? region_[std::size_t(i + cols)] : -1;
      const Eigen::Index involved[3] = {here, right == here ? -1 : right,
                                        below == here || below == right ? -1 : below};
      for (const Eigen::Index k : involved) {
        if (k < 0) continue;  // absent, or a region already counted at this pixel
        const double own = k == here ? 1.0 : 0.0;
        const double h = c + 1 < cols ? (right == k ? 1.0 : 0.0) - own : 0.0;
        const double v = r + 1 < rows ? (below == k ? 1.0 : 0.0) - own : 0.0;
        const double along = normal_[i] * h + normal_[n + i] * v;
        inverseDiagonal_[k] += curvature_[i] * (h * h + v * v - along * along);
      }
    }
  inverseDiagonal_ = inverseDiagonal_.cwiseInverse();
}

ConjugateGradientSummary IdentifiedManifold::solve(const Vector& rhs, Vector& u,
                                                   const ConjugateGradientOptions& options,
                                                   const CancellationFlag* cancel) const {
  u = Vector::Zero(sizes_.size());
  return preconditionedConjugateGradient(
      [this](const Vector& in, Vector& out) { hessianProduct(in, out); },
      [this](const Vector& in, Vector& out) { out = inverseDiagonal_.cwiseProduct(in); }, rhs, u,
      options, cancel);
}

void IdentifiedManifold::expand(const Vector& u, Vector& out) const {
  const Eigen::Index n = Eigen::Index(region_.size());
  out.resize(n);
  for (Eigen::Index i = 0; i < n; ++i)
    out[i] = u[region_[std::size_t(i)]];
}

void IdentifiedManifold::collect(const Vector& v, Vector& out) const {
  out.setZero(sizes_.size());
  for (std::size_t i = 0; i < region_.size(); ++i)
    out[region_[i]] += v[Eigen::Index(i)];
}

void IdentifiedManifold::hessianProduct(const Vector& u, Vector& out) const {
  // H_M u = BᵀB u + Bᵀ∇ᵀ D ∇B u.
  const Eigen::Index n = Eigen::Index(region_.size());
  expand(u, expanded_);
  model_.applyK(expanded_, field_);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!jumps_[std::size_t(i)]) {
      field_[i] = field_[n + i] = 0.0;
      continue;
    }
    const double along = normal_[i] * field_[i] + normal_[n + i] * field_[n + i];
    field_[i] = curvature_[i] * (field_[i] - along * normal_[i]);
    field_[n + i] = curvature_[i] * (field_[n + i] - along * normal_[n + i]);
  }
  model_.applyKAdjoint(field_, back_);
  collect(back_, out);
  out += sizes_.cwiseProduct(u);
}

ConjugateGradientSummary IdentifiedManifold::tangent(const Vector& dtheta, Vector& dx,
                                                     const ConjugateGradientOptions& options,
                                                     const CancellationFlag* cancel) const {
  // C_M dθ = Bᵀ∇ᵀ (n_i (B_λ dθ)_i)_{i∈S}; dx = −B H_M⁻¹ C_M dθ.
  const Eigen::Index n = Eigen::Index(region_.size());
  Vector weights(n), rhs;
  model_.weightProduct(dtheta, weights);
  Vector field(2 * n);
  for (Eigen::Index i = 0; i < n; ++i) {
    field[i] = normal_[i] * weights[i];
    field[n + i] = normal_[n + i] * weights[i];
  }
  Vector divergence(n);
  model_.applyKAdjoint(field, divergence);
  collect(divergence, rhs);
  rhs = -rhs;
  Vector u;
  const ConjugateGradientSummary cg = solve(rhs, u, options, cancel);
  expand(u, dx);
  return cg;
}

ConjugateGradientSummary IdentifiedManifold::adjoint(const Vector& xBar, Vector& a,
                                                     const ConjugateGradientOptions& options,
                                                     const CancellationFlag* cancel) const {
  Vector rhs;
  collect(xBar, rhs);
  return solve(rhs, a, options, cancel);
}

void IdentifiedManifold::parameterAdjoint(const Vector& a, Vector& out) const {
  // C_Mᵀ a = B_λᵀ (⟨n_i, (∇Ba)_i⟩)_{i∈S}.
  const Eigen::Index n = Eigen::Index(region_.size());
  Vector expanded(n), field(2 * n), pixelField = Vector::Zero(n);
  expand(a, expanded);
  model_.applyK(expanded, field);
  for (Eigen::Index i = 0; i < n; ++i)
    if (jumps_[std::size_t(i)])
      pixelField[i] = normal_[i] * field[i] + normal_[n + i] * field[n + i];
  model_.weightAdjoint(pixelField, out);
}

}  // namespace bilevel
