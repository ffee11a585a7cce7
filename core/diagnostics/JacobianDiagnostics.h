#pragma once

#include <functional>

#include "config/Configuration.h"
#include "diagnostics/DerivativeSequence.h"
#include "diagnostics/MethodAgreement.h"
#include "diagnostics/SensitivityMaps.h"
#include "diagnostics/SupportIdentification.h"
#include "learning/TrainingPair.h"

namespace bilevel {

struct JacobianDiagnosticsOptions {
  // Inner-solve and adjoint tolerance of every method compared: tight, as in `bilevel-cli check`,
  // so that each method's own approximation shows rather than the solver's stopping error.
  // Default 1e-10.
  double tolerance = 1e-10;
  // The derivative sequences' length and the CG of J*v, the sensitivity and the adjoint maps.
  DerivativeSequenceOptions sequence;
  // For the primal–dual kind (TV through chambolle-pock): the length of the derivative sequences
  // and of the support identification run, in place of sequence.iterations. Algorithm 1's
  // constant steps contract slowly after identification (measured ρ ≈ 0.9997 on 12×12 blocks,
  // tst_tv_derivative_sequence: both sequences below 1e-6 within 45,000 steps). ≥ 0; default
  // 20000.
  int primalDualIterations = 20000;
  // Record the support every this many iterations (SupportIdentificationOptions::interval). ≥ 1;
  // default 20.
  int supportInterval = 20;
  // Where the primal–dual runs may end early: the support identification at this relative gap
  // (the support is settled long before), the sequences at this error (their floor is set by
  // x*: 2e-11 measured at 64²). Measured at 64² (benchmark, λ = 0.05): the whole run took 4.2 s
  // with 20,000 steps each. Defaults 1e-15 and 1e-10.
  double supportStopGap = 1e-15;
  double sequenceStopBelow = 1e-10;
  // The relative gap the primal–dual lower level is solved to for the sequences and maps: the gap
  // is quadratic in the distance to (x*, q*), so 1e-14 leaves x* about 1e-7 off relative, the
  // floor the sequences reach (a gradient tolerance of 1e-10 corresponds to a far smaller gap).
  // Default 1e-14.
  double primalDualGap = 1e-14;
};

// Receives each part as soon as it is computed (a window fills its panel live). Any may be empty.
struct JacobianDiagnosticsObserver {
  std::function<void(int methodCount)> started;
  std::function<void(const MethodAgreementRow&)> row;
  std::function<void(const DerivativeSequence&)> sequence;
  std::function<void(const SensitivityMaps&)> maps;
  // TV only: the jump set's size and changes and the gap along the iterations `unrolled`
  // differentiates, and the iteration at which the support is identified.
  std::function<void(const SupportIdentification&)> support;
};

// The Jacobian diagnostics of DESIGN.md §2 for the first training pair at θ (empty θ: the
// configuration's defaults): every hypergradient method against finite differences, the
// derivative sequences of unrolling and FPAD through the solver's iteration map (none, with
// DerivativeSequence::unavailable saying why, for a solver without one), and the sensitivity and
// adjoint maps at x*(θ). Methods that cannot serve the solver or model arrive as refused rows.
// For TV (the primal–dual kind) the sequences run through Chambolle–Pock's map and are measured
// against the identified manifold's tangent, the maps are the manifold's (SensitivityMaps.h), and
// the support identification of the same iteration arrives through `support`, before the
// sequences. Returns false when cancelled. Throws Error(Usage) for a θ that does not fit the
// model and Error(Numerical) when the reference or the lower-level solve fails.
bool runJacobianDiagnostics(const Configuration& configuration, const TrainingPair& pair,
                            const Vector& theta, const JacobianDiagnosticsOptions& options,
                            const JacobianDiagnosticsObserver& observer,
                            const CancellationFlag* cancel = nullptr);

}  // namespace bilevel
