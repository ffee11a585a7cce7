#include "models/FieldsOfExperts.h"

#include <omp.h>

#include <cmath>
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

// Σ_i ρ(z_i). Student-t's log(1 + z²) through Eigen's vectorised logarithm (std::log1p does not
// vectorise, and one call per response took about a third of the energy's time): with
// q = fl(1 + u), u = z², log1p(u) = log q + δ/q + O(δ²) where δ = u − (q − 1) is the rounding
// error of q, exact by Sterbenz's lemma (Goldberg 1991, theorem 4's idea). Measured within
// 4.5e-16 of std::log1p relative over z from 1e-6 to 1e6.
template <class Rho>
double penaltySum(const double* z, long count) {
  if constexpr (std::is_same_v<Rho, StudentT>) {
    const Eigen::Map<const Eigen::ArrayXd> responses(z, count);
    const auto u = responses.square();
    const auto q = 1.0 + u;
    return (q.log() + (u - (q - 1.0)) / q).sum();
  } else {
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (long i = 0; i < count; ++i)
      sum += Rho::value(z[i]);
    return sum;
  }
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
      bank_(noisy.rows, noisy.cols, options.filterSize, std::max(options.filters, 1)) {
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

void FieldsOfExperts::gatherAccumulators(int team, Vector& out) const {
  const Eigen::Index n = noisy_.size(), padded = bank_.paddedLength();
  for (int t = 0; t < team; ++t)
    out += accumulators_.segment(t * padded, n);
}

double FieldsOfExperts::energy(const Vector& x, const Vector& theta) const {
  updateFilters(theta);
  bank_.padImage(x.data(), paddedX_.data());
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
  bank_.padImage(x.data(), paddedX_.data());
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
  bank_.padImage(x.data(), paddedX_.data());
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
  bank_.padImage(v.data(), paddedV_.data());
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
  bank_.padImage(x.data(), paddedX_.data());
  bank_.padImage(v.data(), paddedV_.data());
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
  bank_.padImage(x.data(), paddedX_.data());
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

double FieldsOfExperts::gradientLipschitzBound(const Vector& theta) const {
  updateFilters(theta);
  return 1.0 + penaltyCurvatureMaximum(options_.penalty) *
                   filterCurvature(theta, filters_, options_.filters);
}

double FieldsOfExperts::strongConvexityBound(const Vector& theta) const {
  updateFilters(theta);
  return 1.0 + penaltyCurvatureMinimum(options_.penalty) *
                   filterCurvature(theta, filters_, options_.filters);
}

}  // namespace bilevel
