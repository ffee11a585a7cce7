#pragma once

#include <vector>

#include "common/Cancellation.h"
#include "models/Model.h"

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
// derivative J*v, for the two ways of differentiating the accelerated-gradient map
//   y_k = (1+β) x_k − β x_{k−1},   x_{k+1} = y_k − τ ∂_xE(y_k),   τ = 1/L, β from μ/L,
// that `unrolled`/`forward` (along the iterates) and `fpad` (at the fixed point) use.
struct DerivativeSequence {
  Vector direction;        // v in θ-space (unit norm)
  Vector solutionTangent;  // J*v = dx*/dθ · v = −H(x*)⁻¹ (∂²_xθE) v, by CG (length n)
  double solutionTangentResidual = 0.0;  // the CG relative residual of J*v
  int solutionTangentIterations = 0;
  // ‖J^{(n)}v − J*v‖ / ‖J*v‖ (absolute when J*v = 0), n = 0..iterations, for the forward-mode
  // tangent along the accelerated-gradient iterates from the model's initial point: the
  // restart-free map of NesterovUnrolling, so unrolled[K] is the error of what `forward`
  // differentiates with solver.iterations = K.
  std::vector<double> unrolled;
  // The same for the FPAD recursion with every iterate replaced by x*:
  //   J_y = (1+β) J_k − β J_{k−1},   J_{k+1} = J_y − τ (H(x*) J_y + ∂²_xθE(x*) v),   J_0 = J_{−1} =
  //   0.
  std::vector<double> fpad;
  // The last tangents, J^{(K)}v of each recursion (K = the entries computed minus one).
  Vector unrolledTangent;
  Vector fpadTangent;
  // 1 − √(μ/L) from the model's bounds: the linear rate of the FPAD recursion, whose slowest mode
  // (eigenvalue μ of H) has the double root 1 − √(μ/L), so its error is O(n (1 − √(μ/L))ⁿ).
  double contractionRate = 0.0;
  bool cancelled = false;
};

// `solution` must be the lower-level solution x*(θ) (the caller solves it); its accuracy bounds the
// floor the sequences reach. If `direction` is empty, v is the normalised all-ones vector in
// θ-space (e_0 for a scalar λ); otherwise `direction` normalised. Throws Error(Usage) for arguments
// that do not fit the model and Error(Numerical) when the Hessian is not positive definite at x*
// or the iterates diverge. Allocates its vectors once; the loops do not allocate. Polls `cancel`
// once per step; a cancelled run returns the entries computed so far with cancelled = true.
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
