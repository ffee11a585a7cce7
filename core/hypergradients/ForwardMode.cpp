#include "hypergradients/ForwardMode.h"

#include "common/Stopwatch.h"
#include "hypergradients/NesterovUnrolling.h"

namespace bilevel {

HypergradientSummary ForwardMode::evaluate(const BilevelProblem& problem, const Vector& theta,
                                           Vector& x, Vector& gradient,
                                           const CancellationFlag* cancel) const {
  HypergradientSummary summary;
  summary.method = name();
  Stopwatch clock;
  const Model& model = problem.model;
  const Eigen::Index n = model.variableCount(), p = theta.size();
  NesterovUnrolling unrolling(problem, theta);
  const double tau = unrolling.step(), beta = unrolling.momentum();

  Eigen::MatrixXd tangent = Eigen::MatrixXd::Zero(n, p), previousTangent = tangent;
  Eigen::MatrixXd tangentY(n, p);
  Vector xk = model.initialPoint(), previous = xk, y(n), g(n), column(n), product(n), mixed(n);
  Vector unit = Vector::Zero(p);
  SolveSummary& inner = summary.inner;
  inner.termination = Termination::IterationLimit;
  int steps = 0;
  for (; steps < unrolling.iterationLimit(); ++steps) {
    if (isCancelled(cancel)) {
      summary.termination = inner.termination = Termination::Cancelled;
      return summary;
    }
    if (unrolling.advanceTo(xk, previous, y, g, inner)) break;
    tangentY = (1.0 + beta) * tangent - beta * previousTangent;
    previousTangent.swap(tangent);
    for (Eigen::Index j = 0; j < p; ++j) {
      column = tangentY.col(j);
      model.hessianVectorProduct(y, theta, column, product);
      unit.setZero();
      unit[j] = 1.0;
      model.mixedTransposeProduct(y, theta, unit, mixed);
      tangent.col(j) = column - tau * (product + mixed);
    }
    previous.swap(xk);
    xk = y - tau * g;
  }
  inner.iterations = steps;
  summary.iterations = steps;
  if (inner.termination == Termination::Diverged) {
    summary.termination = Termination::Diverged;
    return summary;
  }
  x = xk;
  inner.energy = model.energy(x, theta);
  inner.seconds = clock.seconds();
  summary.outerLoss = problem.loss.value(x, theta);
  Vector dLdx(n);
  problem.loss.gradientX(x, theta, dLdx);
  problem.loss.gradientTheta(x, theta, gradient);
  gradient += tangent.transpose() * dLdx;
  summary.termination = Termination::Converged;
  // The tangent propagation is interleaved with the forward pass; report it all as hypergradient
  // time, since the plain solve would take a p-th of it.
  summary.hypergradientSeconds = clock.seconds();
  summary.workingMegabytes = (3.0 * double(p) + 8.0) * double(n) * 8.0 / (1024.0 * 1024.0);
  return summary;
}

}  // namespace bilevel
