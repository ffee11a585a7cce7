// The outer optimisers on a known objective: an ill-conditioned quadratic, where a quasi-Newton
// step from a poor curvature estimate reaches far, and outer.max_step must bound every trial.
#include <QtTest>

#include <cmath>
#include <vector>

#include "common/Error.h"
#include "config/Configuration.h"
#include "outer/OuterOptimizer.h"

using namespace bilevel;

namespace {

// U(φ) = ½ Σ_j a_j (φ_j − c_j)², recording every point it is evaluated at.
class Quadratic final : public OuterObjective {
 public:
  Quadratic() {
    a_.resize(3);
    a_ << 1.0, 100.0, 0.01;
    c_.resize(3);
    c_ << 3.0, -2.0, 40.0;
  }
  bool evaluate(const Vector& phi, OuterEvaluation& result) override {
    trials.push_back(phi);
    const Vector d = phi - c_;
    result.value = 0.5 * d.dot(a_.cwiseProduct(d));
    result.gradient = a_.cwiseProduct(d);
    return true;
  }
  void accept() override { ++accepted; }
  const Vector& minimiser() const { return c_; }

  std::vector<Vector> trials;
  int accepted = 0;

 private:
  Vector a_, c_;
};

// Runs `steps` outer steps from φ = 0 and returns the largest coordinate change of any trial
// against the iterate it started from.
double longestTrial(const std::string& name, const OuterOptions& options, int steps,
                    Quadratic& objective, Vector& phi) {
  auto optimizer = makeOuterOptimizer(name, options);
  phi = Vector::Zero(3);
  OuterEvaluation current;
  objective.evaluate(phi, current);
  objective.trials.clear();
  double longest = 0.0;
  for (int k = 0; k < steps; ++k) {
    const Vector start = phi;
    const std::size_t first = objective.trials.size();
    const OuterStep step = optimizer->step(phi, current, objective);
    for (std::size_t t = first; t < objective.trials.size(); ++t)
      longest = std::max(longest, (objective.trials[t] - start).cwiseAbs().maxCoeff());
    if (step.converged) break;
  }
  return longest;
}

}  // namespace

class TestOuterOptimizers : public QObject {
  Q_OBJECT

 private slots:
  void maxStepBoundsEveryTrial_data() {
    QTest::addColumn<QString>("optimizer");
    QTest::newRow("lbfgs") << "lbfgs";
    QTest::newRow("gradient-descent") << "gradient-descent";
  }
  void maxStepBoundsEveryTrial() {
    QFETCH(QString, optimizer);
    OuterOptions unbounded;
    unbounded.step = 5.0;
    Quadratic free;
    Vector phi;
    // Without a bound the first steps reach further than 1 in some coordinate (the test would
    // prove nothing otherwise).
    QVERIFY(longestTrial(optimizer.toStdString(), unbounded, 5, free, phi) > 1.0);

    OuterOptions bounded = unbounded;
    bounded.maxStep = 0.25;
    Quadratic objective;
    const double longest = longestTrial(optimizer.toStdString(), bounded, 5, objective, phi);
    QVERIFY2(longest <= 0.25 * (1 + 1e-12), qPrintable(QString::number(longest)));
    QVERIFY(objective.accepted > 0);
  }

  void boundedLbfgsStillConverges() {
    OuterOptions options;
    options.step = 1.0;
    options.tolerance = 1e-10;
    options.maxStep = 2.0;
    Quadratic objective;
    Vector phi;
    longestTrial("lbfgs", options, 400, objective, phi);
    QVERIFY2((phi - objective.minimiser()).cwiseAbs().maxCoeff() < 1e-6,
             qPrintable(QString::number((phi - objective.minimiser()).norm())));
  }

  void configurationReadsMaxStep() {
    Configuration c;
    QCOMPARE(outerOptionsFrom(c.json()["outer"]).maxStep, 0.0);
    c.set("outer.max_step=0.5");
    QCOMPARE(outerOptionsFrom(c.json()["outer"]).maxStep, 0.5);
    bool refused = false;
    try {
      c.set("outer.max_step=-1");
    } catch (const Error& e) {
      refused = QString::fromStdString(e.what()).contains("outer.max_step");
    }
    QVERIFY(refused);
  }
};

QTEST_APPLESS_MAIN(TestOuterOptimizers)
#include "tst_outer_optimizers.moc"
