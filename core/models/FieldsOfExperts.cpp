#include "models/FieldsOfExperts.h"

#include <omp.h>

#include <cmath>
#include <random>

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
      correlation_(noisy.rows, noisy.cols, options.filterSize) {
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
  const double work = double(K) * atoms * correlation_.outputCount();
  threads_ = std::max(1, omp_get_max_threads());
  parallel_ = threads_ > 1 && work >= kParallelWork;
  if (!parallel_) threads_ = 1;
  const Eigen::Index n = noisy_.size(), m = correlation_.outputCount();
  const Eigen::Index area = Eigen::Index(options.filterSize) * options.filterSize;
  accumulators_.resize(threads_ * n);
  responses_.resize(threads_ * m);
  auxiliary_.resize(threads_ * m);
  filterScratch_.resize(threads_ * area);
  filters_.resize(K * area);
  dfilters_.resize(K * area);
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
  const Eigen::Index n = noisy_.size();
  for (int t = 0; t < team; ++t)
    out += accumulators_.segment(t * n, n);
}

double FieldsOfExperts::energy(const Vector& x, const Vector& theta) const {
  updateFilters(theta);
  const int K = options_.filters;
  const Eigen::Index m = correlation_.outputCount(), area = filters_.size() / K;
  double penalty = 0.0;
  withPenalty(options_.penalty, [&](auto rho) {
#pragma omp parallel num_threads(threads_) if (parallel_)
    {
      double* z = responses_.data() + omp_get_thread_num() * m;
#pragma omp for schedule(static) reduction(+ : penalty)
      for (int k = 0; k < K; ++k) {
        correlation_.apply(filters_.data() + k * area, x.data(), z);
        double sum = 0.0;
#pragma omp simd reduction(+ : sum)
        for (Eigen::Index i = 0; i < m; ++i)
          sum += decltype(rho)::value(z[i]);
        penalty += theta[k] * sum;
      }
    }
  });
  return 0.5 * (x - noisy_).squaredNorm() + penalty;
}

double FieldsOfExperts::energyAndGradient(const Vector& x, const Vector& theta, Vector& g) const {
  updateFilters(theta);
  const int K = options_.filters;
  const Eigen::Index n = noisy_.size(), m = correlation_.outputCount(), area = filters_.size() / K;
  double penalty = 0.0;
  int team = 1;
  withPenalty(options_.penalty, [&](auto rho) {
#pragma omp parallel num_threads(threads_) if (parallel_)
    {
      const int t = omp_get_thread_num();
      if (t == 0) team = omp_get_num_threads();
      double* z = responses_.data() + t * m;
      double* scatter = accumulators_.data() + t * n;
      std::fill(scatter, scatter + n, 0.0);
#pragma omp for schedule(static) reduction(+ : penalty)
      for (int k = 0; k < K; ++k) {
        const double* filter = filters_.data() + k * area;
        correlation_.apply(filter, x.data(), z);
        const double nu = theta[k];
        double sum = 0.0;
#pragma omp simd reduction(+ : sum)
        for (Eigen::Index i = 0; i < m; ++i) {
          sum += decltype(rho)::value(z[i]);
          z[i] = nu * decltype(rho)::first(z[i]);
        }
        penalty += nu * sum;
        correlation_.addAdjoint(filter, z, scatter);
      }
    }
  });
  g = x - noisy_;
  const double data = 0.5 * g.squaredNorm();
  gatherAccumulators(team, g);
  return data + penalty;
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
  const Eigen::Index m = correlation_.outputCount(), area = filters_.size() / K;
  firstDerivatives_.resize(K * m);
  secondDerivatives_.resize(K * m);
  withPenalty(options_.penalty, [&](auto rho) {
#pragma omp parallel for schedule(static) num_threads(threads_) if (parallel_)
    for (int k = 0; k < K; ++k) {
      double* __restrict first = firstDerivatives_.data() + k * m;
      double* __restrict second = secondDerivatives_.data() + k * m;
      correlation_.apply(filters_.data() + k * area, x.data(), first);
#pragma omp simd
      for (Eigen::Index i = 0; i < m; ++i) {
        const double z = first[i];
        first[i] = decltype(rho)::first(z);
        second[i] = decltype(rho)::second(z);
      }
    }
  });
}

void FieldsOfExperts::hessianVectorProduct(const Vector& x, const Vector& theta, const Vector& v,
                                           Vector& out) const {
  linearize(x, theta);
  const int K = options_.filters;
  const Eigen::Index n = noisy_.size(), m = correlation_.outputCount(), area = filters_.size() / K;
  int team = 1;
#pragma omp parallel num_threads(threads_) if (parallel_)
  {
    const int t = omp_get_thread_num();
    if (t == 0) team = omp_get_num_threads();
    double* __restrict z = responses_.data() + t * m;
    double* scatter = accumulators_.data() + t * n;
    std::fill(scatter, scatter + n, 0.0);
#pragma omp for schedule(static)
    for (int k = 0; k < K; ++k) {
      const double* filter = filters_.data() + k * area;
      const double* __restrict second = secondDerivatives_.data() + k * m;
      correlation_.apply(filter, v.data(), z);
      const double nu = theta[k];
#pragma omp simd
      for (Eigen::Index i = 0; i < m; ++i)
        z[i] *= nu * second[i];
      correlation_.addAdjoint(filter, z, scatter);
    }
  }
  out = v;
  gatherAccumulators(team, out);
}

void FieldsOfExperts::mixedProduct(const Vector& x, const Vector& theta, const Vector& v,
                                   Vector& out) const {
  linearize(x, theta);
  const int K = options_.filters, atoms = basis_.atomCount();
  const Eigen::Index m = correlation_.outputCount(), area = filters_.size() / K;
  out.resize(layout_.size());
  // Each filter writes its own entries of out: no reduction between threads.
#pragma omp parallel num_threads(threads_) if (parallel_)
  {
    const int t = omp_get_thread_num();
    double* __restrict z = responses_.data() + t * m;
    double* gradient = filterScratch_.data() + t * area;
#pragma omp for schedule(static)
    for (int k = 0; k < K; ++k) {
      const double* __restrict first = firstDerivatives_.data() + k * m;
      const double* __restrict second = secondDerivatives_.data() + k * m;
      correlation_.apply(filters_.data() + k * area, v.data(), z);  // K_k v
      double weight = 0.0;
#pragma omp simd reduction(+ : weight)
      for (Eigen::Index i = 0; i < m; ++i) {
        weight += first[i] * z[i];
        z[i] *= second[i];
      }
      out[k] = weight;
      std::fill(gradient, gradient + area, 0.0);
      correlation_.addFilterGradient(x.data(), z, gradient);
      correlation_.addFilterGradient(v.data(), first, gradient);
      for (Eigen::Index j = 0; j < area; ++j)
        gradient[j] *= theta[k];
      basis_.analyze(gradient, 1, out.data() + K + Eigen::Index(k) * atoms);
    }
  }
}

void FieldsOfExperts::mixedTransposeProduct(const Vector& x, const Vector& theta,
                                            const Vector& dtheta, Vector& out) const {
  linearize(x, theta);
  const int K = options_.filters;
  const Eigen::Index n = noisy_.size(), m = correlation_.outputCount(), area = filters_.size() / K;
  basis_.synthesize(dtheta.data() + K, K, dfilters_.data());
  int team = 1;
  // d/dτ ∂_xE(x, θ + τdθ) = Σ_k K_kᵀ(dν_k ρ'(z_k) + ν_k ρ''(z_k) ⊙ dK_k x) + ν_k dK_kᵀ ρ'(z_k).
#pragma omp parallel num_threads(threads_) if (parallel_)
  {
    const int t = omp_get_thread_num();
    if (t == 0) team = omp_get_num_threads();
    double* __restrict z = responses_.data() + t * m;
    double* __restrict u = auxiliary_.data() + t * m;
    double* scatter = accumulators_.data() + t * n;
    std::fill(scatter, scatter + n, 0.0);
#pragma omp for schedule(static)
    for (int k = 0; k < K; ++k) {
      const double* __restrict first = firstDerivatives_.data() + k * m;
      const double* __restrict second = secondDerivatives_.data() + k * m;
      const double* dfilter = dfilters_.data() + k * area;
      correlation_.apply(dfilter, x.data(), z);
      const double nu = theta[k], dnu = dtheta[k];
#pragma omp simd
      for (Eigen::Index i = 0; i < m; ++i) {
        z[i] = dnu * first[i] + nu * second[i] * z[i];
        u[i] = nu * first[i];
      }
      correlation_.addAdjoint(filters_.data() + k * area, z, scatter);
      correlation_.addAdjoint(dfilter, u, scatter);
    }
  }
  out.setZero(n);
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
