// The hypergradient methods' own loops report their progress to the run's flag (issue 10 §5), as
// the inner solvers and the adjoint CG do: the studio's status bar shows the loop that runs, its
// iteration, and its residual against the tolerance, or its iteration out of a known count.
#include <QtTest>

#include "../TestProblems.h"
#include "hypergradients/HypergradientMethod.h"
#include "losses/SquaredError.h"
#include "solvers/AcceleratedGradient.h"

using namespace bilevel;

class TestHypergradientProgress : public QObject {
  Q_OBJECT
 private slots:
  // The last report is the method's last loop, with the figures its summary ends with.
  void theLastLoopIsReported_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<int>("fixedIterations");
    QTest::addColumn<QString>("loop");
    QTest::newRow("unrolled") << "unrolled" << 0 << "unrolled reverse pass";
    QTest::newRow("unrolled truncated") << "unrolled" << 0 << "unrolled reverse pass";
    QTest::newRow("forward") << "forward" << 0 << "forward-mode pass";
    QTest::newRow("forward fixed") << "forward" << 40 << "forward-mode pass";
    QTest::newRow("fpad") << "fpad" << 0 << "fpad adjoint recursion";
    QTest::newRow("implicit-neumann") << "implicit-neumann" << 0 << "Neumann series";
  }
  void theLastLoopIsReported() {
    QFETCH(QString, method);
    QFETCH(int, fixedIterations);
    QFETCH(QString, loop);
    const auto pair = test::benchmarkPair(32);
    const Quadratic model(pair.noisy, 0.8);
    const SquaredError loss(pair.clean.pixels);
    AcceleratedGradient solver;
    SolveOptions solve = test::tightSolve();
    solve.fixedIterations = fixedIterations;
    HypergradientOptions options = test::tightHypergradient();
    const bool truncated = QString(QTest::currentDataTag()).contains("truncated");
    if (truncated) options.truncation = 7;
    const BilevelProblem problem{model, loss, solver, solve};
    Vector x = model.initialPoint(), gradient(1);
    CancellationFlag flag;
    const HypergradientSummary summary =
        makeHypergradientMethod(method.toStdString(), options)
            ->evaluate(problem, Vector::Constant(1, 0.8), x, gradient, &flag);
    QVERIFY(summary.usable());
    const CancellationFlag::Progress progress = flag.progress();
    QCOMPARE(QString::fromLatin1(progress.loop), loop);
    QCOMPARE(progress.iteration, summary.iterations);
    QVERIFY(summary.iterations > 1);
    if (method == "unrolled") {
      // The reverse pass has a known length: the steps differentiated.
      QCOMPARE(progress.total, truncated ? 7 : summary.inner.iterations);
      QCOMPARE(progress.total, summary.iterations);
    } else if (fixedIterations > 0) {
      QCOMPARE(progress.total, fixedIterations);
    } else if (method == "forward") {
      // The forward pass stops on the solver's test.
      QCOMPARE(progress.total, 0);
      QCOMPARE(progress.measure, summary.inner.relativeGradientNorm);
      QCOMPARE(progress.tolerance, solve.tolerance);
      QVERIFY(progress.measure <= progress.tolerance);
    } else {
      QCOMPARE(progress.total, 0);
      QCOMPARE(progress.measure, summary.residual);
      QCOMPARE(progress.tolerance, options.tolerance);
      QVERIFY(progress.measure <= progress.tolerance);
    }
  }
};

QTEST_APPLESS_MAIN(TestHypergradientProgress)
#include "tst_hypergradient_progress.moc"
