#include <QtTest>
#include <memory>

#include "../TestProblems.h"
#include "operators/FiniteDifferenceGradient.h"

using namespace bilevel;

namespace {

// Every model of issue 2 on a noisy 32×32 benchmark image, at a non-trivial point x (noisy image
// smoothed a little, so both Huber branches occur) and non-default parameters.
struct Case {
  std::unique_ptr<Model> model;
  Vector x;
  Vector theta;
};

Case makeCase(const QString& name) {
  const auto pair = test::benchmarkPair(32);
  Case c;
  if (name == "quadratic") {
    c.model = std::make_unique<Quadratic>(pair.noisy, 0.3);
    c.theta = Vector::Constant(1, 0.3);
  } else {
    c.model = std::make_unique<HuberTV>(pair.noisy, test::huberOptions(name == "huber-tv-map"));
    c.theta = c.model->defaultParameters();
    c.theta += test::randomVector(c.theta.size(), 11, 0.02).cwiseAbs();
  }
  c.x = 0.5 * (pair.noisy.pixels + pair.clean.pixels);
  return c;
}

void addModelRows() {
  QTest::addColumn<QString>("name");
  QTest::newRow("quadratic") << "quadratic";
  QTest::newRow("huber-tv") << "huber-tv";
  QTest::newRow("huber-tv-map") << "huber-tv-map";
}

// Central differences in double precision: step h, truncation O(h²), rounding O(eps/h).
constexpr double kStep = 1e-6;
constexpr double kTolerance = 1e-6;

}  // namespace

class TestModels : public QObject {
  Q_OBJECT
 private slots:
  void gradientMatchesFiniteDifferences_data() { addModelRows(); }
  void gradientMatchesFiniteDifferences() {
    QFETCH(QString, name);
    const Case c = makeCase(name);
    const Eigen::Index n = c.x.size();
    Vector g(n);
    const double energy = c.model->energyAndGradient(c.x, c.theta, g);
    QVERIFY(std::abs(energy - c.model->energy(c.x, c.theta)) <= 1e-12 * std::abs(energy));
    // Along random directions and along single coordinates.
    for (unsigned seed : {21u, 22u, 23u}) {
      const Vector v = test::randomVector(n, seed);
      const double fd =
          (c.model->energy(c.x + kStep * v, c.theta) - c.model->energy(c.x - kStep * v, c.theta)) /
          (2 * kStep);
      QVERIFY2(std::abs(fd - g.dot(v)) <= kTolerance * std::abs(g.dot(v)),
               qPrintable(
                   QString("directional %1 vs %2").arg(fd, 0, 'g', 15).arg(g.dot(v), 0, 'g', 15)));
    }
    for (Eigen::Index i : {Eigen::Index(0), Eigen::Index(37), n - 1}) {
      Vector e = Vector::Zero(n);
      e[i] = 1.0;
      const double fd =
          (c.model->energy(c.x + kStep * e, c.theta) - c.model->energy(c.x - kStep * e, c.theta)) /
          (2 * kStep);
      QVERIFY(std::abs(fd - g[i]) <= kTolerance * std::max(std::abs(g[i]), 1e-3));
    }
  }

  void hessianVectorProductMatchesFiniteDifferences_data() { addModelRows(); }
  void hessianVectorProductMatchesFiniteDifferences() {
    QFETCH(QString, name);
    const Case c = makeCase(name);
    const Eigen::Index n = c.x.size();
    const Vector v = test::randomVector(n, 31);
    Vector hv(n), gPlus(n), gMinus(n);
    c.model->hessianVectorProduct(c.x, c.theta, v, hv);
    c.model->gradient(c.x + kStep * v, c.theta, gPlus);
    c.model->gradient(c.x - kStep * v, c.theta, gMinus);
    const Vector fd = (gPlus - gMinus) / (2 * kStep);
    QVERIFY2(test::relativeError(hv, fd) <= kTolerance,
             qPrintable(QString("relative error %1").arg(test::relativeError(hv, fd))));
    // The Hessian is symmetric: ⟨u, Hv⟩ = ⟨Hu, v⟩.
    const Vector u = test::randomVector(n, 32);
    Vector hu(n);
    c.model->hessianVectorProduct(c.x, c.theta, u, hu);
    QVERIFY(std::abs(u.dot(hv) - hu.dot(v)) <= 1e-10 * std::abs(u.dot(hv)));
  }

  void mixedProductsMatchFiniteDifferences_data() { addModelRows(); }
  void mixedProductsMatchFiniteDifferences() {
    QFETCH(QString, name);
    const Case c = makeCase(name);
    const Eigen::Index n = c.x.size(), p = c.theta.size();
    const Vector v = test::randomVector(n, 41);
    Vector mixed(p), g(n);
    c.model->mixedProduct(c.x, c.theta, v, mixed);
    // (∂²_θxE) v = ∂_θ ⟨∂_xE, v⟩, entry by entry.
    for (Eigen::Index j = 0; j < p; ++j) {
      Vector plus = c.theta, minus = c.theta;
      const double h = kStep * std::max(std::abs(c.theta[j]), 1.0);
      plus[j] += h;
      minus[j] -= h;
      c.model->gradient(c.x, plus, g);
      const double up = g.dot(v);
      c.model->gradient(c.x, minus, g);
      const double down = g.dot(v);
      const double fd = (up - down) / (2 * h);
      QVERIFY2(std::abs(fd - mixed[j]) <= kTolerance * std::max(std::abs(mixed[j]), 1e-8),
               qPrintable(QString("θ_%1: %2 vs %3").arg(j).arg(fd).arg(mixed[j])));
    }
    // (∂²_xθE) dθ is the derivative of ∂_xE along dθ, and the transpose of the mixed product.
    const Vector dtheta = test::randomVector(p, 42);
    Vector transposed(n), gPlus(n), gMinus(n);
    c.model->mixedTransposeProduct(c.x, c.theta, dtheta, transposed);
    c.model->gradient(c.x, c.theta + kStep * dtheta, gPlus);
    c.model->gradient(c.x, c.theta - kStep * dtheta, gMinus);
    QVERIFY(test::relativeError(transposed, (gPlus - gMinus) / (2 * kStep)) <= kTolerance);
    QVERIFY(std::abs(transposed.dot(v) - mixed.dot(dtheta)) <= 1e-10 * std::abs(mixed.dot(dtheta)));
  }

  void lipschitzBoundHoldsAlongRandomDirections_data() { addModelRows(); }
  void lipschitzBoundHoldsAlongRandomDirections() {
    QFETCH(QString, name);
    const Case c = makeCase(name);
    const double bound = c.model->gradientLipschitzBound(c.theta);
    Vector hv(c.x.size());
    for (unsigned seed = 50; seed < 55; ++seed) {
      const Vector v = test::randomVector(c.x.size(), seed);
      c.model->hessianVectorProduct(c.x, c.theta, v, hv);
      const double rayleigh = v.dot(hv) / v.squaredNorm();
      QVERIFY(rayleigh <= bound);
      QVERIFY(rayleigh >= c.model->strongConvexityBound(c.theta) - 1e-12);
    }
  }

  void quadraticClosedFormIsAStationaryPoint() {
    const auto pair = test::benchmarkPair(32);
    const Quadratic model(pair.noisy, 0.7);
    const Vector theta = Vector::Constant(1, 0.7);
    const Vector x = model.closedFormSolution(0.7);
    Vector g(x.size());
    model.gradient(x, theta, g);
    QVERIFY(g.norm() <= 1e-12 * pair.noisy.pixels.norm());
  }

  void viewsComeFromTheModel_data() { addModelRows(); }
  void viewsComeFromTheModel() {
    // LowerLevel::views: the reconstruction always, the λ map only for a model with a weight map.
    QFETCH(QString, name);
    const Case c = makeCase(name);
    const LowerLevel& lowerLevel = *c.model;
    const auto views = lowerLevel.views(c.x, c.theta);
    QCOMPARE(views.size(), std::size_t(name == "huber-tv-map" ? 2 : 1));
    QVERIFY(views[0].kind == ViewKind::Reconstruction);
    QVERIFY(views[0].pixels == c.x);
    if (name == "huber-tv-map") {
      QVERIFY(views[1].kind == ViewKind::WeightMap);
      QCOMPARE(QString::fromStdString(toString(views[1].kind)), QString("weight-map"));
      QVERIFY(views[1].pixels == c.model->weightMap(c.theta));
      QCOMPARE(views[1].pixels.size(), c.x.size());
    }
  }

  void huberGradientOnOneColumnAndOneRowImages() {
    // The streamed divergence must not read p_h[−1] on a one-column image (it did), and a
    // one-row image has no vertical differences: the gradient against central differences.
    for (const auto& [rows, cols] : {std::pair{30, 1}, {1, 30}, {1, 1}}) {
      Image image(rows, cols);
      image.pixels = test::randomVector(Eigen::Index(rows) * cols, 9);
      const HuberTV model(image, test::huberOptions(false));
      const Vector theta = Vector::Constant(1, 0.3);
      const Vector x = test::randomVector(image.pixels.size(), 10);
      Vector g(x.size());
      model.gradient(x, theta, g);
      Vector expected(x.size()), shifted = x;
      for (Eigen::Index i = 0; i < x.size(); ++i) {
        shifted[i] = x[i] + kStep;
        const double plus = model.energy(shifted, theta);
        shifted[i] = x[i] - kStep;
        const double minus = model.energy(shifted, theta);
        shifted[i] = x[i];
        expected[i] = (plus - minus) / (2 * kStep);
      }
      QVERIFY2(test::relativeError(g, expected) <= kTolerance,
               qPrintable(
                   QString("%1×%2: %3").arg(rows).arg(cols).arg(test::relativeError(g, expected))));
    }
  }

  void huberWeightMapWithConstantGridEqualsScalar() {
    const auto pair = test::benchmarkPair(32);
    const HuberTV scalar(pair.noisy, test::huberOptions(false));
    const HuberTV map(pair.noisy, test::huberOptions(true));
    const Vector x = pair.clean.pixels;
    Vector gScalar(x.size()), gMap(x.size());
    const double eScalar = scalar.energyAndGradient(x, Vector::Constant(1, 0.08), gScalar);
    const double eMap = map.energyAndGradient(x, Vector::Constant(20, 0.08), gMap);
    QVERIFY(std::abs(eScalar - eMap) <= 1e-12 * eScalar);
    QVERIFY(test::relativeError(gMap, gScalar) <= 1e-12);
  }

  void huberRejectsANonPositiveEpsilon() {
    const auto pair = test::benchmarkPair(8);
    HuberTV::Options options;
    options.epsilon = 0.0;
    QVERIFY_THROWS_EXCEPTION(std::exception, HuberTV(pair.noisy, options));
  }
};

QTEST_APPLESS_MAIN(TestModels)
#include "tst_models.moc"
