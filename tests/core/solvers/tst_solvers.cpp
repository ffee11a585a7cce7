#include <QtTest>

#include "../TestProblems.h"
#include "solvers/AcceleratedGradient.h"
#include "solvers/ConjugateGradient.h"
#include "solvers/Lbfgs.h"

using namespace bilevel;

class TestSolvers : public QObject {
  Q_OBJECT
 private slots:
  void solversReachTheToleranceAndAgree_data() {
    QTest::addColumn<QString>("solver");
    QTest::newRow("accelerated-gradient") << "accelerated-gradient";
    QTest::newRow("lbfgs") << "lbfgs";
  }
  void solversReachTheToleranceAndAgree() {
    QFETCH(QString, solver);
    const auto pair = test::benchmarkPair(48);
    const HuberTV model(pair.noisy, test::huberOptions(false));
    const Vector theta = model.defaultParameters();
    AcceleratedGradient agd;
    Lbfgs lbfgs;
    const InnerSolver& s = solver == "lbfgs" ? static_cast<const InnerSolver&>(lbfgs) : agd;
    SolveOptions options;
    options.tolerance = 1e-10;
    Vector x = pair.noisy.pixels;
    const SolveSummary summary = s.solve(model, theta, x, options);
    QVERIFY(summary.termination == Termination::Converged);
    QVERIFY(summary.relativeGradientNorm <= 1e-10);
    Vector g(x.size());
    model.gradient(x, theta, g);
    QVERIFY(g.norm() <= 1.0000001e-10 * summary.referenceGradientNorm);
    QCOMPARE(int(summary.trace.size()) >= summary.iterations, true);
    // Strong convexity (μ = 1): ‖x − x*‖ ≤ ‖∇E(x)‖, so both solvers agree to about the tolerance.
    Vector reference = pair.noisy.pixels;
    options.tolerance = 1e-12;
    Lbfgs().solve(model, theta, reference, options);
    QVERIFY((x - reference).norm() <= 2e-10 * summary.referenceGradientNorm);
  }

  void warmStartStopsAtTheSameAccuracyImmediately() {
    const auto pair = test::benchmarkPair(32);
    const HuberTV model(pair.noisy, test::huberOptions(false));
    const Vector theta = model.defaultParameters();
    Vector x = pair.noisy.pixels;
    AcceleratedGradient().solve(model, theta, x, {});
    const SolveSummary again = AcceleratedGradient().solve(model, theta, x, {});
    QVERIFY(again.termination == Termination::Converged);
    QCOMPARE(again.iterations, 0);
  }

  void quadraticSolveMatchesTheClosedForm() {
    const auto pair = test::benchmarkPair(32);
    const Quadratic model(pair.noisy, 2.0);
    Vector x = pair.noisy.pixels;
    SolveOptions options;
    options.tolerance = 1e-12;
    AcceleratedGradient().solve(model, Vector::Constant(1, 2.0), x, options);
    QVERIFY(test::relativeError(x, model.closedFormSolution(2.0)) <= 1e-11);
  }

  void fixedIterationsRunExactlyThatMany() {
    const auto pair = test::benchmarkPair(32);
    const HuberTV model(pair.noisy, test::huberOptions(false));
    Vector x = pair.noisy.pixels;
    SolveOptions options;
    options.fixedIterations = 17;
    const SolveSummary summary =
        AcceleratedGradient().solve(model, model.defaultParameters(), x, options);
    QCOMPARE(summary.iterations, 17);
    QVERIFY(summary.termination == Termination::IterationLimit);
  }

  void cancellationStopsAtOnce() {
    const auto pair = test::benchmarkPair(32);
    const HuberTV model(pair.noisy, test::huberOptions(false));
    CancellationFlag flag;
    flag.cancel();
    Vector x = pair.noisy.pixels;
    QVERIFY(
        AcceleratedGradient().solve(model, model.defaultParameters(), x, {}, &flag).termination ==
        Termination::Cancelled);
    QVERIFY(Lbfgs().solve(model, model.defaultParameters(), x, {}, &flag).termination ==
            Termination::Cancelled);
    QCOMPARE(x, pair.noisy.pixels);
  }

  // A long solve tells a user interface how far it is (CancellationFlag::progress): the last
  // report is the solve's own last iteration and stopping measure, with the tolerance it meets.
  void solversReportTheirProgressToTheFlag_data() {
    QTest::addColumn<QString>("solver");
    QTest::newRow("accelerated-gradient") << "accelerated-gradient";
    QTest::newRow("lbfgs") << "lbfgs";
  }
  void solversReportTheirProgressToTheFlag() {
    QFETCH(QString, solver);
    const auto pair = test::benchmarkPair(32);
    const HuberTV model(pair.noisy, test::huberOptions(false));
    AcceleratedGradient agd;
    Lbfgs lbfgs;
    const InnerSolver& s = solver == "lbfgs" ? static_cast<const InnerSolver&>(lbfgs) : agd;
    CancellationFlag flag;
    QVERIFY(flag.progress().loop == nullptr);
    SolveOptions options;
    options.tolerance = 1e-9;
    Vector x = pair.noisy.pixels;
    const SolveSummary summary = s.solve(model, model.defaultParameters(), x, options, &flag);
    QVERIFY(summary.termination == Termination::Converged);
    QVERIFY(summary.iterations > 5);
    const CancellationFlag::Progress progress = flag.progress();
    QCOMPARE(QString::fromLatin1(progress.loop), QStringLiteral("inner solve"));
    // AGD converges at its extrapolated point y, one gradient past its last counted step.
    QVERIFY(progress.iteration == summary.iterations ||
            progress.iteration == summary.iterations + 1);
    QCOMPARE(progress.measure, summary.relativeGradientNorm);
    QCOMPARE(progress.tolerance, 1e-9);
    QVERIFY(progress.measure <= progress.tolerance);
  }

  void conjugateGradientReportsItsResidual() {
    Eigen::MatrixXd m = Eigen::MatrixXd::Random(30, 30);
    const Eigen::MatrixXd a = m.transpose() * m + Eigen::MatrixXd::Identity(30, 30);
    const Vector b = test::randomVector(30, 3);
    Vector x = Vector::Zero(30);
    CancellationFlag flag;
    const auto summary = conjugateGradient([&](const Vector& v, Vector& out) { out = a * v; }, b, x,
                                           {.tolerance = 1e-10, .maxIterations = 200}, &flag);
    QCOMPARE(QString::fromLatin1(flag.progress().loop), QStringLiteral("adjoint CG"));
    QCOMPARE(flag.progress().iteration, summary.iterations);
    QCOMPARE(flag.progress().measure, summary.relativeResidual);
    QCOMPARE(flag.progress().tolerance, 1e-10);
  }

  void nanDataIsReportedAsDivergence() {
    auto pair = test::benchmarkPair(16);
    pair.noisy.pixels[5] = std::numeric_limits<double>::quiet_NaN();
    const HuberTV model(pair.noisy, test::huberOptions(false));
    Vector x = pair.noisy.pixels;
    QVERIFY(AcceleratedGradient().solve(model, model.defaultParameters(), x, {}).termination ==
            Termination::Diverged);
    x = pair.noisy.pixels;
    QVERIFY(Lbfgs().solve(model, model.defaultParameters(), x, {}).termination ==
            Termination::Diverged);
  }

  void conjugateGradientSolvesASpdSystem() {
    Eigen::MatrixXd m = Eigen::MatrixXd::Random(30, 30);
    const Eigen::MatrixXd a = m.transpose() * m + Eigen::MatrixXd::Identity(30, 30);
    const Vector b = test::randomVector(30, 3);
    Vector x = Vector::Zero(30);
    const auto summary = conjugateGradient([&](const Vector& v, Vector& out) { out = a * v; }, b, x,
                                           {.tolerance = 1e-12, .maxIterations = 200});
    QVERIFY(summary.termination == Termination::Converged);
    QVERIFY((a * x - b).norm() <= 1e-11 * b.norm());
  }

  void lbfgsMemoryIsExactForAQuadraticAfterEnoughPairs() {
    // On a diagonal quadratic with n distinct curvatures, n pairs determine H⁻¹ exactly along
    // the probed subspace; check the secant equation H y_k = s_k for the newest pair.
    const int n = 6;
    const Vector diag = Vector::LinSpaced(n, 1.0, 6.0);
    LbfgsMemory memory(n, n);
    for (int k = 0; k < n; ++k) {
      const Vector s = test::randomVector(n, 100 + k);
      memory.push(s, diag.cwiseProduct(s));
    }
    const Vector s = test::randomVector(n, 200);
    memory.push(s, diag.cwiseProduct(s));
    Vector out(n);
    memory.applyInverseHessian(diag.cwiseProduct(s), out);
    QVERIFY((out - s).norm() <= 1e-10 * s.norm());
  }
};

QTEST_APPLESS_MAIN(TestSolvers)
#include "tst_solvers.moc"
