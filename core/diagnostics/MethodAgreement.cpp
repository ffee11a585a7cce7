#include "diagnostics/MethodAgreement.h"

#include <algorithm>
#include <limits>
#include <memory>

#include "common/Error.h"
#include "common/Stopwatch.h"
#include "registry/Registry.h"

namespace bilevel {

MethodAgreementReport compareHypergradientMethods(
    const BilevelProblem& problem, const Vector& theta, const Vector& warmStart,
    const HypergradientOptions& options, std::vector<std::string> methods,
    const CancellationFlag* cancel, const std::function<void(const MethodAgreementRow&)>& onRow) {
  std::string error;
  if (!options.isValid(&error)) throw usageError(error);
  if (methods.empty()) methods = hypergradientMethodNames();
  const registry::MethodEntry& referenceMethod = registry::referenceMethod();
  // Construct every method first: an unknown name is reported before minutes of solves.
  std::vector<std::unique_ptr<HypergradientMethod>> instances;
  instances.reserve(methods.size());
  for (const auto& name : methods)
    instances.push_back(makeHypergradientMethod(name, options));
  if (theta.size() != problem.model.parameterCount()) {
    throw usageError("θ has " + std::to_string(theta.size()) + " entries but the model " +
                     problem.model.name() + " has " +
                     std::to_string(problem.model.parameterCount()) + " parameters");
  }
  if (warmStart.size() != problem.model.variableCount()) {
    throw usageError("the warm start has " + std::to_string(warmStart.size()) +
                     " entries but the model's image has " +
                     std::to_string(problem.model.variableCount()) + " pixels");
  }

  MethodAgreementReport report;
  report.reference.resize(theta.size());
  {
    Vector x = warmStart;
    Stopwatch clock;
    report.referenceSummary =
        referenceMethod.make(options)->evaluate(problem, theta, x, report.reference, cancel);
    report.referenceSeconds = clock.seconds();
  }
  if (report.referenceSummary.termination == Termination::Cancelled) {
    report.cancelled = true;
    return report;
  }
  if (!report.referenceSummary.usable()) {
    throw numericalError("the " + referenceMethod.name + " reference failed");
  }
  {
    HypergradientOptions doubled = options;
    // Twice the step, or half of it where twice would leave the valid range (< 0.1).
    const double step = options.finiteDifferenceStep;
    doubled.finiteDifferenceStep = 2.0 * step < 0.1 ? 2.0 * step : 0.5 * step;
    Vector x = warmStart, coarse(theta.size());
    const HypergradientSummary summary =
        referenceMethod.make(doubled)->evaluate(problem, theta, x, coarse, cancel);
    if (summary.termination == Termination::Cancelled) {
      report.cancelled = true;
      return report;
    }
    report.referenceError = summary.usable() ? (coarse - report.reference).norm()
                                             : std::numeric_limits<double>::quiet_NaN();
  }
  const Vector& reference = report.reference;
  const double referenceNorm = reference.norm();

  report.rows.reserve(methods.size());
  for (std::size_t i = 0; i < methods.size(); ++i) {
    if (isCancelled(cancel)) {
      report.cancelled = true;
      return report;
    }
    const HypergradientMethod& method = *instances[i];
    MethodAgreementRow row;
    row.method = methods[i];
    row.referenceError = report.referenceError;
    row.description = method.description();
    if (std::string why; !method.supports(problem, &why)) {
      row.refusal = why;
      row.summary.method = row.method;
      row.summary.termination = Termination::Unsupported;
      row.summary.message = why;
      const double nan = std::numeric_limits<double>::quiet_NaN();
      row.relativeError = row.absoluteError = row.cosine = row.hypergradientNorm = nan;
      report.rows.push_back(std::move(row));
      if (onRow) onRow(report.rows.back());
      continue;
    }
    if (row.method == referenceMethod.name) {
      row.gradient = reference;
      row.summary = report.referenceSummary;
      row.seconds = report.referenceSeconds;
    } else {
      Vector x = warmStart;
      row.gradient.resize(theta.size());
      Stopwatch clock;
      row.summary = method.evaluate(problem, theta, x, row.gradient, cancel);
      row.seconds = clock.seconds();
      if (row.summary.termination == Termination::Cancelled) {
        report.cancelled = true;
        return report;
      }
    }
    row.hypergradientNorm = row.gradient.norm();
    row.absoluteError = (row.gradient - reference).norm();
    row.relativeError = row.absoluteError / std::max(referenceNorm, 1e-300);
    row.cosine =
        row.gradient.dot(reference) / std::max(row.hypergradientNorm * referenceNorm, 1e-300);
    report.rows.push_back(std::move(row));
    if (onRow) onRow(report.rows.back());
  }
  return report;
}

}  // namespace bilevel
