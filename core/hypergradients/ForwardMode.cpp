#include "hypergradients/ForwardMode.h"

#include <cmath>
#include <string>
#include <vector>

#include "common/Stopwatch.h"
#include "iterations/IterationRun.h"

namespace bilevel {

bool ForwardMode::supports(const BilevelProblem& problem, std::string* why) const {
  if (!IterationMapMethod::supports(problem, why)) return false;
  const double entries =
      double(problem.model.variableCount()) * double(problem.model.parameterCount());
  if (entries <= kMaxTangentEntries) return true;
  if (why) {
    *why = name() +
           " keeps one tangent of the lower level's size per parameter: " + problem.model.name() +
           " has " + std::to_string(problem.model.parameterCount()) + " parameters on " +
           std::to_string(problem.model.variableCount()) + " pixels, " +
           std::to_string(std::llround(entries * 8.0 / (1024.0 * 1024.0))) +
           " MiB per state part, above the limit of 256 MiB; use implicit-cg or fpad";
  }
  return false;
}

HypergradientSummary ForwardMode::evaluate(const BilevelProblem& problem, const Vector& theta,
                                           Vector& x, Vector& gradient,
                                           const CancellationFlag* cancel) const {
  HypergradientSummary summary;
  summary.method = name();
  const auto map = iterationMap(problem, theta);
  Stopwatch clock;
  const LowerLevel& model = problem.model;
  const Eigen::Index n = model.variableCount(), p = theta.size();
  SolveSummary& inner = summary.inner;
  IterationRun run(*map, problem.solve, inner);

  IterationState z = map->makeState(), next = map->makeState(), scratch = map->makeState();
  map->coldStart(z);
  std::vector<IterationState> tangents(std::size_t(p), map->makeState());  // T_j, zero at z_0
  Vector unit = Vector::Zero(p);
  int steps = 0;
  for (; steps < run.iterationLimit(); ++steps) {
    if (isCancelled(cancel)) {
      summary.termination = inner.termination = Termination::Cancelled;
      return summary;
    }
    const bool output = !run.advance(steps, z, next);
    // The tangents ride on the forward pass: its progress is theirs (the measure z_k was read at).
    if (run.fixedLength()) {
      reportSteps(cancel, "forward-mode pass", steps + (output ? 0 : 1), run.iterationLimit());
    } else {
      reportProgress(cancel, "forward-mode pass", steps, inner.relativeGradientNorm,
                     problem.solve.tolerance);
    }
    if (output) break;
    map->linearize(steps, z);
    for (Eigen::Index j = 0; j < p; ++j) {
      unit[j] = 1.0;
      map->tangentProduct(tangents[std::size_t(j)], unit, scratch);
      unit[j] = 0.0;
      tangents[std::size_t(j)].swap(scratch);
    }
    z.swap(next);
  }
  inner.iterations = steps;
  summary.iterations = steps;
  if (inner.termination == Termination::Diverged) {
    summary.termination = Termination::Diverged;
    return summary;
  }
  map->primal(z, x);
  inner.energy = model.energy(x, theta);
  inner.seconds = clock.seconds();
  summary.outerLoss = problem.loss.value(x, theta);
  Vector dLdx(n);
  problem.loss.gradientX(x, theta, dLdx);
  problem.loss.gradientTheta(x, theta, gradient);
  IterationState dLdz = map->makeState();
  map->primalAdjoint(dLdx, dLdz);  // ⟨P T_j, ∂_xL⟩ = ⟨T_j, Pᵀ ∂_xL⟩
  for (Eigen::Index j = 0; j < p; ++j)
    gradient[j] += tangents[std::size_t(j)].dot(dLdz);
  summary.termination = Termination::Converged;
  // The tangent propagation is interleaved with the forward pass; report it all as hypergradient
  // time, since the plain solve would take a p-th of it.
  summary.hypergradientSeconds = clock.seconds();
  const double stateVectors = double(z.size()) / double(n);
  summary.workingMegabytes =
      (stateVectors * (double(p) + 4.0) + 4.0) * double(n) * 8.0 / (1024.0 * 1024.0);
  return summary;
}

}  // namespace bilevel
