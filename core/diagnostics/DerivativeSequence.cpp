#include "diagnostics/DerivativeSequence.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/Error.h"
#include "diagnostics/SolutionTangent.h"
#include "iterations/AcceleratedGradientMap.h"

namespace bilevel {

DerivativeSequence derivativeSequence(const IterationMap& map, const Vector& solution,
                                      Vector direction, const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel) {
  // The reference J*v comes from the smooth implicit system (CG on ∂²_xxE); a map over another
  // kind of lower level has no such system here.
  const auto* smooth = dynamic_cast<const Model*>(&map.model());
  if (!smooth) {
    throw usageError("the derivative sequence of the " + map.name() +
                     " iteration needs a smooth model; " + map.model().name() + " is not one");
  }
  const Model& model = *smooth;
  const Vector& theta = map.theta();
  checkDiagnosticArguments(model, theta, solution, options.cgTolerance, options.cgMaxIterations);
  if (options.iterations < 0) {
    throw usageError("the derivative sequence needs a non-negative number of iterations");
  }
  DerivativeSequence result;
  result.iteration = map.name();
  result.direction = diagnosticDirection(model, std::move(direction));
  const Vector& v = result.direction;
  const Eigen::Index n = model.variableCount();
  result.contractionRate = map.contractionRate();

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
  IterationState tangent = map.makeState(), next = map.makeState(), constant = map.makeState();
  Vector tangentX(n);
  const auto error = [&](const IterationState& t) {
    map.primal(t, tangentX);
    return (tangentX - exact).norm() / scale;
  };

  // FPAD: the tangent recursion of the map linearised at z*, so A_z and A_θ v are fixed.
  IterationState state = map.makeState();
  map.fixedPoint(solution, state);
  map.linearize(IterationMap::kLimit, state);
  map.parameterProduct(v, constant);
  result.fpad.push_back(error(tangent));
  for (int k = 0; k < steps; ++k) {
    if (isCancelled(cancel)) {
      result.cancelled = true;
      map.primal(tangent, tangentX);
      result.fpadTangent = tangentX;
      return result;
    }
    map.stateProduct(tangent, next);
    next += constant;
    tangent.swap(next);
    result.fpad.push_back(error(tangent));
  }
  map.primal(tangent, tangentX);
  result.fpadTangent = tangentX;

  // Unrolled: forward mode along the iterates (as ForwardMode, one direction instead of p unit
  // vectors). z_0 is the cold start from the model's initial point, which does not depend on θ:
  // T_0 = 0.
  IterationState nextState = map.makeState();
  map.coldStart(state);
  tangent.setZero();
  result.unrolled.push_back(error(tangent));
  for (int k = 0; k < steps; ++k) {
    if (isCancelled(cancel)) {
      result.cancelled = true;
      break;
    }
    if (!std::isfinite(map.step(k, state, nextState))) {
      throw numericalError("the " + map.name() + " iterates diverged at step " + std::to_string(k));
    }
    map.linearize(k, state);
    map.tangentProduct(tangent, v, next);
    tangent.swap(next);
    state.swap(nextState);
    result.unrolled.push_back(error(tangent));
  }
  map.primal(tangent, tangentX);
  result.unrolledTangent = tangentX;
  return result;
}

DerivativeSequence derivativeSequence(const InnerSolver& solver, const Model& model,
                                      const Vector& theta, const Vector& solution, Vector direction,
                                      const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel) {
  std::string why;
  if (!solver.hasIterationMap(&why)) {
    DerivativeSequence result;
    result.iteration = solver.name();
    result.unavailable = "the derivative sequences differentiate the solver's iterations; " + why;
    return result;
  }
  const auto map = solver.iterationMap(model, theta);
  return derivativeSequence(*map, solution, std::move(direction), options, cancel);
}

DerivativeSequence derivativeSequence(const Model& model, const Vector& theta,
                                      const Vector& solution, Vector direction,
                                      const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel) {
  // Arguments first, so that a θ of the wrong size is a usage error rather than a map built on it.
  checkDiagnosticArguments(model, theta, solution, options.cgTolerance, options.cgMaxIterations);
  return derivativeSequence(AcceleratedGradientMap(model, theta), solution, std::move(direction),
                            options, cancel);
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
