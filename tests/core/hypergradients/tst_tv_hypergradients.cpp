#include <QtTest>

#include "../TestProblems.h"
#include "common/Error.h"
#include "config/Configuration.h"
#include "hypergradients/HypergradientMethod.h"
#include "hypergradients/IdentifiedManifold.h"
#include "hypergradients/ImplicitManifold.h"
#include "learning/TrainingPair.h"
#include "losses/SquaredError.h"
#include "models/TotalVariation.h"
#include "solvers/AcceleratedGradient.h"
#include "solvers/ChambollePock.h"

using namespace bilevel;

namespace {

// test::fourBlocks at λ = 0.08, with a 2×2 weight map for tv-map.
TotalVariation::Options options(bool map) {
  return map ? test::tvOptions(0.08, 2, 2) : test::tvOptions(0.08);
}

Vector gradientOf(const QString& method, const TotalVariation& model, const UpperLoss& loss,
                  const Vector& theta, const SolveOptions& solve,
                  HypergradientOptions options = {}) {
  const ChambollePock solver;
  const BilevelProblem problem{model, loss, solver, solve};
  options.tolerance = 1e-12;
  options.maxIterations = 20000;
  options.finiteDifferenceStep = 1e-4;
  options.finiteDifferenceTolerance = 1e-15;
  // implicit-manifold directly: the registry lists it separately (core/registry/Methods.cpp).
  const std::unique_ptr<HypergradientMethod> m =
      method == "implicit-manifold" ? std::make_unique<ImplicitManifold>(options)
                                    : makeHypergradientMethod(method.toStdString(), options);
  Vector x = model.initialPoint(), gradient(theta.size());
  const HypergradientSummary summary = m->evaluate(problem, theta, x, gradient);
  if (!summary.usable()) {
    qWarning("%s: %s %s", qPrintable(method), toString(summary.termination).c_str(),
             summary.message.c_str());
  }
  return gradient;
}

}  // namespace

class TestTvHypergradients : public QObject {
  Q_OBJECT
 private slots:
  void methodsAgreeWithFiniteDifferences_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<bool>("map");
    for (bool map : {false, true})
      for (const char* m : {"implicit-manifold", "fpad", "unrolled", "forward"})
        QTest::newRow(qPrintable(QString(m) + (map ? " tv-map" : " tv"))) << QString(m) << map;
  }
  void methodsAgreeWithFiniteDifferences() {
    QFETCH(QString, method);
    QFETCH(bool, map);
    const auto p = test::fourBlocks();
    const TotalVariation model(p.noisy, options(map));
    const SquaredError loss(p.clean.pixels);
    const Vector theta = test::spreadParameters(model);
    const Vector reference =
        gradientOf("finite-difference", model, loss, theta, test::exactTvSolve());
    SolveOptions solve = test::exactTvSolve();
    // unrolled / forward: K fixed steps of Algorithm 1 from the cold start. Their error is not
    // monotone before the jump set is identified (measured, tv-map: K = 1000: 7e-4, 4000: 1.8e-5,
    // 16000: 2.6e-5, 32000: 1.1e-5, 64000: 4.4e-10, then equal to fpad's); 64000 steps of a 12×12
    // image take about a second.
    if (method == "unrolled" || method == "forward") solve.fixedIterations = 64000;
    const Vector g = gradientOf(method, model, loss, theta, solve);
    const double error = test::relativeError(g, reference);
    qInfo("%s %s: relative error %.3g (|∇U| = %.6g)", qPrintable(method), map ? "tv-map" : "tv",
          error, reference.norm());
    // The reference: central differences with step 1e-4·λ of solves to a relative gap of 1e-15.
    // U is smooth where the support is stable, so the truncation error is O(h²) ~ 1e-10, and the
    // solves are exact to rounding after identification (linear rate): measured agreement 3e-9
    // (tv) and 4e-10 (tv-map) for all four methods; 1e-6 leaves room for rounding on other
    // machines and is the bound of issue 9 §3.
    QVERIFY2(error <= 1e-6, qPrintable(QString::number(error)));
  }

  // implicit-manifold at the learning presets' solver tolerance (rof-denoise: relative gap 1e-8)
  // on the preset's noise over benchmark:32, at a λ where the support is locally stable. The jump
  // set read from the solve at 1e-8 still has pixels on the wrong side of the jump tolerance, and
  // the manifold they give is not x*'s (measured: relative error 2e-4 with the rounds switched
  // off); the identification rounds continue the solve until the jump set stops changing.
  void implicitManifoldIdentifiesTheSupportAtTheLearningTolerance() {
    Configuration config = Configuration::fromPreset("rof-denoise");
    config.set("image=\"benchmark:32\"");
    const TrainingPair pair = loadTrainingPairs(config).front();
    const TotalVariation model(pair.noisy, test::tvOptions(0.1));
    const SquaredError loss(pair.clean.pixels);
    const ChambollePock solver;
    const Vector theta = model.defaultParameters();

    // The reference: central differences of exact solves, h = 1e-5·λ, where the jump set is the
    // same at λ − h, λ and λ + h (the support-stability assumption under which U is smooth).
    const SolveOptions exact = test::exactTvSolve();
    const double h = 1e-5 * theta[0];
    double u[2];
    std::vector<std::uint8_t> masks[3];
    for (int k = 0; k < 3; ++k) {
      const Vector t = theta + Vector::Constant(1, (k - 1) * h);
      Vector x = model.initialPoint();
      QVERIFY(solver.solve(model, t, x, exact).termination == Termination::Converged);
      model.jumpSet(x, masks[k]);
      if (k != 1) u[k / 2] = loss.value(x, t);
    }
    QVERIFY(masks[0] == masks[1] && masks[1] == masks[2]);
    const Vector reference = Vector::Constant(1, (u[1] - u[0]) / (2.0 * h));

    SolveOptions learning;
    learning.tolerance = config.solveOptions().tolerance;
    QCOMPARE(learning.tolerance, 1e-8);
    HypergradientOptions options;
    options.tolerance = 1e-12;
    const BilevelProblem problem{model, loss, solver, learning};
    const auto run = [&](int rounds, HypergradientSummary& summary) {
      options.identificationRounds = rounds;
      Vector x = model.initialPoint(), g(1);
      summary = ImplicitManifold(options).evaluate(problem, theta, x, g);
      return test::relativeError(g, reference);
    };
    HypergradientSummary once, identified;
    const double before = run(0, once);
    const double after = run(HypergradientOptions{}.identificationRounds, identified);
    qInfo(
        "relative error against central differences: %.3g from the solve at 1e-8 (%d "
        "iterations), %.3g after identification (%d iterations: %s)",
        before, once.inner.iterations, after, identified.inner.iterations,
        identified.message.c_str());
    // The failure this guards against: the first solve's manifold is not x*'s.
    QVERIFY2(before > 1e-5, qPrintable(QString::number(before)));
    QVERIFY(identified.termination == Termination::Converged);
    QVERIFY(identified.inner.iterations > once.inner.iterations);
    QVERIFY(QString::fromStdString(identified.message).contains("support stable"));
    QVERIFY2(after <= 1e-6, qPrintable(QString::number(after)));
  }

  // The Jacobi preconditioner of the manifold's CG is the diagonal of H_M: e_rᵀ H_M e_r per region.
  void manifoldPreconditionerIsTheHessianDiagonal() {
    const auto p = test::fourBlocks();
    for (bool map : {false, true}) {
      const TotalVariation model(p.noisy, options(map));
      const Vector theta = test::spreadParameters(model);
      Vector x = model.initialPoint();
      QVERIFY(ChambollePock().solve(model, theta, x, test::exactTvSolve()).usable());
      const IdentifiedManifold manifold(model, theta, x);
      QVERIFY(manifold.regionCount() > 1 && manifold.jumpCount() > 0);
      Vector e = Vector::Zero(manifold.regionCount()), column;
      for (Eigen::Index r = 0; r < manifold.regionCount(); ++r) {
        e[r] = 1.0;
        manifold.hessianProduct(e, column);
        e[r] = 0.0;
        QVERIFY2(std::abs(manifold.inverseDiagonal()[r] * column[r] - 1.0) < 1e-12,
                 qPrintable(QString("region %1: %2 vs %3")
                                .arg(r)
                                .arg(1.0 / manifold.inverseDiagonal()[r])
                                .arg(column[r])));
      }
    }
  }

  void unsupportedPairsAreRefusedNamingThem() {
    const auto p = test::fourBlocks();
    const TotalVariation tv(p.noisy, options(false));
    const HuberTV huber(p.noisy, test::huberOptions(false));
    const SquaredError loss(p.clean.pixels);
    const ChambollePock chambollePock;
    const AcceleratedGradient accelerated;
    const HypergradientOptions defaults;
    const auto refused = [](const HypergradientMethod& method, const BilevelProblem& problem,
                            const QStringList& names) {
      std::string why;
      QVERIFY(!method.supports(problem, &why));
      for (const QString& name : names)
        QVERIFY2(QString::fromStdString(why).contains(name), why.c_str());
      Vector x = problem.model.initialPoint(), g(problem.model.parameterCount());
      QVERIFY_THROWS_EXCEPTION(Error,
                               method.evaluate(problem, problem.model.defaultParameters(), x, g));
    };
    // Hessian methods on a nonsmooth model.
    for (const char* name : {"implicit-cg", "implicit-neumann", "jacobian-free", "shine"}) {
      refused(*makeHypergradientMethod(name, defaults), {tv, loss, chambollePock, {}},
              {name, "tv", "implicit-manifold"});
    }
    // implicit-manifold on a smooth model.
    refused(ImplicitManifold(defaults), {huber, loss, accelerated, {}},
            {"implicit-manifold", "huber-tv", "implicit-cg"});
    // A smooth solver on tv, and chambolle-pock on a smooth model.
    refused(*makeHypergradientMethod("unrolled", defaults), {tv, loss, accelerated, {}},
            {"accelerated-gradient", "tv", "chambolle-pock"});
    refused(*makeHypergradientMethod("fpad", defaults), {huber, loss, chambollePock, {}},
            {"chambolle-pock", "huber-tv"});
  }
};

QTEST_APPLESS_MAIN(TestTvHypergradients)
#include "tst_tv_hypergradients.moc"
