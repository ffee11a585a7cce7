#include "models/FieldsOfExperts.h"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <type_traits>

#include "common/Error.h"
#include "models/penalties/Charbonnier.h"
#include "models/penalties/StudentT.h"

namespace bilevel {

namespace {

// Calls f(StudentT{}) or f(Charbonnier{}): the loops over responses are instantiated per penalty,
// so they vectorise with the penalty inlined.
template <class F>
decltype(auto) withPenalty(PenaltyKind kind, F&& f) {
  if (kind == PenaltyKind::StudentT) return f(StudentT{});
  return f(Charbonnier{});
}

// Below this many multiply-adds per product (K·s²·outputs) one thread does the filters: a team's
// start and barrier cost more than the work.
constexpr double kParallelWork = 1 << 20;

// Responses per band: what the L2 cache (1 MiB on the machines measured) keeps between the
// correlation of a band and its adjoint, with room for the image and the bank.
constexpr long kBandBytes = 256 << 10;
// Doubles added to the strides of the K response rows so they do not start a page apart.
constexpr long kStridePad = 8;

// Student-t's ρ(z) = log(1 + z²), vectorisable: std::log1p is a library call that does not
// vectorise (one per response cost as much as the correlation), Eigen's logarithm took 5.6 cycles
// a response, this one 3.6. log q for q = fl(1 + z²) is fdlibm's e_log.c (Sun, 1993; the musl
// form): q = 2^k (1 + f) with 1 + f in [√2/2, √2), log(1 + f) = 2 atanh(f / (2 + f)) by a
// minimax polynomial, within 1 ulp. log1p(u) = log q + δ/q + O(δ²), u = z², where δ = u − (q − 1)
// is q's rounding error, exact by Sterbenz's lemma (Goldberg 1991, theorem 4's idea); 1/q is
// replaced by max(2 − q, 0), off by (q − 1)² near q = 1 and dropping a correction under an ulp of
// log q from q = 2 on. Within 3.2e-16 of std::log1p relative, for z from 1e-8 to 1e6 (measured);
// an infinite or NaN q is returned as it is.
inline double logOnePlusSquare(double z) {
  constexpr double lg1 = 6.666666666666735130e-01, lg2 = 3.999999999940941908e-01,
                   lg3 = 2.857142874366239149e-01, lg4 = 2.222219843214978396e-01,
                   lg5 = 1.818357216161805012e-01, lg6 = 1.531383769920937332e-01,
                   lg7 = 1.479819860511658591e-01, ln2Hi = 6.93147180369123816490e-01,
                   ln2Lo = 1.90821492927058770002e-10;
  const double u = z * z, q = 1.0 + u;
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(q);
  std::uint64_t high = (bits >> 32) + (0x3ff00000 - 0x3fe6a09e);
  const double k = double(std::int64_t(high >> 20) - 0x3ff);
  high = (high & 0x000fffff) + 0x3fe6a09e;
  const double f = std::bit_cast<double>((high << 32) | (bits & 0xffffffffULL)) - 1.0;
  const double half = 0.5 * f * f, s = f / (2.0 + f), s2 = s * s, s4 = s2 * s2;
  const double r =
      s4 * (lg2 + s4 * (lg4 + s4 * lg6)) + s2 * (lg1 + s4 * (lg3 + s4 * (lg5 + s4 * lg7)));
  const double logq = s * (half + r) + k * ln2Lo - half + f + k * ln2Hi;
  const double inverse = 2.0 - q;
  const double value = logq + (u - (q - 1.0)) * (inverse > 0.0 ? inverse : 0.0);
  return q < std::numeric_limits<double>::infinity() ? value : q;
}

// Σ_i ρ(z_i).
template <class Rho>
double penaltySum(const double* z, long count) {
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (long i = 0; i < count; ++i) {
    if constexpr (std::is_same_v<Rho, StudentT>) {
      sum += logOnePlusSquare(z[i]);
    } else {
      sum += Rho::value(z[i]);
    }
  }
  return sum;
}

}  // namespace

std::string toString(FilterBoundary boundary) {
  return boundary == FilterBoundary::Symmetric ? "symmetric" : "valid";
}

std::optional<FilterBoundary> parseFilterBoundary(const std::string& text) {
  if (text == "symmetric") return FilterBoundary::Symmetric;
  if (text == "valid") return FilterBoundary::Valid;
  return std::nullopt;
}

namespace {

int extensionMargin(const FieldsOfExperts::Options& options) {
  return options.boundary == FilterBoundary::Symmetric ? options.filterSize / 2 : 0;
}

}  // namespace

bool FieldsOfExperts::Options::isValid(std::string* error) const {
  const auto fail = [&](const std::string& message) {
    if (error) *error = message;
    return false;
  };
  if (filters < 1) return fail("model.filters must be ≥ 1 (got " + std::to_string(filters) + ")");
  if (filterSize < 2 || filterSize > 15) {
    return fail("model.filter_size must lie in [2, 15] (got " + std::to_string(filterSize) + ")");
  }
  if (!(nu > 0.0) || !std::isfinite(nu)) {
    return fail("model.nu must be a finite number > 0 (got " + std::to_string(nu) + ")");
  }
  if (!(initialNorm > 0.0) || !std::isfinite(initialNorm)) {
    return fail("the initial filter norm must be a finite number > 0");
  }
  return true;
}

FieldsOfExperts::FieldsOfExperts(const Image& noisy, const Options& options)
    : noisy_(noisy.pixels),
      options_(options),
      basis_(std::max(options.filterSize, 2)),
      extension_(std::max(noisy.rows, 1), std::max(noisy.cols, 1),
                 std::min({extensionMargin(options), noisy.rows, noisy.cols})),
      bank_(extension_.extendedRows(), extension_.extendedCols(), options.filterSize,
            std::max(options.filters, 1)) {
  if (std::string why; !options.isValid(&why)) throw usageError(why);
  if (noisy.rows < options.filterSize || noisy.cols < options.filterSize) {
    throw usageError("model.filter_size " + std::to_string(options.filterSize) +
                     " is larger than the image (" + std::to_string(noisy.rows) + "×" +
                     std::to_string(noisy.cols) + "): a Fields-of-Experts filter must fit in it");
  }
  const int K = options.filters, atoms = basis_.atomCount();
  layout_.add({.name = "nu",
               .symbol = "ν",
               .size = K,
               .rows = 1,
               .cols = K,
               .lower = 0.0,
               .positive = true});
  layout_.add({.name = "filters",
               .symbol = "ϑ",
               .size = Eigen::Index(K) * atoms,
               .rows = K,
               .cols = atoms});
  const Eigen::Index area = Eigen::Index(options.filterSize) * options.filterSize;
  const double work = double(K) * area * bank_.outputRows() * bank_.outputCols();
  threads_ = std::max(1, omp_get_max_threads());
  parallel_ = threads_ > 1 && work >= kParallelWork;
  if (!parallel_) threads_ = 1;
  // Bands of about kBandBytes of responses, in whole blocks, at least one per thread.
  const long block = FilterBankCorrelation::blockLength();
  const long blocks = bank_.responseLength() / block;
  const long blocksPerBand =
      std::clamp<long>(kBandBytes / (long(sizeof(double)) * K * block), 1, blocks);
  bandCount_ = int(std::min<long>(
      blocks, std::max<long>(threads_, (blocks + blocksPerBand - 1) / blocksPerBand)));
  bandLength_ = (blocks + bandCount_ - 1) / bandCount_ * block;
  bandCount_ = int((bank_.responseLength() + bandLength_ - 1) / bandLength_);
  // A stride of a whole number of pages would put the K rows a block reads in the same cache sets.
  bandStride_ = bandLength_ + kStridePad;
  cacheStride_ = bank_.responseLength() + kStridePad;
  filters_.resize(K * area);
  dfilters_.resize(K * area);
  packed_.resize(bank_.packedLength());
  packedDelta_.resize(bank_.packedLength());
  packedScaledDelta_.resize(bank_.packedLength());
  paddedX_ = Vector::Zero(bank_.paddedLength());
  paddedV_ = Vector::Zero(bank_.paddedLength());
  extended_ = Vector::Zero(extension_.extendedSize());
  extendedSum_ = Vector::Zero(extension_.extendedSize());
  folded_ = Vector::Zero(noisy_.size());
  accumulators_.resize(threads_ * bank_.paddedLength());
  responses_.resize(threads_ * K * bandStride_);
  scratch_.resize(threads_ * bank_.adjointScratchLength());
  filterGradients_.resize(threads_ * K * area);
  filterSums_.resize(threads_ * K);
  bandSums_.resize(bandCount_);
}

long FieldsOfExperts::bandEnd(int b) const {
  return std::min(bank_.responseLength(), long(b + 1) * bandLength_);
}

template <class Start, class Band>
int FieldsOfExperts::forEachBand(Start&& start, Band&& band) const {
  int team = 1;
#pragma omp parallel num_threads(threads_) if (parallel_)
  {
    const int t = omp_get_thread_num();
    if (t == 0) team = omp_get_num_threads();
    start(t);
#pragma omp for schedule(static)
    for (int b = 0; b < bandCount_; ++b)
      band(t, bandBegin(b), bandEnd(b));
  }
  return team;
}

Vector FieldsOfExperts::defaultParameters() const {
  const int K = options_.filters, atoms = basis_.atomCount();
  Vector theta = Vector::Zero(layout_.size());
  theta.head(K).setConstant(options_.nu);
  std::mt19937_64 generator(options_.seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int k = 0; k < K; ++k) {
    auto coefficients = theta.segment(K + Eigen::Index(k) * atoms, atoms);
    if (k < atoms) {
      coefficients[k] = options_.initialNorm;
    } else {
      for (Eigen::Index l = 0; l < atoms; ++l)
        coefficients[l] = normal(generator);
      coefficients *= options_.initialNorm / coefficients.norm();
    }
  }
  return theta;
}

void FieldsOfExperts::updateFilters(const Vector& theta) const {
  if (theta.size() != layout_.size()) {
    throw usageError("foe: θ has " + std::to_string(theta.size()) + " entries, the model " +
                     std::to_string(layout_.size()));
  }
  if (cachedTheta_.size() == theta.size() && cachedTheta_ == theta) return;
  cachedTheta_ = theta;
  basis_.synthesize(theta.data() + options_.filters, options_.filters, filters_.data());
  bank_.pack(filters_.data(), packed_.data());
}

Vector FieldsOfExperts::filterBank(const Vector& theta) const {
  updateFilters(theta);
  return filters_;
}

std::vector<LearnedFilter> FieldsOfExperts::learnedFilters(const Vector& theta) const {
  updateFilters(theta);
  const int K = options_.filters, s = options_.filterSize;
  std::vector<LearnedFilter> bank(K);
  for (int k = 0; k < K; ++k) {
    bank[k].rows = bank[k].cols = s;
    bank[k].kernel = filters_.segment(Eigen::Index(k) * s * s, Eigen::Index(s) * s);
    bank[k].weight = theta[k];
  }
  return bank;
}

void FieldsOfExperts::prepare(const Vector& x, Vector& padded) const {
  if (extension_.margin() == 0) {
    bank_.padImage(x.data(), padded.data());
    return;
  }
  extension_.extend(x, extended_);
  bank_.padImage(extended_.data(), padded.data());
}

void FieldsOfExperts::gatherAccumulators(int team, Vector& out) const {
  const Eigen::Index n = extension_.extendedSize(), padded = bank_.paddedLength();
  if (extension_.margin() == 0) {
    for (int t = 0; t < team; ++t)
      out += accumulators_.segment(t * padded, n);
    return;
  }
  extendedSum_ = accumulators_.segment(0, n);
  for (int t = 1; t < team; ++t)
    extendedSum_ += accumulators_.segment(t * padded, n);
  extension_.extendAdjoint(extendedSum_, folded_);
  out += folded_;
}

double FieldsOfExperts::energy(const Vector& x, const Vector& theta) const {
  updateFilters(theta);
  prepare(x, paddedX_);
  const int K = options_.filters;
  withPenalty(options_.penalty, [&](auto rho) {
    forEachBand([](int) {},
                [&](int t, long begin, long end) {
                  double* z = responses_.data() + t * K * bandStride_;
                  bank_.apply(packed_.data(), paddedX_.data(), begin, end, z, bandStride_);
                  double sum = 0.0;
                  for (int k = 0; k < K; ++k)
                    sum += theta[k] * penaltySum<decltype(rho)>(z + k * bandStride_, end - begin);
                  bandSums_[begin / bandLength_] = sum;
                });
  });
  return 0.5 * (x - noisy_).squaredNorm() + bandSums_.sum();
}

double FieldsOfExperts::energyAndGradient(const Vector& x, const Vector& theta, Vector& g) const {
  updateFilters(theta);
  prepare(x, paddedX_);
  const int K = options_.filters;
  const long padded = bank_.paddedLength();
  int team = 1;
  withPenalty(options_.penalty, [&](auto rho) {
    using Rho = decltype(rho);
    team = forEachBand(
        [&](int t) {
          double* scatter = accumulators_.data() + t * padded;
          std::fill(scatter, scatter + padded, 0.0);
        },
        [&](int t, long begin, long end) {
          double* z = responses_.data() + t * K * bandStride_;
          bank_.apply(packed_.data(), paddedX_.data(), begin, end, z, bandStride_);
          double sum = 0.0;
          for (int k = 0; k < K; ++k) {
            double* __restrict zk = z + k * bandStride_;
            const double nu = theta[k];
            sum += nu * penaltySum<Rho>(zk, end - begin);
#pragma omp simd
            for (long i = 0; i < end - begin; ++i)
              zk[i] = nu * Rho::first(zk[i]);
          }
          bandSums_[begin / bandLength_] = sum;
          bank_.addAdjoint(packed_.data(), z, bandStride_, begin, end,
                           accumulators_.data() + t * padded,
                           scratch_.data() + t * bank_.adjointScratchLength());
        });
  });
  g = x - noisy_;
  const double data = 0.5 * g.squaredNorm();
  gatherAccumulators(team, g);
  return data + bandSums_.sum();
}

void FieldsOfExperts::linearize(const Vector& x, const Vector& theta) const {
  updateFilters(theta);
  if (linearizedAt_.size() == x.size() && linearizedTheta_.size() == theta.size() &&
      linearizedAt_ == x && linearizedTheta_ == theta) {
    return;
  }
  linearizedAt_ = x;
  linearizedTheta_ = theta;
  const int K = options_.filters;
  firstDerivatives_.resize(K * cacheStride_);
  secondDerivatives_.resize(K * cacheStride_);
  prepare(x, paddedX_);
  withPenalty(options_.penalty, [&](auto rho) {
    using Rho = decltype(rho);
    forEachBand([](int) {},
                [&](int, long begin, long end) {
                  bank_.apply(packed_.data(), paddedX_.data(), begin, end,
                              firstDerivatives_.data() + begin, cacheStride_);
                  for (int k = 0; k < K; ++k) {
                    double* __restrict first = firstDerivatives_.data() + k * cacheStride_;
                    double* __restrict second = secondDerivatives_.data() + k * cacheStride_;
#pragma omp simd
                    for (long i = begin; i < end; ++i) {
                      const double z = first[i];
                      first[i] = Rho::first(z);
                      second[i] = Rho::second(z);
                    }
                  }
                });
  });
}

void FieldsOfExperts::hessianVectorProduct(const Vector& x, const Vector& theta, const Vector& v,
                                           Vector& out) const {
  linearize(x, theta);
  prepare(v, paddedV_);
  const int K = options_.filters;
  const long padded = bank_.paddedLength();
  const int team = forEachBand(
      [&](int t) {
        double* scatter = accumulators_.data() + t * padded;
        std::fill(scatter, scatter + padded, 0.0);
      },
      [&](int t, long begin, long end) {
        double* z = responses_.data() + t * K * bandStride_;
        bank_.apply(packed_.data(), paddedV_.data(), begin, end, z, bandStride_);
        for (int k = 0; k < K; ++k) {
          double* __restrict zk = z + k * bandStride_;
          const double* __restrict second = secondDerivatives_.data() + k * cacheStride_ + begin;
          const double nu = theta[k];
#pragma omp simd
          for (long i = 0; i < end - begin; ++i)
            zk[i] *= nu * second[i];
        }
        bank_.addAdjoint(packed_.data(), z, bandStride_, begin, end,
                         accumulators_.data() + t * padded,
                         scratch_.data() + t * bank_.adjointScratchLength());
      });
  out = v;
  gatherAccumulators(team, out);
}

void FieldsOfExperts::mixedProduct(const Vector& x, const Vector& theta, const Vector& v,
                                   Vector& out) const {
  linearize(x, theta);
  prepare(x, paddedX_);
  prepare(v, paddedV_);
  const int K = options_.filters;
  const long area = long(options_.filterSize) * options_.filterSize;
  const int team = forEachBand(
      [&](int t) {
        std::fill_n(filterGradients_.data() + t * K * area, K * area, 0.0);
        std::fill_n(filterSums_.data() + t * K, K, 0.0);
      },
      [&](int t, long begin, long end) {
        double* z = responses_.data() + t * K * bandStride_;
        double* sums = filterSums_.data() + t * K;
        bank_.apply(packed_.data(), paddedV_.data(), begin, end, z, bandStride_);  // K_k v
        for (int k = 0; k < K; ++k) {
          double* __restrict zk = z + k * bandStride_;
          const double* __restrict first = firstDerivatives_.data() + k * cacheStride_ + begin;
          const double* __restrict second = secondDerivatives_.data() + k * cacheStride_ + begin;
          double weight = 0.0;
#pragma omp simd reduction(+ : weight)
          for (long i = 0; i < end - begin; ++i) {
            weight += first[i] * zk[i];
            zk[i] *= second[i];
          }
          sums[k] += weight;
        }
        double* gradient = filterGradients_.data() + t * K * area;
        bank_.addFilterGradient(paddedX_.data(), z, bandStride_, begin, end, gradient);
        bank_.addFilterGradient(paddedV_.data(), firstDerivatives_.data() + begin, cacheStride_,
                                begin, end, gradient);
      });
  // The threads' sums in a fixed order, ν_k G_k into the basis.
  for (int t = 1; t < team; ++t) {
    filterSums_.head(K) += filterSums_.segment(t * K, K);
    filterGradients_.head(K * area) += filterGradients_.segment(t * K * area, K * area);
  }
  for (int k = 0; k < K; ++k)
    filterGradients_.segment(k * area, area) *= theta[k];
  out.resize(layout_.size());
  out.head(K) = filterSums_.head(K);
  basis_.analyze(filterGradients_.data(), K, out.data() + K);
}

void FieldsOfExperts::mixedTransposeProduct(const Vector& x, const Vector& theta,
                                            const Vector& dtheta, Vector& out) const {
  linearize(x, theta);
  prepare(x, paddedX_);
  const int K = options_.filters;
  const long area = long(options_.filterSize) * options_.filterSize;
  basis_.synthesize(dtheta.data() + K, K, dfilters_.data());
  bank_.pack(dfilters_.data(), packedDelta_.data());
  for (int k = 0; k < K; ++k)
    dfilters_.segment(k * area, area) *= theta[k];
  bank_.pack(dfilters_.data(), packedScaledDelta_.data());
  const long padded = bank_.paddedLength();
  // d/dτ ∂_xE(x, θ + τdθ) = Σ_k K_kᵀ(dν_k ρ'(z_k) + ν_k ρ''(z_k) ⊙ dK_k x) + dK_kᵀ ν_k ρ'(z_k).
  const int team = forEachBand(
      [&](int t) {
        double* scatter = accumulators_.data() + t * padded;
        std::fill(scatter, scatter + padded, 0.0);
      },
      [&](int t, long begin, long end) {
        double* z = responses_.data() + t * K * bandStride_;
        bank_.apply(packedDelta_.data(), paddedX_.data(), begin, end, z, bandStride_);
        for (int k = 0; k < K; ++k) {
          double* __restrict zk = z + k * bandStride_;
          const double* __restrict first = firstDerivatives_.data() + k * cacheStride_ + begin;
          const double* __restrict second = secondDerivatives_.data() + k * cacheStride_ + begin;
          const double nu = theta[k], dnu = dtheta[k];
#pragma omp simd
          for (long i = 0; i < end - begin; ++i)
            zk[i] = dnu * first[i] + nu * second[i] * zk[i];
        }
        double* scatter = accumulators_.data() + t * padded;
        double* scratch = scratch_.data() + t * bank_.adjointScratchLength();
        bank_.addAdjoint(packed_.data(), z, bandStride_, begin, end, scatter, scratch);
        bank_.addAdjoint(packedScaledDelta_.data(), firstDerivatives_.data() + begin, cacheStride_,
                         begin, end, scatter, scratch);
      });
  out.setZero(noisy_.size());
  gatherAccumulators(team, out);
}

namespace {

// Σ_k ν_k ‖k_k‖₁²: bounds ‖Σ_k ν_k K_kᵀ D K_k‖ for any diagonal D with |D| ≤ 1.
double filterCurvature(const Vector& theta, const Vector& filters, int count) {
  const Eigen::Index area = filters.size() / count;
  double sum = 0.0;
  for (int k = 0; k < count; ++k) {
    const double l1 = filters.segment(k * area, area).lpNorm<1>();
    sum += theta[k] * l1 * l1;
  }
  return sum;
}

}  // namespace

// With the symmetric boundary the prior's Hessian is Eᵀ(Σ_k ν_k K_kᵀ D K_k)E, and ‖E‖² is the most
// copies of one pixel in the extended picture: 4 at a corner (itself and its mirrors across both
// edges), so the bound grows by that factor (a Schur test on K_k E gives the same: rows sum to at
// most ‖k_k‖₁, columns to at most 4‖k_k‖₁).
double FieldsOfExperts::gradientLipschitzBound(const Vector& theta) const {
  updateFilters(theta);
  const double copies = extension_.margin() > 0 ? 4.0 : 1.0;
  return 1.0 + penaltyCurvatureMaximum(options_.penalty) * copies *
                   filterCurvature(theta, filters_, options_.filters);
}

double FieldsOfExperts::strongConvexityBound(const Vector& theta) const {
  updateFilters(theta);
  const double copies = extension_.margin() > 0 ? 4.0 : 1.0;
  return 1.0 + penaltyCurvatureMinimum(options_.penalty) * copies *
                   filterCurvature(theta, filters_, options_.filters);
}

}  // namespace bilevel
