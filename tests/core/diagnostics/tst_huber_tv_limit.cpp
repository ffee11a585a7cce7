#include <QtTest>

#include "../TestProblems.h"
#include "common/Error.h"
#include "diagnostics/HuberTvLimit.h"

using namespace bilevel;

class TestHuberTvLimit : public QObject {
  Q_OBJECT
 private slots:
  // Issue 9 §3: Huber-TV's hypergradient tends to TV's as ε → 0. 12×12 four constant blocks plus
  // noise (σ = 0.05) at the generic λ = 0.1, where TV's jump set is stable (tst_tv_derivative_
  // sequence), so dU/dλ exists and implicit-manifold computes it.
  void huberHypergradientTendsToTv() {
    Image clean(12, 12), noisy(12, 12);
    const Vector noise = test::randomVector(144, 17, 0.05);
    for (int r = 0; r < 12; ++r)
      for (int c = 0; c < 12; ++c) {
        clean.at(r, c) = r < 6 ? (c < 6 ? 0.2 : 0.7) : (c < 6 ? 0.5 : 0.9);
        noisy.at(r, c) = clean.at(r, c) + noise[r * 12 + c];
      }
    const HuberTvLimit table = huberTvLimit(noisy, clean, 0.1, {1e-1, 1e-2, 1e-3, 1e-4});
    qInfo("tv: dU/dλ = %.10f (%d Chambolle-Pock iterations, %d CG)", table.hypergradient,
          table.innerIterations, table.adjointIterations);
    for (const HuberTvLimitRow& row : table.rows) {
      qInfo("ε = %.0e: dU/dλ = %.10f, relative difference %.3e (%d + %d iterations)", row.epsilon,
            row.hypergradient, row.difference, row.innerIterations, row.adjointIterations);
    }
    // The difference shrinks with ε. Once ε is below the smallest jump |(∇x*)_i| on S every jump
    // pixel is on h_ε's linear branch, where h_ε(t) = t − ε/2 has TV's derivative, and only the
    // flat regions differ: there λψ(∇x_ε) plays the dual q* (|q*| < λ), so ∇x_ε = ε q*/λ and
    // x_ε − x* = O(ε), and so its derivative in λ and dU/dλ (Huber smoothing is O(ε) accurate).
    // Above, jump pixels sit on the quadratic branch and the difference is O(1). Measured
    // (relative): ε = 1e-1: 0.54, 1e-2: 5.9e-2, 1e-3: 2.3e-4, 1e-4: 1.2e-5 (19× for the last
    // decade, within the O(ε) bound). Below 1e-4 the Huber solves' rounding floor (condition
    // number 1 + 8λ/ε) is reached before the gradient tolerance of 1e-12. Bound: 1e-4, 8× the
    // measured value.
    for (std::size_t i = 1; i < table.rows.size(); ++i)
      QVERIFY2(table.rows[i].difference < table.rows[i - 1].difference,
               qPrintable(QString("ε = %1").arg(table.rows[i].epsilon)));
    QVERIFY2(table.rows.back().difference < 1e-4,
             qPrintable(QString::number(table.rows.back().difference)));
  }

  void badArgumentsAreRefused() {
    const Image a(4, 4), b(4, 5);
    QVERIFY_THROWS_EXCEPTION(Error, huberTvLimit(a, b, 0.1, {1e-2}));
    QVERIFY_THROWS_EXCEPTION(Error, huberTvLimit(a, a, 0.0, {1e-2}));
    QVERIFY_THROWS_EXCEPTION(Error, huberTvLimit(a, a, 0.1, {0.0}));
  }
};

QTEST_APPLESS_MAIN(TestHuberTvLimit)
#include "tst_huber_tv_limit.moc"
