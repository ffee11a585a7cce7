#include "diagnostics/DirectionalAgreement.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "common/Error.h"
#include "common/Stopwatch.h"
#include "registry/Registry.h"

namespace bilevel {

DirectionalAgreementReport compareAlongDirections(
    const BilevelProblem& problem, const Vector& theta, const Vector& warmStart,
    const HypergradientOptions& options, std::vector<std::string> methods, int directionCount,
    unsigned seed, const CancellationFlag* cancel,
    const std::function<void(const DirectionalAgreementRow&)>& onRow) {
  std::string error;
  if (!options.isValid(&error)) throw usageError(error);
  if (directionCount < 1) throw usageError("at least one direction is needed");
  if (theta.size() != problem.model.parameterCount()) {
    throw usageError("θ has " + std::to_string(theta.size()) + " entries but the model " +
                     problem.model.name() + " has " +
                     std::to_string(problem.model.parameterCount()) + " parameters");
  }
  if (methods.empty()) {
    for (const auto& name : hypergradientMethodNames()) {
      if (name != registry::referenceMethod().name) methods.push_back(name);
    }
  }
  std::vector<std::unique_ptr<HypergradientMethod>> instances;
  for (const auto& name : methods)
    instances.push_back(makeHypergradientMethod(name, options));

  DirectionalAgreementReport report;
  report.step = options.finiteDifferenceStep;
  std::mt19937_64 generator(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int i = 0; i < directionCount; ++i) {
    Vector d(theta.size());
    for (Eigen::Index j = 0; j < d.size(); ++j)
      d[j] = normal(generator) * std::max(std::abs(theta[j]), 1e-3);
    report.directions.push_back(std::move(d));
  }

  SolveOptions tight = problem.solve;
  tight.tolerance = options.finiteDifferenceTolerance;
  tight.fixedIterations = 0;
  tight.recordTrace = false;
  tight.state = nullptr;
  Stopwatch clock;
  Vector center = warmStart;
  const auto solveAt = [&](const Vector& at, Vector& x) {
    const SolveSummary summary = problem.solver.solve(problem.model, at, x, tight, cancel);
    if (summary.termination == Termination::Cancelled) return false;
    if (!summary.usable()) {
      throw numericalError("a tight solve of the directional reference failed (" +
                           toString(summary.termination) + ")");
    }
    return true;
  };
  if (!solveAt(theta, center)) {
    report.cancelled = true;
    return report;
  }
  report.differences.resize(directionCount);
  for (int i = 0; i < directionCount; ++i) {
    const Vector& d = report.directions[std::size_t(i)];
    double values[2];
    for (int side = 0; side < 2; ++side) {
      const Vector at = theta + (side == 0 ? report.step : -report.step) * d;
      Vector x = center;  // warm start at x*(θ), as finite-difference does
      if (!solveAt(at, x)) {
        report.cancelled = true;
        return report;
      }
      values[side] = problem.loss.value(x, at);
    }
    report.differences[i] = (values[0] - values[1]) / (2.0 * report.step);
  }
  report.referenceSeconds = clock.seconds();

  for (std::size_t m = 0; m < instances.size(); ++m) {
    DirectionalAgreementRow row;
    row.method = methods[m];
    const HypergradientMethod& method = *instances[m];
    if (std::string why; !method.supports(problem, &why)) {
      row.refusal = why;
      row.summary.method = row.method;
      row.summary.termination = Termination::Unsupported;
    } else {
      Vector x = warmStart, gradient(theta.size());
      Stopwatch methodClock;
      row.summary = method.evaluate(problem, theta, x, gradient, cancel);
      row.seconds = methodClock.seconds();
      if (row.summary.termination == Termination::Cancelled) {
        report.cancelled = true;
        return report;
      }
      row.hypergradientNorm = gradient.norm();
      row.projections.resize(directionCount);
      for (int i = 0; i < directionCount; ++i)
        row.projections[i] = gradient.dot(report.directions[std::size_t(i)]);
      row.relativeError = (row.projections - report.differences).norm() /
                          std::max(report.differences.norm(), 1e-300);
    }
    report.rows.push_back(row);
    if (onRow) onRow(report.rows.back());
  }
  return report;
}

}  // namespace bilevel
