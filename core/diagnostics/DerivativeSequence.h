#pragma once

#include <string>
#include <vector>

#include "common/Cancellation.h"
#include "iterations/IterationMap.h"
#include "models/Model.h"
#include "solvers/InnerSolver.h"

namespace bilevel {

struct DerivativeSequenceOptions {
  // Steps n of both recursions; the sequences have iterations + 1 entries (n = 0 included).
  int iterations = 300;
  // CG settings of the reference J*v.
  double cgTolerance = 1e-10;
  int cgMaxIterations = 5000;
};

// The derivative-sequence convergence of seed 004 (Mehmood & Ochs 2020; DESIGN.md §2 "Jacobian
// diagnostics"): the error of the n-th derivative iterate J^{(n)}v against the true solution
// derivative J*v, for the two ways of differentiating an inner solver's iteration map
// z_{k+1} = A(z_k, θ) (core/iterations): along the iterates, as `unrolled`/`forward` do, and at the
// fixed point, as `fpad` does. For the accelerated-gradient map
//   y_k = (1+β) x_k − β x_{k−1},   x_{k+1} = y_k − τ ∂_xE(y_k),   τ = 1/L, β from μ/L.
struct DerivativeSequence {
  std::string iteration;   // the map differentiated: its solver's name ("accelerated-gradient")
  Vector direction;        // v in θ-space (unit norm)
  Vector solutionTangent;  // J*v = dx*/dθ · v = −H(x*)⁻¹ (∂²_xθE) v, by CG (length n)
  double solutionTangentResidual = 0.0;  // the CG relative residual of J*v
  int solutionTangentIterations = 0;
  // ‖J^{(n)}v − J*v‖ / ‖J*v‖ (absolute when J*v = 0), n = 0..iterations, for the forward-mode
  // state tangent T_{k+1} = A_z T_k + A_θ v along the iterates from the cold start (T_0 = 0),
  // read on x (J^{(n)}v = P T_n): the map `forward` differentiates, so unrolled[K] is the error of
  // what it computes with solver.iterations = K.
  std::vector<double> unrolled;
  // The same for the FPAD recursion with every iterate replaced by the fixed-point state z*:
  //   T_{k+1} = A_z(z*) T_k + A_θ(z*) v,   T_0 = 0.
  std::vector<double> fpad;
  // The last tangents, J^{(K)}v of each recursion (K = the entries computed minus one).
  Vector unrolledTangent;
  Vector fpadTangent;
  // The map's contraction rate (IterationMap::contractionRate): 1 − √(μ/L) for accelerated
  // gradient, whose slowest FPAD mode (eigenvalue μ of H) has that double root, so its error is
  // O(n (1 − √(μ/L))ⁿ); 1 − μ/L for gradient descent.
  double contractionRate = 0.0;
  bool cancelled = false;
  // Why there are no sequences, when the solver has no iteration map (empty otherwise).
  std::string unavailable;
};

// `solution` must be the lower-level solution x*(θ) (the caller solves it); its accuracy bounds the
// floor the sequences reach. If `direction` is empty, v is the normalised all-ones vector in
// θ-space (e_0 for a scalar λ); otherwise `direction` normalised. Throws Error(Usage) for arguments
// that do not fit the model and Error(Numerical) when the Hessian is not positive definite at x*
// or the iterates diverge. Allocates its vectors once; the loops do not allocate. Polls `cancel`
// once per step; a cancelled run returns the entries computed so far with cancelled = true.
DerivativeSequence derivativeSequence(const IterationMap& map, const Vector& solution,
                                      Vector direction, const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel = nullptr);
// The same for the iteration of `solver`; when it has none (lbfgs), returns no sequences and says
// why in `unavailable`.
DerivativeSequence derivativeSequence(const InnerSolver& solver, const Model& model,
                                      const Vector& theta, const Vector& solution, Vector direction,
                                      const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel = nullptr);
// The same for the accelerated-gradient map (the default solver's).
DerivativeSequence derivativeSequence(const Model& model, const Vector& theta,
                                      const Vector& solution, Vector direction,
                                      const DerivativeSequenceOptions& options,
                                      const CancellationFlag* cancel = nullptr);

// ρⁿ with ρ = sequence.contractionRate, for n = 0, 1, … down to a tenth of the lowest positive
// error either sequence reached: the reference line of the derivative-sequence plot, stopped where
// the sequences hit their floor so that it does not stretch a log axis over empty decades. Empty
// when the rate is not in (0, 1).
std::vector<double> rateReference(const DerivativeSequence& sequence);

}  // namespace bilevel
