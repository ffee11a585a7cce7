#include "diagnostics/HessianSpectrum.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <random>

#include "common/Error.h"

namespace bilevel {

HessianSpectrum lanczosSpectrum(const LinearOperator& apply, Eigen::Index n,
                                const HessianSpectrumOptions& options,
                                const CancellationFlag* cancel) {
  if (options.steps < 1) throw usageError("Lanczos needs at least one step");
  if (n < 1) throw usageError("Lanczos needs a non-empty operator");
  const int k = int(std::min<Eigen::Index>(options.steps, n));
  Eigen::MatrixXd basis(n, k);
  Vector alpha(k), beta(k);
  std::mt19937_64 generator(options.seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  Vector q(n), w(n);
  for (Eigen::Index i = 0; i < n; ++i)
    q[i] = normal(generator);
  q.normalize();
  HessianSpectrum result;
  int steps = 0;
  for (int j = 0; j < k; ++j) {
    if (isCancelled(cancel)) {
      result.cancelled = true;
      return result;
    }
    basis.col(j) = q;
    apply(q, w);
    alpha[j] = q.dot(w);
    // w ← w − Q_j (Q_jᵀ w), twice (Gram–Schmidt is stable when repeated: "twice is enough").
    for (int pass = 0; pass < 2; ++pass)
      w -= basis.leftCols(j + 1) * (basis.leftCols(j + 1).transpose() * w);
    beta[j] = w.norm();
    ++steps;
    if (beta[j] <= 1e-12 * std::max(std::abs(alpha[j]), 1.0)) break;  // invariant subspace
    q = w / beta[j];
  }
  // T_k: α on the diagonal, β on the off-diagonals.
  Eigen::MatrixXd t = Eigen::MatrixXd::Zero(steps, steps);
  for (int j = 0; j < steps; ++j) {
    t(j, j) = alpha[j];
    if (j + 1 < steps) t(j, j + 1) = t(j + 1, j) = beta[j];
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(t);
  const Eigen::VectorXd& values = eigen.eigenvalues();  // ascending
  const Eigen::MatrixXd& vectors = eigen.eigenvectors();
  result.steps = steps;
  result.smallest = values[0];
  result.largest = values[steps - 1];
  // ‖H Q y − θ Q y‖ = β_k |y_k| (Golub & Van Loan Thm 10.1.2).
  const double last = beta[steps - 1];
  result.smallestResidual = std::abs(last * vectors(steps - 1, 0));
  result.largestResidual = std::abs(last * vectors(steps - 1, steps - 1));
  return result;
}

HessianSpectrum hessianSpectrum(const Model& model, const Vector& x, const Vector& theta,
                                const HessianSpectrumOptions& options,
                                const CancellationFlag* cancel) {
  const auto hessian = [&](const Vector& v, Vector& out) {
    model.hessianVectorProduct(x, theta, v, out);
  };
  return lanczosSpectrum(hessian, x.size(), options, cancel);
}

}  // namespace bilevel
