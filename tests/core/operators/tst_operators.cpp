#include <QtTest>

#include "../TestProblems.h"
#include "operators/BilinearUpsampling.h"
#include "operators/Dct.h"
#include "operators/FiniteDifferenceGradient.h"
#include "operators/SymmetricExtension.h"

using namespace bilevel;

class TestOperators : public QObject {
  Q_OBJECT
 private slots:
  void gradientAdjointIdentity_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::newRow("square") << 32 << 32;
    QTest::newRow("wide") << 7 << 41;
    QTest::newRow("tall, above the parallel threshold") << 300 << 64;
    QTest::newRow("tiny") << 4 << 4;
    // One column / row / pixel: ∇_h (∇_v) is identically zero and ∇ᵀ must not read p_h[−1].
    QTest::newRow("one column") << 40 << 1;
    QTest::newRow("one row") << 1 << 40;
    QTest::newRow("one pixel") << 1 << 1;
  }
  void gradientAdjointIdentity() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    const FiniteDifferenceGradient gradient(rows, cols);
    const Eigen::Index n = Eigen::Index(rows) * cols;
    const Vector x = test::randomVector(n, 1);
    const Vector ph = test::randomVector(n, 2), pv = test::randomVector(n, 3);
    Vector gh(n), gv(n), adjoint(n);
    gradient.apply(x, gh, gv);
    gradient.applyAdjoint(ph, pv, adjoint);
    // ⟨∇x, p⟩ = ⟨x, ∇ᵀp⟩, where ∇'s range has zeros in the last column/row.
    const double lhs = gh.dot(ph) + gv.dot(pv);
    const double rhs = x.dot(adjoint);
    QVERIFY2(std::abs(lhs - rhs) <= 1e-12 * (std::abs(lhs) + 1.0),
             qPrintable(QString("%1 vs %2").arg(lhs).arg(rhs)));
    // Neumann boundary: the last column of ∇_h and the last row of ∇_v vanish.
    for (int r = 0; r < rows; ++r)
      QCOMPARE(gh[Eigen::Index(r) * cols + cols - 1], 0.0);
    for (int c = 0; c < cols; ++c)
      QCOMPARE(gv[Eigen::Index(rows - 1) * cols + c], 0.0);
  }

  void forwardDifferencesOfARamp() {
    const int rows = 5, cols = 6;
    Vector x(rows * cols);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c)
        x[r * cols + c] = 2.0 * c + 3.0 * r;
    Vector gh(x.size()), gv(x.size());
    FiniteDifferenceGradient(rows, cols).apply(x, gh, gv);
    QCOMPARE(gh[0], 2.0);
    QCOMPARE(gv[0], 3.0);
  }

  void laplacianEigenvaluesMatchTheDct() {
    // ∇ᵀ∇ applied to a DCT-II basis function scales it by normalEigenvalue(i, j).
    const int rows = 16, cols = 12;
    const FiniteDifferenceGradient gradient(rows, cols);
    for (auto [i, j] : {std::pair{0, 0}, {1, 0}, {3, 5}, {15, 11}}) {
      Vector coefficients = Vector::Zero(rows * cols);
      coefficients[i * cols + j] = 1.0;
      const Vector basis = idct2(coefficients, rows, cols);
      Vector laplacian(basis.size());
      gradient.applyNormal(basis, laplacian);
      const Vector expected = gradient.normalEigenvalue(i, j) * basis;
      QVERIFY((laplacian - expected).norm() <= 1e-12);
    }
  }

  void dctIsOrthonormal() {
    const Vector x = test::randomVector(8 * 10, 4);
    const Vector coefficients = dct2(x, 8, 10);
    QVERIFY(std::abs(coefficients.norm() - x.norm()) <= 1e-12 * x.norm());
    QVERIFY((idct2(coefficients, 8, 10) - x).norm() <= 1e-12 * x.norm());
  }

  void bilinearAdjointIdentityAndInterpolation() {
    const BilinearUpsampling up(4, 5, 37, 50);
    const Vector control = test::randomVector(20, 5);
    const Vector field = test::randomVector(37 * 50, 6);
    Vector upsampled(37 * 50), back(20);
    up.apply(control, upsampled);
    up.applyAdjoint(field, back);
    QVERIFY(std::abs(upsampled.dot(field) - control.dot(back)) <=
            1e-11 * std::abs(control.dot(back)));
    // Corners of the image hit control points exactly; a constant grid gives a constant field.
    QCOMPARE(upsampled[0], control[0]);
    QCOMPARE(upsampled[37 * 50 - 1], control[19]);
    Vector constant = Vector::Constant(20, 0.3);
    up.apply(constant, upsampled);
    QVERIFY((upsampled.array() - 0.3).abs().maxCoeff() <= 1e-15);
  }

  void bilinearRejectsAGridFinerThanTheImage() {
    QVERIFY_THROWS_EXCEPTION(std::exception, BilinearUpsampling(10, 10, 8, 8));
  }

  void symmetricExtensionMirrorsAndItsAdjointFolds_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("margin");
    QTest::newRow("7x5, margin 3") << 7 << 5 << 3;
    QTest::newRow("margin = rows") << 3 << 9 << 3;
    QTest::newRow("one pixel") << 1 << 1 << 1;
    QTest::newRow("margin 0") << 4 << 6 << 0;
  }
  void symmetricExtensionMirrorsAndItsAdjointFolds() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, margin);
    const SymmetricExtension extension(rows, cols, margin);
    const Vector x = test::randomVector(Eigen::Index(rows) * cols, 8);
    const Vector g = test::randomVector(extension.extendedSize(), 9);
    Vector extended, folded;
    extension.extend(x, extended);
    extension.extendAdjoint(g, folded);
    QCOMPARE(extended.size(), extension.extendedSize());
    QVERIFY(std::abs(extended.dot(g) - x.dot(folded)) <= 1e-12 * std::abs(x.dot(folded)) + 1e-14);
    // Whole-sample reflection, written out: extended(i, j) = x(m(i − r), m(j − r)) with
    // m(−1) = 0, m(−2) = 1, m(n) = n − 1.
    const auto mirror = [](int i, int n) { return i < 0 ? -i - 1 : (i >= n ? 2 * n - i - 1 : i); };
    const int width = extension.extendedCols();
    for (int i = 0; i < extension.extendedRows(); ++i) {
      for (int j = 0; j < width; ++j) {
        QCOMPARE(extended[Eigen::Index(i) * width + j],
                 x[Eigen::Index(mirror(i - margin, rows)) * cols + mirror(j - margin, cols)]);
      }
    }
    // Eᵀ 1 counts how many extended pixels copy each picture pixel: the sum is the extended size.
    extension.extendAdjoint(Vector::Ones(extension.extendedSize()), folded);
    QCOMPARE(folded.sum(), double(extension.extendedSize()));
  }

  void symmetricExtensionRefusesAMarginWiderThanTheImage() {
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, SymmetricExtension(2, 8, 3));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, SymmetricExtension(8, 8, -1));
  }
};

QTEST_APPLESS_MAIN(TestOperators)
#include "tst_operators.moc"
