#include <QtTest>

#include <cmath>

#include "../TestErrors.h"
#include "../TestProblems.h"
#include "common/Error.h"
#include "diagnostics/DerivativeSequence.h"
#include "diagnostics/MethodAgreement.h"
#include "diagnostics/SensitivityMaps.h"
#include "hypergradients/HypergradientMethod.h"
#include "losses/SquaredError.h"
#include "operators/Dct.h"
#include "operators/FiniteDifferenceGradient.h"
#include "registry/Registry.h"
#include "solvers/AcceleratedGradient.h"
#include "solvers/ConjugateGradient.h"

using namespace bilevel;

namespace {

// Forwards to a model and counts the derivative evaluations, so that "before any work" and
// "returns quickly" are checked by what was computed rather than by a clock.
class CountingModel final : public Model {
 public:
  explicit CountingModel(const Model& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  const ParameterLayout& parameterLayout() const override { return inner_.parameterLayout(); }
  int rows() const override { return inner_.rows(); }
  int cols() const override { return inner_.cols(); }
  const Vector& initialPoint() const override { return inner_.initialPoint(); }
  double energy(const Vector& x, const Vector& theta) const override {
    ++calls;
    return inner_.energy(x, theta);
  }
  double energyAndGradient(const Vector& x, const Vector& theta, Vector& g) const override {
    ++calls;
    return inner_.energyAndGradient(x, theta, g);
  }
  void gradient(const Vector& x, const Vector& theta, Vector& g) const override {
    ++calls;
    inner_.gradient(x, theta, g);
  }
  void hessianVectorProduct(const Vector& x, const Vector& theta, const Vector& v,
                            Vector& out) const override {
    ++calls;
    inner_.hessianVectorProduct(x, theta, v, out);
  }
  void mixedProduct(const Vector& x, const Vector& theta, const Vector& v,
                    Vector& out) const override {
    ++calls;
    inner_.mixedProduct(x, theta, v, out);
  }
  void mixedTransposeProduct(const Vector& x, const Vector& theta, const Vector& dtheta,
                             Vector& out) const override {
    ++calls;
    inner_.mixedTransposeProduct(x, theta, dtheta, out);
  }
  double gradientLipschitzBound(const Vector& theta) const override {
    return inner_.gradientLipschitzBound(theta);
  }
  double strongConvexityBound(const Vector& theta) const override {
    return inner_.strongConvexityBound(theta);
  }
  Vector defaultParameters() const override { return inner_.defaultParameters(); }

  mutable int calls = 0;

 private:
  const Model& inner_;
};

// x*(θ) to rounding: accelerated gradient to 1e-12, then Newton steps x ← x − H⁻¹∂_xE by CG. The
// sensitivity's central difference divides the solve error by 2h, so it must be far below h.
Vector tightSolution(const Model& model, const Vector& theta) {
  Vector x = model.initialPoint();
  SolveOptions options;
  options.tolerance = 1e-12;
  options.maxIterations = 100000;
  options.recordTrace = false;
  AcceleratedGradient().solve(model, theta, x, options);
  Vector g(x.size()), step(x.size());
  for (int newton = 0; newton < 3; ++newton) {
    model.gradient(x, theta, g);
    const auto hessian = [&](const Vector& in, Vector& out) {
      model.hessianVectorProduct(x, theta, in, out);
    };
    step.setZero();
    conjugateGradient(hessian, g, step, {.tolerance = 1e-15, .maxIterations = 2000});
    x -= step;
  }
  return x;
}

// The three lower levels of the suite, 32×32: Quadratic (λ = 0.8, as in tst_hypergradients),
// Huber-TV with scalar λ, and Huber-TV with a 4×5 weight map off its uniform default.
struct Problem {
  test::BenchmarkPair pair = test::benchmarkPair(32);
  std::unique_ptr<Model> model;
  Vector theta;
  Vector direction;  // empty: the default all-ones direction
};

Problem makeProblem(const QString& kind) {
  Problem problem;
  if (kind == "quadratic") {
    problem.model = std::make_unique<Quadratic>(problem.pair.noisy, 0.8);
    problem.theta = problem.model->defaultParameters();
  } else {
    const bool map = kind == "huber-tv-map";
    problem.model = std::make_unique<HuberTV>(problem.pair.noisy, test::huberOptions(map));
    problem.theta = problem.model->defaultParameters();
    if (map) {
      problem.theta += test::randomVector(problem.theta.size(), 7, 0.01).cwiseAbs();
      problem.direction = test::randomVector(problem.theta.size(), 11);
    }
  }
  return problem;
}

void addProblemRows(const QStringList& kinds) {
  QTest::addColumn<QString>("kind");
  for (const auto& kind : kinds)
    QTest::newRow(qPrintable(kind)) << kind;
}

}  // namespace

class TestDiagnostics : public QObject {
  Q_OBJECT
 private slots:
  // s = ∂x*/∂θ·v against (x*(θ + hv) − x*(θ − hv)) / 2h. h = 1e-5 keeps the O(h²) truncation and
  // the solve error over 2h (Newton-polished, ~1e-15) both below 1e-8 of ‖s‖; on Huber-TV it also
  // keeps the pixels from crossing |∇x| = ε between the two solves, where x* has a kink.
  void sensitivityMatchesCentralDifferences_data() {
    addProblemRows({"quadratic", "huber-tv", "huber-tv-map"});
  }
  void sensitivityMatchesCentralDifferences() {
    QFETCH(QString, kind);
    const Problem problem = makeProblem(kind);
    const Model& model = *problem.model;
    const SquaredError loss(problem.pair.clean.pixels);
    const Vector solution = tightSolution(model, problem.theta);
    const SensitivityMaps maps =
        sensitivityMaps(model, loss, problem.theta, solution, problem.direction);
    QVERIFY(!maps.cancelled);
    QVERIFY(maps.sensitivityTermination == Termination::Converged);
    QCOMPARE(maps.sensitivity.rows, model.rows());
    QCOMPARE(maps.sensitivity.cols, model.cols());
    QCOMPARE(maps.direction.norm(), 1.0);

    const double h = 1e-5;
    const Vector plus = tightSolution(model, problem.theta + h * maps.direction);
    const Vector minus = tightSolution(model, problem.theta - h * maps.direction);
    const Vector difference = (plus - minus) / (2.0 * h);
    const double error = test::relativeError(maps.sensitivity.pixels, difference);
    QVERIFY2(error < 1e-5, qPrintable(QString("%1: relative error %2, ‖s‖ = %3")
                                          .arg(kind)
                                          .arg(error)
                                          .arg(difference.norm())));
  }

  // For Quadratic, x̂*_k(λ) = ŷ_k / (1 + λμ_k) in the DCT basis, so ∂x̂*_k/∂λ = −μ_k ŷ_k / (1 +
  // λμ_k)².
  void quadraticSensitivityMatchesTheClosedForm() {
    const Problem problem = makeProblem("quadratic");
    const Model& model = *problem.model;
    const double lambda = problem.theta[0];
    const SquaredError loss(problem.pair.clean.pixels);
    const Vector solution = static_cast<const Quadratic&>(model).closedFormSolution(lambda);
    const SensitivityMaps maps = sensitivityMaps(model, loss, problem.theta, solution, {});

    const FiniteDifferenceGradient gradient(model.rows(), model.cols());
    const Vector yHat = dct2(model.initialPoint(), model.rows(), model.cols());
    Vector derivativeHat(yHat.size());
    for (int i = 0; i < model.rows(); ++i) {
      for (int j = 0; j < model.cols(); ++j) {
        const Eigen::Index k = Eigen::Index(i) * model.cols() + j;
        const double mu = gradient.normalEigenvalue(i, j);
        derivativeHat[k] = -mu * yHat[k] / std::pow(1.0 + lambda * mu, 2);
      }
    }
    const Vector exact = idct2(derivativeHat, model.rows(), model.cols());
    const double error = test::relativeError(maps.sensitivity.pixels, exact);
    QVERIFY2(error < 1e-8, qPrintable(QString("relative error %1").arg(error)));
    // The derivative sequence's reference J*v is the same quantity.
    const DerivativeSequence sequence =
        derivativeSequence(model, problem.theta, solution, {}, {.iterations = 0});
    QVERIFY(test::relativeError(sequence.solutionTangent, exact) < 1e-8);
    // And contracted with ∂_xL it is the closed-form hypergradient.
    const double closedForm =
        static_cast<const Quadratic&>(model).closedFormHypergradient(lambda, loss.clean());
    const double contracted = (solution - loss.clean()).dot(maps.sensitivity.pixels);
    QVERIFY(std::abs(contracted - closedForm) <= 1e-8 * std::abs(closedForm));
  }

  // H(x*) a = ∂_xL(x*) to 1e-8, and the adjoint and the sensitivity are dual:
  // ⟨∂_xL, s⟩ = −⟨(∂²_θxE) a, v⟩, so both give the same directional hypergradient.
  void adjointSolvesTheAdjointSystemAndIsDualToTheSensitivity_data() {
    addProblemRows({"quadratic", "huber-tv", "huber-tv-map"});
  }
  void adjointSolvesTheAdjointSystemAndIsDualToTheSensitivity() {
    QFETCH(QString, kind);
    const Problem problem = makeProblem(kind);
    const Model& model = *problem.model;
    const SquaredError loss(problem.pair.clean.pixels);
    const Vector solution = tightSolution(model, problem.theta);
    const SensitivityMaps maps =
        sensitivityMaps(model, loss, problem.theta, solution, problem.direction);
    QVERIFY(maps.adjointTermination == Termination::Converged);
    QCOMPARE(maps.adjoint.rows, model.rows());
    QCOMPARE(maps.adjointResidualHistory.front(), 1.0);
    QVERIFY(maps.adjointResidualHistory.back() <= 1e-10);
    QVERIFY(maps.sensitivityResidualHistory.back() <= 1e-10);

    const Eigen::Index n = model.variableCount();
    Vector rhs(n), product(n), mixed(problem.theta.size());
    loss.gradientX(solution, problem.theta, rhs);
    model.hessianVectorProduct(solution, problem.theta, maps.adjoint.pixels, product);
    const double residual = (product - rhs).norm() / rhs.norm();
    QVERIFY2(residual <= 1e-8, qPrintable(QString("‖Ha − ∂_xL‖/‖∂_xL‖ = %1").arg(residual)));

    model.mixedProduct(solution, problem.theta, maps.adjoint.pixels, mixed);
    const double forward = rhs.dot(maps.sensitivity.pixels);
    const double reverse = -mixed.dot(maps.direction);
    QVERIFY2(std::abs(forward - reverse) <= 1e-8 * std::abs(reverse),
             qPrintable(QString("⟨∂_xL, s⟩ = %1, −⟨∂²_θxE a, v⟩ = %2").arg(forward).arg(reverse)));
  }

  // Both derivative sequences start at 1 (J_0 = 0), fall below 1e-6 and stay there. FPAD's is
  // linear with the double root ρ = 1 − √(μ/L) of its slowest mode, so from any n₁ on it lies
  // under the envelope e_{n₁} ((n+1)/(n₁+1)) ρ^{n−n₁} (seed 004), here with 10% slack for the
  // transient of the faster modes and checked above the CG floor of J*v.
  void derivativeSequencesConverge_data() { addProblemRows({"quadratic", "huber-tv"}); }
  void derivativeSequencesConverge() {
    QFETCH(QString, kind);
    const Problem problem = makeProblem(kind);
    const Model& model = *problem.model;
    const Vector solution = tightSolution(model, problem.theta);
    const DerivativeSequence sequence =
        derivativeSequence(model, problem.theta, solution, problem.direction, {});
    QVERIFY(!sequence.cancelled);
    QCOMPARE(int(sequence.unrolled.size()), 301);
    QCOMPARE(int(sequence.fpad.size()), 301);
    QCOMPARE(sequence.unrolled.front(), 1.0);
    QCOMPARE(sequence.fpad.front(), 1.0);
    const double rho = sequence.contractionRate;
    QCOMPARE(rho, 1.0 - std::sqrt(model.strongConvexityBound(problem.theta) /
                                  model.gradientLipschitzBound(problem.theta)));

    const auto firstBelow = [](const std::vector<double>& e, double level) {
      for (std::size_t n = 0; n < e.size(); ++n)
        if (e[n] < level) return int(n);
      return -1;
    };
    for (const auto* e : {&sequence.unrolled, &sequence.fpad}) {
      const int reached = firstBelow(*e, 1e-6);
      QVERIFY2(reached > 0, qPrintable(QString("final error %1").arg(e->back())));
      for (std::size_t n = reached; n < e->size(); ++n)
        QVERIFY2((*e)[n] < 1e-6, qPrintable(QString("n = %1: %2").arg(n).arg((*e)[n])));
    }

    const std::vector<double>& e = sequence.fpad;
    const int n1 = firstBelow(e, 1e-2);
    const int n2 = firstBelow(e, 1e-8);
    QVERIFY(n1 > 0 && n2 > n1);
    for (int n = n1; n <= n2; ++n) {
      const double envelope = e[n1] * double(n + 1) / double(n1 + 1) * std::pow(rho, n - n1);
      QVERIFY2(
          e[n] <= 1.1 * envelope,
          qPrintable(QString("n = %1: %2 above the envelope %3").arg(n).arg(e[n]).arg(envelope)));
    }
    const double fpadRate = std::pow(e[n2] / e[n1], 1.0 / (n2 - n1));
    const int u1 = firstBelow(sequence.unrolled, 1e-2), u2 = firstBelow(sequence.unrolled, 1e-8);
    const double unrolledRate =
        u2 > u1 && u1 >= 0
            ? std::pow(sequence.unrolled[u2] / sequence.unrolled[u1], 1.0 / (u2 - u1))
            : std::nan("");
    qInfo(
        "%s: ρ = %.4f; FPAD rate %.4f (1e-2 at n = %d, 1e-8 at n = %d); unrolled rate %.4f "
        "(1e-2 at n = %d, 1e-8 at n = %d); final %.2e / %.2e",
        qPrintable(kind), rho, fpadRate, n1, n2, unrolledRate, u1, u2, sequence.unrolled.back(),
        e.back());
  }

  // The unrolled tangent is the derivative of the map `forward` differentiates: with
  // solver.iterations = K, ∇U·v = (J_K v)ᵀ ∂_xL(x_K) + ∂_θL·v. The short runs are far from
  // converged (the check would be vacuous at x*); K = 300 is the default length.
  void unrolledTangentMatchesForwardMode_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("steps");
    QTest::newRow("quadratic K=8") << "quadratic" << 8;
    QTest::newRow("huber-tv K=30") << "huber-tv" << 30;
    QTest::newRow("huber-tv K=300") << "huber-tv" << 300;
    QTest::newRow("huber-tv-map K=30") << "huber-tv-map" << 30;
  }
  void unrolledTangentMatchesForwardMode() {
    QFETCH(QString, kind);
    QFETCH(int, steps);
    const Problem problem = makeProblem(kind);
    const Model& model = *problem.model;
    const SquaredError loss(problem.pair.clean.pixels);
    const Vector solution = tightSolution(model, problem.theta);
    const DerivativeSequence sequence = derivativeSequence(
        model, problem.theta, solution, problem.direction, {.iterations = steps});
    QCOMPARE(int(sequence.unrolled.size()), steps + 1);
    QVERIFY(std::abs(test::relativeError(sequence.unrolledTangent, sequence.solutionTangent) -
                     sequence.unrolled.back()) <= 1e-12);
    if (steps < 300) QVERIFY(sequence.unrolled.back() > 1e-3);

    AcceleratedGradient solver;
    SolveOptions solve;
    solve.fixedIterations = steps;
    const BilevelProblem bilevel{model, loss, solver, solve};
    Vector xK = model.initialPoint(), gradient(problem.theta.size());
    const auto summary =
        makeHypergradientMethod("forward", {})->evaluate(bilevel, problem.theta, xK, gradient);
    QCOMPARE(summary.inner.iterations, steps);
    Vector dLdx(xK.size()), dLdtheta(problem.theta.size());
    loss.gradientX(xK, problem.theta, dLdx);
    loss.gradientTheta(xK, problem.theta, dLdtheta);
    const double fromSequence =
        sequence.unrolledTangent.dot(dLdx) + dLdtheta.dot(sequence.direction);
    const double fromForward = gradient.dot(sequence.direction);
    QVERIFY2(std::abs(fromSequence - fromForward) <= 1e-8 * std::abs(fromForward),
             qPrintable(QString("%1 vs forward %2")
                            .arg(fromSequence, 0, 'g', 15)
                            .arg(fromForward, 0, 'g', 15)));
  }

  // On Quadratic the thresholds of tst_hypergradients hold row by row: the reference within 1e-6
  // of the closed form, every exact method within 1e-7 of it (so within about 1e-6 of the
  // reference), and the approximate ones at least finite.
  void methodAgreementOnQuadratic() {
    const Problem problem = makeProblem("quadratic");
    const Model& model = *problem.model;
    const SquaredError loss(problem.pair.clean.pixels);
    AcceleratedGradient solver;
    const BilevelProblem bilevel{model, loss, solver, test::tightSolve()};
    std::vector<std::string> seen;
    const MethodAgreementReport report = compareHypergradientMethods(
        bilevel, problem.theta, model.initialPoint(), test::tightHypergradient(), {}, nullptr,
        [&](const MethodAgreementRow& row) { seen.push_back(row.method); });
    QVERIFY(!report.cancelled);
    QVERIFY(seen == hypergradientMethodNames());
    QCOMPARE(report.rows.size(), hypergradientMethodNames().size());

    const double exact = static_cast<const Quadratic&>(model).closedFormHypergradient(
        problem.theta[0], loss.clean());
    QVERIFY(std::abs(report.reference[0] - exact) <= 1e-6 * std::abs(exact));
    QVERIFY(report.referenceSummary.usable());
    for (const MethodAgreementRow& row : report.rows) {
      const auto method = makeHypergradientMethod(row.method, {});
      QCOMPARE(row.description, method->description());
      // A method of the other kind of lower level (implicit-manifold) is refused, naming the
      // model; every other one must work.
      const bool differentiates =
          registry::method(row.method).differentiates(registry::model(model.name()).kind);
      QCOMPARE(row.refusal.empty(), differentiates);
      if (!differentiates) {
        QVERIFY(row.summary.termination == Termination::Unsupported);
        QVERIFY2(row.refusal.find(row.method) != std::string::npos, row.refusal.c_str());
        QVERIFY2(row.refusal.find("quadratic is smooth") != std::string::npos, row.refusal.c_str());
        continue;
      }
      QCOMPARE(row.summary.method, row.method);
      QVERIFY(row.gradient.allFinite());
      QCOMPARE(row.hypergradientNorm, row.gradient.norm());
      QVERIFY(row.seconds >= 0.0);
      const QString message = QString("%1: relative error %2, cosine %3")
                                  .arg(row.method.c_str())
                                  .arg(row.relativeError)
                                  .arg(row.cosine, 0, 'g', 15);
      if (row.method == "jacobian-free" || row.method == "shine") continue;
      QVERIFY2(row.summary.usable(), qPrintable(message));
      const double tolerance = row.method == "finite-difference" ? 1e-6 : 1e-7;
      QVERIFY2(std::abs(row.gradient[0] - exact) <= tolerance * std::abs(exact),
               qPrintable(message));
      QVERIFY2(row.relativeError <= 1.1e-6, qPrintable(message));
      QVERIFY2(row.cosine == 1.0, qPrintable(message));  // one parameter: the sign
    }
    QCOMPARE(report.rows.back().method, std::string("finite-difference"));
    QCOMPARE(report.rows.back().relativeError, 0.0);
    // The reference's error estimate (the spread of steps h and 2h) is at most about the
    // reference's distance to the closed form's scale, and every row carries it.
    QVERIFY(report.referenceError > 0.0);
    QVERIFY(report.referenceError <= 1e-6 * std::abs(exact));
    for (const MethodAgreementRow& row : report.rows)
      if (row.refusal.empty()) QCOMPARE(row.referenceError, report.referenceError);
  }

  // At a stationary point of U (issue 10 §6) ∇U is as small as the reference's own error: the
  // relative error of an exact method is then of order one, but its absolute error stays within
  // the reference's estimated error, which is what the studio judges by there.
  void atAStationaryPointExactMethodsAgreeWithinTheReferenceError() {
    const Problem problem = makeProblem("quadratic");
    const auto& model = static_cast<const Quadratic&>(*problem.model);
    const SquaredError loss(problem.pair.clean.pixels);
    // λ* by bisection on the closed-form hypergradient (U is convex along λ here).
    double low = 1e-3, high = 10.0;
    QVERIFY(model.closedFormHypergradient(low, loss.clean()) < 0.0);
    QVERIFY(model.closedFormHypergradient(high, loss.clean()) > 0.0);
    for (int i = 0; i < 200; ++i) {
      const double mid = std::sqrt(low * high);
      (model.closedFormHypergradient(mid, loss.clean()) < 0.0 ? low : high) = mid;
    }
    AcceleratedGradient solver;
    const BilevelProblem bilevel{model, loss, solver, test::tightSolve()};
    const MethodAgreementReport report = compareHypergradientMethods(
        bilevel, Vector::Constant(1, low), model.initialPoint(), test::tightHypergradient(),
        {"implicit-cg", "finite-difference"});
    const double referenceNorm = report.reference.norm();
    QVERIFY2(
        referenceNorm <= 10.0 * report.referenceError,
        qPrintable(QString("‖g_FD‖ %1, error %2").arg(referenceNorm).arg(report.referenceError)));
    const MethodAgreementRow& exact = report.rows.front();
    QVERIFY2(exact.absoluteError <= 3.0 * report.referenceError,
             qPrintable(QString("absolute error %1, reference error %2")
                            .arg(exact.absoluteError)
                            .arg(report.referenceError)));
  }

  void methodSubsetKeepsItsOrder() {
    const Problem problem = makeProblem("huber-tv");
    const SquaredError loss(problem.pair.clean.pixels);
    AcceleratedGradient solver;
    const BilevelProblem bilevel{*problem.model, loss, solver, test::tightSolve()};
    const MethodAgreementReport report =
        compareHypergradientMethods(bilevel, problem.theta, problem.model->initialPoint(),
                                    test::tightHypergradient(), {"fpad", "implicit-cg"});
    QCOMPARE(report.rows.size(), std::size_t(2));
    QCOMPARE(report.rows[0].method, std::string("fpad"));
    QCOMPARE(report.rows[1].method, std::string("implicit-cg"));
    for (const auto& row : report.rows)
      QVERIFY2(row.relativeError <= 1e-5, row.method.c_str());
  }

  void unknownMethodIsAUsageErrorBeforeAnyWork() {
    const Problem problem = makeProblem("huber-tv");
    const CountingModel model(*problem.model);
    const SquaredError loss(problem.pair.clean.pixels);
    AcceleratedGradient solver;
    const BilevelProblem bilevel{model, loss, solver, {}};
    int rows = 0;
    QVERIFY(test::isUsageError([&] {
      compareHypergradientMethods(bilevel, problem.theta, model.initialPoint(), {},
                                  {"implicit-cg", "newton"}, nullptr,
                                  [&](const MethodAgreementRow&) { ++rows; });
    }));
    QCOMPARE(rows, 0);
    QCOMPARE(model.calls, 0);
  }

  void badArgumentsAreUsageErrors() {
    const Problem problem = makeProblem("huber-tv-map");
    const Model& model = *problem.model;
    const SquaredError loss(problem.pair.clean.pixels);
    const Vector& x = model.initialPoint();
    QVERIFY(test::isUsageError(
        [&] { derivativeSequence(model, problem.theta, x, Vector::Ones(3), {}); }));
    QVERIFY(test::isUsageError([&] {
      derivativeSequence(model, problem.theta, x, Vector::Zero(problem.theta.size()), {});
    }));
    QVERIFY(test::isUsageError(
        [&] { derivativeSequence(model, problem.theta, Vector::Zero(5), {}, {}); }));
    QVERIFY(test::isUsageError(
        [&] { derivativeSequence(model, problem.theta, x, {}, {.iterations = -1}); }));
    QVERIFY(test::isUsageError([&] { sensitivityMaps(model, loss, Vector::Ones(2), x, {}); }));
    QVERIFY(test::isUsageError([&] { sensitivityMaps(model, loss, problem.theta, x, {}, 0.0); }));
  }

  // A flag raised beforehand stops every diagnostic after at most a handful of evaluations (the
  // solvers' reference gradient), and a flag raised by onRow stops the table after that row.
  void cancellationIsReportedQuickly() {
    const Problem problem = makeProblem("huber-tv");
    const CountingModel model(*problem.model);
    const SquaredError loss(problem.pair.clean.pixels);
    AcceleratedGradient solver;
    const BilevelProblem bilevel{model, loss, solver, test::tightSolve()};
    CancellationFlag flag;
    flag.cancel();

    int rows = 0;
    const MethodAgreementReport report =
        compareHypergradientMethods(bilevel, problem.theta, model.initialPoint(), {}, {}, &flag,
                                    [&](const MethodAgreementRow&) { ++rows; });
    QVERIFY(report.cancelled);
    QVERIFY(report.rows.empty());
    QCOMPARE(rows, 0);
    QVERIFY2(model.calls <= 4, qPrintable(QString("%1 evaluations").arg(model.calls)));

    model.calls = 0;
    const Vector& x = model.initialPoint();
    const DerivativeSequence sequence = derivativeSequence(model, problem.theta, x, {}, {}, &flag);
    QVERIFY(sequence.cancelled);
    QVERIFY(sequence.unrolled.empty() && sequence.fpad.empty());
    const SensitivityMaps maps =
        sensitivityMaps(model, loss, problem.theta, x, {}, 1e-10, 5000, &flag);
    QVERIFY(maps.cancelled);
    QCOMPARE(maps.sensitivity.size(), Eigen::Index(0));
    QCOMPARE(model.calls, 0);

    flag.reset();
    const MethodAgreementReport partial = compareHypergradientMethods(
        bilevel, problem.theta, model.initialPoint(), {}, {"jacobian-free", "implicit-cg"}, &flag,
        [&](const MethodAgreementRow&) { flag.cancel(); });
    QVERIFY(partial.cancelled);
    QCOMPARE(partial.rows.size(), std::size_t(1));
    QCOMPARE(partial.rows.front().method, std::string("jacobian-free"));
  }
};

QTEST_APPLESS_MAIN(TestDiagnostics)
#include "tst_diagnostics.moc"
