#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/Cancellation.h"
#include "hypergradients/HypergradientMethod.h"

namespace bilevel {

// One method's hypergradient against the finite-difference reference (DESIGN.md §2, "agreement of
// every method with finite differences"): a row of the diagnostics table and of `bilevel-cli
// check`.
struct MethodAgreementRow {
  std::string method;
  std::string description;  // the method's description() (tooltips)
  Vector gradient;
  // ‖g − g_ref‖ / ‖g_ref‖ and ⟨g, g_ref⟩ / (‖g‖ ‖g_ref‖) against the reference.
  double relativeError = 0.0, cosine = 0.0;
  // ‖g − g_ref‖: near a stationary point, where ‖g_ref‖ → 0, the relative error measures the
  // reference's own error (O(h) at the Huber kink), and this is the figure to compare.
  double absoluteError = 0.0;
  // The reference's own error, estimated as ‖g_FD(h) − g_FD(2h)‖ (the spread of central
  // differences at the configured step and at twice it: their truncation and solve-tolerance
  // errors). An absoluteError of this size is agreement to the reference's accuracy; when
  // ‖g_ref‖ is of this size (a stationary point) the relative error and cosine compare noise.
  // The same value in every row, so that each row can be judged as it arrives. NaN when refused.
  double referenceError = 0.0;
  double seconds = 0.0, hypergradientNorm = 0.0;
  // iterations, residual, residualHistory, workingMegabytes, termination
  HypergradientSummary summary;
  // Set when the method cannot serve this solver/model pair (HypergradientMethod::supports): the
  // sentence naming the pair. The row then has no gradient, NaN errors and
  // summary.termination = Unsupported; nothing was computed.
  std::string refusal;
};

struct MethodAgreementReport {
  Vector reference;
  HypergradientSummary referenceSummary;
  double referenceSeconds = 0.0;
  // ‖g_FD(h) − g_FD(2h)‖ (MethodAgreementRow::referenceError).
  double referenceError = 0.0;
  std::vector<MethodAgreementRow> rows;  // in the order asked for; a cancelled method has no row
  bool cancelled = false;
};

// Runs the registry's reference method (registry::referenceMethod(): finite differences) first,
// then each method in `methods` (empty means hypergradientMethodNames()), each from a copy of
// `warmStart`. The reference's own row reuses the reference evaluation (the same deterministic
// computation) rather than paying 2p tight solves twice; a second reference at twice the step
// (2p more tight solves) estimates its error. A method
// that cannot serve the problem's solver or model gets a row with its refusal
// (MethodAgreementRow::refusal) in its place instead of a number. `onRow` (may be empty) is called
// after each row is appended, for live tables. A row whose method diverged is still reported
// (summary.termination says so). Unknown method names or invalid options throw Error(Usage) before
// any work; a failed reference throws Error(Numerical). When `cancel` is raised the report returns
// with cancelled = true and the rows finished so far.
MethodAgreementReport compareHypergradientMethods(
    const BilevelProblem& problem, const Vector& theta, const Vector& warmStart,
    const HypergradientOptions& options, std::vector<std::string> methods,
    const CancellationFlag* cancel = nullptr,
    const std::function<void(const MethodAgreementRow&)>& onRow = {});

}  // namespace bilevel
