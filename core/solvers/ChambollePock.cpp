#include "solvers/ChambollePock.h"

#include "iterations/PrimalDualMap.h"

#include <omp.h>

#include <cmath>
#include <limits>
#include <optional>

#include "common/Error.h"
#include "common/Stopwatch.h"
#include "models/TotalVariation.h"
#include "prox/L2BallProjection.h"
#include "prox/SquaredDistanceProx.h"
#include "registry/Registry.h"

namespace bilevel {
namespace {

// Below this many pixels a parallel region costs more than it saves (as in the operators).
constexpr int kParallelPixels = 128 * 128;

// P(x) and P(x) − D(q) of the state after a step.
struct GapTerms {
  double energy = 0.0;
  double gap = 0.0;
};

// Step sizes of one iteration: τ_k, σ_k and the extrapolation ϑ_k; whether to evaluate the gap
// of the new state (otherwise GapTerms are NaN).
struct Steps {
  double tau, sigma, extrapolation;
  bool evaluateGap;
};
constexpr double kNotEvaluated = std::numeric_limits<double>::quiet_NaN();

// One iteration through PrimalDualModel's virtual products (several passes over the image).
class GenericStep {
 public:
  GenericStep(const PrimalDualModel& model, const Vector& theta)
      : model_(model),
        theta_(theta),
        dual_(model.dualSize()),
        primal_(model.variableCount()),
        next_(model.variableCount()) {}

  GapTerms run(PrimalDualState& s, const Steps& steps) {
    model_.applyK(s.xBar, dual_);
    dual_ = s.q + steps.sigma * dual_;
    model_.conjugateProx(steps.sigma, theta_, dual_, s.q);
    model_.applyKAdjoint(s.q, primal_);
    primal_ = s.x - steps.tau * primal_;
    model_.dataProx(steps.tau, primal_, next_);
    s.xBar = next_ + steps.extrapolation * (next_ - s.x);
    s.x.swap(next_);
    if (!steps.evaluateGap) return {kNotEvaluated, kNotEvaluated};
    return {model_.energy(s.x, theta_), model_.primalDualGap(s.x, s.q, theta_)};
  }

 private:
  const PrimalDualModel& model_;
  const Vector& theta_;
  Vector dual_, primal_, next_;
};

// The three row kernels of the fused TV iteration. They are functions with __restrict parameters,
// not lambdas over local pointers: GCC honours restrict on parameters only, and without it the
// in-place loops were versioned for aliasing and measured to run their scalar fallback (the primal
// row took half of the iteration's time). Rows are updated in place at the same index (legal for
// one restrict pointer that is read and written). The last column is peeled off, so that every
// load is contiguous: there the horizontal difference is 0 (Neumann boundary).
// A weight source: one λ for every pixel, or a per-pixel map.
struct ScalarWeight {
  double lambda;
  double operator[](int) const { return lambda; }
};
struct MapWeight {
  const double* __restrict w;
  double operator[](int c) const { return w[c]; }
};

// Step A on one row: q ← P_λ(q + σ∇x̄), from x̄ rows `here` and `below` (below = here on the last
// row, where the vertical difference is 0).
template <class Weight>
void dualRow(int cols, double sigma, Weight weight, const double* __restrict here,
             const double* __restrict below, double* __restrict qh, double* __restrict qv) {
#pragma omp simd
  for (int c = 0; c < cols - 1; ++c) {
    const double ph = qh[c] + sigma * (here[c + 1] - here[c]);
    const double pv = qv[c] + sigma * (below[c] - here[c]);
    const double scale = L2BallProjection::scale(weight[c], ph, pv);
    qh[c] = scale * ph;
    qv[c] = scale * pv;
  }
  const int c = cols - 1;
  const double ph = qh[c];
  const double pv = qv[c] + sigma * (below[c] - here[c]);
  const double scale = L2BallProjection::scale(weight[c], ph, pv);
  qh[c] = scale * ph;
  qv[c] = scale * pv;
}

// Step B on one row: x ← (x + τ(y − ∇ᵀq))/(1 + τ), x̄ ← x_new + ϑ(x_new − x), from q_h of the row
// and q_v of the rows above and here (aboveScale/vScale switch off the entries outside the range of
// ∇). Adds Σ (x − y + ∇ᵀq)² and Σ (x − y)² of the new row.
struct PrimalCoefficients {
  double tau, shrink, extrapolation, aboveScale, vScale;
};
inline double divergenceAt(int c, int cols, const double* __restrict h,
                           const double* __restrict vAbove, const double* __restrict v,
                           const PrimalCoefficients& k) {
  const double left = c > 0 ? h[c - 1] : 0.0;
  const double right = c + 1 < cols ? h[c] : 0.0;
  return left - right + k.aboveScale * vAbove[c] - k.vScale * v[c];
}
void primalRow(int cols, const PrimalCoefficients& k, const double* __restrict h,
               const double* __restrict vAbove, const double* __restrict v,
               const double* __restrict y, double* __restrict x, double* __restrict xBar,
               double& residualSum, double& dataSum) {
  const double tau = k.tau, shrink = k.shrink, extrapolation = k.extrapolation;
  const double aboveScale = k.aboveScale, vScale = k.vScale;
  double residuals = 0.0, data = 0.0;
  const auto pixel = [&](int c, double divergence) {
    const double old = x[c];
    // prox_{τG}(x − τ∇ᵀq) = (x − τ∇ᵀq + τy)/(1 + τ)
    const double next = (old + tau * (y[c] - divergence)) * shrink;
    const double residual = next - y[c] + divergence;
    const double d = next - y[c];
    xBar[c] = next + extrapolation * (next - old);
    x[c] = next;
    residuals += residual * residual;
    data += d * d;
  };
  pixel(0, divergenceAt(0, cols, h, vAbove, v, k));
#pragma omp simd reduction(+ : residuals, data)
  for (int c = 1; c < cols - 1; ++c) {
    const double divergence = h[c - 1] - h[c] + aboveScale * vAbove[c] - vScale * v[c];
    const double old = x[c];
    const double next = (old + tau * (y[c] - divergence)) * shrink;
    const double residual = next - y[c] + divergence;
    const double d = next - y[c];
    xBar[c] = next + extrapolation * (next - old);
    x[c] = next;
    residuals += residual * residual;
    data += d * d;
  }
  if (cols > 1) pixel(cols - 1, divergenceAt(cols - 1, cols, h, vAbove, v, k));
  residualSum += residuals;
  dataSum += data;
}

// Step C on one row: adds Σ λ|∇x| and Σ (λ|∇x| − ⟨∇x, q⟩) from x rows `here` and `below`.
template <class Weight>
void tvRow(int cols, Weight weight, const double* __restrict here, const double* __restrict below,
           const double* __restrict qh, const double* __restrict qv, double& tv, double& gap) {
  double rowTv = 0.0, rowGap = 0.0;
  // λ|g| − ⟨g, q⟩ ≥ 0 for |q| ≤ λ; clamped so that rounding (|q| = λ(1 + ε)) cannot make the gap
  // 0 or negative before x has converged (TotalVariation::primalDualGap does the same).
  const auto pixel = [&](int c, double gh) {
    const double gv = below[c] - here[c];
    const double term = weight[c] * std::sqrt(gh * gh + gv * gv);
    rowTv += term;
    rowGap += std::max(term - (gh * qh[c] + gv * qv[c]), 0.0);
  };
#pragma omp simd reduction(+ : rowTv, rowGap)
  for (int c = 0; c < cols - 1; ++c) {
    const double gh = here[c + 1] - here[c];
    const double gv = below[c] - here[c];
    const double term = weight[c] * std::sqrt(gh * gh + gv * gv);
    rowTv += term;
    rowGap += std::max(term - (gh * qh[c] + gv * qv[c]), 0.0);
  }
  pixel(cols - 1, 0.0);
  tv += rowTv;
  gap += rowGap;
}

// The iteration for TotalVariation in one pass over the image, with the gap of the new state
// accumulated on the way. For each row r of a thread's block of rows:
//   A. q^{k+1} row r = projection of q^k + σ ∇x̄^k (needs x̄^k rows r, r+1);
//   B. x^{k+1} row r = prox_{τG}(x^k − τ ∇ᵀq^{k+1}) (needs q^{k+1} rows r−1, r), then x̄^{k+1},
//      and the residual x^{k+1} − y + ∇ᵀq^{k+1} and data term of the gap and energy;
//   C. the TV terms λ|∇x^{k+1}| − ⟨∇x^{k+1}, q^{k+1}⟩ of row r−1 (needs x^{k+1} rows r−1, r).
// Everything is updated in place. The rows shared with the neighbouring blocks are handled around
// two barriers: before the first, each thread computes q^{k+1}_v of the row above its block (into
// a private row; the thread above will overwrite q^k there) and copies x̄^k of the row below it
// (which the thread below will overwrite); after the second, it adds the TV terms of its last row,
// which need x^{k+1} of the first row of the block below. Rows stay in L1/L2 cache between A, B
// and C, so the iteration reads and writes each array once.
class TotalVariationStep {
 public:
  TotalVariationStep(const TotalVariation& model, const Vector& theta)
      : rows_(model.rows()),
        cols_(model.cols()),
        y_(model.initialPoint().data()),
        weights_(model.pixelWeights(theta).data()),
        scalarWeight_(model.hasWeightMap() ? -1.0 : theta[0]),
        buffers_(std::size_t(omp_get_max_threads()) * 4 * std::size_t(model.cols())) {}

  GapTerms run(PrimalDualState& s, const Steps& steps) {
    // A scalar λ is a constant in the loops instead of a stream of identical weights.
    return scalarWeight_ >= 0.0 ? pass<true>(s, steps) : pass<false>(s, steps);
  }

 private:
  template <bool kScalar>
  GapTerms pass(PrimalDualState& s, const Steps& steps) {
    const int rows = rows_, cols = cols_;
    const Eigen::Index n = Eigen::Index(rows) * cols;
    double* x = s.x.data();
    double* xb = s.xBar.data();
    double* qh = s.q.data();
    double* qv = s.q.data() + n;
    const double* y = y_;
    const double sigma = steps.sigma;
    const bool evaluate = steps.evaluateGap;
    // The weights of row r.
    const auto weightsOf = [&](int r) {
      if constexpr (kScalar) {
        return ScalarWeight{scalarWeight_};
      } else {
        return MapWeight{weights_ + Eigen::Index(r) * cols};
      }
    };
    double residualSum = 0.0, dataSum = 0.0, tvSum = 0.0, gapSum = 0.0;

#pragma omp parallel reduction(+ : residualSum, dataSum, tvSum, gapSum) if (n >= kParallelPixels)
    {
      const int threads = omp_get_num_threads(), thread = omp_get_thread_num();
      const int begin = int(std::int64_t(rows) * thread / threads);
      const int end = int(std::int64_t(rows) * (thread + 1) / threads);
      double* base = buffers_.data() + std::size_t(thread) * 4 * std::size_t(cols);
      double* aboveH = base;               // q^{k+1}_h of row begin−1 (discarded)
      double* aboveV = base + cols;        // q^{k+1}_v of row begin−1
      double* belowBar = base + 2 * cols;  // x̄^k of row end
      const bool active = begin < end;
      if (active && begin > 0) {
        const Eigen::Index above = Eigen::Index(begin - 1) * cols;
        std::copy(qh + above, qh + above + cols, aboveH);
        std::copy(qv + above, qv + above + cols, aboveV);
        dualRow(cols, sigma, weightsOf(begin - 1), xb + above, xb + above + cols, aboveH, aboveV);
      }
      if (active && end < rows) {
        std::copy(xb + Eigen::Index(end) * cols, xb + Eigen::Index(end + 1) * cols, belowBar);
      }
#pragma omp barrier
      for (int r = begin; r < end; ++r) {
        const Eigen::Index row = Eigen::Index(r) * cols;
        // A: q^{k+1} of row r, in place (x̄^k of rows r and r+1 are still the old values).
        const double* barHere = xb + row;
        const double* barBelow =
            r + 1 == rows ? barHere : (r + 1 == end ? belowBar : barHere + cols);
        dualRow(cols, sigma, weightsOf(r), barHere, barBelow, qh + row, qv + row);
        // B: x^{k+1} and x̄^{k+1} of row r; q_h in the last column and q_v in the last row are
        // outside the range of ∇ and do not enter the divergence.
        const PrimalCoefficients k{steps.tau, 1.0 / (1.0 + steps.tau), steps.extrapolation,
                                   r > 0 ? 1.0 : 0.0, r + 1 < rows ? 1.0 : 0.0};
        const double* vAbove = r == begin ? (r > 0 ? aboveV : qv + row) : qv + row - cols;
        primalRow(cols, k, qh + row, vAbove, qv + row, y + row, x + row, xb + row, residualSum,
                  dataSum);
        // C: TV terms of the row above, whose x^{k+1} neighbours are all written now.
        if (evaluate && r > begin) {
          const Eigen::Index above = row - cols;
          tvRow(cols, weightsOf(r - 1), x + above, x + row, qh + above, qv + above, tvSum, gapSum);
        }
      }
#pragma omp barrier
      if (evaluate && active) {
        const Eigen::Index last = Eigen::Index(end - 1) * cols;
        tvRow(cols, weightsOf(end - 1), x + last, end == rows ? x + last : x + last + cols,
              qh + last, qv + last, tvSum, gapSum);
      }
    }
    if (!evaluate) return {kNotEvaluated, kNotEvaluated};
    return {0.5 * dataSum + tvSum, 0.5 * residualSum + gapSum};
  }

  int rows_, cols_;
  const double* y_;
  const double* weights_;
  double scalarWeight_;  // λ for a scalar model, −1 for a map
  std::vector<double> buffers_;
};

bool allFinite(const Vector& v) {
  return v.allFinite();
}

}  // namespace

bool PrimalDualOptions::isValid(std::string* error) const {
  auto fail = [&](const std::string& message) {
    if (error) *error = message;
    return false;
  };
  if (!(tolerance > 0.0 && tolerance < 1.0)) return fail("solver.tolerance must lie in (0, 1)");
  if (maxIterations < 1) return fail("solver.max_iterations must be at least 1");
  if (fixedIterations < 0) return fail("solver.iterations must be 0 (until tolerance) or positive");
  if (!(initialPrimalStep > 0.0) || !std::isfinite(initialPrimalStep)) {
    return fail("solver.initial_primal_step must be a finite number > 0");
  }
  if (!(acceleration >= 0.0) || !std::isfinite(acceleration)) {
    return fail("solver.acceleration must be a finite number ≥ 0");
  }
  if (!(restartFactor >= 0.0 && restartFactor < 1.0)) {
    return fail("solver.restart_factor must lie in [0, 1)");
  }
  if (gapInterval < 1) return fail("solver.gap_interval must be at least 1");
  return true;
}

PrimalDualSummary ChambollePock::solve(const PrimalDualModel& model, const Vector& theta,
                                       PrimalDualState& state, const PrimalDualOptions& options,
                                       const CancellationFlag* cancel) const {
  Stopwatch clock;
  std::string error;
  if (!options.isValid(&error)) throw usageError(error);
  const Eigen::Index n = model.variableCount(), m = model.dualSize();
  PrimalDualSummary summary;

  // Cold start, and the shape of a warm one.
  if (state.empty()) {
    state.x = model.initialPoint();
    state.xBar = state.x;
    state.q = Vector::Zero(m);
    state.tau = state.sigma = 0.0;
    state.iterations = 0;
  }
  if (state.x.size() != n) {
    throw usageError("the warm start has " + std::to_string(state.x.size()) +
                     " pixels but the model " + model.name() + " has " + std::to_string(n));
  }
  if (state.q.size() == 0) state.q = Vector::Zero(m);
  if (state.q.size() != m) {
    throw usageError("the warm start's dual variable has " + std::to_string(state.q.size()) +
                     " entries but the model " + model.name() + " needs " + std::to_string(m));
  }
  const bool restart = options.restartSchedule || !(state.tau > 0.0) || state.xBar.size() != n;
  if (restart) {
    state.xBar = state.x;
    state.tau = options.initialPrimalStep;
    state.sigma = 1.0 / (options.initialPrimalStep * model.squaredNormBound());
    state.iterations = 0;
  }
  for (const auto& [vector, what] : {std::pair{&state.x, "primal point x"},
                                     {&state.xBar, "extrapolated point x̄"},
                                     {&state.q, "dual variable q"}}) {
    if (!allFinite(*vector)) {
      summary.termination = Termination::Diverged;
      summary.message = std::string("the warm start's ") + what + " has a non-finite entry";
      summary.seconds = clock.seconds();
      return summary;
    }
  }
  const double gamma = std::min(options.acceleration, model.strongConvexity());

  const auto relative = [](const GapTerms& terms) {
    if (terms.gap <= 0.0) return 0.0;
    return terms.gap / std::max(terms.energy, std::numeric_limits<double>::min());
  };
  const auto record = [&](const GapTerms& terms) {
    summary.energy = terms.energy;
    summary.gap = terms.gap;
    summary.relativeGap = relative(terms);
    if (options.recordTrace) {
      summary.gapHistory.push_back(summary.relativeGap);
      summary.energyHistory.push_back(terms.energy);
      summary.gapIterations.push_back(summary.iterations);
    }
  };

  const bool fixed = options.fixedIterations > 0;
  const int iterationLimit = fixed ? options.fixedIterations : options.maxIterations;
  if (options.recordTrace) {
    const std::size_t entries = std::size_t(iterationLimit / options.gapInterval) + 2;
    summary.gapHistory.reserve(entries);
    summary.energyHistory.reserve(entries);
    summary.gapIterations.reserve(entries);
  }
  // The starting state's gap: a warm start from a solution stops here without a step.
  record({model.energy(state.x, theta), model.primalDualGap(state.x, state.q, theta)});
  if (!fixed && summary.relativeGap <= options.tolerance) {
    summary.termination = Termination::Converged;
    summary.seconds = clock.seconds();
    return summary;
  }

  const auto* tv = dynamic_cast<const TotalVariation*>(&model);
  std::optional<TotalVariationStep> fused;
  std::optional<GenericStep> generic;
  if (tv && options.fusedKernel) {
    fused.emplace(*tv, theta);
  } else {
    generic.emplace(model, theta);
  }

  double restartGap = summary.relativeGap;
  summary.termination = Termination::IterationLimit;
  for (int k = 0; k < iterationLimit; ++k) {
    if (isCancelled(cancel)) {
      summary.termination = Termination::Cancelled;
      break;
    }
    const double extrapolation = 1.0 / std::sqrt(1.0 + 2.0 * gamma * state.tau);
    const bool evaluate = (k + 1) % options.gapInterval == 0 || k + 1 == iterationLimit;
    const Steps steps{state.tau, state.sigma, extrapolation, evaluate};
    const GapTerms terms = fused ? fused->run(state, steps) : generic->run(state, steps);
    state.tau *= extrapolation;
    state.sigma /= extrapolation;
    ++state.iterations;
    ++summary.iterations;
    // Between evaluations nothing is tested: a NaN is caught at the next evaluation, at most
    // gapInterval − 1 iterations later (the last iteration is always evaluated).
    if (!evaluate) continue;
    record(terms);
    reportProgress(cancel, "inner solve", summary.iterations, summary.relativeGap,
                   options.tolerance);
    if (!std::isfinite(terms.gap) || !std::isfinite(terms.energy)) {
      summary.termination = Termination::Diverged;
      summary.message = "the primal–dual gap became " + std::to_string(terms.gap) +
                        " at iteration " + std::to_string(summary.iterations);
      break;
    }
    if (!fixed && summary.relativeGap <= options.tolerance) {
      summary.termination = Termination::Converged;
      break;
    }
    if (!fixed && summary.relativeGap <= options.restartFactor * restartGap) {
      restartGap = summary.relativeGap;
      state.xBar = state.x;
      state.tau = options.initialPrimalStep;
      state.sigma = 1.0 / (options.initialPrimalStep * model.squaredNormBound());
      ++summary.restarts;
    }
  }
  if (options.recordTrace ? summary.gapIterations.back() != summary.iterations
                          : summary.termination == Termination::Cancelled) {
    // Cancelled between evaluations: the summary describes the state returned.
    record({model.energy(state.x, theta), model.primalDualGap(state.x, state.q, theta)});
  }
  summary.seconds = clock.seconds();
  return summary;
}

bool ChambollePock::supportsModel(const LowerLevel& model, std::string* why) const {
  if (dynamic_cast<const PrimalDualModel*>(&model)) return true;
  if (why) {
    using registry::LowerLevelKind;
    *why = name() + " solves primal–dual (nonsmooth) models (" +
           registry::modelNamesFor(LowerLevelKind::PrimalDual) + "); " + model.name() +
           " is smooth (use " + registry::solverNamesFor(LowerLevelKind::Smooth) + ")";
  }
  return false;
}

namespace {
const PrimalDualModel& requirePrimalDual(const ChambollePock& solver, const LowerLevel& model) {
  std::string why;
  if (!solver.supportsModel(model, &why)) throw usageError(why);
  return static_cast<const PrimalDualModel&>(model);
}
}  // namespace

PrimalDualOptions ChambollePock::primalDualOptions(const SolveOptions& options) const {
  PrimalDualOptions result = defaults_;
  result.tolerance = options.tolerance;
  result.maxIterations = options.maxIterations;
  result.fixedIterations = options.fixedIterations;
  result.recordTrace = options.recordTrace;
  result.restartSchedule = true;
  if (options.fixedIterations > 0) {
    // Exactly PrimalDualMap's iteration: Algorithm 1 with its step.
    result.acceleration = 0.0;
    result.initialPrimalStep = PrimalDualMap::Options{}.primalStep;
  }
  return result;
}

SolveSummary ChambollePock::solveState(const PrimalDualModel& model, const Vector& theta,
                                       PrimalDualState& state, const SolveOptions& options,
                                       const CancellationFlag* cancel) const {
  const PrimalDualSummary run = solve(model, theta, state, primalDualOptions(options), cancel);
  SolveSummary summary;
  summary.termination = run.termination;
  summary.iterations = run.iterations;
  summary.gradientEvaluations = run.iterations;
  summary.energy = run.energy;
  summary.referenceGradientNorm = run.energy;
  summary.relativeGradientNorm = run.relativeGap;
  summary.seconds = run.seconds;
  summary.trace = run.gapHistory;
  summary.message = run.message;
  return summary;
}

namespace {
// The start (x, x̄ = x, q) of a solve through the InnerSolver interface: q from the caller's
// SolverState when it has the model's size (projected on the constraint set of the current θ,
// prox_{σF*}, so that the gap of the start is that of a feasible dual), q = 0 otherwise.
PrimalDualState startState(const PrimalDualModel& model, const Vector& theta, const Vector& x,
                           const SolveOptions& options) {
  PrimalDualState state;
  if (x.size() == 0) return state;
  state.x = x;
  state.xBar = x;
  const SolverState* warm = options.fixedIterations == 0 ? options.state : nullptr;
  if (warm && warm->dual.size() == model.dualSize() && warm->dual.allFinite()) {
    state.q.resize(model.dualSize());
    model.conjugateProx(1.0, theta, warm->dual, state.q);
  } else {
    state.q = Vector::Zero(model.dualSize());
  }
  return state;
}

// Keeps the final dual for the next solve's warm start (SolveOptions::state).
void keepDual(const PrimalDualState& state, const SolveSummary& summary,
              const SolveOptions& options) {
  if (options.state && options.fixedIterations == 0 && summary.usable()) {
    options.state->dual = state.q;
  }
}
}  // namespace

SolveSummary ChambollePock::solve(const LowerLevel& lowerLevel, const Vector& theta, Vector& x,
                                  const SolveOptions& options,
                                  const CancellationFlag* cancel) const {
  const PrimalDualModel& model = requirePrimalDual(*this, lowerLevel);
  PrimalDualState state = startState(model, theta, x, options);
  SolveSummary summary = solveState(model, theta, state, options, cancel);
  x = state.x;
  keepDual(state, summary, options);
  return summary;
}

std::unique_ptr<IterationMap> ChambollePock::iterationMap(const LowerLevel& model,
                                                          const Vector& theta) const {
  return std::make_unique<PrimalDualMap>(requirePrimalDual(*this, model), theta);
}

SolveSummary ChambollePock::solveToFixedPoint(const LowerLevel& lowerLevel, const Vector& theta,
                                              Vector& x, const SolveOptions& options,
                                              const IterationMap& map, IterationState& z,
                                              const CancellationFlag* cancel) const {
  const PrimalDualModel& model = requirePrimalDual(*this, lowerLevel);
  const auto* primalDual = dynamic_cast<const PrimalDualMap*>(&map);
  if (!primalDual) {
    throw usageError("chambolle-pock's fixed point is a state of its own iteration map, not of " +
                     map.name());
  }
  PrimalDualState state = startState(model, theta, x, options);
  SolveSummary summary = solveState(model, theta, state, options, cancel);
  x = state.x;
  keepDual(state, summary, options);
  if (summary.usable()) primalDual->fixedPoint(state.x, state.q, z);
  return summary;
}

}  // namespace bilevel
