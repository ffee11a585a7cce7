#include "diagnostics/DerivativeSequence.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/Error.h"
#include "diagnostics/SolutionTangent.h"
#include "solvers/AcceleratedGradient.h"

namespace bilevel {

DerivativeSequence derivativeSequence(const Model& model, const Vector& theta,
                                      const Vector& solution, Vector direction,
                                      const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel) {
  checkDiagnosticArguments(model, theta, solution, options.cgTolerance, options.cgMaxIterations);
  if (options.iterations < 0) {
    throw usageError("the derivative sequence needs a non-negative number of iterations");
  }
  DerivativeSequence result;
  result.direction = diagnosticDirection(model, std::move(direction));
  const Vector& v = result.direction;
  const Eigen::Index n = model.variableCount();
  const auto [tau, beta] = nesterovParameters(model, theta);
  result.contractionRate =
      1.0 - std::sqrt(model.strongConvexityBound(theta) / model.gradientLipschitzBound(theta));

  if (isCancelled(cancel)) {
    result.cancelled = true;
    return result;
  }
  const ConjugateGradientSummary cg = solveSolutionTangent(
      model, theta, solution, v, result.solutionTangent,
      {.tolerance = options.cgTolerance, .maxIterations = options.cgMaxIterations}, cancel);
  result.solutionTangentResidual = cg.relativeResidual;
  result.solutionTangentIterations = cg.iterations;
  if (cg.termination == Termination::Cancelled) {
    result.cancelled = true;
    return result;
  }
  if (cg.termination == Termination::Diverged) {
    throw numericalError("the Hessian at the solution is not positive definite (CG broke down)");
  }
  const Vector& exact = result.solutionTangent;
  const double exactNorm = exact.norm();
  const double scale = exactNorm > 0.0 ? exactNorm : 1.0;

  const int steps = options.iterations;
  result.unrolled.reserve(steps + 1);
  result.fpad.reserve(steps + 1);
  Vector tangent(n), previousTangent(n), tangentY(n), product(n), mixed(n);

  // FPAD: the tangent recursion of the map linearised at x*, so H(x*) and ∂²_xθE(x*)v are fixed.
  tangent.setZero();
  previousTangent.setZero();
  model.mixedTransposeProduct(solution, theta, v, mixed);
  result.fpad.push_back((tangent - exact).norm() / scale);
  for (int k = 0; k < steps; ++k) {
    if (isCancelled(cancel)) {
      result.cancelled = true;
      result.fpadTangent = tangent;
      return result;
    }
    tangentY = (1.0 + beta) * tangent - beta * previousTangent;
    model.hessianVectorProduct(solution, theta, tangentY, product);
    previousTangent.swap(tangent);
    tangent = tangentY - tau * (product + mixed);
    result.fpad.push_back((tangent - exact).norm() / scale);
  }
  result.fpadTangent = tangent;

  // Unrolled: forward-mode along the iterates (as ForwardMode, one direction instead of p unit
  // vectors). x_0 = x_{−1} is the model's initial point, which does not depend on θ: J_0 = 0.
  Vector x = model.initialPoint(), previous = x, y(n), g(n);
  tangent.setZero();
  previousTangent.setZero();
  result.unrolled.push_back((tangent - exact).norm() / scale);
  for (int k = 0; k < steps; ++k) {
    if (isCancelled(cancel)) {
      result.cancelled = true;
      break;
    }
    y = (1.0 + beta) * x - beta * previous;
    model.gradient(y, theta, g);
    if (!g.allFinite()) {
      throw numericalError("the accelerated-gradient iterates diverged at step " +
                           std::to_string(k));
    }
    tangentY = (1.0 + beta) * tangent - beta * previousTangent;
    model.hessianVectorProduct(y, theta, tangentY, product);
    model.mixedTransposeProduct(y, theta, v, mixed);
    previousTangent.swap(tangent);
    tangent = tangentY - tau * (product + mixed);
    previous.swap(x);
    x = y - tau * g;
    result.unrolled.push_back((tangent - exact).norm() / scale);
  }
  result.unrolledTangent = tangent;
  return result;
}

std::vector<double> rateReference(const DerivativeSequence& sequence) {
  std::vector<double> rate;
  const double rho = sequence.contractionRate;
  if (!(rho > 0.0 && rho < 1.0)) return rate;
  double floor = 1.0;
  for (const auto* values : {&sequence.unrolled, &sequence.fpad}) {
    for (double v : *values) {
      if (v > 0.0) floor = std::min(floor, v);
    }
  }
  const std::size_t length = std::max(sequence.unrolled.size(), sequence.fpad.size());
  double value = 1.0;
  for (std::size_t n = 0; n < length && value >= 0.1 * floor; ++n, value *= rho)
    rate.push_back(value);
  return rate;
}

}  // namespace bilevel
