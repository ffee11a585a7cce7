#include <QtTest>

#include "../TestProblems.h"
#include "common/Error.h"
#include "diagnostics/SupportIdentification.h"
#include "solvers/ChambollePock.h"

using namespace bilevel;

class TestSupportIdentification : public QObject {
  Q_OBJECT
 private slots:
  void theIterationIdentifiesTheSolutionsJumpSet() {
    // Two constant halves plus noise, 10×10: the solution's jump set is the boundary column.
    Image image(10, 10);
    const Vector noise = test::randomVector(100, 4, 0.03);
    for (int r = 0; r < 10; ++r)
      for (int c = 0; c < 10; ++c)
        image.at(r, c) = (c >= 5 ? 0.8 : 0.2) + noise[r * 10 + c];
    TotalVariation::Options o;
    o.lambda = 0.1;
    const TotalVariation model(image, o);
    const Vector theta = model.defaultParameters();
    SupportIdentificationOptions options;
    options.iterations = 20000;
    options.interval = 50;
    const SupportIdentification s = supportIdentification(model, theta, options);

    // The reference support: a tight solve.
    Vector x = model.initialPoint();
    SolveOptions tight;
    tight.tolerance = 1e-15;
    tight.maxIterations = 100000;
    ChambollePock().solve(model, theta, x, tight);
    std::vector<std::uint8_t> mask;
    const Eigen::Index expected = model.jumpSet(x, mask);
    QVERIFY(expected > 0 && expected < 100);

    QCOMPARE(s.iterations.size(), std::size_t(20000 / 50 + 1));
    QCOMPARE(s.supportSize.back(), expected);
    QVERIFY2(s.identifiedAt > 0 && s.identifiedAt < 20000,
             qPrintable(QString::number(s.identifiedAt)));
    // From the identification on nothing changes, and the gap keeps falling.
    for (std::size_t i = 0; i < s.iterations.size(); ++i) {
      if (s.iterations[i] > s.identifiedAt) QCOMPARE(s.supportChanges[i], Eigen::Index(0));
    }
    QCOMPARE(s.supportChanges.front(), Eigen::Index(0));
    QVERIFY(s.relativeGap.back() < 1e-3 * s.relativeGap.front());
    qInfo("jump set of %lld pixels identified at iteration %d, relative gap %.3g at %d",
          (long long)expected, s.identifiedAt, s.relativeGap.back(), s.iterations.back());
  }

  void aRunStopsAtTheGapAskedFor() {
    Image image(10, 10);
    for (int r = 0; r < 10; ++r)
      for (int c = 0; c < 10; ++c)
        image.at(r, c) = c >= 5 ? 0.8 : 0.2;
    TotalVariation::Options o;
    o.lambda = 0.1;
    const TotalVariation model(image, o);
    SupportIdentificationOptions options;
    options.iterations = 20000;
    options.stopGap = 1e-8;
    const SupportIdentification s =
        supportIdentification(model, model.defaultParameters(), options);
    QVERIFY(s.iterations.back() < options.iterations);
    QVERIFY(s.relativeGap.back() <= 1e-8);
    // The record before was above it.
    QVERIFY(s.relativeGap[s.relativeGap.size() - 2] > 1e-8);
  }

  void badOptionsAreRefused() {
    Image image(4, 4);
    const TotalVariation model(image, {});
    SupportIdentificationOptions options;
    options.interval = 0;
    QVERIFY_THROWS_EXCEPTION(Error,
                             supportIdentification(model, model.defaultParameters(), options));
  }
};

QTEST_APPLESS_MAIN(TestSupportIdentification)
#include "tst_support_identification.moc"
