#include <QtTest>

#include "../TestProblems.h"
#include "common/Error.h"
#include "config/Configuration.h"
#include "hypergradients/HypergradientMethod.h"
#include "iterations/IterationRun.h"
#include "iterations/PrimalDualMap.h"
#include "learning/TrainingPair.h"
#include "losses/SquaredError.h"
#include "models/TotalVariation.h"
#include "solvers/ChambollePock.h"

using namespace bilevel;

namespace {

// A 9×8 image with two flat regions plus noise: a non-trivial jump set and dual variables both
// inside and outside their balls.
Image testImage() {
  Image image(9, 8);
  const Vector noise = test::randomVector(72, 5, 0.05);
  for (int r = 0; r < 9; ++r)
    for (int c = 0; c < 8; ++c)
      image.at(r, c) = (c >= 4 ? 0.8 : 0.2) + noise[r * 8 + c];
  return image;
}

TotalVariation::Options options(bool map) {
  return map ? test::tvOptions(0.06, 2, 3) : test::tvOptions(0.06);
}

// A random state whose dual argument v = q + σ K x̄ stays at least `margin` (relative) away from
// every sphere |v_i| = λ_i, so that central differences of the step do not cross a kink.
IterationState stateAwayFromKinks(const PrimalDualMap& map, const TotalVariation& model,
                                  const Vector& theta, unsigned seed) {
  const Eigen::Index n = model.variableCount();
  const Vector& weights = model.pixelWeights(theta);
  for (unsigned attempt = 0;; ++attempt) {
    IterationState z = map.makeState();
    z.part(0) = model.initialPoint() + test::randomVector(n, seed + 10 * attempt, 0.05);
    z.part(1) = model.initialPoint() + test::randomVector(n, seed + 10 * attempt + 1, 0.05);
    z.part(2) = test::randomVector(2 * n, seed + 10 * attempt + 2, 0.06);
    Vector v(2 * n);
    model.applyK(z.part(1), v);
    v = z.part(2) + map.dualStep() * v;
    bool clear = true;
    int inside = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double norm = std::hypot(v[i], v[n + i]);
      clear = clear && std::abs(norm - weights[i]) > 1e-3 * weights[i];
      inside += norm < weights[i];
    }
    if (clear && inside > 0 && inside < n) return z;
    if (attempt > 200) qFatal("no state away from the kinks");
  }
}

constexpr double kStep = 1e-6;

}  // namespace

class TestPrimalDualMap : public QObject {
  Q_OBJECT
 private slots:
  void productsMatchCentralDifferencesOfTheStep_data() {
    QTest::addColumn<bool>("weightMap");
    QTest::newRow("tv") << false;
    QTest::newRow("tv-map") << true;
  }
  void productsMatchCentralDifferencesOfTheStep() {
    QFETCH(bool, weightMap);
    const TotalVariation model(testImage(), options(weightMap));
    const Vector theta =
        model.defaultParameters() + test::randomVector(model.parameterCount(), 3, 0.01).cwiseAbs();
    const PrimalDualMap map(model, theta);
    const IterationState z = stateAwayFromKinks(map, model, theta, 7);
    IterationState direction = map.makeState();
    for (int i = 0; i < 3; ++i)
      direction.part(i) = test::randomVector(direction.part(i).size(), 20 + i);
    const Vector dtheta = test::randomVector(theta.size(), 30, 0.01);

    // A_z v against (A(z + hv) − A(z − hv)) / 2h: the step is piecewise affine, exact away from
    // kinks up to rounding.
    IterationState plus = z, minus = z, stepPlus = map.makeState(), stepMinus = map.makeState();
    plus.addScaled(kStep, direction);
    minus.addScaled(-kStep, direction);
    map.step(0, plus, stepPlus);
    map.step(0, minus, stepMinus);
    Vector expected = (stepPlus.flattened() - stepMinus.flattened()) / (2 * kStep);
    map.linearize(0, z);
    IterationState product = map.makeState();
    map.stateProduct(direction, product);
    QVERIFY2(test::relativeError(product.flattened(), expected) <= 1e-7,
             qPrintable(QString::number(test::relativeError(product.flattened(), expected))));

    // A_θ dθ against differences in θ.
    const Vector thetaPlus = theta + kStep * dtheta, thetaMinus = theta - kStep * dtheta;
    {
      const PrimalDualMap mapPlus(model, thetaPlus), mapMinus(model, thetaMinus);
      mapPlus.step(0, z, stepPlus);
      mapMinus.step(0, z, stepMinus);
    }
    expected = (stepPlus.flattened() - stepMinus.flattened()) / (2 * kStep);
    map.linearize(0, z);
    map.parameterProduct(dtheta, product);
    QVERIFY2(test::relativeError(product.flattened(), expected) <= 1e-6,
             qPrintable(QString::number(test::relativeError(product.flattened(), expected))));

    // The transposes: ⟨w, A_z v⟩ = ⟨A_zᵀ w, v⟩ and ⟨w, A_θ dθ⟩ = ⟨A_θᵀ w, dθ⟩.
    IterationState w = map.makeState(), transposed = map.makeState();
    for (int i = 0; i < 3; ++i)
      w.part(i) = test::randomVector(w.part(i).size(), 40 + i);
    map.stateProduct(direction, product);
    map.stateTransposeProduct(w, transposed);
    const double left = w.dot(product), right = transposed.dot(direction);
    QVERIFY(std::abs(left - right) <= 1e-12 * std::sqrt(w.squaredNorm() * product.squaredNorm()));
    map.parameterProduct(dtheta, product);
    Vector thetaBar;
    map.parameterTransposeProduct(w, thetaBar);
    QVERIFY(std::abs(w.dot(product) - thetaBar.dot(dtheta)) <=
            1e-12 * std::sqrt(w.squaredNorm() * product.squaredNorm()) + 1e-300);
    // The saved linearisation (v_k only) gives the same products.
    IterationState saved = map.makeSavedLinearization(), again = map.makeState();
    map.saveLinearization(0, z, saved);
    map.linearizeSaved(0, saved);
    map.stateTransposeProduct(w, again);
    QVERIFY(test::relativeError(again.flattened(), transposed.flattened()) <= 1e-15);
    // The shared pass gives both transposed products.
    Vector sharedBar;
    map.cotangentProduct(w, again, sharedBar);
    QVERIFY(test::relativeError(again.flattened(), transposed.flattened()) <= 1e-15);
    QVERIFY(test::relativeError(sharedBar, thetaBar) <= 1e-15);
  }

  // FPAD through this map stops on the terms A_θᵀ z̄_n of the hypergradient (hasNeutralModes). On
  // rof-denoise's problem at λ = 0.02 (shapes.png: large flat regions, dual directions in ker Kᵀ
  // inside the balls) ‖z̄_n‖ decays like 1/n: at 256² the former stop on it ran all 5000 steps of
  // hypergradient.max_iterations, on this 96² crop 574 steps; the terms' tail falls below 1e-8 of
  // the largest term in 131, and a tolerance of 1e-11 changes the result by 6e-9.
  void fpadStopsOnTheHypergradientsTerms() {
    Configuration config = Configuration::fromPreset("rof-denoise");
    const TrainingPair pair = loadTrainingPairs(config).front();
    // The 96×96 centre keeps flat regions of every shape at a ninth of the cost.
    const auto crop = [](const Image& image) {
      Image part(96, 96);
      for (int r = 0; r < 96; ++r)
        for (int c = 0; c < 96; ++c)
          part.at(r, c) = image.at(r + 80, c + 80);
      return part;
    };
    const TotalVariation model(crop(pair.noisy), options(false));
    const SquaredError loss(crop(pair.clean).pixels);
    const ChambollePock solver;
    const Vector theta = Vector::Constant(1, 0.02);
    const BilevelProblem problem{model, loss, solver, config.solveOptions()};
    const auto run = [&](double tolerance, Vector& gradient) {
      HypergradientOptions hypergradient = config.hypergradientOptions();
      hypergradient.tolerance = tolerance;
      Vector x = model.initialPoint();
      gradient.resize(1);
      return makeHypergradientMethod("fpad", hypergradient)->evaluate(problem, theta, x, gradient);
    };
    Vector preset, tight;
    const HypergradientSummary summary = run(config.hypergradientOptions().tolerance, preset);
    const HypergradientSummary tighter = run(1e-11, tight);
    const double change = test::relativeError(preset, tight);
    qInfo("tolerance 1e-8: %d steps, residual %.3g; 1e-11: %d steps; relative change %.3g",
          summary.iterations, summary.residual, tighter.iterations, change);
    QVERIFY(summary.termination == Termination::Converged);
    QVERIFY(tighter.termination == Termination::Converged);
    QVERIFY2(summary.iterations < 300, qPrintable(QString::number(summary.iterations)));
    QVERIFY2(change <= 1e-7, qPrintable(QString::number(change)));
  }

  void fixedIterationsOfTheSolverAreTheMap() {
    // ChambollePock through InnerSolver with solver.iterations = K runs exactly K map steps.
    const TotalVariation model(testImage(), options(false));
    const Vector theta = model.defaultParameters();
    const ChambollePock solver;
    const auto map = solver.iterationMap(model, theta);
    IterationState z = map->makeState();
    map->coldStart(z);
    SolveOptions solve;
    solve.fixedIterations = 37;
    SolveSummary runSummary;
    IterationRun run(*map, solve, runSummary);
    for (int k = 0; k < run.iterationLimit(); ++k)
      run.advance(k, z);
    Vector fromMap, fromSolver = model.initialPoint();
    map->primal(z, fromMap);
    solver.solve(model, theta, fromSolver, solve);
    QVERIFY(test::relativeError(fromSolver, fromMap) <= 1e-13);
  }

  void fixedPointIsTheSolversStateAndContracts() {
    const TotalVariation model(testImage(), options(true));
    const Vector theta = model.defaultParameters();
    const ChambollePock solver;
    const auto map = solver.iterationMap(model, theta);
    IterationState z = map->makeState(), next = map->makeState();
    Vector x = model.initialPoint();
    SolveOptions tight;
    tight.tolerance = 1e-14;
    tight.maxIterations = 100000;
    const SolveSummary summary = solver.solveToFixedPoint(model, theta, x, tight, *map, z);
    QVERIFY(summary.usable());
    QVERIFY(z.part(0) == x && z.part(1) == x);
    map->step(IterationMap::kLimit, z, next);
    next.addScaled(-1.0, z);
    QVERIFY2(std::sqrt(next.squaredNorm()) <= 1e-9 * std::sqrt(z.squaredNorm()),
             qPrintable(QString::number(std::sqrt(next.squaredNorm()))));
    map->linearize(IterationMap::kLimit, z);
    const double rate = map->contractionRate();
    QVERIFY2(rate > 0.0 && rate < 1.0, qPrintable(QString::number(rate)));
    // The dual part cannot be rebuilt from x* alone: refused with a message.
    QVERIFY_THROWS_EXCEPTION(Error, map->fixedPoint(x, z));
    // A smooth model is refused by the primal–dual solver, naming both.
    const auto pair = test::benchmarkPair(8);
    const HuberTV huber(pair.noisy, test::huberOptions(false));
    std::string why;
    QVERIFY(!solver.supportsModel(huber, &why));
    QVERIFY(QString::fromStdString(why).contains("chambolle-pock"));
    QVERIFY(QString::fromStdString(why).contains("huber-tv"));
  }
};

QTEST_APPLESS_MAIN(TestPrimalDualMap)
#include "tst_primal_dual_map.moc"
