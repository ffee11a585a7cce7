#include "solvers/Lbfgs.h"

#include <cmath>
#include <limits>

#include "common/Stopwatch.h"
#include "registry/Registry.h"

namespace bilevel {

bool Lbfgs::hasIterationMap(std::string* why) const {
  if (why) {
    // The registry's smooth solvers that have one.
    std::string alternatives;
    for (const auto& entry : registry::solvers()) {
      if (entry.kind == registry::LowerLevelKind::Smooth && entry.make()->hasIterationMap())
        alternatives += (alternatives.empty() ? "" : " or ") + entry.name;
    }
    *why =
        name() + " has no iteration map (its steps depend on a line search): use " + alternatives;
  }
  return false;
}

SolveSummary Lbfgs::solve(const Model& model, const Vector& theta, Vector& x,
                          const SolveOptions& options, const CancellationFlag* cancel) const {
  LbfgsMemory memory(options.lbfgsMemory, x.size());
  return solve(model, theta, x, options, cancel, memory);
}

SolveSummary Lbfgs::solve(const Model& model, const Vector& theta, Vector& x,
                          const SolveOptions& options, const CancellationFlag* cancel,
                          LbfgsMemory& memory) const {
  Stopwatch clock;
  SolveSummary summary;
  constexpr double kArmijo = 1e-4;
  constexpr int kMaxHalvings = 40;
  const double safeStep = 1.0 / model.gradientLipschitzBound(theta);
  const bool fixed = options.fixedIterations > 0;
  const int iterationLimit = fixed ? options.fixedIterations : options.maxIterations;
  if (memory.capacity() != options.lbfgsMemory || memory.dimension() != x.size()) {
    memory = LbfgsMemory(options.lbfgsMemory, x.size());
  }
  memory.clear();

  Vector g(x.size()), gNew(x.size()), d(x.size()), xNew(x.size()), s(x.size()), yDiff(x.size());
  model.gradient(model.initialPoint(), theta, g);
  summary.referenceGradientNorm = std::max(g.norm(), 1e-300);
  double energy = model.energyAndGradient(x, theta, g);
  summary.gradientEvaluations = 2;
  const double threshold = options.tolerance * summary.referenceGradientNorm;
  if (options.recordTrace) summary.trace.reserve(iterationLimit + 1);

  double norm = g.norm();
  summary.termination = Termination::IterationLimit;
  for (int k = 0;; ++k) {
    if (options.recordTrace) summary.trace.push_back(norm / summary.referenceGradientNorm);
    reportProgress(cancel, "inner solve", k, norm / summary.referenceGradientNorm,
                   options.tolerance);
    if (!std::isfinite(norm) || !std::isfinite(energy)) {
      summary.termination = Termination::Diverged;
      summary.message = "the energy or gradient became NaN or infinite";
      break;
    }
    if (!fixed && norm <= threshold) {
      summary.termination = Termination::Converged;
      break;
    }
    if (k >= iterationLimit) break;
    if (isCancelled(cancel)) {
      summary.termination = Termination::Cancelled;
      break;
    }

    memory.applyInverseHessian(g, d);
    d = -d;
    double slope = g.dot(d);
    double step = 1.0;
    if (memory.size() == 0 || !(slope < 0.0)) {
      memory.clear();
      d = -g;
      slope = -norm * norm;
      step = safeStep;
    }
    const double slack = 8.0 * std::numeric_limits<double>::epsilon() * std::abs(energy);
    double energyNew = 0.0;
    bool accepted = false;
    for (int halving = 0; halving < kMaxHalvings; ++halving) {
      xNew = x + step * d;
      energyNew = model.energyAndGradient(xNew, theta, gNew);
      ++summary.gradientEvaluations;
      if (energyNew <= energy + kArmijo * step * slope + slack) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) {
      // A gradient step of length 1/L decreases an L-smooth energy; take it and forget the
      // curvature pairs that produced the bad direction.
      memory.clear();
      xNew = x - safeStep * g;
      energyNew = model.energyAndGradient(xNew, theta, gNew);
      ++summary.gradientEvaluations;
    }
    s = xNew - x;
    yDiff = gNew - g;
    memory.push(s, yDiff);
    x.swap(xNew);
    g.swap(gNew);
    energy = energyNew;
    norm = g.norm();
    ++summary.iterations;
  }
  summary.energy = energy;
  summary.relativeGradientNorm = norm / summary.referenceGradientNorm;
  summary.seconds = clock.seconds();
  return summary;
}

}  // namespace bilevel
