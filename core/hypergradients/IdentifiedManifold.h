#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/Cancellation.h"
#include "common/Vector.h"
#include "models/TotalVariation.h"
#include "solvers/ConjugateGradient.h"

namespace bilevel {

// The manifold that a TV solution x*(θ) identifies and the implicit-function system on it (partial
// smoothness; seed 004 §III, "ID under Partial Smoothness", Lewis '02, Vaiter et al. '17): the
// one formula behind `implicit-manifold` (reverse, the adjoint) and the diagnostics' solution
// tangent dx*/dθ·v (forward: derivative sequences, sensitivity maps).
//
// TV E(x, θ) = ½‖x − y‖² + Σ_i λ_i(θ) |(∇x)_i| is partly smooth at x* relative to
//   M = {x : (∇x)_i = 0 for every i outside the jump set S = {i : (∇x*)_i ≠ 0}},
// a linear subspace: x ∈ M iff x is constant on every connected region of the graph that links
// pixel i to its right and lower neighbours for i ∉ S. With B (n × m) the indicator matrix of the
// m regions, x = B u and E restricted to M is E_M(u, θ) = ½‖Bu − y‖² + Σ_{i∈S} λ_i |(∇Bu)_i|,
// smooth near u* (|(∇x*)_i| > 0 on S). At g_i = (∇x*)_i, n_i = g_i/|g_i| and
// D_i = (λ_i/|g_i|)(I − n_i n_iᵀ) for i ∈ S:
//   H_M = ∇²_u E_M = BᵀB + Bᵀ∇ᵀ D ∇B               (SPD: BᵀB is the diagonal of region sizes)
//   C_M dθ = ∂_θ∇_u E_M dθ = Bᵀ∇ᵀ (n_i (B_λ dθ)_i)_{i∈S}   (B_λ: θ ↦ λ,
//   TotalVariation::weightProduct) C_Mᵀ a = B_λᵀ (⟨n_i, (∇Ba)_i⟩)_{i∈S}
// and the theorem's formula ∂x*/∂θ = −B H_M⁻¹ C_M. The products act on one value per region plus
// the jump set; nothing of size n × n is formed.
//
// The jump set is read from the solution: i ∈ S when |(∇x*)_i| > jumpTolerance (TotalVariation::
// jumpSet; ImplicitManifold.h says why the default suits solves to a relative gap of 1e-8 or
// tighter). x* is replaced by its projection on M (region means), so the small residual
// differences off S do not enter D. Non-degeneracy (|q*_i| < λ_i off S) and a stable support are
// assumed, as the theorem does; where they fail the result is the derivative of the restricted
// problem, as finite differences would show.
//
// Bound to its model (which must outlive it); one thread at a time (mutable scratch).
class IdentifiedManifold {
 public:
  IdentifiedManifold(const TotalVariation& model, const Vector& theta, const Vector& solution,
                     double jumpTolerance = TotalVariation::kDefaultJumpTolerance);

  Eigen::Index regionCount() const { return sizes_.size(); }
  // |S|, without the merged pixels below.
  Eigen::Index jumpCount() const { return jumpCount_; }
  // Pixels above the jump tolerance in x* whose right and lower neighbours both lie in their own
  // region (joined around them through pixels below the tolerance): on M their differences are 0,
  // so their TV term vanishes on all of M and they are left out of S. A difference above the
  // tolerance inside one region is a remainder of the solve (exact solutions have none); many of
  // them say the solve was not tight enough to identify the support.
  Eigen::Index mergedJumps() const { return merged_; }
  const std::vector<std::uint8_t>& jumpSet() const { return jumps_; }
  // x_M = B u*: the solution projected on M (region means).
  const Vector& projectedSolution() const { return projected_; }

  // out = B u (n entries) and out = Bᵀ v (m entries).
  void expand(const Vector& u, Vector& out) const;
  void collect(const Vector& v, Vector& out) const;
  // out = H_M u.
  void hessianProduct(const Vector& u, Vector& out) const;
  // 1/diag(H_M) (m entries): the Jacobi preconditioner of both solves below.
  const Vector& inverseDiagonal() const { return inverseDiagonal_; }

  // dx = ∂x*/∂θ · dθ = −B H_M⁻¹ C_M dθ (n entries), H_M solved by CG from zero.
  ConjugateGradientSummary tangent(const Vector& dtheta, Vector& dx,
                                   const ConjugateGradientOptions& options,
                                   const CancellationFlag* cancel = nullptr) const;
  // a = H_M⁻¹ Bᵀ xBar (m entries, one per region), by CG from zero: the adjoint of a cotangent
  // x̄ = ∂_xL on x, so that x̄ᵀ ∂x*/∂θ = −(C_Mᵀ a)ᵀ.
  ConjugateGradientSummary adjoint(const Vector& xBar, Vector& a,
                                   const ConjugateGradientOptions& options,
                                   const CancellationFlag* cancel = nullptr) const;
  // out = C_Mᵀ a (p entries).
  void parameterAdjoint(const Vector& a, Vector& out) const;

 private:
  // u = H_M⁻¹ rhs by CG from zero, preconditioned by diag(H_M): the curvatures λ_i/|g_i| of small
  // jumps exceed the region sizes by orders of magnitude (measured on rof-denoise at 256²,
  // λ = 0.054, solve to a relative gap of 1e-10: 2,871 plain CG steps to 1e-10).
  ConjugateGradientSummary solve(const Vector& rhs, Vector& u,
                                 const ConjugateGradientOptions& options,
                                 const CancellationFlag* cancel) const;

  const TotalVariation& model_;
  std::vector<std::uint8_t> jumps_;
  Eigen::Index jumpCount_ = 0;
  std::vector<Eigen::Index> region_;  // region of each pixel
  Vector sizes_;                      // pixels per region
  Vector projected_;                  // x_M
  Vector normal_;                     // n_i on S (2n entries, [h; v]), 0 elsewhere
  Vector curvature_;                  // λ_i/|g_i| on S
  Vector inverseDiagonal_;            // 1/diag(H_M)
  Eigen::Index merged_ = 0;
  mutable Vector expanded_, field_, back_;
};

}  // namespace bilevel
