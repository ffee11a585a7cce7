#include <omp.h>
#include <QtTest>
#include <memory>

#include "../TestProblems.h"
#include "../operators/ReferenceCorrelation.h"
#include "common/Error.h"
#include "config/Configuration.h"
#include "diagnostics/HessianSpectrum.h"
#include "models/FieldsOfExperts.h"
#include "models/HuberTV.h"
#include "models/penalties/Charbonnier.h"
#include "models/penalties/StudentT.h"
#include "operators/DctFilterBasis.h"
#include "operators/SymmetricExtension.h"
#include "registry/Registry.h"

using namespace bilevel;

namespace {

// A small Fields-of-Experts problem: a non-square noisy image, a few filters of side s, θ the
// default bank perturbed so that every filter mixes atoms and the weights differ.
struct Case {
  std::unique_ptr<FieldsOfExperts> model;
  Vector x;
  Vector theta;
};

Case makeCase(PenaltyKind penalty, int size, int rows, int cols,
              FilterBoundary boundary = FilterBoundary::Symmetric) {
  Image noisy(rows, cols);
  const Vector clean = test::randomVector(noisy.size(), 3, 0.2).array() + 0.5;
  noisy.pixels = clean + test::randomVector(noisy.size(), 4, 0.1);
  FieldsOfExperts::Options options;
  options.filters = 4;
  options.filterSize = size;
  options.penalty = penalty;
  options.nu = 0.02;
  options.initialNorm = 5.0;
  options.boundary = boundary;
  Case c;
  c.model = std::make_unique<FieldsOfExperts>(noisy, options);
  c.theta = c.model->defaultParameters();
  c.theta.head(4) += test::randomVector(4, 5, 0.005).cwiseAbs();
  c.theta.tail(c.theta.size() - 4) += test::randomVector(c.theta.size() - 4, 6, 1.0);
  // Between the noisy and the clean image, so responses fall on both sides of ρ's bend.
  c.x = 0.5 * (noisy.pixels + clean);
  return c;
}

void addCaseRows() {
  QTest::addColumn<int>("penalty");
  QTest::addColumn<int>("size");
  QTest::addColumn<int>("rows");
  QTest::addColumn<int>("cols");
  QTest::addColumn<int>("boundary");
  for (PenaltyKind kind : {PenaltyKind::StudentT, PenaltyKind::Charbonnier}) {
    for (FilterBoundary boundary : {FilterBoundary::Symmetric, FilterBoundary::Valid}) {
      const std::string name = toString(kind) + ", " + toString(boundary);
      const int b = int(boundary);
      QTest::newRow((name + " 3x3 on 17x23").c_str()) << int(kind) << 3 << 17 << 23 << b;
      QTest::newRow((name + " 5x5 on 20x16").c_str()) << int(kind) << 5 << 20 << 16 << b;
      QTest::newRow((name + " 7x7 on 19x26").c_str()) << int(kind) << 7 << 19 << 26 << b;
    }
  }
}

Case fetchCase() {
  QFETCH(int, penalty);
  QFETCH(int, size);
  QFETCH(int, rows);
  QFETCH(int, cols);
  QFETCH(int, boundary);
  return makeCase(PenaltyKind(penalty), size, rows, cols, FilterBoundary(boundary));
}

// Central differences in double precision: step h, truncation O(h²), rounding O(eps/h).
constexpr double kStep = 1e-6;
constexpr double kTolerance = 1e-6;

QString mismatch(double value, double reference) {
  return QString("%1 vs %2").arg(value, 0, 'g', 15).arg(reference, 0, 'g', 15);
}

// The model's products from their definitions, filter by filter, with the reference correlation
// (tests/core/operators/ReferenceCorrelation.h): what the model computed before it correlated the
// whole bank at once, band by band.
struct ReferenceFieldsOfExperts {
  const FieldsOfExperts& model;
  Vector noisy, theta, filters;
  int rows, cols, s, K;

  ReferenceFieldsOfExperts(const FieldsOfExperts& m, const Vector& y, const Vector& t)
      : model(m),
        noisy(y),
        theta(t),
        filters(m.filterBank(t)),
        rows(m.rows()),
        cols(m.cols()),
        s(m.filterSize()),
        K(m.filterCount()) {}

  template <class F>
  auto withRho(F&& f) const {
    if (model.options().penalty == PenaltyKind::StudentT) return f(StudentT{});
    return f(Charbonnier{});
  }
  const double* filter(const Vector& bank, int k) const { return bank.data() + k * s * s; }
  Vector correlate(const Vector& bank, int k, const Vector& x) const {
    return test::referenceCorrelation(filter(bank, k), x, rows, cols, s);
  }
  Vector adjoint(const Vector& bank, int k, const Vector& r) const {
    return test::referenceAdjoint(filter(bank, k), r, rows, cols, s);
  }
  template <class Map>
  Vector pointwise(const Vector& z, Map map) const {
    return z.unaryExpr(map);
  }

  double energy(const Vector& x) const {
    double e = 0.5 * (x - noisy).squaredNorm();
    withRho([&](auto rho) {
      using P = decltype(rho);
      for (int k = 0; k < K; ++k)
        e += theta[k] *
             pointwise(correlate(filters, k, x), [](double z) { return P::value(z); }).sum();
    });
    return e;
  }
  Vector gradient(const Vector& x) const {
    Vector g = x - noisy;
    withRho([&](auto rho) {
      using P = decltype(rho);
      for (int k = 0; k < K; ++k) {
        const Vector z = correlate(filters, k, x);
        g += theta[k] * adjoint(filters, k, pointwise(z, [](double z) { return P::first(z); }));
      }
    });
    return g;
  }
  Vector hessianVectorProduct(const Vector& x, const Vector& v) const {
    Vector hv = v;
    withRho([&](auto rho) {
      using P = decltype(rho);
      for (int k = 0; k < K; ++k) {
        const Vector second =
            pointwise(correlate(filters, k, x), [](double z) { return P::second(z); });
        hv += theta[k] * adjoint(filters, k, second.cwiseProduct(correlate(filters, k, v)));
      }
    });
    return hv;
  }
  Vector mixedProduct(const Vector& x, const Vector& v) const {
    const int atoms = model.basis().atomCount();
    Vector out(K + K * atoms);
    Vector gradients(K * s * s);
    withRho([&](auto rho) {
      using P = decltype(rho);
      for (int k = 0; k < K; ++k) {
        const Vector z = correlate(filters, k, x), kv = correlate(filters, k, v);
        const Vector first = pointwise(z, [](double z) { return P::first(z); });
        const Vector second = pointwise(z, [](double z) { return P::second(z); });
        out[k] = first.dot(kv);
        gradients.segment(k * s * s, s * s) =
            theta[k] * (test::referenceFilterGradient(x, second.cwiseProduct(kv), rows, cols, s) +
                        test::referenceFilterGradient(v, first, rows, cols, s));
      }
    });
    model.basis().analyze(gradients.data(), K, out.data() + K);
    return out;
  }
  Vector mixedTransposeProduct(const Vector& x, const Vector& dtheta) const {
    Vector dfilters(K * s * s);
    model.basis().synthesize(dtheta.data() + K, K, dfilters.data());
    Vector out = Vector::Zero(x.size());
    withRho([&](auto rho) {
      using P = decltype(rho);
      for (int k = 0; k < K; ++k) {
        const Vector z = correlate(filters, k, x), dz = correlate(dfilters, k, x);
        const Vector first = pointwise(z, [](double z) { return P::first(z); });
        const Vector second = pointwise(z, [](double z) { return P::second(z); });
        out += adjoint(filters, k, dtheta[k] * first + theta[k] * second.cwiseProduct(dz));
        out += adjoint(dfilters, k, theta[k] * first);
      }
    });
    return out;
  }
};

}  // namespace

class TestFieldsOfExperts : public QObject {
  Q_OBJECT
 private slots:
  void penaltyDerivativesMatchFiniteDifferences() {
    for (double z : {-3.0, -1.2, -0.3, 0.0, 0.05, 0.9, 1.7321, 4.0}) {
      const auto check = [&](auto rho) {
        using P = decltype(rho);
        const double d1 = (P::value(z + kStep) - P::value(z - kStep)) / (2 * kStep);
        const double d2 = (P::first(z + kStep) - P::first(z - kStep)) / (2 * kStep);
        QVERIFY2(std::abs(d1 - P::first(z)) <= 1e-8, qPrintable(mismatch(d1, P::first(z))));
        QVERIFY2(std::abs(d2 - P::second(z)) <= 1e-8, qPrintable(mismatch(d2, P::second(z))));
        QVERIFY(P::second(z) <= P::kCurvatureMaximum + 1e-15);
        QVERIFY(P::second(z) >= P::kCurvatureMinimum - 1e-15);
      };
      check(StudentT{});
      check(Charbonnier{});
    }
    QCOMPARE(StudentT::value(1.0), std::log(2.0));
    QCOMPARE(Charbonnier::value(1.0), std::sqrt(2.0) - 1.0);
    QVERIFY(std::abs(StudentT::second(std::sqrt(3.0)) - StudentT::kCurvatureMinimum) < 1e-15);
    QVERIFY(parsePenaltyKind("student-t") == PenaltyKind::StudentT);
    QVERIFY(parsePenaltyKind("charbonnier") == PenaltyKind::Charbonnier);
    QVERIFY(!parsePenaltyKind("huber").has_value());
    // The plotting entry points are the kinds' own functions.
    QCOMPARE(penaltyValue(PenaltyKind::StudentT, 0.7), StudentT::value(0.7));
    QCOMPARE(penaltyDerivative(PenaltyKind::StudentT, 0.7), StudentT::first(0.7));
    QCOMPARE(penaltyValue(PenaltyKind::Charbonnier, -2.0), Charbonnier::value(-2.0));
    QCOMPARE(penaltyDerivative(PenaltyKind::Charbonnier, -2.0), Charbonnier::first(-2.0));
  }

  void dctBasisIsOrthonormalWithZeroMean() {
    for (int s : {2, 3, 5, 7}) {
      const DctFilterBasis basis(s);
      const int area = s * s;
      QCOMPARE(basis.atomCount(), area - 1);
      for (int l = 0; l < basis.atomCount(); ++l) {
        Eigen::Map<const Vector> a(basis.atom(l), area);
        QVERIFY(std::abs(a.sum()) < 1e-13);  // orthogonal to the constant atom
        for (int m = 0; m < basis.atomCount(); ++m) {
          Eigen::Map<const Vector> b(basis.atom(m), area);
          QVERIFY(std::abs(a.dot(b) - (l == m ? 1.0 : 0.0)) < 1e-13);
        }
      }
      // analyze inverts synthesize.
      const Vector coefficients = test::randomVector(3 * basis.atomCount(), 7);
      Vector filters(3 * area), back(coefficients.size());
      basis.synthesize(coefficients.data(), 3, filters.data());
      basis.analyze(filters.data(), 3, back.data());
      QVERIFY((back - coefficients).norm() < 1e-12 * coefficients.norm());
    }
    // The first atoms are the lowest frequencies: a vertical and a horizontal ramp.
    const DctFilterBasis basis(5);
    QVERIFY(std::abs(basis.atom(0)[0] - basis.atom(0)[4]) < 1e-15 ||
            std::abs(basis.atom(0)[0] - basis.atom(0)[20]) < 1e-15);
  }

  // The bank correlated at once, band by band and on the model's threads, computes what the
  // filter-by-filter definitions compute, to rounding: non-square images, 48 filters of 7×7 on an
  // image of many bands (the last one partial), and small banks that do not fill a block.
  void productsEqualTheFilterByFilterReference_data() {
    QTest::addColumn<int>("penalty");
    QTest::addColumn<int>("filters");
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    for (PenaltyKind kind : {PenaltyKind::StudentT, PenaltyKind::Charbonnier}) {
      const std::string name = toString(kind);
      QTest::newRow((name + " 48 of 7x7 on 150x97").c_str()) << int(kind) << 48 << 7 << 150 << 97;
      QTest::newRow((name + " 24 of 5x5 on 31x64").c_str()) << int(kind) << 24 << 5 << 31 << 64;
      QTest::newRow((name + " 5 of 3x3 on 17x23").c_str()) << int(kind) << 5 << 3 << 17 << 23;
    }
  }
  void productsEqualTheFilterByFilterReference() {
    QFETCH(int, penalty);
    QFETCH(int, filters);
    QFETCH(int, size);
    QFETCH(int, rows);
    QFETCH(int, cols);
    Image noisy(rows, cols);
    const Vector clean = test::randomVector(noisy.size(), 3, 0.2).array() + 0.5;
    noisy.pixels = clean + test::randomVector(noisy.size(), 4, 0.1);
    FieldsOfExperts::Options options;
    options.filters = filters;
    options.filterSize = size;
    options.penalty = PenaltyKind(penalty);
    options.nu = 0.01;
    options.boundary = FilterBoundary::Valid;  // the reference's correlation
    const FieldsOfExperts model(noisy, options);
    Vector theta = model.defaultParameters();
    theta.head(filters) += test::randomVector(filters, 5, 0.005).cwiseAbs();
    theta.tail(theta.size() - filters) += test::randomVector(theta.size() - filters, 6, 2.0);
    const ReferenceFieldsOfExperts reference(model, noisy.pixels, theta);
    const Vector x = 0.5 * (noisy.pixels + clean);
    const Vector v = test::randomVector(x.size(), 7);
    const Vector dtheta = test::randomVector(theta.size(), 8);
    const double energy = reference.energy(x);
    QVERIFY2(std::abs(model.energy(x, theta) - energy) <= 1e-12 * std::abs(energy),
             qPrintable(mismatch(model.energy(x, theta), energy)));
    Vector g(x.size()), hv(x.size()), mixed, transposed(x.size());
    const double e = model.energyAndGradient(x, theta, g);
    QVERIFY2(std::abs(e - energy) <= 1e-12 * std::abs(energy), qPrintable(mismatch(e, energy)));
    const auto check = [](const char* what, const Vector& value, const Vector& expected) {
      const double error = test::relativeError(value, expected);
      QVERIFY2(error <= 1e-12, qPrintable(QString("%1: relative error %2").arg(what).arg(error)));
    };
    check("gradient", g, reference.gradient(x));
    model.hessianVectorProduct(x, theta, v, hv);
    check("Hessian-vector", hv, reference.hessianVectorProduct(x, v));
    model.mixedProduct(x, theta, v, mixed);
    check("mixed", mixed, reference.mixedProduct(x, v));
    model.mixedTransposeProduct(x, theta, dtheta, transposed);
    check("mixed transpose", transposed, reference.mixedTransposeProduct(x, dtheta));
  }

  // The symmetric boundary is the valid model on the mirrored picture E x (SymmetricExtension.h),
  // with the data term on the picture alone: E_sym(x) = E_valid(Ex; Ey) − ½‖E(x − y)‖² + ½‖x − y‖²,
  // so ∂_xE_sym = x − y + Eᵀ(∂_xE_valid(Ex) − E(x − y)), H_sym v = v + Eᵀ(H_valid Ev − Ev), the
  // mixed product that of E_valid at (Ex, Ev) and the transposed one Eᵀ of E_valid's.
  void symmetricBoundaryIsTheValidModelOnTheMirroredPicture_data() {
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::newRow("7x7 on 19x26") << 7 << 19 << 26;
    QTest::newRow("4x4 on 9x13") << 4 << 9 << 13;
    QTest::newRow("3x3 on 40x11") << 3 << 40 << 11;
  }
  void symmetricBoundaryIsTheValidModelOnTheMirroredPicture() {
    QFETCH(int, size);
    QFETCH(int, rows);
    QFETCH(int, cols);
    const Case c = makeCase(PenaltyKind::StudentT, size, rows, cols);
    const FieldsOfExperts& model = *c.model;
    const SymmetricExtension extension(rows, cols, size / 2);
    Image mirrored(extension.extendedRows(), extension.extendedCols());
    extension.extend(model.initialPoint(), mirrored.pixels);
    FieldsOfExperts::Options options = model.options();
    options.boundary = FilterBoundary::Valid;
    const FieldsOfExperts valid(mirrored, options);
    QCOMPARE(valid.rows(), rows + 2 * (size / 2));
    QCOMPARE(model.rows(), rows);
    const Vector& x = c.x;
    const Vector& y = model.initialPoint();
    const Vector v = test::randomVector(x.size(), 21),
                 dtheta = test::randomVector(c.theta.size(), 22);
    Vector ex, ev, ed;
    extension.extend(x, ex);
    extension.extend(v, ev);
    extension.extend(x - y, ed);
    const auto fold = [&](const Vector& g) {
      Vector out;
      extension.extendAdjoint(g, out);
      return out;
    };
    const double expectedEnergy =
        valid.energy(ex, c.theta) - 0.5 * ed.squaredNorm() + 0.5 * (x - y).squaredNorm();
    QVERIFY(std::abs(model.energy(x, c.theta) - expectedEnergy) <=
            1e-12 * std::abs(expectedEnergy));
    Vector g(x.size()), gv(ex.size()), hv(x.size()), hvv(ex.size()), mixed, mixedValid,
        transposed(x.size()), transposedValid(ex.size());
    model.energyAndGradient(x, c.theta, g);
    valid.energyAndGradient(ex, c.theta, gv);
    QVERIFY(test::relativeError(g, x - y + fold(gv - ed)) <= 1e-12);
    model.hessianVectorProduct(x, c.theta, v, hv);
    valid.hessianVectorProduct(ex, c.theta, ev, hvv);
    QVERIFY(test::relativeError(hv, v + fold(hvv - ev)) <= 1e-12);
    model.mixedProduct(x, c.theta, v, mixed);
    valid.mixedProduct(ex, c.theta, ev, mixedValid);
    QVERIFY(test::relativeError(mixed, mixedValid) <= 1e-12);
    model.mixedTransposeProduct(x, c.theta, dtheta, transposed);
    valid.mixedTransposeProduct(ex, c.theta, dtheta, transposedValid);
    QVERIFY(test::relativeError(transposed, fold(transposedValid)) <= 1e-12);
  }

  // Small responses (a faint image, y = x so the energy is the penalty alone; no constant offset,
  // whose cancellation in the zero-mean filters would dominate): the vectorised log(1 + z²) must
  // keep log1p's relative accuracy where 1 + z² rounds z² away.
  void studentTPenaltyIsAccurateForSmallResponses() {
    Image flat(40, 33);
    flat.pixels = test::randomVector(flat.size(), 9, 1e-6);
    FieldsOfExperts::Options options;
    options.filters = 8;
    options.filterSize = 5;
    options.boundary = FilterBoundary::Valid;  // the reference's correlation
    const FieldsOfExperts model(flat, options);
    const Vector theta = model.defaultParameters();
    const ReferenceFieldsOfExperts reference(model, flat.pixels, theta);
    const double energy = reference.energy(flat.pixels);
    QVERIFY(energy > 0.0 && energy < 1e-6);
    QVERIFY2(std::abs(model.energy(flat.pixels, theta) - energy) <= 1e-13 * energy,
             qPrintable(mismatch(model.energy(flat.pixels, theta), energy)));
  }

  void gradientMatchesFiniteDifferences_data() { addCaseRows(); }
  void gradientMatchesFiniteDifferences() {
    const Case c = fetchCase();
    const Eigen::Index n = c.x.size();
    Vector g(n);
    const double energy = c.model->energyAndGradient(c.x, c.theta, g);
    QVERIFY(std::abs(energy - c.model->energy(c.x, c.theta)) <= 1e-12 * std::abs(energy));
    for (unsigned seed : {21u, 22u, 23u}) {
      const Vector v = test::randomVector(n, seed);
      const double fd =
          (c.model->energy(c.x + kStep * v, c.theta) - c.model->energy(c.x - kStep * v, c.theta)) /
          (2 * kStep);
      QVERIFY2(std::abs(fd - g.dot(v)) <= kTolerance * std::abs(g.dot(v)),
               qPrintable(mismatch(fd, g.dot(v))));
    }
    // Corners and an interior pixel (with the valid boundary the corners are seen by one filter
    // position only). A single pixel's derivative can be far smaller than the energy, so the
    // difference's rounding, about 4.5 eps·|E| / h, is allowed besides the relative tolerance.
    const double rounding = 1e-15 * std::abs(energy) / kStep;
    for (Eigen::Index i : {Eigen::Index(0), Eigen::Index(c.model->cols() + 2), n - 1}) {
      Vector e = Vector::Zero(n);
      e[i] = 1.0;
      const double fd =
          (c.model->energy(c.x + kStep * e, c.theta) - c.model->energy(c.x - kStep * e, c.theta)) /
          (2 * kStep);
      QVERIFY2(std::abs(fd - g[i]) <= kTolerance * std::max(std::abs(g[i]), 1e-3) + rounding,
               qPrintable(mismatch(fd, g[i])));
    }
  }

  void hessianVectorProductMatchesFiniteDifferences_data() { addCaseRows(); }
  void hessianVectorProductMatchesFiniteDifferences() {
    const Case c = fetchCase();
    const Eigen::Index n = c.x.size();
    const Vector v = test::randomVector(n, 31);
    Vector hv(n), gPlus(n), gMinus(n);
    c.model->hessianVectorProduct(c.x, c.theta, v, hv);
    c.model->gradient(c.x + kStep * v, c.theta, gPlus);
    c.model->gradient(c.x - kStep * v, c.theta, gMinus);
    const Vector fd = (gPlus - gMinus) / (2 * kStep);
    QVERIFY2(test::relativeError(hv, fd) <= kTolerance,
             qPrintable(QString("relative error %1").arg(test::relativeError(hv, fd))));
    const Vector u = test::randomVector(n, 32);
    Vector hu(n);
    c.model->hessianVectorProduct(c.x, c.theta, u, hu);
    QVERIFY(std::abs(u.dot(hv) - hu.dot(v)) <= 1e-10 * std::abs(u.dot(hv)));
  }

  void mixedProductsMatchFiniteDifferences_data() { addCaseRows(); }
  void mixedProductsMatchFiniteDifferences() {
    const Case c = fetchCase();
    const Eigen::Index n = c.x.size(), p = c.theta.size();
    const Vector v = test::randomVector(n, 41);
    Vector mixed(p), g(n);
    c.model->mixedProduct(c.x, c.theta, v, mixed);
    // (∂²_θxE) v = ∂_θ ⟨∂_xE, v⟩, every entry (ν and ϑ). ⟨∂_xE, v⟩ is a sum of n terms of size
    // ~1 and some entries are 1e-3 of it: a step of 1e-4 keeps the rounding error (eps·|⟨∂_xE,
    // v⟩|/h) below 1e-6 of them, the truncation error (h²) is smaller still.
    for (Eigen::Index j = 0; j < p; ++j) {
      Vector plus = c.theta, minus = c.theta;
      const double h = 1e-4 * std::max(std::abs(c.theta[j]), 1.0);
      plus[j] += h;
      minus[j] -= h;
      c.model->gradient(c.x, plus, g);
      const double up = g.dot(v);
      c.model->gradient(c.x, minus, g);
      const double down = g.dot(v);
      const double fd = (up - down) / (2 * h);
      QVERIFY2(std::abs(fd - mixed[j]) <= kTolerance * std::max(std::abs(mixed[j]), 1e-3),
               qPrintable(QString("θ_%1: ").arg(j) + mismatch(fd, mixed[j])));
    }
    const Vector dtheta = test::randomVector(p, 42);
    Vector transposed(n), gPlus(n), gMinus(n);
    c.model->mixedTransposeProduct(c.x, c.theta, dtheta, transposed);
    c.model->gradient(c.x, c.theta + kStep * dtheta, gPlus);
    c.model->gradient(c.x, c.theta - kStep * dtheta, gMinus);
    const Vector fd = (gPlus - gMinus) / (2 * kStep);
    QVERIFY2(test::relativeError(transposed, fd) <= kTolerance,
             qPrintable(QString("relative error %1").arg(test::relativeError(transposed, fd))));
    QVERIFY(std::abs(transposed.dot(v) - mixed.dot(dtheta)) <= 1e-10 * std::abs(mixed.dot(dtheta)));
  }

  void curvatureBoundsHoldAlongRandomDirections_data() { addCaseRows(); }
  void curvatureBoundsHoldAlongRandomDirections() {
    const Case c = fetchCase();
    const double upper = c.model->gradientLipschitzBound(c.theta);
    const double lower = c.model->strongConvexityBound(c.theta);
    QVERIFY(lower < upper);
    Vector hv(c.x.size());
    for (unsigned seed = 50; seed < 55; ++seed) {
      const Vector v = test::randomVector(c.x.size(), seed);
      c.model->hessianVectorProduct(c.x, c.theta, v, hv);
      const double rayleigh = v.dot(hv) / v.squaredNorm();
      QVERIFY(rayleigh <= upper);
      QVERIFY(rayleigh >= lower - 1e-12);
    }
    QFETCH(int, penalty);
    if (PenaltyKind(penalty) == PenaltyKind::Charbonnier) QCOMPARE(lower, 1.0);
  }

  // The symmetric boundary's Hessian Eᵀ(Σ ν K_kᵀ D K_k)E reaches beyond Σ ν ‖k‖₁² where a pixel
  // has mirror copies: a 2×2 difference filter on a flat picture (Charbonnier, ρ''(0) = 1, its
  // maximum) has λ_max ≈ 1 + 1.9·ν‖k‖₁², which the bound must still cover (it did not before the
  // factor ‖E‖² = 4).
  void lipschitzBoundCoversTheMirroredBorder() {
    Image flat(12, 12);
    flat.pixels.setConstant(0.5);
    FieldsOfExperts::Options options;
    options.filters = 1;
    options.filterSize = 2;
    options.penalty = PenaltyKind::Charbonnier;
    for (FilterBoundary boundary : {FilterBoundary::Symmetric, FilterBoundary::Valid}) {
      options.boundary = boundary;
      const FieldsOfExperts model(flat, options);
      Vector theta(4);
      theta << 1.0, 1.0, 0.0, 1.0;  // ν = 1, k = K_01 + K_11: a one-row difference
      HessianSpectrumOptions lanczos;
      lanczos.steps = 100;
      const HessianSpectrum spectrum = hessianSpectrum(model, flat.pixels, theta, lanczos);
      const double bound = model.gradientLipschitzBound(theta);
      QVERIFY2(spectrum.largest <= bound * (1.0 + 1e-12),
               qPrintable(QString("%1: λ_max %2 > bound %3")
                              .arg(QString::fromStdString(toString(boundary)))
                              .arg(spectrum.largest)
                              .arg(bound)));
      if (boundary == FilterBoundary::Symmetric) QVERIFY(spectrum.largest > 1.0 + 4.0);
    }
  }

  // Above the work threshold the filters are split between threads that scatter into their own
  // images: the products must equal the ones of one thread (up to the order of the sums).
  void threadsGiveTheProductsOfOneThread() {
    Image noisy(64, 60);
    noisy.pixels = test::randomVector(noisy.size(), 12, 0.3);
    FieldsOfExperts::Options options;
    options.filters = 8;
    options.filterSize = 7;
    const int threads = omp_get_max_threads();
    omp_set_num_threads(std::max(threads, 2));
    const FieldsOfExperts team(noisy, options);
    omp_set_num_threads(1);
    const FieldsOfExperts single(noisy, options);
    omp_set_num_threads(threads);
    Vector theta = team.defaultParameters();
    theta.tail(theta.size() - 8) += test::randomVector(theta.size() - 8, 13);
    const Vector& x = noisy.pixels;
    const Vector v = test::randomVector(x.size(), 14);
    const Vector dtheta = test::randomVector(theta.size(), 15);
    const auto products = [&](const FieldsOfExperts& model) {
      std::vector<Vector> out(4);
      out[0].resize(x.size());
      const double e = model.energyAndGradient(x, theta, out[0]);
      out[1].resize(x.size());
      model.hessianVectorProduct(x, theta, v, out[1]);
      model.mixedProduct(x, theta, v, out[2]);
      out[3].resize(x.size());
      model.mixedTransposeProduct(x, theta, dtheta, out[3]);
      out.push_back(Vector::Constant(1, e));
      out.push_back(Vector::Constant(1, model.energy(x, theta)));
      return out;
    };
    const auto a = products(team), b = products(single);
    for (std::size_t i = 0; i < a.size(); ++i)
      QVERIFY2(test::relativeError(a[i], b[i]) < 1e-13, qPrintable(QString("product %1").arg(i)));
  }

  void parametersHaveTheirShape() {
    const Case c = makeCase(PenaltyKind::StudentT, 5, 20, 16);
    const auto& layout = c.model->parameterLayout();
    QCOMPARE(layout.size(), Eigen::Index(4 + 4 * 24));
    const auto* nu = layout.find("nu");
    const auto* filters = layout.find("filters");
    QVERIFY(nu && filters);
    QVERIFY(nu->positive);
    QCOMPARE(filters->rows, 4);
    QCOMPARE(filters->cols, 24);
    // The default bank is the first atoms at the initial norm; more filters than atoms get seeded
    // random ones of that norm, the same for the same seed.
    Image image(12, 12);
    FieldsOfExperts::Options options;
    options.filters = 10;
    options.filterSize = 3;
    const FieldsOfExperts model(image, options);
    const Vector theta = model.defaultParameters();
    QCOMPARE(theta.head(10), Vector::Constant(10, options.nu));
    const Vector bank = model.filterBank(theta);
    QCOMPARE(bank.size(), Eigen::Index(10 * 9));
    for (int k = 0; k < 10; ++k)
      QVERIFY(std::abs(bank.segment(9 * k, 9).norm() - options.initialNorm) < 1e-12);
    QCOMPARE(Eigen::Map<const Vector>(model.basis().atom(2), 9) * options.initialNorm,
             Vector(bank.segment(18, 9)));
    QCOMPARE(FieldsOfExperts(image, options).defaultParameters(), theta);
  }

  // What the studio's filter bank shows: each filter k_k of θ as an s×s kernel with its ν_k, and
  // the penalty; models without filters show none.
  void learnedFiltersAreTheBankWithItsWeights() {
    const Case c = makeCase(PenaltyKind::Charbonnier, 5, 20, 16);
    const std::vector<LearnedFilter> bank = c.model->learnedFilters(c.theta);
    const Vector filters = c.model->filterBank(c.theta);
    QCOMPARE(int(bank.size()), 4);
    for (int k = 0; k < 4; ++k) {
      QCOMPARE(bank[k].rows, 5);
      QCOMPARE(bank[k].cols, 5);
      QCOMPARE(bank[k].weight, c.theta[k]);
      QCOMPARE(bank[k].kernel, Vector(filters.segment(25 * k, 25)));
    }
    QCOMPARE(c.model->responsePenalty(), std::optional(PenaltyKind::Charbonnier));
    Image image(8, 8);
    const HuberTV huber(image, HuberTV::Options{});
    QVERIFY(huber.learnedFilters(huber.defaultParameters()).empty());
    QVERIFY(!huber.responsePenalty());
  }

  // The registry's foe reads the model.* keys; an unknown penalty is refused by the configuration,
  // naming the key, before any image is read.
  void configurationBuildsTheBankAndRefusesUnknownPenalties() {
    Configuration config = Configuration::fromPreset("foe-24x5-denoise");
    QCOMPARE(config.modelType(), std::string("foe"));
    Image image(12, 14);
    const auto model = registry::model("foe").make(image, config.json()["model"]);
    QCOMPARE(model->parameterCount(), Eigen::Index(24 + 24 * 24));
    QCOMPARE(Configuration::fromPreset("foe-48x7-denoise").json()["model"]["filter_size"], 7);
    QString message;
    try {
      config.set("model.penalty=huber");
    } catch (const Error& e) {
      message = e.what();
    }
    QVERIFY2(message.contains("model.penalty") && message.contains("student-t, charbonnier"),
             qPrintable(message));
    QCOMPARE(config.json()["model"]["penalty"], "student-t");  // the last valid settings stay
    config.set("model.penalty=charbonnier");
    QCOMPARE(config.json()["model"]["penalty"], "charbonnier");
    // model.boundary: symmetric by default, valid on request, anything else refused by name.
    const auto symmetric = registry::model("foe").make(image, config.json()["model"]);
    QVERIFY(dynamic_cast<const FieldsOfExperts&>(*symmetric).options().boundary ==
            FilterBoundary::Symmetric);
    config.set("model.boundary=valid");
    const auto valid = registry::model("foe").make(image, config.json()["model"]);
    QVERIFY(dynamic_cast<const FieldsOfExperts&>(*valid).options().boundary ==
            FilterBoundary::Valid);
    message.clear();
    try {
      config.set("model.boundary=periodic");
    } catch (const Error& e) {
      message = e.what();
    }
    QVERIFY2(message.contains("model.boundary") && message.contains("symmetric, valid"),
             qPrintable(message));
  }

  void badOptionsAreRefusedNamingTheSetting() {
    Image image(6, 6);
    const auto refusal = [&](FieldsOfExperts::Options options) -> QString {
      try {
        FieldsOfExperts model(image, options);
      } catch (const Error& e) {
        return e.what();
      }
      return {};
    };
    FieldsOfExperts::Options options;
    options.filterSize = 7;
    QVERIFY(refusal(options).contains("model.filter_size"));
    options.filterSize = 1;
    QVERIFY(refusal(options).contains("model.filter_size"));
    options = {};
    options.filters = 0;
    QVERIFY(refusal(options).contains("model.filters"));
    options = {};
    options.nu = -1.0;
    QVERIFY(refusal(options).contains("model.nu"));
    options = {};
    QVERIFY(refusal(options).isEmpty());
  }
};

QTEST_APPLESS_MAIN(TestFieldsOfExperts)
#include "tst_fields_of_experts.moc"
