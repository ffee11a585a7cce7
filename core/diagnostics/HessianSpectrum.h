#pragma once

#include "common/Cancellation.h"
#include "models/Model.h"
#include "solvers/ConjugateGradient.h"

namespace bilevel {

// Extreme eigenvalues of the Hessian ∂²_xxE(x*, θ) by the Lanczos method (Lanczos 1950; Golub &
// Van Loan §10.1) on the same Hessian-vector products CG uses: DESIGN.md §2's "Hessian spectrum at
// x*" diagnostic. λ_min ≤ 0 says why implicit-cg stopped on negative curvature (a non-convex
// lower level at a saddle point); λ_max/λ_min is the condition number that sets CG's iteration
// count. The Ritz values of the k-step tridiagonal T_k bracket inwards: smallest ≥ λ_min,
// largest ≤ λ_max, and the extreme ones converge first.
struct HessianSpectrumOptions {
  // Lanczos steps k ≥ 1 (at most n): k Hessian-vector products and k stored vectors (full
  // reorthogonalisation, so that no ghost copies of converged eigenvalues appear). Default 60.
  int steps = 60;
  // Seed of the random start vector. Default 1.
  unsigned seed = 1;
};

struct HessianSpectrum {
  double smallest = 0.0;  // smallest Ritz value: an upper bound on λ_min, close after k steps
  double largest = 0.0;   // largest Ritz value: a lower bound on λ_max
  int steps = 0;          // steps made (fewer than asked when an invariant subspace was found)
  // |β_k · last entry of the Ritz vector|: the residual ‖Hv − θv‖ of each extreme Ritz pair.
  double smallestResidual = 0.0, largestResidual = 0.0;
  bool cancelled = false;
};

// Lanczos on a symmetric operator of size n.
HessianSpectrum lanczosSpectrum(const LinearOperator& apply, Eigen::Index n,
                                const HessianSpectrumOptions& options,
                                const CancellationFlag* cancel = nullptr);

// Lanczos on ∂²_xxE(x, θ) of a smooth model.
HessianSpectrum hessianSpectrum(const Model& model, const Vector& x, const Vector& theta,
                                const HessianSpectrumOptions& options,
                                const CancellationFlag* cancel = nullptr);

}  // namespace bilevel
