#include "diagnostics/DerivativeSequence.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "common/Error.h"
#include "diagnostics/SolutionTangent.h"
#include "iterations/AcceleratedGradientMap.h"
#include "models/TotalVariation.h"

namespace bilevel {

DerivativeSequence derivativeSequence(const IterationMap& map, const IterationState& fixedPoint,
                                      Vector direction, const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel) {
  const LowerLevel& model = map.model();
  const Vector& theta = map.theta();
  const Eigen::Index n = model.variableCount();
  Vector solution(n);
  map.primal(fixedPoint, solution);
  checkDiagnosticArguments(model, theta, solution, options.cgTolerance, options.cgMaxIterations);
  if (options.iterations < 0) {
    throw usageError("the derivative sequence needs a non-negative number of iterations");
  }
  DerivativeSequence result;
  result.iteration = map.name();
  result.direction = diagnosticDirection(model, std::move(direction));
  const Vector& v = result.direction;

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
  if (cg.termination == Termination::Diverged || cg.termination == Termination::NegativeCurvature) {
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
  map.linearize(IterationMap::kLimit, fixedPoint);
  result.contractionRate = map.contractionRate();
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
    if (result.fpad.back() <= options.stopBelow) break;
  }
  map.primal(tangent, tangentX);
  result.fpadTangent = tangentX;
  result.fpadRate = measuredLinearRate(result.fpad, 0);

  // For TV: whether the iterate's jump set is x*'s, after every step (one gradient per step).
  const auto* tv = dynamic_cast<const TotalVariation*>(&model);
  std::vector<std::uint8_t> solutionJumps, iterateJumps;
  if (tv) tv->jumpSet(solution, solutionJumps);
  int lastMismatch = -1;  // the last n whose iterate's jump set differs from x*'s
  Vector iterate(n);
  const auto identified = [&](const IterationState& z) {
    map.primal(z, iterate);
    tv->jumpSet(iterate, iterateJumps);
    return iterateJumps == solutionJumps;
  };

  // Unrolled: forward mode along the iterates (as ForwardMode, one direction instead of p unit
  // vectors). z_0 is the cold start from the model's initial point, which does not depend on θ:
  // T_0 = 0.
  IterationState state = map.makeState(), nextState = map.makeState();
  map.coldStart(state);
  tangent.setZero();
  result.unrolled.push_back(error(tangent));
  if (tv && !identified(state)) lastMismatch = 0;
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
    if (tv && !identified(state)) lastMismatch = k + 1;
    if (result.unrolled.back() <= options.stopBelow) break;
  }
  map.primal(tangent, tangentX);
  result.unrolledTangent = tangentX;
  result.manifold = tv != nullptr;
  if (tv) {
    const int last = int(result.unrolled.size()) - 1;
    result.identifiedAt = lastMismatch == last ? -1 : lastMismatch + 1;
  }
  result.unrolledRate = measuredLinearRate(result.unrolled, std::max(result.identifiedAt, 0));
  return result;
}

DerivativeSequence derivativeSequence(const IterationMap& map, const Vector& solution,
                                      Vector direction, const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel) {
  checkDiagnosticArguments(map.model(), map.theta(), solution, options.cgTolerance,
                           options.cgMaxIterations);
  IterationState fixedPoint = map.makeState();
  map.fixedPoint(solution, fixedPoint);
  return derivativeSequence(map, fixedPoint, std::move(direction), options, cancel);
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

RateReference rateReference(const DerivativeSequence& sequence) {
  RateReference reference;
  double floor = 1.0;
  for (const auto* values : {&sequence.unrolled, &sequence.fpad}) {
    for (double v : *values) {
      if (v > 0.0) floor = std::min(floor, v);
    }
  }
  const std::size_t length = std::max(sequence.unrolled.size(), sequence.fpad.size());
  double value = 1.0;
  if (sequence.manifold && sequence.identifiedAt < 0) return reference;  // no linear phase yet
  if (sequence.identifiedAt >= 0) {
    // TV: the measured rate after identification, anchored where it was fitted.
    reference.measured = true;
    reference.rate = sequence.unrolledRate;
    reference.first = sequence.identifiedAt;
    if (std::size_t(reference.first) >= sequence.unrolled.size()) return reference;
    value = sequence.unrolled[std::size_t(reference.first)];
  } else {
    reference.rate = sequence.contractionRate;
  }
  const double rho = reference.rate;
  if (!(rho > 0.0 && rho < 1.0) || !(value > 0.0)) return reference;
  for (std::size_t n = std::size_t(reference.first); n < length && value >= 0.1 * floor;
       ++n, value *= rho)
    reference.values.push_back(value);
  return reference;
}

double measuredLinearRate(const std::vector<double>& errors, int from) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (from < 0 || std::size_t(from) >= errors.size()) return nan;
  const auto begin = errors.begin() + from;
  const double floor = *std::min_element(begin, errors.end());
  if (!(floor > 0.0)) return nan;
  // The window ends where the sequence first comes within a decade of its floor: beyond, rounding
  // and the accuracy of x* flatten it.
  std::size_t to = std::size_t(from);
  while (to < errors.size() && errors[to] > 10.0 * floor)
    ++to;
  if (to < std::size_t(from) + 10 || !(errors[std::size_t(from)] >= 10.0 * errors[to])) return nan;
  // Least squares of log e_n = a + n log ρ over the window.
  double sumN = 0.0, sumE = 0.0, sumNN = 0.0, sumNE = 0.0;
  const double count = double(to - std::size_t(from) + 1);
  for (std::size_t n = std::size_t(from); n <= to; ++n) {
    const double t = double(n - std::size_t(from)), e = std::log(errors[n]);
    sumN += t;
    sumE += e;
    sumNN += t * t;
    sumNE += t * e;
  }
  const double slope = (count * sumNE - sumN * sumE) / (count * sumNN - sumN * sumN);
  return std::exp(slope);
}

}  // namespace bilevel
