#include <QtTest>

#include "../TestProblems.h"
#include "../solvers/ExactTv1d.h"
#include "common/Error.h"
#include "models/TotalVariation.h"

using namespace bilevel;

namespace {

TotalVariation::Options scalarOptions(double lambda = 0.08) {
  TotalVariation::Options options;
  options.lambda = lambda;
  return options;
}

TotalVariation::Options mapOptions(double lambda = 0.08) {
  TotalVariation::Options options = scalarOptions(lambda);
  options.gridRows = 4;
  options.gridCols = 5;
  return options;
}

Image imageOf(int rows, int cols, const Vector& pixels) {
  Image image(rows, cols);
  image.pixels = pixels;
  return image;
}

constexpr double kStep = 1e-6;

}  // namespace

class TestTotalVariation : public QObject {
  Q_OBJECT
 private slots:
  void energyIsTheDataTermPlusWeightedTotalVariation() {
    const auto pair = test::benchmarkPair(24);
    const TotalVariation model(pair.noisy, mapOptions());
    QCOMPARE(QString::fromStdString(model.name()), QString("tv-map"));
    Vector theta = model.defaultParameters() + test::randomVector(20, 1, 0.01).cwiseAbs();
    const Vector x = 0.5 * (pair.noisy.pixels + pair.clean.pixels);
    // Independently: FiniteDifferenceGradient's two fields and the weight map.
    const FiniteDifferenceGradient grad(24, 24);
    Vector h(x.size()), v(x.size());
    grad.apply(x, h, v);
    const Vector weights = model.weightMap(theta);
    double expected = 0.5 * (x - pair.noisy.pixels).squaredNorm();
    for (Eigen::Index i = 0; i < x.size(); ++i)
      expected += weights[i] * std::hypot(h[i], v[i]);
    QVERIFY(std::abs(model.energy(x, theta) - expected) <= 1e-13 * expected);
  }

  void kIsTheGradientAndKTransposeItsAdjoint() {
    for (const auto& [rows, cols] : {std::pair{17, 23}, {1, 40}, {40, 1}, {1, 1}, {150, 140}}) {
      const Image image = imageOf(rows, cols, test::randomVector(Eigen::Index(rows) * cols, 2));
      const TotalVariation model(image, scalarOptions());
      const Eigen::Index n = model.variableCount();
      QCOMPARE(model.dualSize(), 2 * n);
      const Vector x = test::randomVector(n, 3), q = test::randomVector(2 * n, 4);
      Vector kx(2 * n), ktq(n);
      model.applyK(x, kx);
      model.applyKAdjoint(q, ktq);
      // The same operator as FiniteDifferenceGradient, on the stacked layout [q_h; q_v].
      const FiniteDifferenceGradient grad(rows, cols);
      Vector h(n), v(n), adjoint(n);
      grad.apply(x, h, v);
      QCOMPARE(Vector(kx.head(n)), h);
      QCOMPARE(Vector(kx.tail(n)), v);
      // (FiniteDifferenceGradient::applyAdjoint reads h[−1] on one-column images, so the adjoint is
      // compared with it on images of two columns or more; adjointness below covers all shapes.)
      if (cols >= 2) {
        grad.applyAdjoint(Vector(q.head(n)), Vector(q.tail(n)), adjoint);
        QVERIFY((ktq - adjoint).cwiseAbs().maxCoeff() <= 1e-15);
      }
      // ⟨Kx, q⟩ = ⟨x, Kᵀq⟩, with q random also outside the range of K.
      QVERIFY(std::abs(kx.dot(q) - x.dot(ktq)) <= 1e-13 * (kx.norm() * q.norm()));
    }
    // ‖K‖² ≤ 8 (power iteration on KᵀK from a random start).
    const Image image = imageOf(32, 32, Vector::Zero(1024));
    const TotalVariation model(image, scalarOptions());
    Vector x = test::randomVector(1024, 5), kx(2048);
    double estimate = 0.0;
    for (int k = 0; k < 300; ++k) {
      x.normalize();
      model.applyK(x, kx);
      model.applyKAdjoint(kx, x);
      estimate = x.norm();
    }
    QVERIFY(estimate <= model.squaredNormBound());
    QVERIFY(estimate >= 7.5);  // the bound is nearly tight, so step sizes waste little
  }

  void gapIsNonNegativeAndInfiniteOutsideTheDualSet() {
    const auto pair = test::benchmarkPair(20);
    const TotalVariation model(pair.noisy, scalarOptions(0.1));
    const Vector theta = model.defaultParameters();
    const Eigen::Index n = model.variableCount();
    for (unsigned seed = 10; seed < 20; ++seed) {
      const Vector x = pair.noisy.pixels + test::randomVector(n, seed, 0.05);
      Vector q(2 * n);
      model.conjugateProx(1.0, theta, test::randomVector(2 * n, seed + 100, 0.2), q);
      const double gap = model.primalDualGap(x, q, theta);
      QVERIFY(gap >= 0.0);
      // P(x) − D(q) computed the long way: D(q) = ½‖y‖² − ½‖y − Kᵀq‖².
      Vector ktq(n);
      model.applyKAdjoint(q, ktq);
      const double dual =
          0.5 * pair.noisy.pixels.squaredNorm() - 0.5 * (pair.noisy.pixels - ktq).squaredNorm();
      const double longWay = model.energy(x, theta) - dual;
      QVERIFY(std::abs(gap - longWay) <= 1e-12 * model.energy(x, theta));
    }
    Vector q = Vector::Zero(2 * n);
    q[5] = 0.2;  // |q_5| > λ = 0.1
    QVERIFY(std::isinf(model.primalDualGap(pair.noisy.pixels, q, theta)));
  }

  // On a 1×n image the exact solution and its dual certificate (ExactTv1d.h) make the gap vanish.
  void gapVanishesAtTheExactOneDimensionalSolution() {
    const int n = 60;
    const Vector y = test::randomVector(n, 21);
    const double lambda = 0.3;
    const std::vector<double> yv(y.data(), y.data() + n);
    const std::vector<double> xs = test::exactTv1d(yv, lambda);
    const std::vector<double> qs = test::exactTv1dDual(xs, yv);
    const TotalVariation model(imageOf(1, n, y), scalarOptions(lambda));
    Vector x = Vector::Map(xs.data(), n), q = Vector::Zero(2 * n);
    for (int k = 0; k + 1 < n; ++k) {
      q[k] = std::clamp(qs[std::size_t(k)], -lambda, lambda);  // rounding may exceed λ by an ulp
    }
    const double gap = model.primalDualGap(x, q, Vector::Constant(1, lambda));
    qInfo("gap at the exact 1-D solution: %.2e (energy %.3f)", gap,
          model.energy(x, Vector::Constant(1, lambda)));
    QVERIFY(gap >= 0.0 && gap <= 1e-13);
    // and is clearly positive a little away from it
    x[7] += 1e-3;
    QVERIFY(model.primalDualGap(x, q, Vector::Constant(1, lambda)) >= 0.4e-6);
  }

  // A map whose control values are all λ is the scalar model, in every product.
  void constantMapEqualsScalarModel() {
    const auto pair = test::benchmarkPair(24);
    const TotalVariation scalar(pair.noisy, scalarOptions(0.07));
    const TotalVariation map(pair.noisy, mapOptions(0.07));
    const Vector ts = scalar.defaultParameters(), tm = map.defaultParameters();
    const Eigen::Index n = scalar.variableCount();
    const Vector x = pair.clean.pixels + test::randomVector(n, 30, 0.02);
    QVERIFY(std::abs(scalar.energy(x, ts) - map.energy(x, tm)) <= 1e-13 * scalar.energy(x, ts));
    QVERIFY((scalar.weightMap(ts) - map.weightMap(tm)).cwiseAbs().maxCoeff() <= 1e-15);
    const Vector q = test::randomVector(2 * n, 31, 0.07), dq = test::randomVector(2 * n, 32);
    Vector a(2 * n), b(2 * n);
    scalar.conjugateProx(1.0, ts, q, a);
    map.conjugateProx(1.0, tm, q, b);
    QVERIFY((a - b).cwiseAbs().maxCoeff() <= 1e-15);
    QVERIFY(std::abs(scalar.primalDualGap(x, a, ts) - map.primalDualGap(x, b, tm)) <=
            1e-12 * scalar.primalDualGap(x, a, ts));
    scalar.conjugateProxJacobian(1.0, ts, q, dq, a);
    map.conjugateProxJacobian(1.0, tm, q, dq, b);
    QVERIFY((a - b).cwiseAbs().maxCoeff() <= 1e-15);
    // dθ = constant on the grid is the scalar dλ; the adjoint summed over the grid is the scalar's.
    scalar.conjugateProxParameterProduct(1.0, ts, q, Vector::Constant(1, 0.3), a);
    map.conjugateProxParameterProduct(1.0, tm, q, Vector::Constant(20, 0.3), b);
    QVERIFY((a - b).cwiseAbs().maxCoeff() <= 1e-14);
    Vector as(1), am(20);
    scalar.conjugateProxParameterAdjoint(1.0, ts, q, dq, as);
    map.conjugateProxParameterAdjoint(1.0, tm, q, dq, am);
    QVERIFY(std::abs(as[0] - am.sum()) <= 1e-12 * std::abs(as[0]));
  }

  void parameterDerivativesMatchFiniteDifferences() {
    const auto pair = test::benchmarkPair(24);
    const TotalVariation model(pair.noisy, mapOptions(0.07));
    const Eigen::Index n = model.variableCount(), p = model.parameterCount();
    const Vector theta = model.defaultParameters() + test::randomVector(p, 40, 0.01).cwiseAbs();
    // A dual point with norms spread around λ, none within 1e-3 of a sphere.
    Vector q = test::randomVector(2 * n, 41, 0.07);
    const Vector weights = model.weightMap(theta);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double ratio = std::hypot(q[i], q[n + i]) / weights[i];
      if (std::abs(ratio - 1.0) < 1e-3) q[i] *= 1.01, q[n + i] *= 1.01;
    }
    const Vector dtheta = test::randomVector(p, 42);
    Vector product(2 * n), plus(2 * n), minus(2 * n);
    model.conjugateProxParameterProduct(1.0, theta, q, dtheta, product);
    model.conjugateProx(1.0, theta + kStep * dtheta, q, plus);
    model.conjugateProx(1.0, theta - kStep * dtheta, q, minus);
    const double error = test::relativeError(product, (plus - minus) / (2 * kStep));
    qInfo("∂prox/∂θ·dθ vs central differences: relative error %.2e", error);
    QVERIFY(error <= 1e-6);
    const Vector w = test::randomVector(2 * n, 43);
    Vector adjoint(p);
    model.conjugateProxParameterAdjoint(1.0, theta, q, w, adjoint);
    QVERIFY(std::abs(w.dot(product) - adjoint.dot(dtheta)) <= 1e-12 * std::abs(w.dot(product)));
    // The conjugate prox's Jacobian, through the model.
    const Vector dq = test::randomVector(2 * n, 44);
    Vector jv(2 * n);
    model.conjugateProxJacobian(1.0, theta, q, dq, jv);
    model.conjugateProx(1.0, theta, q + kStep * dq, plus);
    model.conjugateProx(1.0, theta, q - kStep * dq, minus);
    QVERIFY(test::relativeError(jv, (plus - minus) / (2 * kStep)) <= 1e-6);
    // The data prox, through the model.
    Vector prox(n);
    model.dataProx(0.4, pair.clean.pixels, prox);
    QVERIFY((prox - (pair.clean.pixels + 0.4 * pair.noisy.pixels) / 1.4).cwiseAbs().maxCoeff() <=
            1e-15);
  }

  void jumpSetIsTheSupportOfTheGradient() {
    // A step between columns 4 and 5 and one between rows 2 and 3 on the right half.
    Image image(6, 10);
    for (int r = 0; r < 6; ++r)
      for (int c = 0; c < 10; ++c)
        image.at(r, c) = (c >= 5 ? 1.0 : 0.0) + (c >= 5 && r >= 3 ? 0.5 : 0.0);
    const TotalVariation model(image, scalarOptions());
    std::vector<std::uint8_t> mask;
    const Eigen::Index count = model.jumpSet(image.pixels, mask);
    QCOMPARE(mask.size(), std::size_t(60));
    // Column 4 in every row (horizontal jump) and row 2 in columns 5..9 (vertical jump).
    QCOMPARE(count, Eigen::Index(6 + 5));
    for (int r = 0; r < 6; ++r)
      for (int c = 0; c < 10; ++c)
        QCOMPARE(int(mask[std::size_t(r * 10 + c)]), int(c == 4 || (r == 2 && c >= 5)));
    // Below the tolerance is not a jump.
    Vector flat = Vector::Constant(60, 0.3);
    flat[17] += 1e-9;
    QCOMPARE(model.jumpSet(flat, mask), Eigen::Index(0));
  }

  void viewsAreReconstructionWeightMapAndJumpSet() {
    Image image(6, 10);
    for (int r = 0; r < 6; ++r)
      for (int c = 0; c < 10; ++c)
        image.at(r, c) = c >= 5 ? 1.0 : 0.0;
    for (const bool map : {false, true}) {
      const TotalVariation model(image, map ? mapOptions() : scalarOptions());
      const LowerLevel& lowerLevel = model;
      const Vector theta = model.defaultParameters();
      const auto views = lowerLevel.views(image.pixels, theta);
      QCOMPARE(views.size(), std::size_t(map ? 3 : 2));
      QVERIFY(views.front().kind == ViewKind::Reconstruction);
      QVERIFY(views.front().pixels == image.pixels);
      if (map) {
        QVERIFY(views[1].kind == ViewKind::WeightMap);
        QVERIFY(views[1].pixels == model.pixelWeights(theta));
      }
      const LowerLevelView& jumps = views.back();
      QVERIFY(jumps.kind == ViewKind::JumpSet);
      QCOMPARE(QString::fromStdString(toString(jumps.kind)), QString("jump-set"));
      QCOMPARE(jumps.pixels.size(), Eigen::Index(60));
      // The jump is between columns 4 and 5: column 4 of every row, nothing else.
      for (Eigen::Index i = 0; i < 60; ++i)
        QCOMPARE(jumps.pixels[i], i % 10 == 4 ? 1.0 : 0.0);
    }
  }

  void badInputIsRefusedWithAMessage() {
    Image image(8, 8);
    image.at(2, 3) = std::numeric_limits<double>::quiet_NaN();
    try {
      TotalVariation model(image, scalarOptions());
      QFAIL("a NaN pixel was accepted");
    } catch (const Error& e) {
      QVERIFY(QString(e.what()).contains("row 2, column 3"));
    }
    image.at(2, 3) = 0.0;
    QVERIFY_THROWS_EXCEPTION(Error, TotalVariation(image, scalarOptions(-1.0)));
    const TotalVariation model(image, mapOptions());
    Vector theta = model.defaultParameters();
    theta[3] = -0.1;
    QVERIFY_THROWS_EXCEPTION(Error, model.pixelWeights(theta));
    QVERIFY_THROWS_EXCEPTION(Error, model.pixelWeights(Vector::Constant(3, 0.1)));
    theta[3] = std::numeric_limits<double>::infinity();
    QVERIFY_THROWS_EXCEPTION(Error, model.pixelWeights(theta));
  }
};

QTEST_APPLESS_MAIN(TestTotalVariation)
#include "tst_total_variation.moc"
