#include <QtTest>

#include <random>

#include "../TestProblems.h"
#include "prox/L2BallProjection.h"
#include "prox/SquaredDistanceProx.h"

using namespace bilevel;

namespace {

// Central differences in double: truncation O(h²), rounding O(eps/h); with h = 1e-6 on entries of
// order one the error is about 1e-10, well inside the 1e-6 asked for.
constexpr double kStep = 1e-6;
constexpr double kTolerance = 1e-6;

// Random dual points of a 1000-pixel field whose norms are spread over (0, 2λ) but stay at least
// 1e-3 λ away from the spheres |q_i| = λ_i (the kinks), with radii in [0.05, 1].
struct Field {
  Vector radii;
  Vector q;
};
Field randomField(Eigen::Index n, unsigned seed) {
  std::mt19937_64 generator(seed);
  std::uniform_real_distribution<double> radius(0.05, 1.0), ratio(0.01, 2.0), angle(0.0, 6.283);
  Field f{Vector(n), Vector(2 * n)};
  for (Eigen::Index i = 0; i < n; ++i) {
    double t = ratio(generator);
    while (std::abs(t - 1.0) < 1e-3)
      t = ratio(generator);
    const double a = angle(generator);
    f.radii[i] = radius(generator);
    f.q[i] = t * f.radii[i] * std::cos(a);
    f.q[n + i] = t * f.radii[i] * std::sin(a);
  }
  return f;
}

double maxAbs(const Vector& v) {
  return v.size() ? v.cwiseAbs().maxCoeff() : 0.0;
}

}  // namespace

class TestProx : public QObject {
  Q_OBJECT
 private slots:
  // P(q) is the nearest point of the ball: |P(q)| ≤ λ and ⟨q − P(q), z − P(q)⟩ ≤ 0 for every z in
  // the ball (the variational inequality that characterises a projection onto a convex set).
  void projectionIsTheNearestPointOfTheBall() {
    const Eigen::Index n = 500;
    const Field f = randomField(n, 1);
    Vector p(2 * n);
    L2BallProjection::project(f.radii, f.q, p);
    std::mt19937_64 generator(2);
    std::uniform_real_distribution<double> unit(-1.0, 1.0);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double norm = std::hypot(p[i], p[n + i]);
      QVERIFY(norm <= f.radii[i] * (1 + 1e-15));
      if (std::hypot(f.q[i], f.q[n + i]) <= f.radii[i]) {
        QCOMPARE(p[i], f.q[i]);  // inside: untouched, bit for bit
        QCOMPARE(p[n + i], f.q[n + i]);
      }
      for (int k = 0; k < 20; ++k) {
        double zh = unit(generator), zv = unit(generator);
        const double zNorm = std::hypot(zh, zv);
        if (zNorm > 1.0) zh /= zNorm, zv /= zNorm;
        zh *= f.radii[i], zv *= f.radii[i];
        const double vi = (f.q[i] - p[i]) * (zh - p[i]) + (f.q[n + i] - p[n + i]) * (zv - p[n + i]);
        QVERIFY(vi <= 1e-14);
      }
    }
    // Idempotent, and `out` may alias the input.
    Vector again = p;
    L2BallProjection::project(f.radii, again, again);
    QVERIFY(maxAbs(again - p) <= 1e-15);
  }

  void projectionJacobianMatchesFiniteDifferences() {
    const Eigen::Index n = 1000;
    const Field f = randomField(n, 3);
    const Vector dq = test::randomVector(2 * n, 4);
    Vector jv(2 * n), plus(2 * n), minus(2 * n);
    L2BallProjection::jacobianProduct(f.radii, f.q, dq, jv);
    L2BallProjection::project(f.radii, f.q + kStep * dq, plus);
    L2BallProjection::project(f.radii, f.q - kStep * dq, minus);
    const Vector fd = (plus - minus) / (2 * kStep);
    const double error = test::relativeError(jv, fd);
    qInfo("projection Jacobian vs central differences: relative error %.2e", error);
    QVERIFY2(error <= kTolerance, qPrintable(QString::number(error)));
    // Pixel by pixel too, so that one wrong branch cannot hide in the norm of the whole field.
    for (Eigen::Index i = 0; i < n; ++i) {
      const double scale = std::max(std::hypot(jv[i], jv[n + i]), 1e-3);
      QVERIFY(std::hypot(jv[i] - fd[i], jv[n + i] - fd[n + i]) <= kTolerance * scale);
    }
    // Symmetric: ⟨u, J v⟩ = ⟨J u, v⟩, so the same product serves as the transpose.
    const Vector u = test::randomVector(2 * n, 5);
    Vector ju(2 * n);
    L2BallProjection::jacobianProduct(f.radii, f.q, u, ju);
    QVERIFY(std::abs(u.dot(jv) - ju.dot(dq)) <= 1e-13 * std::abs(u.dot(jv)));
  }

  void radiusDerivativeMatchesFiniteDifferences() {
    const Eigen::Index n = 1000;
    const Field f = randomField(n, 6);
    // dλ small enough relative to λ that no pixel crosses its sphere within ±h·dλ.
    const Vector dRadii = test::randomVector(n, 7);
    Vector product(2 * n), plus(2 * n), minus(2 * n);
    L2BallProjection::radiusProduct(f.radii, f.q, dRadii, product);
    L2BallProjection::project(f.radii + kStep * dRadii, f.q, plus);
    L2BallProjection::project(f.radii - kStep * dRadii, f.q, minus);
    const Vector fd = (plus - minus) / (2 * kStep);
    const double error = test::relativeError(product, fd);
    qInfo("projection λ-derivative vs central differences: relative error %.2e", error);
    QVERIFY2(error <= kTolerance, qPrintable(QString::number(error)));
    // The adjoint: ⟨w, (∂P/∂λ) dλ⟩ = ⟨(∂P/∂λ)ᵀ w, dλ⟩.
    const Vector w = test::randomVector(2 * n, 8);
    Vector adjoint(n);
    L2BallProjection::radiusAdjoint(f.radii, f.q, w, adjoint);
    QVERIFY(std::abs(w.dot(product) - adjoint.dot(dRadii)) <= 1e-13 * std::abs(w.dot(product)));
  }

  // On the sphere |q| = λ (exactly representable: q = (3, 4), λ = 5) the documented selection is
  // the identity branch: P(q) = q, J_q = I, ∂_λP = 0, and these are the one-sided derivatives from
  // inside, while just outside the other branch is taken.
  void kinkSelectionIsTheIdentityBranch() {
    const double radius = 5.0, qh = 3.0, qv = 4.0;
    QCOMPARE(std::sqrt(qh * qh + qv * qv), radius);
    double ph = qh, pv = qv;
    L2BallProjection::project(radius, ph, pv);
    QCOMPARE(ph, qh);
    QCOMPARE(pv, qv);
    for (const auto& [dh, dv] : {std::pair{1.0, 0.0}, {0.0, 1.0}, {0.6, 0.8}, {-0.8, 0.6}}) {
      double oh, ov;
      L2BallProjection::jacobianProduct(radius, qh, qv, dh, dv, oh, ov);
      QCOMPARE(oh, dh);
      QCOMPARE(ov, dv);
    }
    double uh, uv;
    L2BallProjection::radiusDerivative(radius, qh, qv, uh, uv);
    QCOMPARE(uh, 0.0);
    QCOMPARE(uv, 0.0);
    // The selection is the one-sided derivative from inside: along the inward normal the
    // projection is the identity, and a forward difference there agrees with J = I.
    const double h = 1e-7;
    const double inH = qh * (1 - h), inV = qv * (1 - h);
    double ih = inH, iv = inV;
    L2BallProjection::project(radius, ih, iv);
    QCOMPARE(ih, inH);
    QCOMPARE(iv, inV);
    // Just outside, the outside branch is used: the normal direction is annihilated.
    const double outH = qh * (1 + 1e-9), outV = qv * (1 + 1e-9);
    double oh, ov;
    L2BallProjection::jacobianProduct(radius, outH, outV, 0.6, 0.8, oh, ov);
    QVERIFY(std::abs(oh) <= 1e-15 && std::abs(ov) <= 1e-15);
    L2BallProjection::radiusDerivative(radius, outH, outV, uh, uv);
    QVERIFY(std::abs(uh - 0.6) <= 1e-15 && std::abs(uv - 0.8) <= 1e-15);
    // λ = 0 collapses the ball to the origin without dividing 0 by 0.
    double zh = 0.0, zv = 0.0;
    L2BallProjection::project(0.0, zh, zv);
    QCOMPARE(zh, 0.0);
    QCOMPARE(zv, 0.0);
    zh = 1.0, zv = -2.0;
    L2BallProjection::project(0.0, zh, zv);
    QCOMPARE(zh, 0.0);
    QCOMPARE(zv, 0.0);
  }

  void squaredDistanceProxSolvesItsProblem() {
    const Eigen::Index n = 300;
    const Vector y = test::randomVector(n, 9), v = test::randomVector(n, 10);
    const SquaredDistanceProx prox(y);
    for (double tau : {1e-3, 0.25, 1.0, 40.0}) {
      Vector x(n);
      prox.apply(tau, v, x);
      // Optimality of argmin τ½‖x − y‖² + ½‖x − v‖²: τ(x − y) + (x − v) = 0.
      QVERIFY(maxAbs(tau * (x - y) + (x - v)) <= 1e-14 * (1 + tau));
      for (Eigen::Index i : {Eigen::Index(0), Eigen::Index(n - 1)})
        QCOMPARE(SquaredDistanceProx::pixel(tau, v[i], y[i]), x[i]);
      // Jacobian 1/(1 + τ) against central differences.
      const Vector d = test::randomVector(n, 11);
      Vector plus(n), minus(n);
      prox.apply(tau, v + kStep * d, plus);
      prox.apply(tau, v - kStep * d, minus);
      const Vector fd = (plus - minus) / (2 * kStep);
      const double error = test::relativeError(SquaredDistanceProx::jacobianScale(tau) * d, fd);
      QVERIFY2(error <= kTolerance, qPrintable(QString::number(error)));
    }
    // In place.
    Vector inPlace = v;
    prox.apply(0.5, inPlace, inPlace);
    QVERIFY(maxAbs(inPlace - (v + 0.5 * y) / 1.5) <= 1e-15);
  }
};

QTEST_APPLESS_MAIN(TestProx)
#include "tst_prox.moc"
