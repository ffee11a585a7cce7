#include <QRegularExpression>
#include <QtTest>

#include "../TestProblems.h"
#include "common/Error.h"
#include "diagnostics/DirectionalAgreement.h"
#include "diagnostics/HessianSpectrum.h"
#include "hypergradients/HypergradientMethod.h"
#include "losses/SquaredError.h"
#include "models/FieldsOfExperts.h"
#include "solvers/AcceleratedGradient.h"
#include "solvers/ConjugateGradient.h"
#include "solvers/InnerGradientDescent.h"
#include "solvers/Lbfgs.h"

using namespace bilevel;

namespace {

// A 20×17 noisy image, 3 filters of 3×3 (p = 3 + 3·8 = 27): small enough that a tight solve takes
// milliseconds, with every block of θ (ν and ϑ) and the non-convex penalty at work.
struct Problem {
  Image clean;
  std::unique_ptr<FieldsOfExperts> model;
  std::unique_ptr<SquaredError> loss;
  Vector theta;
};

Problem makeProblem(PenaltyKind penalty) {
  Problem p;
  p.clean = Image(20, 17);
  for (int r = 0; r < 20; ++r) {
    for (int c = 0; c < 17; ++c)
      p.clean.at(r, c) = (r < 9) != (c < 8) ? 0.8 : 0.2;
  }
  Image noisy = p.clean;
  noisy.pixels += test::randomVector(noisy.size(), 17, 0.1);
  FieldsOfExperts::Options options;
  options.filters = 3;
  options.filterSize = 3;
  options.penalty = penalty;
  options.nu = 0.02;
  options.initialNorm = 5.0;
  p.model = std::make_unique<FieldsOfExperts>(noisy, options);
  p.loss = std::make_unique<SquaredError>(p.clean.pixels);
  p.theta = p.model->defaultParameters();
  p.theta.tail(24) += test::randomVector(24, 18, 1.0);
  return p;
}

// U(θ) with a solve to 1e-13 (L-BFGS from the noisy image).
double upperLoss(const Problem& p, const Vector& theta) {
  Lbfgs solver;
  SolveOptions solve = test::tightSolve();
  solve.tolerance = 1e-13;
  Vector x = p.model->initialPoint();
  const auto summary = solver.solve(*p.model, theta, x, solve);
  if (summary.termination != Termination::Converged) return std::nan("");
  return p.loss->value(x, theta);
}

}  // namespace

class TestFoeHypergradients : public QObject {
  Q_OBJECT
 private slots:
  // implicit-cg, fpad and unrolled against central differences of U along random directions of
  // θ (1e-5 relative): gradient descent as the inner solver, since fpad and unrolled differentiate
  // its iteration map.
  void methodsAgreeWithFiniteDifferencesAlongRandomDirections_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<int>("penalty");
    for (PenaltyKind kind : {PenaltyKind::StudentT, PenaltyKind::Charbonnier}) {
      for (const char* method : {"implicit-cg", "fpad", "unrolled"}) {
        QTest::newRow(qPrintable(QString("%1 %2").arg(method).arg(toString(kind).c_str())))
            << QString(method) << int(kind);
      }
    }
  }
  void methodsAgreeWithFiniteDifferencesAlongRandomDirections() {
    QFETCH(QString, method);
    QFETCH(int, penalty);
    const Problem p = makeProblem(PenaltyKind(penalty));
    QVERIFY(p.model->strongConvexityBound(p.theta) < p.model->gradientLipschitzBound(p.theta));
    InnerGradientDescent solver;
    const BilevelProblem problem{*p.model, *p.loss, solver, test::tightSolve()};
    Vector x = p.model->initialPoint(), gradient(p.theta.size());
    const auto summary = makeHypergradientMethod(method.toStdString(), test::tightHypergradient())
                             ->evaluate(problem, p.theta, x, gradient);
    QVERIFY2(summary.usable(), summary.message.c_str());
    for (unsigned seed : {61u, 62u}) {
      // ν_k changes by a fraction of itself (as in the outer optimiser's log ν), ϑ by O(1); the
      // step keeps the truncation error (h²) and the solves' error (1e-13/h) below 1e-7.
      Vector d = test::randomVector(p.theta.size(), seed);
      d.head(3) = d.head(3).cwiseProduct(p.theta.head(3));
      const double h = 1e-6;
      const double fd = (upperLoss(p, p.theta + h * d) - upperLoss(p, p.theta - h * d)) / (2 * h);
      const double value = gradient.dot(d);
      QVERIFY2(std::abs(fd - value) <= 1e-5 * std::abs(fd),
               qPrintable(QString("%1: ⟨∇U, d⟩ = %2, central difference %3")
                              .arg(method)
                              .arg(value, 0, 'g', 12)
                              .arg(fd, 0, 'g', 12)));
    }
  }

  // forward keeps n·p tangent entries and finite-difference makes 2p solves: both refuse a bank of
  // 24 filters of 5×5 (600 parameters) on 256² (39·10⁶ entries, 1,200 solves) with a reason, and
  // serve the small bank of the defaults.
  void methodsThatCannotScaleRefuseLargeBanks() {
    const Image noisy(256, 256);
    FieldsOfExperts::Options options;
    options.filters = 24;
    options.filterSize = 5;
    const FieldsOfExperts large(noisy, options);
    const SquaredError loss(noisy.pixels);
    InnerGradientDescent solver;
    const BilevelProblem problem{large, loss, solver, {}};
    std::string why;
    QVERIFY(!makeHypergradientMethod("forward", {})->supports(problem, &why));
    QVERIFY2(QString::fromStdString(why).contains("256 MiB"), why.c_str());
    QVERIFY(!makeHypergradientMethod("finite-difference", {})->supports(problem, &why));
    QVERIFY2(QString::fromStdString(why).contains("600 parameters"), why.c_str());
    Vector x = noisy.pixels, gradient(large.parameterCount());
    QVERIFY_THROWS_EXCEPTION(Error,
                             makeHypergradientMethod("finite-difference", {})
                                 ->evaluate(problem, large.defaultParameters(), x, gradient));
    QVERIFY(makeHypergradientMethod("implicit-cg", {})->supports(problem));
    const Problem small = makeProblem(PenaltyKind::StudentT);
    const BilevelProblem smallProblem{*small.model, *small.loss, solver, {}};
    QVERIFY(makeHypergradientMethod("forward", {})->supports(smallProblem));
    QVERIFY(makeHypergradientMethod("finite-difference", {})->supports(smallProblem));
  }

  // What `bilevel-cli check` does for a bank too large for the coordinate-wise reference: central
  // differences along random directions; accelerated gradient keeps a momentum < 1 on a
  // non-convex bank, so fpad through it agrees as well.
  void directionalAgreementChecksLargeBanks() {
    Problem p = makeProblem(PenaltyKind::StudentT);
    p.theta.head(3) *= 10.0;  // ν large enough that the Student-t bound is negative
    QVERIFY(p.model->strongConvexityBound(p.theta) <= 0.0);
    const NesterovParameters nesterov = nesterovParameters(*p.model, p.theta);
    QVERIFY(nesterov.momentum >= 0.0 && nesterov.momentum < 1.0);
    AcceleratedGradient solver;
    const BilevelProblem problem{*p.model, *p.loss, solver, test::tightSolve()};
    HypergradientOptions options = test::tightHypergradient();
    options.finiteDifferenceStep = 1e-6;
    options.finiteDifferenceTolerance = 1e-13;
    const DirectionalAgreementReport report = compareAlongDirections(
        problem, p.theta, p.model->initialPoint(), options, {"implicit-cg", "fpad"}, 3, 7);
    QCOMPARE(int(report.rows.size()), 2);
    QCOMPARE(report.differences.size(), Eigen::Index(3));
    for (const auto& row : report.rows) {
      QVERIFY2(row.refusal.empty() && row.summary.usable(), row.method.c_str());
      QVERIFY2(row.relativeError <= 1e-5,
               qPrintable(QString("%1: %2").arg(row.method.c_str()).arg(row.relativeError)));
    }
  }

  // Lanczos: exact extremes of a known spectrum, and at a FoE solution Ritz values inside the
  // model's curvature bounds that no Rayleigh quotient beats.
  void lanczosFindsTheExtremeEigenvalues() {
    Vector diagonal(200);
    for (int i = 0; i < 200; ++i)
      diagonal[i] = 1.0 + i / 199.0;  // [1, 2], with one negative and one large outlier
    diagonal[17] = -0.5;
    diagonal[199] = 3.0;
    const auto apply = [&](const Vector& v, Vector& out) { out = diagonal.cwiseProduct(v); };
    const HessianSpectrum spectrum = lanczosSpectrum(apply, 200, {.steps = 80});
    QVERIFY2(std::abs(spectrum.smallest - (-0.5)) < 1e-8,
             qPrintable(QString::number(spectrum.smallest)));
    QVERIFY(std::abs(spectrum.largest - 3.0) < 1e-8);
    QVERIFY(spectrum.smallestResidual < 1e-6);

    for (PenaltyKind kind : {PenaltyKind::StudentT, PenaltyKind::Charbonnier}) {
      const Problem p = makeProblem(kind);
      Lbfgs solver;
      Vector x = p.model->initialPoint();
      QVERIFY(solver.solve(*p.model, p.theta, x, test::tightSolve()).termination ==
              Termination::Converged);
      const HessianSpectrum h = hessianSpectrum(*p.model, x, p.theta, {.steps = 120});
      QVERIFY(h.smallest >= p.model->strongConvexityBound(p.theta) - 1e-10);
      QVERIFY(h.largest <= p.model->gradientLipschitzBound(p.theta) + 1e-10);
      QVERIFY(h.smallest > 0.0);  // a strict local minimum
      Vector hv(x.size());
      for (unsigned seed : {81u, 82u}) {
        const Vector v = test::randomVector(x.size(), seed);
        p.model->hessianVectorProduct(x, p.theta, v, hv);
        const double rayleigh = v.dot(hv) / v.squaredNorm();
        QVERIFY(h.smallest <= rayleigh + 1e-10 && rayleigh <= h.largest + 1e-10);
      }
    }
  }

  void conjugateGradientStopsOnNegativeCurvature() {
    // diag(3, 2, −1, 1): b has a component along the negative eigenvector, so a Krylov direction
    // meets pᵀAp ≤ 0 before the residual can vanish.
    const Vector diagonal = (Vector(4) << 3.0, 2.0, -1.0, 1.0).finished();
    const auto apply = [&](const Vector& v, Vector& out) { out = diagonal.cwiseProduct(v); };
    const Vector b = Vector::Ones(4);
    Vector a = Vector::Zero(4);
    const auto summary = conjugateGradient(apply, b, a, {.tolerance = 1e-12, .maxIterations = 50});
    QVERIFY(summary.termination == Termination::NegativeCurvature);
    QVERIFY(summary.curvature <= 0.0);
    QVERIFY(summary.curvature >= -1.0);  // a Rayleigh quotient: not below λ_min
    QVERIFY(QString::fromStdString(summary.message).contains("not positive definite"));
    QCOMPARE(toString(summary.termination), std::string("negative-curvature"));
    // The same operator preconditioned by the identity: one implementation, the same outcome.
    Vector same = Vector::Zero(4);
    const auto identity = [](const Vector& v, Vector& out) { out = v; };
    const auto preconditioned = preconditionedConjugateGradient(
        apply, identity, b, same, {.tolerance = 1e-12, .maxIterations = 50});
    QVERIFY(preconditioned.termination == Termination::NegativeCurvature);
    QCOMPARE(preconditioned.iterations, summary.iterations);
    QVERIFY((same - a).norm() <= 1e-14);
    // A positive definite one still converges (and does with a Jacobi preconditioner too).
    const Vector positive = diagonal.cwiseAbs();
    const auto applyPositive = [&](const Vector& v, Vector& out) {
      out = positive.cwiseProduct(v);
    };
    const auto jacobi = [&](const Vector& v, Vector& out) { out = v.cwiseQuotient(positive); };
    Vector solution = Vector::Zero(4);
    QVERIFY(conjugateGradient(applyPositive, b, solution, {.tolerance = 1e-12}).termination ==
            Termination::Converged);
    QVERIFY((positive.cwiseProduct(solution) - b).norm() <= 1e-12 * b.norm());
    solution.setZero();
    const auto withJacobi =
        preconditionedConjugateGradient(applyPositive, jacobi, b, solution, {.tolerance = 1e-12});
    QVERIFY(withJacobi.termination == Termination::Converged);
    QCOMPARE(withJacobi.iterations, 1);  // M⁻¹A = I
  }

  // implicit-cg on a lower level whose Hessian at x* is indefinite reports it and gives no
  // gradient to step along (a NaN one), instead of the garbage of CG on an indefinite system.
  void implicitCgReportsAnIndefiniteHessian() {
    // The FoE energy with its Hessian-vector product negated beyond the identity part: the solve
    // (which reads only E and ∂_xE) converges as before, the adjoint system is indefinite.
    class Indefinite final : public Model {
     public:
      explicit Indefinite(const FieldsOfExperts& inner) : inner_(inner) {}
      std::string name() const override { return "indefinite"; }
      const ParameterLayout& parameterLayout() const override { return inner_.parameterLayout(); }
      int rows() const override { return inner_.rows(); }
      int cols() const override { return inner_.cols(); }
      const Vector& initialPoint() const override { return inner_.initialPoint(); }
      double energy(const Vector& x, const Vector& t) const override { return inner_.energy(x, t); }
      Vector defaultParameters() const override { return inner_.defaultParameters(); }
      double energyAndGradient(const Vector& x, const Vector& t, Vector& g) const override {
        return inner_.energyAndGradient(x, t, g);
      }
      void hessianVectorProduct(const Vector& x, const Vector& t, const Vector& v,
                                Vector& out) const override {
        inner_.hessianVectorProduct(x, t, v, out);
        out = 2.0 * v - out - 3.0 * v;  // −(H − I) − 2I: negative definite shifted, indefinite
        out[0] += 10.0 * v[0];
      }
      void mixedProduct(const Vector& x, const Vector& t, const Vector& v,
                        Vector& out) const override {
        inner_.mixedProduct(x, t, v, out);
      }
      void mixedTransposeProduct(const Vector& x, const Vector& t, const Vector& d,
                                 Vector& out) const override {
        inner_.mixedTransposeProduct(x, t, d, out);
      }
      double gradientLipschitzBound(const Vector& t) const override {
        return inner_.gradientLipschitzBound(t);
      }
      double strongConvexityBound(const Vector& t) const override {
        return inner_.strongConvexityBound(t);
      }

     private:
      const FieldsOfExperts& inner_;
    };
    const Problem p = makeProblem(PenaltyKind::Charbonnier);
    const Indefinite model(*p.model);
    Lbfgs solver;
    const BilevelProblem problem{model, *p.loss, solver, test::tightSolve()};
    Vector x = model.initialPoint(), gradient(p.theta.size());
    const auto summary = makeHypergradientMethod("implicit-cg", test::tightHypergradient())
                             ->evaluate(problem, p.theta, x, gradient);
    QVERIFY(summary.termination == Termination::NegativeCurvature);
    QVERIFY(!summary.usable());
    const QString message = QString::fromStdString(summary.message);
    QVERIFY2(message.contains("indefinite Hessian at x*"), summary.message.c_str());
    // The Lanczos estimate in the message: the operator is −H − I + 10 e₀e₀ᵀ with H ⪰ I
    // (Charbonnier is convex), so all eigenvalues but one are ≤ −2 (interlacing) and a Ritz value
    // that converged from above must be too.
    const QRegularExpressionMatch match =
        QRegularExpression(QStringLiteral("λ_min ≈ (\\S+),")).match(message);
    QVERIFY2(match.hasMatch(), summary.message.c_str());
    bool parsed = false;
    const double smallest = match.captured(1).toDouble(&parsed);
    QVERIFY(parsed);
    QVERIFY2(smallest <= -2.0 + 1e-6, summary.message.c_str());
    QVERIFY(!gradient.allFinite());
  }
};

QTEST_APPLESS_MAIN(TestFoeHypergradients)
#include "tst_foe_hypergradients.moc"
