#include "solvers/ConjugateGradient.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace bilevel {

namespace {

std::string format(double value) {
  std::ostringstream out;
  out.precision(3);
  out << value;
  return out.str();
}

// One implementation of CG and preconditioned CG (Saad, Iterative Methods, Alg. 6.18 and 9.1):
// without a preconditioner z = r and ⟨r, z⟩ = ‖r‖², so the same recursion runs with z an alias of
// r, no copy and no extra pass. The updates of a, r and ‖r‖² are one fused pass over memory, the
// step's cost next to one product with A.
ConjugateGradientSummary solve(const LinearOperator& apply, const LinearOperator* precondition,
                               const Vector& b, Vector& a, const ConjugateGradientOptions& options,
                               const CancellationFlag* cancel) {
  ConjugateGradientSummary summary;
  const double bNorm = b.norm();
  if (bNorm == 0.0) {
    a.setZero(b.size());
    summary.termination = Termination::Converged;
    summary.residualHistory.push_back(0.0);
    return summary;
  }
  const Eigen::Index n = b.size();
  Vector r(n), p(n), ap(n), preconditioned;
  if (a.size() != n) a.setZero(n);
  apply(a, ap);
  r = b - ap;
  if (precondition) {
    preconditioned.resize(n);
    (*precondition)(r, preconditioned);
  }
  const Vector& z = precondition ? preconditioned : r;
  p = z;
  double rr = r.squaredNorm();
  double rz = precondition ? r.dot(z) : rr;
  summary.residualHistory.reserve(std::min(options.maxIterations, 10000) + 1);
  summary.residualHistory.push_back(std::sqrt(rr) / bNorm);
  const double threshold = options.tolerance * bNorm;
  summary.termination = Termination::IterationLimit;
  for (int k = 0; k < options.maxIterations; ++k) {
    if (std::sqrt(rr) <= threshold) {
      summary.termination = Termination::Converged;
      break;
    }
    if (isCancelled(cancel)) {
      summary.termination = Termination::Cancelled;
      break;
    }
    apply(p, ap);
    const double curvature = p.dot(ap);
    if (!std::isfinite(curvature)) {
      summary.termination = Termination::Diverged;
      summary.message = "the operator's product became " + format(curvature) + " at CG step " +
                        std::to_string(k + 1);
      break;
    }
    if (!(curvature > 0.0)) {
      summary.termination = Termination::NegativeCurvature;
      summary.curvature = curvature / p.squaredNorm();
      summary.message = "the operator is not positive definite: CG step " + std::to_string(k + 1) +
                        " found a direction p with pᵀAp/‖p‖² = " + format(summary.curvature) +
                        " ≤ 0";
      break;
    }
    if (!(rz > 0.0)) {
      summary.termination = Termination::Diverged;
      summary.message = "the preconditioner is not positive definite (rᵀM⁻¹r = " + format(rz) +
                        " at CG step " + std::to_string(k + 1) + ")";
      break;
    }
    const double alpha = rz / curvature;
    double* __restrict ad = a.data();
    double* __restrict rd = r.data();
    const double* __restrict pd = p.data();
    const double* __restrict apd = ap.data();
    double squared = 0.0;
#pragma omp simd reduction(+ : squared)
    for (Eigen::Index i = 0; i < n; ++i) {
      ad[i] += alpha * pd[i];
      rd[i] -= alpha * apd[i];
      squared += rd[i] * rd[i];
    }
    rr = squared;
    double rzNew = rr;
    if (precondition) {
      (*precondition)(r, preconditioned);
      rzNew = r.dot(z);
    }
    p = z + (rzNew / rz) * p;
    rz = rzNew;
    ++summary.iterations;
    summary.residualHistory.push_back(std::sqrt(rr) / bNorm);
    reportProgress(cancel, "adjoint CG", summary.iterations, std::sqrt(rr) / bNorm,
                   options.tolerance);
  }
  if (summary.termination == Termination::IterationLimit && std::sqrt(rr) <= threshold) {
    summary.termination = Termination::Converged;
  }
  summary.relativeResidual = std::sqrt(rr) / bNorm;
  return summary;
}

}  // namespace

ConjugateGradientSummary conjugateGradient(const LinearOperator& apply, const Vector& b, Vector& a,
                                           const ConjugateGradientOptions& options,
                                           const CancellationFlag* cancel) {
  return solve(apply, nullptr, b, a, options, cancel);
}

ConjugateGradientSummary preconditionedConjugateGradient(const LinearOperator& apply,
                                                         const LinearOperator& precondition,
                                                         const Vector& b, Vector& a,
                                                         const ConjugateGradientOptions& options,
                                                         const CancellationFlag* cancel) {
  return solve(apply, &precondition, b, a, options, cancel);
}

}  // namespace bilevel
