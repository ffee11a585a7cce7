#include <QtTest>

#include <functional>
#include <memory>

#include "../TestErrors.h"
#include "../TestProblems.h"
#include "common/Error.h"
#include "diagnostics/DerivativeSequence.h"
#include "diagnostics/JacobianDiagnostics.h"
#include "diagnostics/MethodAgreement.h"
#include "iterations/AcceleratedGradientMap.h"
#include "iterations/GradientDescentMap.h"
#include "learning/ModelFactory.h"
#include "losses/SquaredError.h"
#include "registry/Registry.h"
#include "solvers/AcceleratedGradient.h"
#include "solvers/InnerGradientDescent.h"
#include "solvers/Lbfgs.h"

using namespace bilevel;

namespace {

// Forwards to a model but reports the bounds L and μ at a fixed θ₀: the maps treat τ = 1/L and β as
// constants (no derivative through L(θ)), so finite differences in θ of the step or of K solver
// steps match the maps' A_θ only when the constants do not move with θ.
class FrozenBoundsModel final : public Model {
 public:
  FrozenBoundsModel(const Model& inner, const Vector& theta0)
      : inner_(inner),
        lipschitz_(inner.gradientLipschitzBound(theta0)),
        mu_(inner.strongConvexityBound(theta0)) {}
  std::string name() const override { return inner_.name(); }
  const ParameterLayout& parameterLayout() const override { return inner_.parameterLayout(); }
  int rows() const override { return inner_.rows(); }
  int cols() const override { return inner_.cols(); }
  const Vector& initialPoint() const override { return inner_.initialPoint(); }
  double energy(const Vector& x, const Vector& theta) const override {
    return inner_.energy(x, theta);
  }
  double energyAndGradient(const Vector& x, const Vector& theta, Vector& g) const override {
    return inner_.energyAndGradient(x, theta, g);
  }
  void hessianVectorProduct(const Vector& x, const Vector& theta, const Vector& v,
                            Vector& out) const override {
    inner_.hessianVectorProduct(x, theta, v, out);
  }
  void mixedProduct(const Vector& x, const Vector& theta, const Vector& v,
                    Vector& out) const override {
    inner_.mixedProduct(x, theta, v, out);
  }
  void mixedTransposeProduct(const Vector& x, const Vector& theta, const Vector& dtheta,
                             Vector& out) const override {
    inner_.mixedTransposeProduct(x, theta, dtheta, out);
  }
  double gradientLipschitzBound(const Vector&) const override { return lipschitz_; }
  double strongConvexityBound(const Vector&) const override { return mu_; }
  Vector defaultParameters() const override { return inner_.defaultParameters(); }

 private:
  const Model& inner_;
  double lipschitz_, mu_;
};

// Quadratic (λ = 0.8) and Huber-TV with a 4×5 weight map (ε = 0.05, θ off its uniform default),
// 24×24: a smooth energy and one with curvature that varies with x and θ.
struct Problem {
  test::BenchmarkPair pair = test::benchmarkPair(24);
  std::unique_ptr<Model> base;
  std::unique_ptr<Model> model;  // base with frozen bounds
  Vector theta;
};

std::unique_ptr<Problem> makeProblem(const QString& kind) {
  auto problem = std::make_unique<Problem>();
  if (kind == "quadratic") {
    problem->base = std::make_unique<Quadratic>(problem->pair.noisy, 0.8);
    problem->theta = problem->base->defaultParameters();
  } else {
    HuberTV::Options options = test::huberOptions(true);
    options.epsilon = 0.05;
    problem->base = std::make_unique<HuberTV>(problem->pair.noisy, options);
    problem->theta = problem->base->defaultParameters() +
                     test::randomVector(problem->base->parameterCount(), 7, 0.01).cwiseAbs();
  }
  problem->model = std::make_unique<FrozenBoundsModel>(*problem->base, problem->theta);
  return problem;
}

std::unique_ptr<IterationMap> makeMap(const QString& solver, const Model& model,
                                      const Vector& theta) {
  if (solver == "gradient-descent") return std::make_unique<GradientDescentMap>(model, theta);
  return std::make_unique<AcceleratedGradientMap>(model, theta);
}

// A state away from the fixed point: every part the noisy image plus its own perturbation.
IterationState randomState(const IterationMap& map, unsigned seed, double scale) {
  IterationState z = map.makeState();
  for (int i = 0; i < z.partCount(); ++i)
    z.part(i) = map.model().initialPoint() + test::randomVector(z.part(i).size(), seed + i, scale);
  return z;
}

void addMapRows() {
  QTest::addColumn<QString>("solver");
  QTest::addColumn<QString>("kind");
  for (const QString solver : {"accelerated-gradient", "gradient-descent"}) {
    for (const QString kind : {"quadratic", "huber-tv-map"})
      QTest::newRow(qPrintable(solver + " " + kind)) << solver << kind;
  }
}

const QStringList kSolvers = {"accelerated-gradient", "gradient-descent", "lbfgs"};

std::unique_ptr<InnerSolver> solverNamed(const QString& name) {
  return makeInnerSolver(name.toStdString());
}

}  // namespace

class TestIterationMaps : public QObject {
  Q_OBJECT
 private slots:
  // The four products against central differences of the step A(z, θ) in double, h = 1e-6:
  // A_z v against (A(z + hv) − A(z − hv))/2h, A_θ dθ against the same in θ (bounds frozen), and
  // the transposes by ⟨w, A_z v⟩ = ⟨A_zᵀ w, v⟩, ⟨w, A_θ dθ⟩ = ⟨A_θᵀ w, dθ⟩; tangentProduct is
  // their sum.
  void productsMatchFiniteDifferences_data() { addMapRows(); }
  void productsMatchFiniteDifferences() {
    QFETCH(QString, solver);
    QFETCH(QString, kind);
    const auto problem = makeProblem(kind);
    const Model& model = *problem->model;
    const Vector& theta = problem->theta;
    const auto map = makeMap(solver, model, theta);
    QCOMPARE(QString::fromStdString(map->name()), solver);
    const IterationState z = randomState(*map, 1, 0.05);
    IterationState v = randomState(*map, 20, 1.0), w = randomState(*map, 40, 1.0);
    for (int i = 0; i < v.partCount(); ++i) {
      v.part(i) -= model.initialPoint();
      w.part(i) -= model.initialPoint();
    }
    const Vector dtheta = test::randomVector(theta.size(), 60);
    const double h = 1e-6;

    IterationState plus = map->makeState(), minus = map->makeState(), shifted = z;
    shifted.addScaled(h, v);
    map->step(0, shifted, plus);
    shifted = z;
    shifted.addScaled(-h, v);
    map->step(0, shifted, minus);
    const Vector differenceZ = (plus.flattened() - minus.flattened()) / (2.0 * h);

    Vector thetaShifted = theta + h * dtheta;
    makeMap(solver, model, thetaShifted)->step(0, z, plus);
    thetaShifted = theta - h * dtheta;
    makeMap(solver, model, thetaShifted)->step(0, z, minus);
    const Vector differenceTheta = (plus.flattened() - minus.flattened()) / (2.0 * h);

    map->linearize(0, z);
    IterationState stateOut = map->makeState(), parameterOut = map->makeState(),
                   transposeOut = map->makeState(), tangentOut = map->makeState();
    Vector thetaOut(theta.size());
    map->stateProduct(v, stateOut);
    map->parameterProduct(dtheta, parameterOut);
    map->stateTransposeProduct(w, transposeOut);
    map->parameterTransposeProduct(w, thetaOut);
    map->tangentProduct(v, dtheta, tangentOut);

    const double stateError = test::relativeError(stateOut.flattened(), differenceZ);
    const double parameterError = test::relativeError(parameterOut.flattened(), differenceTheta);
    QVERIFY2(stateError <= 1e-7, qPrintable(QString("A_z v: relative error %1").arg(stateError)));
    QVERIFY2(parameterError <= 1e-7,
             qPrintable(QString("A_θ dθ: relative error %1").arg(parameterError)));
    const double forward = w.dot(stateOut), reverse = transposeOut.dot(v);
    QVERIFY2(std::abs(forward - reverse) <= 1e-12 * std::abs(forward),
             qPrintable(QString("⟨w, A_z v⟩ = %1, ⟨A_zᵀ w, v⟩ = %2").arg(forward).arg(reverse)));
    const double forwardTheta = w.dot(parameterOut), reverseTheta = thetaOut.dot(dtheta);
    QVERIFY2(
        std::abs(forwardTheta - reverseTheta) <= 1e-12 * std::abs(forwardTheta),
        qPrintable(
            QString("⟨w, A_θ dθ⟩ = %1, ⟨A_θᵀ w, dθ⟩ = %2").arg(forwardTheta).arg(reverseTheta)));
    stateOut += parameterOut;
    QVERIFY(test::relativeError(tangentOut.flattened(), stateOut.flattened()) <= 1e-14);
  }

  // The fixed-point state of x* is a fixed point of the step, x = P z reads the iterate and
  // Pᵀ embeds it: ⟨P z, x̄⟩ = ⟨z, Pᵀ x̄⟩.
  void fixedPointAndPrimalPart_data() { addMapRows(); }
  void fixedPointAndPrimalPart() {
    QFETCH(QString, solver);
    QFETCH(QString, kind);
    const auto problem = makeProblem(kind);
    const Model& model = *problem->model;
    const auto map = makeMap(solver, model, problem->theta);
    Vector solution = model.initialPoint();
    AcceleratedGradient().solve(model, problem->theta, solution, test::tightSolve());
    IterationState fixed = map->makeState(), next = map->makeState();
    map->fixedPoint(solution, fixed);
    const double measure = map->step(0, fixed, next);
    QVERIFY(measure <= 1e-9 * map->stoppingReference());
    QVERIFY(test::relativeError(next.flattened(), fixed.flattened()) <= 1e-12);

    const IterationState z = randomState(*map, 3, 0.1);
    Vector x(model.variableCount());
    map->primal(z, x);
    QCOMPARE(x, z.part(0));
    const Vector xBar = test::randomVector(x.size(), 5);
    IterationState zBar = map->makeState();
    map->primalAdjoint(xBar, zBar);
    QVERIFY(std::abs(x.dot(xBar) - z.dot(zBar)) <= 1e-12 * std::abs(x.dot(xBar)));
  }

  // `unrolled` with the gradient-descent solver unrolls gradient descent: its K-step gradient is
  // the finite difference of U_K(θ) = L(x_K(θ)) with x_K from K InnerGradientDescent steps (bounds
  // frozen, so τ does not move with θ), and it differs from the accelerated-gradient one.
  void unrolledDifferentiatesTheSolversIterations() {
    const auto problem = makeProblem("huber-tv-map");
    const Model& model = *problem->model;
    const Vector& theta = problem->theta;
    const SquaredError loss(problem->pair.clean.pixels);
    const int steps = 25;
    SolveOptions solve;
    solve.fixedIterations = steps;
    solve.recordTrace = false;
    const auto gradientFor = [&](const InnerSolver& solver, const std::string& method) {
      const BilevelProblem bilevel{model, loss, solver, solve};
      Vector x = model.initialPoint(), gradient(theta.size());
      const auto summary =
          makeHypergradientMethod(method, {})->evaluate(bilevel, theta, x, gradient);
      [&] { QCOMPARE(summary.inner.iterations, steps); }();
      return gradient;
    };
    const InnerGradientDescent descent;
    const Vector unrolled = gradientFor(descent, "unrolled");
    const Vector forward = gradientFor(descent, "forward");
    const Vector accelerated = gradientFor(AcceleratedGradient(), "unrolled");
    QVERIFY(test::relativeError(forward, unrolled) <= 1e-10);
    QVERIFY(test::relativeError(accelerated, unrolled) > 1e-2);

    const Vector direction = test::randomVector(theta.size(), 9);
    const double h = 1e-6;
    const auto lossAt = [&](double t) {
      const Vector shifted = theta + t * direction;
      Vector x = model.initialPoint();
      descent.solve(model, shifted, x, solve);
      return loss.value(x, shifted);
    };
    const double difference = (lossAt(h) - lossAt(-h)) / (2.0 * h);
    const double directional = unrolled.dot(direction);
    QVERIFY2(std::abs(difference - directional) <= 1e-7 * std::abs(directional),
             qPrintable(QString("unrolled %1, finite difference %2")
                            .arg(directional, 0, 'g', 15)
                            .arg(difference, 0, 'g', 15)));
  }

  // The inner gradient-descent solver converges to the accelerated solver's x*.
  void gradientDescentSolverConverges() {
    const auto problem = makeProblem("huber-tv-map");
    const Model& model = *problem->base;
    Vector descent = model.initialPoint(), accelerated = descent;
    const SolveSummary summary =
        InnerGradientDescent().solve(model, problem->theta, descent, test::tightSolve());
    QVERIFY(summary.termination == Termination::Converged);
    QVERIFY(summary.relativeGradientNorm <= 1e-11);
    AcceleratedGradient().solve(model, problem->theta, accelerated, test::tightSolve());
    QVERIFY(test::relativeError(descent, accelerated) <= 1e-9);
  }

  // Every method × solver pair on Quadratic either works and agrees with the closed form (the
  // exact methods to 1e-7; jacobian-free and shine approximate by design and are only finite), or
  // is refused with a sentence naming the method and the solver, by supports(), by evaluate()
  // (Error(Usage)), by the configuration (the same sentence) and as a row of the agreement table.
  void everyMethodAndSolverPairWorksOrIsRefused_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("solver");
    for (const auto& method : hypergradientMethodNames()) {
      for (const auto& solver : kSolvers) {
        QTest::newRow(qPrintable(QString::fromStdString(method) + " × " + solver))
            << QString::fromStdString(method) << solver;
      }
    }
  }
  void everyMethodAndSolverPairWorksOrIsRefused() {
    QFETCH(QString, method);
    QFETCH(QString, solver);
    const auto pair = test::benchmarkPair(24);
    const double lambda = 0.8;
    const Quadratic model(pair.noisy, lambda);
    const SquaredError loss(pair.clean.pixels);
    const Vector theta = Vector::Constant(1, lambda);
    const auto inner = solverNamed(solver);
    const BilevelProblem problem{model, loss, *inner, test::tightSolve()};
    const auto instance = makeHypergradientMethod(method.toStdString(), test::tightHypergradient());
    std::string why;
    const bool supported = instance->supports(problem, &why);
    QCOMPARE(inner->hasIterationMap(), inner->iterationMap(model, theta) != nullptr);

    Configuration configuration;
    const std::string assignments[] = {"model.type=quadratic",
                                       "hypergradient.method=" + method.toStdString(),
                                       "solver.type=" + solver.toStdString()};
    // A refused combination is refused by evaluate() (Error(Usage)), by the configuration with a
    // Usage error whose message names `culprits`, and as a row of the agreement table that gives
    // supports()' reason.
    const auto refusedEverywhere = [&](const std::vector<std::string>& culprits) {
      Vector x = model.initialPoint(), gradient(1);
      QVERIFY(test::isUsageError([&] { instance->evaluate(problem, theta, x, gradient); }));
      try {
        for (const auto& a : assignments)
          configuration.set(a);
        QFAIL("the configuration accepted a refused method, model and solver");
      } catch (const Error& e) {
        QCOMPARE(e.kind(), ErrorKind::Usage);
        for (const std::string& culprit : culprits)
          QVERIFY2(std::string(e.what()).find(culprit) != std::string::npos, e.what());
      }
      const MethodAgreementReport report = compareHypergradientMethods(
          problem, theta, model.initialPoint(), test::tightHypergradient(), {method.toStdString()});
      QCOMPARE(report.rows.size(), std::size_t(1));
      QCOMPARE(report.rows[0].refusal, why);
      QVERIFY(report.rows[0].summary.termination == Termination::Unsupported);
    };
    // A method of the other kind of lower level (implicit-manifold: nonsmooth TV only) refuses the
    // model whatever the solver, and says so naming both; the configuration refuses it too.
    if (!registry::method(method.toStdString())
             .differentiates(registry::model(model.name()).kind)) {
      QVERIFY(!supported);
      QVERIFY2(why.find(method.toStdString()) != std::string::npos, why.c_str());
      QVERIFY2(why.find("quadratic is smooth") != std::string::npos, why.c_str());
      refusedEverywhere({"'" + method.toStdString() + "'", "'quadratic'"});
      return;
    }
    QCOMPARE(supported, instance->supportsSolver(*inner));
    const bool differentiatesIterations =
        method == "unrolled" || method == "forward" || method == "fpad";
    QCOMPARE(supported, !(differentiatesIterations && solver == "lbfgs"));
    if (!supported) {
      QVERIFY2(why.find(method.toStdString()) != std::string::npos, why.c_str());
      QVERIFY2(why.find(solver.toStdString()) != std::string::npos, why.c_str());
      refusedEverywhere({why});
      return;
    }
    QVERIFY(why.empty());
    for (const auto& a : assignments)
      configuration.set(a);
    Vector x = model.initialPoint(), gradient(1);
    const auto summary = instance->evaluate(problem, theta, x, gradient);
    QVERIFY2(summary.usable(), qPrintable(QString::fromStdString(toString(summary.termination))));
    QVERIFY(gradient.allFinite());
    if (method == "jacobian-free" || method == "shine") return;
    const double exact = model.closedFormHypergradient(lambda, pair.clean.pixels);
    const double tolerance = method == "finite-difference" ? 1e-6 : 1e-7;
    QVERIFY2(std::abs(gradient[0] - exact) <= tolerance * std::abs(exact),
             qPrintable(QString("%1 vs closed form %2").arg(gradient[0], 0, 'g', 12).arg(exact)));
  }

  // With gradient descent the methods along the iterations agree with implicit-cg on Huber-TV.
  void gradientDescentMethodsMatchImplicitCg_data() {
    QTest::addColumn<QString>("method");
    for (const QString m : {"unrolled", "forward", "fpad"})
      QTest::newRow(qPrintable(m)) << m;
  }
  void gradientDescentMethodsMatchImplicitCg() {
    QFETCH(QString, method);
    const auto problem = makeProblem("huber-tv-map");
    const Model& model = *problem->base;
    const SquaredError loss(problem->pair.clean.pixels);
    const InnerGradientDescent descent;
    const AcceleratedGradient accelerated;
    const auto gradientFor = [&](const InnerSolver& solver, const std::string& name) {
      const BilevelProblem bilevel{model, loss, solver, test::tightSolve()};
      Vector x = model.initialPoint(), gradient(problem->theta.size());
      makeHypergradientMethod(name, test::tightHypergradient())
          ->evaluate(bilevel, problem->theta, x, gradient);
      return gradient;
    };
    const Vector reference = gradientFor(accelerated, "implicit-cg");
    const double error = test::relativeError(gradientFor(descent, method.toStdString()), reference);
    QVERIFY2(error <= 1e-7, qPrintable(QString("relative error %1").arg(error)));
  }

  // The derivative sequences of the gradient-descent map converge, FPAD's within the envelope of
  // its rate 1 − μ/L; for lbfgs there are none and the reason names the solver.
  void derivativeSequencesFollowTheSolver() {
    const auto problem = makeProblem("quadratic");
    const Model& model = *problem->base;
    Vector solution = model.initialPoint();
    AcceleratedGradient().solve(model, problem->theta, solution, test::tightSolve());
    const DerivativeSequence sequence = derivativeSequence(
        InnerGradientDescent(), model, problem->theta, solution, {}, {.iterations = 200});
    QCOMPARE(sequence.iteration, std::string("gradient-descent"));
    QVERIFY(sequence.unavailable.empty());
    const double rho = 1.0 - model.strongConvexityBound(problem->theta) /
                                 model.gradientLipschitzBound(problem->theta);
    QCOMPARE(sequence.contractionRate, rho);
    QVERIFY(sequence.fpad.back() < 1e-8 && sequence.unrolled.back() < 1e-6);
    for (std::size_t n = 1; n < sequence.fpad.size() && sequence.fpad[n] > 1e-9; ++n)
      QVERIFY2(sequence.fpad[n] <= 1.01 * std::pow(rho, double(n)),
               qPrintable(QString("n = %1: %2").arg(n).arg(sequence.fpad[n])));

    const DerivativeSequence none =
        derivativeSequence(Lbfgs(), model, problem->theta, solution, {}, {});
    QVERIFY(none.unrolled.empty() && none.fpad.empty());
    QVERIFY2(none.unavailable.find("lbfgs") != std::string::npos, none.unavailable.c_str());
  }

  // The studio's diagnostics with lbfgs: the three methods along the iterations are refused rows,
  // the others are numbers, and the derivative sequences say why they are missing.
  void jacobianDiagnosticsWithoutAMapShowRefusals() {
    Configuration c = Configuration::fromPreset("tv-denoise");
    c.merge({{"image", "benchmark:24"}, {"solver", {{"type", "lbfgs"}}}}, "test");
    const TrainingPair pair = loadTrainingPairs(c).front();
    int refused = 0, sequences = 0;
    JacobianDiagnosticsObserver observer;
    observer.row = [&](const MethodAgreementRow& row) {
      const bool alongIterations =
          row.method == "unrolled" || row.method == "forward" || row.method == "fpad";
      // implicit-manifold refuses the smooth model (whatever the solver), naming it.
      if (!registry::method(row.method).differentiates(registry::LowerLevelKind::Smooth)) {
        QVERIFY2(row.refusal.find("huber-tv is smooth") != std::string::npos, row.refusal.c_str());
        return;
      }
      QCOMPARE(!row.refusal.empty(), alongIterations);
      if (alongIterations) {
        ++refused;
      } else if (row.method == "implicit-cg") {
        QVERIFY(row.relativeError < 1e-5);
      }
    };
    observer.sequence = [&](const DerivativeSequence& s) {
      ++sequences;
      QVERIFY(s.unrolled.empty() && s.fpad.empty());
      QVERIFY2(s.unavailable.find("lbfgs") != std::string::npos, s.unavailable.c_str());
    };
    QVERIFY(runJacobianDiagnostics(c, pair, {}, {}, observer));
    QCOMPARE(refused, 3);
    QCOMPARE(sequences, 1);
  }
};

QTEST_APPLESS_MAIN(TestIterationMaps)
#include "tst_iteration_maps.moc"
