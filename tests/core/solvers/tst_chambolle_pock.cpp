#include <QtTest>

#include <cmath>
#include <random>

#include "../TestProblems.h"
#include "ExactTv1d.h"
#include "common/Error.h"
#include "models/TotalVariation.h"
#include "solvers/ChambollePock.h"

using namespace bilevel;

namespace {

Image imageOf(int rows, int cols, const Vector& pixels) {
  Image image(rows, cols);
  image.pixels = pixels;
  return image;
}

// A scalar λ, or a weight map on a 4×5 control grid starting at λ.
TotalVariation::Options tvOptions(double lambda, bool map = false) {
  return map ? test::tvOptions(lambda, 4, 5) : test::tvOptions(lambda);
}

// A 1-D signal: "random" (seeded Gaussian around a few plateaus), "constant" or "step".
Vector signal(const QString& kind, int n, unsigned seed) {
  if (kind == "constant") return Vector::Constant(n, 0.37);
  if (kind == "step") {
    Vector v(n);
    for (int i = 0; i < n; ++i)
      v[i] = i < n / 3 ? 0.1 : 0.9;
    return v;
  }
  std::mt19937_64 generator(seed);
  std::normal_distribution<double> noise(0.0, 0.2);
  Vector v(n);
  for (int i = 0; i < n; ++i)
    v[i] = (i * 5 / std::max(n, 1)) % 2 * 0.6 + noise(generator);
  return v;
}

// A gap certifies ‖x − x*‖ ≤ √(2·gap) only (G is 1-strongly convex), and the computed gap bottoms
// out near 1e-17·P(x) from rounding, so no gap tolerance certifies 1e-10 in x. The 1-D solves
// therefore run a fixed budget with an unreachable tolerance (restarts stay on, unlike with
// fixedIterations); the measured worst case needs about 40000 iterations (n = 257, λ = 1).
PrimalDualOptions tightOptions() {
  PrimalDualOptions options;
  options.tolerance = 1e-30;
  options.maxIterations = 100000;
  return options;
}

}  // namespace

class TestChambollePock : public QObject {
  Q_OBJECT
 private slots:
  // 1×n and n×1 images against the exact taut-string solution (ExactTv1d.h), to 1e-10.
  void oneDimensionalSolutionMatchesTheExactSolver_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("n");
    QTest::addColumn<double>("lambda");
    QTest::addColumn<bool>("column");
    for (int n : {1, 2, 17, 100, 257}) {
      for (double lambda : {0.01, 0.1, 1.0}) {
        QTest::addRow("random n=%d λ=%g", n, lambda) << "random" << n << lambda << false;
      }
    }
    QTest::addRow("random column n=64") << "random" << 64 << 0.1 << true;
    QTest::addRow("constant n=50") << "constant" << 50 << 0.1 << false;
    QTest::addRow("step n=90 λ=0.1") << "step" << 90 << 0.1 << false;
    QTest::addRow("step n=90 λ=5 (flattened)") << "step" << 90 << 5.0 << false;
    QTest::addRow("step column n=90") << "step" << 90 << 0.2 << true;
  }
  void oneDimensionalSolutionMatchesTheExactSolver() {
    QFETCH(QString, kind);
    QFETCH(int, n);
    QFETCH(double, lambda);
    QFETCH(bool, column);
    const Vector y = signal(kind, n, unsigned(n * 1000 + lambda * 100));
    const std::vector<double> yv(y.data(), y.data() + n);
    const std::vector<double> exact = test::exactTv1d(yv, lambda);
    // The reference is itself checked through its optimality conditions: x − y = Dᵀq by
    // construction, |q_k| ≤ λ, and q_k = λ·sign(x_{k+1} − x_k) wherever x jumps.
    const std::vector<double> q = test::exactTv1dDual(exact, yv);
    for (std::size_t k = 0; k < q.size(); ++k) {
      QVERIFY(std::abs(q[k]) <= lambda * (1 + 1e-12) + 1e-13);
      const double jump = exact[k + 1] - exact[k];
      if (std::abs(jump) > 1e-12) QVERIFY(std::abs(q[k] - std::copysign(lambda, jump)) <= 1e-12);
    }
    double cumulative = 0.0;
    for (int i = 0; i < n; ++i)
      cumulative += exact[std::size_t(i)] - y[i];
    QVERIFY(std::abs(cumulative) <= 1e-12 * n);  // X_n = S_n: the mean is preserved

    const TotalVariation model(imageOf(column ? n : 1, column ? 1 : n, y), tvOptions(lambda));
    PrimalDualState state;
    const PrimalDualSummary summary =
        ChambollePock().solve(model, Vector::Constant(1, lambda), state, tightOptions());
    QVERIFY(summary.usable());
    double error = 0.0;
    for (int i = 0; i < n; ++i)
      error = std::max(error, std::abs(state.x[i] - exact[std::size_t(i)]));
    qInfo("%d iterations, relative gap %.1e, max error %.1e", summary.iterations,
          summary.relativeGap, error);
    QVERIFY2(error <= 1e-10, qPrintable(QString("max |x − x*| = %1").arg(error)));
  }

  // The fused single-pass iteration is the generic one (the virtual products) step for step.
  void fusedIterationEqualsTheGenericOne_data() {
    QTest::addColumn<bool>("map");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::newRow("tv 40²") << false << 40 << 40;
    QTest::newRow("tv-map 40²") << true << 40 << 40;
    QTest::newRow("tv 160² (parallel)") << false << 160 << 160;
    QTest::newRow("tv-map 160² (parallel)") << true << 160 << 160;
    QTest::newRow("tv 131×150 (parallel, uneven blocks)") << false << 131 << 150;
    QTest::newRow("tv 1×50") << false << 1 << 50;
    QTest::newRow("tv 50×1") << false << 50 << 1;
    QTest::newRow("tv 2×2") << false << 2 << 2;
    QTest::newRow("tv 300×60 (parallel, narrow)") << false << 300 << 60;
  }
  void fusedIterationEqualsTheGenericOne() {
    QFETCH(bool, map);
    QFETCH(int, rows);
    QFETCH(int, cols);
    const Vector y = (test::randomVector(Eigen::Index(rows) * cols, 7, 0.1).array() + 0.5).matrix();
    const TotalVariation model(imageOf(rows, cols, y), tvOptions(0.08, map));
    Vector theta = model.defaultParameters();
    theta += test::randomVector(theta.size(), 3, 0.02).cwiseAbs();
    PrimalDualOptions options;
    options.fixedIterations = 40;
    PrimalDualState fused, generic;
    const auto a = ChambollePock().solve(model, theta, fused, options);
    options.fusedKernel = false;
    const auto b = ChambollePock().solve(model, theta, generic, options);
    QCOMPARE(a.iterations, 40);
    QCOMPARE(b.iterations, 40);
    QVERIFY((fused.x - generic.x).cwiseAbs().maxCoeff() <= 1e-12);
    QVERIFY((fused.xBar - generic.xBar).cwiseAbs().maxCoeff() <= 1e-12);
    QVERIFY((fused.q - generic.q).cwiseAbs().maxCoeff() <= 1e-12);
    QCOMPARE(fused.tau, generic.tau);
    for (std::size_t k = 0; k < a.gapHistory.size(); ++k)
      QVERIFY(std::abs(a.gapHistory[k] - b.gapHistory[k]) <= 1e-9 * b.gapHistory[k]);
    // The gap the pass accumulates is the model's gap of the returned state.
    QVERIFY(std::abs(a.gap - model.primalDualGap(fused.x, fused.q, theta)) <= 1e-10 * a.gap);
    QVERIFY(std::abs(a.energy - model.energy(fused.x, theta)) <= 1e-12 * a.energy);
  }

  // 2-D: the gap falls to the tolerance and the returned pair satisfies the optimality conditions
  // x − y + ∇ᵀq = 0, |q_i| ≤ λ_i, q_i = λ_i ∇x_i/|∇x_i| on the jump set.
  void twoDimensionalSolveReachesOptimality_data() {
    QTest::addColumn<bool>("map");
    QTest::newRow("tv") << false;
    QTest::newRow("tv-map") << true;
  }
  void twoDimensionalSolveReachesOptimality() {
    QFETCH(bool, map);
    const auto [pair, model] = test::tvBenchmark(64, tvOptions(0.08, map));
    Vector theta = model.defaultParameters();
    theta += test::randomVector(theta.size(), 5, 0.02).cwiseAbs();
    PrimalDualOptions options;
    options.tolerance = 1e-12;
    options.maxIterations = 100000;
    PrimalDualState state;
    const PrimalDualSummary summary = ChambollePock().solve(model, theta, state, options);
    qInfo("%d iterations to relative gap %.1e", summary.iterations, summary.relativeGap);
    QVERIFY(summary.termination == Termination::Converged);
    QVERIFY(summary.relativeGap <= 1e-12);
    QCOMPARE(summary.gapIterations.back(), summary.iterations);
    QCOMPARE(summary.gapHistory.size(), summary.gapIterations.size());
    // The gap is not monotone in Chambolle–Pock, but its running minimum falls by decades.
    const auto& h = summary.gapHistory;
    QVERIFY(h.front() > 1e-3);
    QVERIFY(*std::min_element(h.begin(), h.begin() + std::min<std::size_t>(h.size(), 50)) <
            h.front() * 1e-2);
    const Eigen::Index n = model.variableCount();
    Vector residual(n);
    model.applyKAdjoint(state.q, residual);
    residual += state.x - pair.noisy.pixels;
    // ½‖x − y + ∇ᵀq‖² is one of the gap's non-negative terms.
    QVERIFY(0.5 * residual.squaredNorm() <= summary.gap * (1 + 1e-9));
    const Vector weights = model.weightMap(theta);
    Vector g(2 * n);
    model.applyK(state.x, g);
    std::vector<std::uint8_t> jumps;
    const Eigen::Index jumpCount = model.jumpSet(state.x, jumps, 1e-4);
    QVERIFY(jumpCount > 0 && jumpCount < n);
    double worst = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      QVERIFY(std::hypot(state.q[i], state.q[n + i]) <= weights[i] * (1 + 1e-12));
      if (jumps[std::size_t(i)]) {
        const double norm = std::hypot(g[i], g[n + i]);
        worst = std::max(worst, std::hypot(state.q[i] - weights[i] * g[i] / norm,
                                           state.q[n + i] - weights[i] * g[n + i] / norm));
      }
    }
    qInfo("jump set %lld of %lld pixels; max |q − λ∇x/|∇x|| there %.1e", (long long)jumpCount,
          (long long)n, worst);
    QVERIFY(worst <= 1e-4);
  }

  void warmStartFromTheSolutionStopsAtOnce() {
    const auto [pair, model] = test::tvBenchmark(48, tvOptions(0.08));
    const Vector theta = model.defaultParameters();
    PrimalDualState state;
    PrimalDualOptions options;
    options.tolerance = 1e-9;
    QVERIFY(ChambollePock().solve(model, theta, state, options).termination ==
            Termination::Converged);
    const Vector solution = state.x;
    const PrimalDualSummary again = ChambollePock().solve(model, theta, state, options);
    QVERIFY(again.termination == Termination::Converged);
    QCOMPARE(again.iterations, 0);
    QCOMPARE(state.x, solution);
    // A warm start for a nearby θ needs fewer iterations than a cold start.
    const Vector nearby = Vector::Constant(1, 0.085);
    PrimalDualState cold;
    const int coldIterations = ChambollePock().solve(model, nearby, cold, options).iterations;
    const int warmIterations = ChambollePock().solve(model, nearby, state, options).iterations;
    qInfo("cold %d, warm %d iterations", coldIterations, warmIterations);
    QVERIFY(warmIterations < coldIterations);
  }

  // Through the InnerSolver interface the dual travels in SolveOptions::state (SolverState): a
  // solve leaves q* there, the next one for a nearby θ starts from it (projected on the new balls)
  // and needs fewer iterations than from x alone with q = 0, to the same solution; a fixed
  // iteration count neither reads nor writes it.
  void solverStateCarriesTheDualBetweenSolves() {
    const auto [pair, model] = test::tvBenchmark(48, tvOptions(0.08));
    const ChambollePock solver;
    SolverState state;
    SolveOptions options;
    options.tolerance = 1e-9;
    options.state = &state;
    Vector x = pair.noisy.pixels;
    QVERIFY(solver.solve(model, model.defaultParameters(), x, options).usable());
    QCOMPARE(state.dual.size(), model.dualSize());
    // A smaller λ: the old q* lies outside the new balls and must be projected.
    const Vector nearby = Vector::Constant(1, 0.079);
    Vector fromX = x, fromState = x;
    SolveOptions xOnly = options;
    xOnly.state = nullptr;
    const SolveSummary withoutDual = solver.solve(model, nearby, fromX, xOnly);
    const Vector kept = state.dual;
    const SolveSummary withDual = solver.solve(model, nearby, fromState, options);
    qInfo("warm start from x alone: %d iterations, with the dual: %d", withoutDual.iterations,
          withDual.iterations);
    QVERIFY(withoutDual.termination == Termination::Converged);
    QVERIFY(withDual.termination == Termination::Converged);
    QVERIFY(withDual.iterations < withoutDual.iterations / 2);
    // Both within the accuracy the gap certifies: ½‖x − x*‖² ≤ gap ≤ 1e-9·P(x).
    QVERIFY((fromX - fromState).norm() <= 2.0 * std::sqrt(2e-9 * withDual.energy));
    QVERIFY(state.dual != kept);
    // A fixed iteration count is the map unrolled differentiates from q = 0: the state is left.
    const Vector before = state.dual;
    SolveOptions fixed = options;
    fixed.fixedIterations = 5;
    Vector y = pair.noisy.pixels;
    solver.solve(model, nearby, y, fixed);
    QCOMPARE(state.dual, before);
  }

  void fixedIterationsRunExactlyThatMany() {
    const auto [pair, model] = test::tvBenchmark(32, tvOptions(0.08));
    const Vector theta = model.defaultParameters();
    PrimalDualOptions options;
    options.tolerance = 0.5;  // met long before; ignored with fixed iterations
    options.fixedIterations = 37;
    PrimalDualState state;
    const PrimalDualSummary summary = ChambollePock().solve(model, theta, state, options);
    QCOMPARE(summary.iterations, 37);
    QCOMPARE(state.iterations, 37);
    QVERIFY(summary.termination == Termination::IterationLimit);
    // The gap every gapInterval (4) iterations and after the last: 0, 4, …, 36, 37.
    QCOMPARE(int(summary.gapHistory.size()), 11);
    QCOMPARE(summary.gapIterations[1], 4);
    QCOMPARE(summary.gapIterations.back(), 37);
    // The state carries everything: 37 + 23 continued iterations are 60 in one go.
    PrimalDualState continued = state;
    options.fixedIterations = 23;
    options.restartSchedule = false;
    ChambollePock().solve(model, theta, continued, options);
    PrimalDualState once;
    options.fixedIterations = 60;
    ChambollePock().solve(model, theta, once, options);
    QCOMPARE(continued.iterations, 60);
    QVERIFY((continued.x - once.x).cwiseAbs().maxCoeff() <= 1e-15);
    QVERIFY((continued.q - once.q).cwiseAbs().maxCoeff() <= 1e-15);
  }

  // γ = 0 is Algorithm 1: the steps stay τ_0, σ_0 and the iteration still converges.
  void zeroAccelerationKeepsTheStepsConstant() {
    const auto [pair, model] = test::tvBenchmark(32, tvOptions(0.08));
    PrimalDualOptions options;
    options.acceleration = 0.0;
    options.initialPrimalStep = 1.0 / std::sqrt(8.0);
    options.tolerance = 1e-5;  // Algorithm 1 is slow in 2-D: ~5000 iterations to 1e-6 at 64²
    PrimalDualState state;
    const PrimalDualSummary summary =
        ChambollePock().solve(model, model.defaultParameters(), state, options);
    QVERIFY(summary.termination == Termination::Converged);
    QCOMPARE(state.tau, options.initialPrimalStep);
    QCOMPARE(state.sigma, 1.0 / (options.initialPrimalStep * 8.0));
  }

  // The relative gap of the last evaluation is what a user interface sees while the solve runs.
  void reportsTheGapAsProgress() {
    const auto [pair, model] = test::tvBenchmark(32, tvOptions(0.08));
    CancellationFlag flag;
    PrimalDualState state;
    PrimalDualOptions options;
    options.tolerance = 1e-6;
    const PrimalDualSummary summary =
        ChambollePock().solve(model, model.defaultParameters(), state, options, &flag);
    QVERIFY(summary.termination == Termination::Converged);
    QCOMPARE(QString::fromLatin1(flag.progress().loop), QStringLiteral("inner solve"));
    QCOMPARE(flag.progress().iteration, summary.iterations);
    QCOMPARE(flag.progress().measure, summary.relativeGap);
    QCOMPARE(flag.progress().tolerance, 1e-6);
  }

  void cancellationStopsTheSolve() {
    const auto [pair, model] = test::tvBenchmark(32, tvOptions(0.08));
    CancellationFlag flag;
    flag.cancel();
    PrimalDualState state;
    PrimalDualOptions options;
    options.tolerance = 1e-12;
    const PrimalDualSummary summary =
        ChambollePock().solve(model, model.defaultParameters(), state, options, &flag);
    QVERIFY(summary.termination == Termination::Cancelled);
    QCOMPARE(summary.iterations, 0);
    QVERIFY(!summary.usable());
    QCOMPARE(state.x, pair.noisy.pixels);
    // Raised from another thread during a long solve.
    CancellationFlag later;
    const auto [big, bigModel] = test::tvBenchmark(256, tvOptions(0.08));
    options.tolerance = 1e-15;
    options.maxIterations = 1000000;
    PrimalDualState bigState;
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      later.cancel();
    });
    const PrimalDualSummary stopped =
        ChambollePock().solve(bigModel, bigModel.defaultParameters(), bigState, options, &later);
    stopper.join();
    QVERIFY(stopped.termination == Termination::Cancelled);
    QVERIFY(stopped.iterations < 1000000);
    QVERIFY(bigState.x.allFinite());
  }

  // NaN in the data is refused by the model; NaN in a warm start or θ is reported, not iterated on.
  void nonFiniteInputIsRefusedOrReported() {
    Image image(8, 8);
    image.at(3, 4) = std::numeric_limits<double>::quiet_NaN();
    QVERIFY_THROWS_EXCEPTION(Error, TotalVariation(image, tvOptions(0.08)));
    image.at(3, 4) = 0.5;
    const TotalVariation model(image, tvOptions(0.08));
    PrimalDualState state;
    state.x = image.pixels;
    state.x[10] = std::numeric_limits<double>::infinity();
    const PrimalDualSummary summary =
        ChambollePock().solve(model, model.defaultParameters(), state, {});
    QVERIFY(summary.termination == Termination::Diverged);
    QVERIFY(QString::fromStdString(summary.message).contains("x has a non-finite entry"));
    QCOMPARE(summary.iterations, 0);
    PrimalDualState fresh;
    QVERIFY_THROWS_EXCEPTION(
        Error, ChambollePock().solve(model, Vector::Constant(1, std::nan("")), fresh, {}));
    PrimalDualState wrongSize;
    wrongSize.x = Vector::Zero(5);
    QVERIFY_THROWS_EXCEPTION(
        Error, ChambollePock().solve(model, model.defaultParameters(), wrongSize, {}));
  }

  void optionsAreValidated() {
    std::string error;
    PrimalDualOptions options;
    QVERIFY(options.isValid(&error));
    options.tolerance = 0.0;
    QVERIFY(!options.isValid(&error));
    QVERIFY(QString::fromStdString(error).contains("solver.tolerance"));
    options = {};
    options.initialPrimalStep = -1.0;
    QVERIFY(!options.isValid(&error));
    QVERIFY(QString::fromStdString(error).contains("initial_primal_step"));
    options = {};
    options.acceleration = std::nan("");
    QVERIFY(!options.isValid(&error));
    options.acceleration = -0.5;
    QVERIFY(!options.isValid(&error));
    options.acceleration = 0.0;  // Algorithm 1
    QVERIFY(options.isValid(&error));
    options = {};
    options.fixedIterations = -2;
    QVERIFY(!options.isValid(&error));
    options = {};
    options.maxIterations = 0;
    QVERIFY(!options.isValid(&error));
  }
};

QTEST_APPLESS_MAIN(TestChambollePock)
#include "tst_chambolle_pock.moc"
