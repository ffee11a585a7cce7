#include <QtTest>

#include <cmath>

#include "config/Configuration.h"
#include "data/Dataset.h"
#include "learning/DatasetLearning.h"

#include "../TestDatasets.h"

using namespace bilevel;

namespace {

// Huber-TV λ on the dataset suites' eight training patches (TestDatasets.h). ε = 0.05 keeps
// L/μ = 1 + 8λ/ε small enough that single gradient steps on x and v settle within a few hundred
// draws per sample.
Configuration problem(const std::string& algorithm, int batch) {
  Configuration c = test::deadLeavesPatches(algorithm, batch);
  c.set("model.lambda=0.01");
  c.set("model.epsilon=0.05");
  c.set("train.validate_every=100000");
  return c;
}

// λ* of the mean training loss: two-loop on the full batch with tight inner and adjoint solves,
// L-BFGS until its gradient tolerance.
double referenceLambda(const Dataset& dataset) {
  Configuration c = problem("two-loop", 0);
  c.set("solver.tolerance=1e-10");
  c.set("solver.max_iterations=100000");
  c.set("hypergradient.tolerance=1e-10");
  c.set("outer.optimizer=lbfgs");
  c.set("outer.tolerance=1e-7");
  c.set("train.steps=60");
  auto learning = makeLearningAlgorithm(dataset, c);
  learning->run();
  return learning->parameters()[0];
}

double learnedLambda(const Configuration& c, const Dataset& dataset) {
  auto learning = makeLearningAlgorithm(dataset, c);
  learning->run();
  return learning->parameters()[0];
}

}  // namespace

class TestSingleLoopLearning : public QObject {
  Q_OBJECT

 private slots:
  // With the whole training set as the batch, SABA's estimators reduce to the plain directions
  // ((D − m) + m = D up to rounding), so it is SOBA with constant steps: the same θ to 1e-12.
  // On minibatches they differ (the tables are in use).
  void sabaOnTheFullBatchIsSobaWithConstantSteps() {
    Configuration soba = problem("soba", 0);
    soba.set("train.step_decay=0");
    soba.set("outer.step=0.2");
    soba.set("train.steps=30");
    Configuration saba = soba;
    saba.set("train.algorithm=saba");
    const Dataset dataset(DatasetOptions::fromConfiguration(soba));
    const double a = learnedLambda(soba, dataset), b = learnedLambda(saba, dataset);
    QVERIFY2(std::abs(a - b) <= 1e-12 * a,
             qPrintable(QString("soba %1, saba %2").arg(a, 0, 'g', 17).arg(b, 0, 'g', 17)));
    QVERIFY(std::abs(a - 0.01) > 1e-3);  // λ moved
    soba.set("dataset.batch=2");
    saba.set("dataset.batch=2");
    QVERIFY(std::abs(learnedLambda(soba, dataset) - learnedLambda(saba, dataset)) > 1e-9);
  }

  // On minibatches of 2 of the 8 samples, SABA with constant steps and SOBA with decreasing ones
  // reach the λ* that two-loop learning finds on the full batch (to its outer tolerance 1e-7).
  // SABA's fixed point is λ* itself (x_i = x_i*(λ*), v_i = v_i*, every stored direction equal to
  // its sample's, their mean 0) and it converges linearly: measured λ = 0.04861 from step 2,000 on
  // and 5e-7 relative at 4,000, so 1e-4 leaves room for another machine's rounding without
  // admitting a stationary point elsewhere. SOBA's decreasing steps converge at its theorem's
  // sublinear rate and its iterate carries the noise of the last draws (γ_k at step 16,000 is
  // 0.072·outer.step): measured 0.97%, 0.89%, 0.64% and 0.07% at 2,000, 4,000, 8,000 and 16,000
  // steps, so 1% at 16,000. With constant steps it wanders: 2.1%, 2.1% and 4.0% at 4,000, 8,000
  // and 16,000 steps (qInfo), which 1% refuses.
  void singleLoopReachesTheTwoLoopOptimum_data() {
    QTest::addColumn<QString>("algorithm");
    QTest::addColumn<int>("steps");
    QTest::addColumn<double>("tolerance");
    QTest::newRow("saba constant steps") << "saba" << 4000 << 1e-4;
    QTest::newRow("soba decreasing steps") << "soba" << 16000 << 0.01;
  }
  void singleLoopReachesTheTwoLoopOptimum() {
    QFETCH(QString, algorithm);
    QFETCH(int, steps);
    QFETCH(double, tolerance);
    Configuration c = problem(algorithm.toStdString(), 2);
    c.set("train.steps=" + std::to_string(steps));
    c.set("outer.step=0.05");
    c.set("train.step_decay=200");
    const Dataset dataset(DatasetOptions::fromConfiguration(c));
    const double reference = referenceLambda(dataset);
    const double learned = learnedLambda(c, dataset);
    Configuration constant = c;
    constant.set("train.algorithm=soba");
    constant.set("train.step_decay=0");
    const double wandering = learnedLambda(constant, dataset);
    qInfo("%s: λ %.6f, two-loop λ* %.6f (relative error %.1e; soba with constant steps %.1e)",
          qPrintable(algorithm), learned, reference, std::abs(learned - reference) / reference,
          std::abs(wandering - reference) / reference);
    QVERIFY(reference > 0.015);  // the start 0.01 is not already the answer
    QVERIFY2(std::abs(learned - reference) <= tolerance * reference,
             qPrintable(QString("λ %1, λ* %2").arg(learned).arg(reference)));
  }
};

QTEST_APPLESS_MAIN(TestSingleLoopLearning)
#include "tst_single_loop_learning.moc"
