#include "hypergradients/ImplicitManifold.h"

#include <cmath>
#include <numeric>
#include <vector>

#include "common/Error.h"
#include "common/Stopwatch.h"
#include "models/TotalVariation.h"
#include "solvers/ConjugateGradient.h"

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

bool ImplicitManifold::supports(const BilevelProblem& problem, std::string* why) const {
  if (!dynamic_cast<const TotalVariation*>(&problem.model)) {
    if (why) {
      *why = name() + " differentiates on the manifold of a nonsmooth TV solution (tv, tv-map); " +
             problem.model.name() +
             (dynamic_cast<const Model*>(&problem.model) ? " is smooth: use implicit-cg"
                                                         : " is not a TV model");
    }
    return false;
  }
  return HypergradientMethod::supports(problem, why);
}

HypergradientSummary ImplicitManifold::evaluate(const BilevelProblem& problem, const Vector& theta,
                                                Vector& x, Vector& gradient,
                                                const CancellationFlag* cancel) const {
  requireSupport(*this, problem);
  const auto& model = static_cast<const TotalVariation&>(problem.model);
  HypergradientSummary summary;
  summary.method = name();
  summary.inner = problem.solver.solve(model, theta, x, problem.solve, cancel);
  summary.innerSeconds = summary.inner.seconds;
  if (!summary.inner.usable()) {
    summary.termination = summary.inner.termination;
    summary.message = "inner solve " + toString(summary.inner.termination);
    return summary;
  }
  Stopwatch clock;
  const int rows = model.rows(), cols = model.cols();
  const Eigen::Index n = model.variableCount();

  // The jump set S and the regions of M.
  std::vector<std::uint8_t> jumps;
  const Eigen::Index jumpCount = model.jumpSet(x, jumps);
  Regions regions(n);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const Eigen::Index i = Eigen::Index(r) * cols + c;
      if (jumps[std::size_t(i)]) continue;
      if (c + 1 < cols) regions.join(i, i + 1);
      if (r + 1 < rows) regions.join(i, i + cols);
    }
  std::vector<Eigen::Index> region(static_cast<std::size_t>(n));
  std::vector<Eigen::Index> label(static_cast<std::size_t>(n), -1);
  Eigen::Index m = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index root = regions.find(i);
    if (label[std::size_t(root)] < 0) label[std::size_t(root)] = m++;
    region[std::size_t(i)] = label[std::size_t(root)];
  }
  Vector sizes = Vector::Zero(m), means = Vector::Zero(m);
  for (Eigen::Index i = 0; i < n; ++i) {
    sizes[region[std::size_t(i)]] += 1.0;
    means[region[std::size_t(i)]] += x[i];
  }
  means = means.cwiseQuotient(sizes);
  // B u and Bᵀ v.
  const auto expand = [&](const Vector& u, Vector& out) {
    for (Eigen::Index i = 0; i < n; ++i)
      out[i] = u[region[std::size_t(i)]];
  };
  const auto collect = [&](const Vector& v, Vector& out) {
    out.setZero();
    for (Eigen::Index i = 0; i < n; ++i)
      out[region[std::size_t(i)]] += v[i];
  };

  // g_i = (∇ x_M)_i on S with x_M = B u* (the projection of x* on M), its unit normal and
  // λ_i/|g_i|.
  Vector onManifold(n), g(2 * n);
  expand(means, onManifold);
  model.applyK(onManifold, g);
  const Vector& weights = model.pixelWeights(theta);
  Vector normal = Vector::Zero(2 * n), curvature = Vector::Zero(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!jumps[std::size_t(i)]) continue;
    const double norm = std::hypot(g[i], g[n + i]);
    if (!(norm > 0.0)) {
      summary.termination = Termination::Diverged;
      summary.message = "the jump set is not consistent with its regions at pixel " +
                        std::to_string(i) +
                        " (|∇x| = 0 on the manifold): the support is not "
                        "identified; solve tighter";
      return summary;
    }
    normal[i] = g[i] / norm;
    normal[n + i] = g[n + i] / norm;
    curvature[i] = weights[i] / norm;
  }

  // ∇²_u E_M a = BᵀB a + Bᵀ∇ᵀ D ∇B a.
  Vector expanded(n), field(2 * n), back(n);
  const auto hessian = [&](const Vector& u, Vector& out) {
    expand(u, expanded);
    model.applyK(expanded, field);
    for (Eigen::Index i = 0; i < n; ++i) {
      if (!jumps[std::size_t(i)]) {
        field[i] = field[n + i] = 0.0;
        continue;
      }
      const double along = normal[i] * field[i] + normal[n + i] * field[n + i];
      field[i] = curvature[i] * (field[i] - along * normal[i]);
      field[n + i] = curvature[i] * (field[n + i] - along * normal[n + i]);
    }
    model.applyKAdjoint(field, back);
    collect(back, out);
    out += sizes.cwiseProduct(u);
  };

  summary.outerLoss = problem.loss.value(x, theta);
  Vector dLdx(n), rhs(m), adjoint = Vector::Zero(m);
  problem.loss.gradientX(x, theta, dLdx);
  problem.loss.gradientTheta(x, theta, gradient);
  collect(dLdx, rhs);
  const auto cg = conjugateGradient(
      hessian, rhs, adjoint,
      {.tolerance = options_.tolerance, .maxIterations = options_.maxIterations}, cancel);
  summary.iterations = cg.iterations;
  summary.termination = cg.termination;
  summary.residual = cg.relativeResidual;
  summary.residualHistory = cg.residualHistory;
  if (cg.termination == Termination::Cancelled) return summary;

  // ∇U = ∂_θL − B_λᵀ (⟨n_i, (∇Ba)_i⟩)_{i∈S}.
  expand(adjoint, expanded);
  model.applyK(expanded, field);
  Vector pixelField = Vector::Zero(n), thetaBar;
  for (Eigen::Index i = 0; i < n; ++i)
    if (jumps[std::size_t(i)]) pixelField[i] = normal[i] * field[i] + normal[n + i] * field[n + i];
  model.weightAdjoint(pixelField, thetaBar);
  gradient -= thetaBar;
  summary.hypergradientSeconds = clock.seconds();
  summary.workingMegabytes = 12.0 * double(n) * 8.0 / (1024.0 * 1024.0);
  summary.message =
      std::to_string(m) + " regions, jump set of " + std::to_string(jumpCount) + " pixels";
  return summary;
}

}  // namespace bilevel
