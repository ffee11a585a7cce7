#pragma once

#include <optional>
#include <string>

#include "image/Image.h"
#include "models/Model.h"
#include "models/penalties/Penalty.h"
#include "operators/DctFilterBasis.h"
#include "operators/FilterBankCorrelation.h"
#include "operators/SymmetricExtension.h"

namespace bilevel {

// Where a Fields-of-Experts filter reads pixels beyond the picture (model.boundary).
enum class FilterBoundary {
  // Responses at every picture pixel of the whole-sample symmetric extension by ⌊s/2⌋
  // (SymmetricExtension.h): for odd s every pixel takes part in s² responses, counting its mirror
  // copies, as in Chen, Ranftl & Pock's training and testing.
  Symmetric,
  // Responses only where the filter fits inside the picture: a band of s − 1 pixels round the
  // picture is barely regularised. The convention of bench/foe_torch_reference.py (conv2d without
  // padding).
  Valid,
};
std::string toString(FilterBoundary boundary);  // "symmetric", "valid"
std::optional<FilterBoundary> parseFilterBoundary(const std::string& text);

// Fields of Experts with filters in a DCT basis (DESIGN.md §2, seed 004; Roth & Black 2005, Chen,
// Ranftl & Pock 2014):
//   E(x, θ) = ½‖x − y‖² + Σ_k ν_k Σ_i ρ((k_k ⋆ x)_i),   k_k = Σ_l ϑ_kl K_l,
// with ⋆ the correlation (FilterBankCorrelation.h, no kernel flip) of the picture extended as
// Options::boundary says (k_k ⋆ x = K_k E x with E the extension, so every x-space product below
// folds back through Eᵀ), K_l the s×s DCT atoms without the constant one (DctFilterBasis.h) and ρ a
// penalty (Penalty.h). θ = (ν ∈ ℝ^K, ν > 0; ϑ ∈ ℝ^{K×(s²−1)}). Writing K_k for the correlation
// matrix, z_k = K_k x:
//   ∂_xE = x − y + Σ_k ν_k K_kᵀ ρ'(z_k),
//   ∂²_xxE v = v + Σ_k ν_k K_kᵀ (ρ''(z_k) ⊙ K_k v),
//   ∂_ν_k ⟨∂_xE, v⟩ = ⟨ρ'(z_k), K_k v⟩,
//   ∂_ϑ_kl ⟨∂_xE, v⟩ = ν_k ⟨K_l, G_k⟩,  G_k[j] = Σ_i ρ''(z_k,i)(K_k v)_i x_{i+j} + ρ'(z_k,i)
//   v_{i+j}
// (G_k the filter gradient of Σ_i ρ'(z_k,i)(k ⋆ v)_i). With the Student-t penalty the energy is
// non-convex: ρ'' ≥ −1/4, so strongConvexityBound may be ≤ 0 and a solver finds a local minimum.
//
// All K filters are correlated at once (FilterBankCorrelation: the im2col matrix products Z = P B
// and col2im(W Bᵀ) with the bank B in registers), band by band of outputs, so the responses of a
// 512² image are never all held at once (a band is about 256 KiB of responses, what the L2 cache
// keeps between the correlation and its adjoint). Bands are split between the threads of one
// OpenMP team, each scattering into its own image; everything is sized at construction, so
// nothing allocates in the solver loops. Responses outside the image's valid outputs are 0 and
// stay 0 under ρ' (ρ(0) = ρ'(0) = 0), so the pointwise passes need no masks. The Hessian and mixed
// products reuse ρ'(z_k), ρ''(z_k) stored at the last (x, θ) they were asked at (2·K·(n−s+1)·m
// doubles for an n×m image).
class FieldsOfExperts final : public Model {
 public:
  struct Options {
    // Number of filters K ≥ 1 (model.filters). Default 8: a small bank that a quick run or a test
    // can differentiate by finite differences; the presets use 24 of 5×5 and 48 of 7×7.
    int filters = 8;
    // Filter side s in [2, 15] (model.filter_size): s² − 1 coefficients per filter. Default 3.
    int filterSize = 3;
    // The penalty ρ (model.penalty). Default Student-t, the one of the optimized MRF.
    PenaltyKind penalty = PenaltyKind::StudentT;
    // Pixels beyond the picture (model.boundary). Default symmetric: with valid responses the
    // border band of a denoised 512² picture stays noisy (moon: 31.4 dB in the 6-pixel band
    // against 36.1 dB inside, docs/foe-quality.md). For an even s the picture is extended by s/2
    // on every side, one response more per row and column than pixels, so an edge pixel weighs
    // s + 1 responses per axis instead of s.
    FilterBoundary boundary = FilterBoundary::Symmetric;
    // Initial weight ν_k > 0 of every filter (model.nu). Default 0.0015. While responses are small
    // ρ ≈ z², and the s² − 1 atoms at norm c sum to Σ_l ‖K_l x‖² ≈ s²c²‖x − local mean‖², so the
    // prior's initial weight is about ν·s²·c²: 1.25 is the best start on generated dead leaves at
    // σ = 0.098 for 8 of 3×3 (ν 0.0014: 22.9 dB held out, noisy 20.2) and 24 of 5×5 (ν 0.0005:
    // 22.2 dB); ν·s²·c² = 9 (0.01 at 3×3) or 6.25 (0.0025 at 5×5) over-smooths to 16–17 dB, worse
    // than the noisy image. The presets scale ν as 1/s² (docs/foe-quality.md).
    double nu = 0.0015;
    // ‖k_k‖₂ = ‖ϑ_k‖₂ of every initial filter, > 0. Intensities lie in [0, 1], so noise of σ ≈ 0.1
    // gives responses of about σ·‖k‖: at 10 they reach ρ's bend at |z| ≈ 1, where the Student-t
    // penalty stops being quadratic and starts to keep edges. Default 10.
    double initialNorm = 10.0;
    // Seed of the initial filters beyond the s² − 1 atoms (see defaultParameters). Default 1.
    unsigned seed = 1;

    // Returns false and a sentence naming the setting when one is out of range.
    bool isValid(std::string* error) const;
  };

  // Throws Error(Usage) naming the setting when options are invalid or the image is smaller than
  // one filter.
  FieldsOfExperts(const Image& noisy, const Options& options);

  std::string name() const override { return "foe"; }
  const ParameterLayout& parameterLayout() const override { return layout_; }
  int rows() const override { return extension_.rows(); }
  int cols() const override { return extension_.cols(); }
  const Vector& initialPoint() const override { return noisy_; }
  const Options& options() const { return options_; }
  int filterCount() const { return options_.filters; }
  int filterSize() const { return options_.filterSize; }
  const DctFilterBasis& basis() const { return basis_; }

  double energy(const Vector& x, const Vector& theta) const override;
  double energyAndGradient(const Vector& x, const Vector& theta, Vector& g) const override;
  void hessianVectorProduct(const Vector& x, const Vector& theta, const Vector& v,
                            Vector& out) const override;
  void mixedProduct(const Vector& x, const Vector& theta, const Vector& v,
                    Vector& out) const override;
  void mixedTransposeProduct(const Vector& x, const Vector& theta, const Vector& dtheta,
                             Vector& out) const override;
  // 1 + max ρ'' · c · Σ_k ν_k ‖k_k‖₁² (‖K_k‖₂ ≤ ‖k_k‖₁ by Young's inequality; max ρ'' = 2
  // Student-t, 1 Charbonnier; c = ‖E‖² = 4 with the symmetric boundary, 1 with the valid one).
  double gradientLipschitzBound(const Vector& theta) const override;
  // 1 + min ρ'' · c · Σ_k ν_k ‖k_k‖₁²: 1 for Charbonnier (ρ'' > 0), possibly ≤ 0 for Student-t
  // (min ρ'' = −1/4), where E need not be convex at all.
  double strongConvexityBound(const Vector& theta) const override;
  // ν_k = options.nu; filter k < s² − 1 is atom k (ordered by frequency) scaled to initialNorm, so
  // the bank starts as the DCT itself: every filter different, smooth ones first, deterministic,
  // and training starts from a sensible sparsifying transform instead of noise. Filters beyond the
  // s² − 1 atoms are seeded random combinations of the same norm.
  Vector defaultParameters() const override;

  // The filters k_k of θ as K images of s×s (row k: filter k, row-major): what the studio shows as
  // tiles.
  Vector filterBank(const Vector& theta) const;
  // The same bank with each filter's ν_k, for display (LowerLevel::learnedFilters).
  std::vector<LearnedFilter> learnedFilters(const Vector& theta) const override;
  std::optional<PenaltyKind> responsePenalty() const override { return options_.penalty; }

 private:
  // filters_ = the bank of θ and packed_ its layout for the products, recomputed only when θ
  // changed.
  void updateFilters(const Vector& theta) const;
  // ρ'(z_k), ρ''(z_k) at (x, θ), recomputed only when x or θ changed.
  void linearize(const Vector& x, const Vector& theta) const;
  // Runs start(t) on every thread t of the team, then band(t, begin, end) over the bands;
  // returns the team's size.
  template <class Start, class Band>
  int forEachBand(Start&& start, Band&& band) const;
  long bandBegin(int b) const { return long(b) * bandLength_; }
  long bandEnd(int b) const;
  // The picture x extended by the boundary (E x) in the correlation's padded layout.
  void prepare(const Vector& x, Vector& padded) const;
  // out = base + Eᵀ Σ of the threads' scatter images (the extended image of each padded one).
  void gatherAccumulators(int team, Vector& out) const;

  Vector noisy_;
  Options options_;
  DctFilterBasis basis_;
  SymmetricExtension extension_;  // margin 0 for the valid boundary
  FilterBankCorrelation bank_;    // on the extended picture
  ParameterLayout layout_;
  int threads_ = 1;
  bool parallel_ = false;  // whether the bands are worth a team (measured, see .cpp)
  long bandLength_ = 0, bandStride_ = 0, cacheStride_ = 0;
  int bandCount_ = 0;

  mutable Vector cachedTheta_, filters_, dfilters_, packed_, packedDelta_, packedScaledDelta_;
  mutable Vector paddedX_, paddedV_, extended_, extendedSum_, folded_;
  mutable Vector linearizedAt_, linearizedTheta_, firstDerivatives_, secondDerivatives_;
  // Per thread: a padded scatter image, a band of responses (K × bandStride_), the adjoint's
  // scratch, filter gradients (K·s²) and per-filter sums (K); per band its penalty, summed in band
  // order so the energy does not depend on the threads.
  mutable Vector accumulators_, responses_, scratch_, filterGradients_, filterSums_, bandSums_;
};

}  // namespace bilevel
