#include "solvers/ConjugateGradient.h"

#include <algorithm>
#include <cmath>

namespace bilevel {

ConjugateGradientSummary conjugateGradient(const LinearOperator& apply, const Vector& b, Vector& a,
                                           const ConjugateGradientOptions& options,
                                           const CancellationFlag* cancel) {
  ConjugateGradientSummary summary;
  const double bNorm = b.norm();
  if (bNorm == 0.0) {
    a.setZero(b.size());
    summary.termination = Termination::Converged;
    summary.residualHistory.push_back(0.0);
    return summary;
  }
  Vector r(b.size()), p(b.size()), ap(b.size());
  if (a.size() != b.size()) a.setZero(b.size());
  apply(a, ap);
  r = b - ap;
  p = r;
  double rr = r.squaredNorm();
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
    if (!(curvature > 0.0) || !std::isfinite(curvature)) {
      summary.termination = Termination::Diverged;  // A is not positive definite along p
      break;
    }
    const double alpha = rr / curvature;
    a += alpha * p;
    r -= alpha * ap;
    const double rrNew = r.squaredNorm();
    p = r + (rrNew / rr) * p;
    rr = rrNew;
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

ConjugateGradientSummary preconditionedConjugateGradient(const LinearOperator& apply,
                                                         const LinearOperator& precondition,
                                                         const Vector& b, Vector& a,
                                                         const ConjugateGradientOptions& options,
                                                         const CancellationFlag* cancel) {
  ConjugateGradientSummary summary;
  const double bNorm = b.norm();
  if (bNorm == 0.0) {
    a.setZero(b.size());
    summary.termination = Termination::Converged;
    summary.residualHistory.push_back(0.0);
    return summary;
  }
  Vector r(b.size()), z(b.size()), p(b.size()), ap(b.size());
  if (a.size() != b.size()) a.setZero(b.size());
  apply(a, ap);
  r = b - ap;
  precondition(r, z);
  p = z;
  double rz = r.dot(z);
  double rNorm = r.norm();
  summary.residualHistory.reserve(std::min(options.maxIterations, 10000) + 1);
  summary.residualHistory.push_back(rNorm / bNorm);
  const double threshold = options.tolerance * bNorm;
  summary.termination = Termination::IterationLimit;
  for (int k = 0; k < options.maxIterations; ++k) {
    if (rNorm <= threshold) {
      summary.termination = Termination::Converged;
      break;
    }
    if (isCancelled(cancel)) {
      summary.termination = Termination::Cancelled;
      break;
    }
    apply(p, ap);
    const double curvature = p.dot(ap);
    if (!(curvature > 0.0) || !std::isfinite(curvature) || !(rz > 0.0)) {
      summary.termination = Termination::Diverged;  // A or M is not positive definite along p
      break;
    }
    const double alpha = rz / curvature;
    a += alpha * p;
    r -= alpha * ap;
    precondition(r, z);
    const double rzNew = r.dot(z);
    p = z + (rzNew / rz) * p;
    rz = rzNew;
    rNorm = r.norm();
    ++summary.iterations;
    summary.residualHistory.push_back(rNorm / bNorm);
    reportProgress(cancel, "adjoint CG", summary.iterations, rNorm / bNorm, options.tolerance);
  }
  if (summary.termination == Termination::IterationLimit && rNorm <= threshold) {
    summary.termination = Termination::Converged;
  }
  summary.relativeResidual = rNorm / bNorm;
  return summary;
}

}  // namespace bilevel
