#pragma once

#include <functional>

#include "config/Configuration.h"
#include "diagnostics/DerivativeSequence.h"
#include "diagnostics/MethodAgreement.h"
#include "diagnostics/SensitivityMaps.h"
#include "learning/TrainingPair.h"

namespace bilevel {

struct JacobianDiagnosticsOptions {
  // Inner-solve and adjoint tolerance of every method compared: tight, as in `bilevel-cli check`,
  // so that each method's own approximation shows rather than the solver's stopping error.
  // Default 1e-10.
  double tolerance = 1e-10;
  // The derivative sequences' length and the CG of J*v, the sensitivity and the adjoint maps.
  DerivativeSequenceOptions sequence;
};

// Receives each part as soon as it is computed (a window fills its panel live). Any may be empty.
struct JacobianDiagnosticsObserver {
  std::function<void(int methodCount)> started;
  std::function<void(const MethodAgreementRow&)> row;
  std::function<void(const DerivativeSequence&)> sequence;
  std::function<void(const SensitivityMaps&)> maps;
};

// The Jacobian diagnostics of DESIGN.md §2 for the first training pair at θ (empty θ: the
// configuration's defaults): every hypergradient method against finite differences, the
// derivative sequences of unrolling and FPAD through the solver's iteration map (none, with
// DerivativeSequence::unavailable saying why, for a solver without one), and the sensitivity and
// adjoint maps at x*(θ). Methods that cannot serve the solver arrive as refused rows.
// Returns false when cancelled. Throws Error(Usage) for a θ that does not fit the model and
// Error(Numerical) when the reference or the lower-level solve fails.
bool runJacobianDiagnostics(const Configuration& configuration, const TrainingPair& pair,
                            const Vector& theta, const JacobianDiagnosticsOptions& options,
                            const JacobianDiagnosticsObserver& observer,
                            const CancellationFlag* cancel = nullptr);

}  // namespace bilevel
