#include <QtTest>

#include "../TestProblems.h"
#include "common/Error.h"
#include "hypergradients/HypergradientMethod.h"
#include "losses/SquaredError.h"
#include "solvers/AcceleratedGradient.h"
#include "solvers/Lbfgs.h"

using namespace bilevel;

namespace {

// The methods that converge to ∇U as their own tolerance tightens, and the two that approximate by
// design (jacobian-free assumes H = I, shine trusts a rank-10 quasi-Newton estimate).
const QStringList kExactMethods = {"implicit-cg", "implicit-neumann", "unrolled", "forward",
                                   "fpad",        "finite-difference"};

struct Result {
  Vector gradient;
  HypergradientSummary summary;
};

Result evaluate(const QString& method, const Model& model, const UpperLoss& loss,
                const Vector& theta, SolveOptions solve = test::tightSolve(),
                HypergradientOptions options = test::tightHypergradient()) {
  AcceleratedGradient solver;
  const BilevelProblem problem{model, loss, solver, solve};
  Vector x = model.initialPoint(), gradient(theta.size());
  const auto summary =
      makeHypergradientMethod(method.toStdString(), options)->evaluate(problem, theta, x, gradient);
  return {gradient, summary};
}

void addExactMethodRows() {
  QTest::addColumn<QString>("method");
  for (const auto& m : kExactMethods)
    QTest::newRow(qPrintable(m)) << m;
}

}  // namespace

class TestHypergradients : public QObject {
  Q_OBJECT
 private slots:
  // Quadratic: every exact method against dU/dλ from the DCT closed form, relative error 1e-7
  // (the closed form is exact; the methods stop at residual 1e-11). finite-difference is held to
  // 1e-6: its error is the inner solve's error in U divided by the step, about
  // 1e-12·‖∇E(y)‖·‖x−c‖/h.
  void quadraticMatchesTheClosedForm_data() { addExactMethodRows(); }
  void quadraticMatchesTheClosedForm() {
    QFETCH(QString, method);
    const auto pair = test::benchmarkPair(32);
    const double lambda = 0.8;
    const Quadratic model(pair.noisy, lambda);
    const SquaredError loss(pair.clean.pixels);
    const double exact = model.closedFormHypergradient(lambda, pair.clean.pixels);
    const Result r = evaluate(method, model, loss, Vector::Constant(1, lambda));
    QVERIFY(r.summary.usable());
    const double error = std::abs(r.gradient[0] - exact) / std::abs(exact);
    const double tolerance = method == "finite-difference" ? 1e-6 : 1e-7;
    QVERIFY2(error <= tolerance, qPrintable(QString("%1: %2 vs closed form %3 (rel. %4)")
                                                .arg(method)
                                                .arg(r.gradient[0], 0, 'g', 12)
                                                .arg(exact, 0, 'g', 12)
                                                .arg(error)));
  }

  // Huber-TV, scalar λ and an 4×5 weight map: every exact method against finite-difference,
  // relative error (in the Euclidean norm over θ) 1e-5 at the tight tolerances above.
  void huberMatchesFiniteDifferences_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<bool>("map");
    for (bool map : {false, true}) {
      for (const auto& m : kExactMethods) {
        if (m == "finite-difference") continue;
        QTest::newRow(qPrintable(m + (map ? " map" : " scalar"))) << m << map;
      }
    }
  }
  void huberMatchesFiniteDifferences() {
    QFETCH(QString, method);
    QFETCH(bool, map);
    const auto pair = test::benchmarkPair(40);
    const HuberTV model(pair.noisy, test::huberOptions(map));
    Vector theta = model.defaultParameters();
    if (map) theta += test::randomVector(theta.size(), 7, 0.01).cwiseAbs();
    const SquaredError loss(pair.clean.pixels);
    const Result reference = evaluate("finite-difference", model, loss, theta);
    const Result r = evaluate(method, model, loss, theta);
    QVERIFY(r.summary.usable());
    const double error = test::relativeError(r.gradient, reference.gradient);
    QVERIFY2(error <= 1e-5, qPrintable(QString("%1: relative error %2").arg(method).arg(error)));
    QCOMPARE(r.summary.method, method.toStdString());
    // Methods differentiating x* report the loss at x*; unrolled/forward at x_K, equal here.
    QVERIFY(std::abs(r.summary.outerLoss - reference.summary.outerLoss) <=
            1e-8 * reference.summary.outerLoss);
  }

  // jacobian-free and shine approximate by design. What must hold: they run, report a finite
  // gradient, and shine's direction agrees in sign with the true one on the scalar problem.
  void approximateMethodsAreFiniteAndShineDescends() {
    const auto pair = test::benchmarkPair(40);
    const HuberTV model(pair.noisy, test::huberOptions(false));
    const SquaredError loss(pair.clean.pixels);
    const Vector theta = model.defaultParameters();
    const Result reference = evaluate("implicit-cg", model, loss, theta);
    for (const QString method : {"jacobian-free", "shine"}) {
      const Result r = evaluate(method, model, loss, theta);
      QVERIFY(r.gradient.allFinite());
      QVERIFY2(r.gradient.dot(reference.gradient) > 0.0, qPrintable(method));
    }
  }

  // Truncation to T steps and checkpointing change memory, not the mathematics: checkpointed and
  // store-all unrolling agree to rounding, and forward mode equals reverse mode.
  void unrolledCheckpointingTruncationAndForwardAgree() {
    const auto pair = test::benchmarkPair(32);
    const HuberTV model(pair.noisy, test::huberOptions(true));
    const SquaredError loss(pair.clean.pixels);
    const Vector theta = model.defaultParameters();
    SolveOptions solve;
    solve.fixedIterations = 60;
    HypergradientOptions storeAll;
    storeAll.checkpointInterval = 1000;
    HypergradientOptions checkpointed;
    checkpointed.checkpointInterval = 7;
    const Result a = evaluate("unrolled", model, loss, theta, solve, storeAll);
    const Result b = evaluate("unrolled", model, loss, theta, solve, checkpointed);
    const Result f = evaluate("forward", model, loss, theta, solve, storeAll);
    QCOMPARE(a.summary.inner.iterations, 60);
    QVERIFY(test::relativeError(b.gradient, a.gradient) <= 1e-12);
    QVERIFY(test::relativeError(f.gradient, a.gradient) <= 1e-10);
    QVERIFY(b.summary.workingMegabytes < a.summary.workingMegabytes);

    HypergradientOptions truncated = storeAll;
    truncated.truncation = 10;
    const Result t = evaluate("unrolled", model, loss, theta, solve, truncated);
    QCOMPARE(t.summary.iterations, 10);
    QVERIFY(test::relativeError(t.gradient, a.gradient) > 1e-6);  // a real approximation...
    // ...that converges to the full one as T grows.
    truncated.truncation = 60;
    QVERIFY(test::relativeError(evaluate("unrolled", model, loss, theta, solve, truncated).gradient,
                                a.gradient) <= 1e-12);
  }

  // FPAD's derivative sequence converges at the accelerated rate; implicit-neumann needs about
  // √κ times more steps for the same residual (seed 004).
  void fpadNeedsFarFewerStepsThanNeumann() {
    const auto pair = test::benchmarkPair(32);
    const HuberTV model(pair.noisy, test::huberOptions(false));
    const SquaredError loss(pair.clean.pixels);
    HypergradientOptions options;
    options.tolerance = 1e-8;
    const Vector theta = model.defaultParameters();
    const Result fpad = evaluate("fpad", model, loss, theta, test::tightSolve(), options);
    const Result neumann =
        evaluate("implicit-neumann", model, loss, theta, test::tightSolve(), options);
    QVERIFY(fpad.summary.iterations * 3 < neumann.summary.iterations);
  }

  void unknownMethodIsAUsageError() {
    QVERIFY_THROWS_EXCEPTION(std::exception, makeHypergradientMethod("newton", {}));
  }

  void cancellationIsReported() {
    const auto pair = test::benchmarkPair(32);
    const HuberTV model(pair.noisy, test::huberOptions(false));
    const SquaredError loss(pair.clean.pixels);
    AcceleratedGradient solver;
    const BilevelProblem problem{model, loss, solver, {}};
    CancellationFlag flag;
    flag.cancel();
    for (const auto& name : hypergradientMethodNames()) {
      Vector x = pair.noisy.pixels, g(1);
      const auto method = makeHypergradientMethod(name, {});
      // implicit-manifold differentiates nonsmooth TV only: it refuses Huber-TV, naming it, and
      // computes nothing.
      if (std::string why; !method->supports(problem, &why)) {
        QCOMPARE(name, std::string("implicit-manifold"));
        QVERIFY2(why.find(name) != std::string::npos, why.c_str());
        QVERIFY2(why.find("huber-tv is smooth") != std::string::npos, why.c_str());
        try {
          method->evaluate(problem, model.defaultParameters(), x, g, &flag);
          QFAIL("a refused method evaluated");
        } catch (const Error& e) {
          QCOMPARE(e.kind(), ErrorKind::Usage);
        }
        continue;
      }
      const auto summary = method->evaluate(problem, model.defaultParameters(), x, g, &flag);
      QVERIFY2(summary.termination == Termination::Cancelled, name.c_str());
    }
  }
};

QTEST_APPLESS_MAIN(TestHypergradients)
#include "tst_hypergradients.moc"
