#include <QtTest>

#include <optional>

#include "common/Error.h"
#include "config/Configuration.h"
#include "hypergradients/HypergradientMethod.h"
#include "learning/LearningSession.h"
#include "learning/ModelFactory.h"
#include "learning/ReconstructionPreview.h"
#include "learning/TrainingPair.h"
#include "losses/SquaredError.h"

using namespace bilevel;

namespace {

// U(λ) for the scalar model of a configuration (its own solver), solved tightly (1e-10) with warm
// starts.
class ScalarObjective {
 public:
  explicit ScalarObjective(const Configuration& config)
      : pair_(loadTrainingPairs(config).front()),
        model_(makeModel(config, pair_.noisy)),
        solver_(makeInnerSolver(config.solverType())),
        loss_(pair_.clean.pixels),
        x_(pair_.noisy.pixels) {
    options_.tolerance = 1e-10;
    options_.maxIterations = 200000;
  }
  double operator()(double lambda) {
    solver_->solve(*model_, Vector::Constant(1, lambda), x_, options_);
    return loss_.value(x_, {});
  }
  Eigen::Index pixels() const { return x_.size(); }

 private:
  TrainingPair pair_;
  std::unique_ptr<LowerLevel> model_;
  std::unique_ptr<InnerSolver> solver_;
  SquaredError loss_;
  Vector x_;
  SolveOptions options_;
};

struct SearchResult {
  double lambda;
  double loss;
};

// Dense search: U on 61 log-spaced λ in [1e-3, 1], then golden-section refinement of the best
// bracket down to a relative width of 1e-5.
SearchResult denseSearch(ScalarObjective& objective) {
  const int points = 61;
  std::vector<double> lambdas(points), losses(points);
  int best = 0;
  for (int i = 0; i < points; ++i) {
    lambdas[i] = std::pow(10.0, -3.0 + 3.0 * i / (points - 1));
    losses[i] = objective(lambdas[i]);
    if (losses[i] < losses[best]) best = i;
  }
  double a = std::log(lambdas[std::max(best - 1, 0)]);
  double b = std::log(lambdas[std::min(best + 1, points - 1)]);
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  double c = b - ratio * (b - a), d = a + ratio * (b - a);
  double fc = objective(std::exp(c)), fd = objective(std::exp(d));
  while (b - a > 1e-5) {
    if (fc < fd) {
      b = d, d = c, fd = fc;
      c = b - ratio * (b - a);
      fc = objective(std::exp(c));
    } else {
      a = c, c = d, fc = fd;
      d = a + ratio * (b - a);
      fd = objective(std::exp(d));
    }
  }
  const double lambda = std::exp(0.5 * (a + b));
  return {lambda, objective(lambda)};
}

double psnrOf(double loss, Eigen::Index pixels) {
  return -10.0 * std::log10(2.0 * loss / double(pixels));
}

}  // namespace

class TestLearning : public QObject {
  Q_OBJECT

  std::optional<SearchResult> bestScalar_, bestTvScalar_;
  // The nonsmooth presets on a 64² benchmark image: the preset's 256² image takes minutes per
  // run with fpad under the sanitizers.
  static Configuration smallTv(const char* preset) {
    Configuration config = Configuration::fromPreset(preset);
    config.set("image=\"benchmark:64\"");
    return config;
  }
  SearchResult bestTvScalar() {
    if (!bestTvScalar_) {
      ScalarObjective objective(smallTv("rof-denoise"));
      bestTvScalar_ = denseSearch(objective);
    }
    return *bestTvScalar_;
  }
  // The dense search over λ on tv-denoise, done once for the tests that compare against it.
  SearchResult bestScalar() {
    if (!bestScalar_) {
      ScalarObjective objective(Configuration::fromPreset("tv-denoise"));
      bestScalar_ = denseSearch(objective);
    }
    return *bestScalar_;
  }

 private slots:
  // Issue 2: learning on tv-denoise reaches the λ a dense 1-D search finds, within 2% in λ and
  // 0.01 dB in PSNR.
  void learnedLambdaMatchesDenseSearch() {
    const Configuration scalarConfig = Configuration::fromPreset("tv-denoise");
    const SearchResult search = bestScalar();
    ScalarObjective objective(scalarConfig);
    const double searchPsnr = psnrOf(search.loss, objective.pixels());

    LearningSession session(loadTrainingPairs(scalarConfig), scalarConfig);
    int lastObserved = -1;
    session.setObserver([&](const Snapshot& s) {
      [&] { QVERIFY(s.iteration >= lastObserved); }();
      lastObserved = s.iteration;
      return ObserverDecision::Continue;
    });
    QElapsedTimer clock;
    clock.start();
    const LearnSummary summary = session.run(scalarConfig.json()["outer"]["iterations"].get<int>());
    const double learned = session.parameters()[0];
    qInfo(
        "dense search λ* = %.6f (PSNR %.4f dB); learned λ = %.6f (PSNR %.4f dB) in %d iterations, "
        "%s, %.1f s",
        search.lambda, searchPsnr, learned, summary.finalPsnr, summary.iterations,
        toString(summary.termination).c_str(), clock.elapsed() / 1000.0);
    QVERIFY(std::abs(learned - search.lambda) <= 0.02 * search.lambda);
    QVERIFY(std::abs(summary.finalPsnr - searchPsnr) <= 0.01);
    QVERIFY(summary.finalPsnr > summary.initialPsnr);
    // One history row per outer iteration, the last one the session's current state.
    QCOMPARE(int(session.history().size()), session.iteration() + 1);
    QCOMPARE(lastObserved, session.iteration());
  }

  // The weight-map preset ends above the best scalar λ. A test function of its own, so that each
  // of the two long learning runs has the whole of Qt Test's per-function time limit.
  void weightMapBeatsTheBestScalar() {
    const Configuration scalarConfig = Configuration::fromPreset("tv-denoise");
    const SearchResult search = bestScalar();
    const double searchPsnr = psnrOf(search.loss, ScalarObjective(scalarConfig).pixels());
    const Configuration mapConfig = Configuration::fromPreset("tv-weightmap-denoise");
    QElapsedTimer clock;
    clock.start();
    LearningSession mapSession(loadTrainingPairs(mapConfig), mapConfig);
    const LearnSummary mapSummary =
        mapSession.run(mapConfig.json()["outer"]["iterations"].get<int>());
    qInfo("weight map: PSNR %.4f dB after %d iterations, %.1f s (best scalar %.4f dB)",
          mapSummary.finalPsnr, mapSummary.iterations, clock.elapsed() / 1000.0, searchPsnr);
    QVERIFY(mapSummary.finalPsnr > searchPsnr);
    QVERIFY(mapSession.parameters().minCoeff() > 0.0);
  }

  // Issue 9 §3: learning the λ of nonsmooth TV (rof-denoise: Chambolle–Pock, fpad) reaches the λ
  // a dense search finds, within 2% in λ and 0.01 dB in PSNR, as for Huber-TV.
  void nonsmoothTvLearnsTheDenseSearchLambda() {
    const Configuration config = smallTv("rof-denoise");
    QCOMPARE(config.modelType(), std::string("tv"));
    const SearchResult search = bestTvScalar();
    const double searchPsnr = psnrOf(search.loss, ScalarObjective(config).pixels());
    LearningSession session(loadTrainingPairs(config), config);
    QElapsedTimer clock;
    clock.start();
    const LearnSummary summary = session.run(config.json()["outer"]["iterations"].get<int>());
    const double learned = session.parameters()[0];
    long inner = 0;
    for (const Snapshot& s : session.history())
      inner += s.innerIterations;
    qInfo(
        "tv: dense search λ* = %.6f (PSNR %.4f dB); learned λ = %.6f (PSNR %.4f → %.4f dB) in %d "
        "iterations, %s, %.1f s, %.0f inner iterations per outer step",
        search.lambda, searchPsnr, learned, summary.initialPsnr, summary.finalPsnr,
        summary.iterations, toString(summary.termination).c_str(), clock.elapsed() / 1000.0,
        double(inner) / double(session.history().size()));
    QVERIFY(std::abs(learned - search.lambda) <= 0.02 * search.lambda);
    QVERIFY(std::abs(summary.finalPsnr - searchPsnr) <= 0.01);
    QVERIFY(summary.finalPsnr > summary.initialPsnr);
  }

  // The nonsmooth weight map (rof-weightmap-denoise, tv-map) ends above the best scalar λ of TV.
  void nonsmoothWeightMapBeatsTheBestScalar() {
    const Configuration scalarConfig = smallTv("rof-denoise");
    const SearchResult search = bestTvScalar();
    const double searchPsnr = psnrOf(search.loss, ScalarObjective(scalarConfig).pixels());
    const Configuration mapConfig = smallTv("rof-weightmap-denoise");
    QCOMPARE(mapConfig.modelType(), std::string("tv-map"));
    QElapsedTimer clock;
    clock.start();
    LearningSession session(loadTrainingPairs(mapConfig), mapConfig);
    const LearnSummary summary = session.run(mapConfig.json()["outer"]["iterations"].get<int>());
    qInfo("tv-map: PSNR %.4f dB after %d iterations, %.1f s (best scalar λ: %.4f dB)",
          summary.finalPsnr, summary.iterations, clock.elapsed() / 1000.0, searchPsnr);
    QVERIFY(summary.finalPsnr > searchPsnr);
    QVERIFY(session.parameters().minCoeff() > 0.0);
  }

  // The preview behind the studio's λ slider keeps Chambolle–Pock's dual with x: nudging λ on
  // tv costs far fewer iterations than the first solve, and the result is the solution.
  void previewWarmStartsTheDual() {
    const Configuration config = smallTv("rof-denoise");
    const TrainingPair pair = loadTrainingPairs(config).front();
    ReconstructionPreview preview(pair, config);
    const SolveSummary first = preview.solve(Vector::Constant(1, 0.1));
    QVERIFY(first.termination == Termination::Converged);
    const SolveSummary nudged = preview.solve(Vector::Constant(1, 0.101));
    QVERIFY(nudged.termination == Termination::Converged);
    // From x alone (q = 0), as a fresh preview started at the previous solution would.
    const auto solver = makeInnerSolver(config.solverType());
    SolveOptions options = config.solveOptions();
    const auto model = makeModel(config, pair.noisy);
    Vector x = pair.noisy.pixels;
    solver->solve(*model, Vector::Constant(1, 0.1), x, options);
    const SolveSummary xOnly = solver->solve(*model, Vector::Constant(1, 0.101), x, options);
    qInfo("preview: first solve %d iterations, nudged λ %d (from x alone %d)", first.iterations,
          nudged.iterations, xOnly.iterations);
    QVERIFY(4 * nudged.iterations < 3 * xOnly.iterations);  // measured: about half
    QVERIFY((x - preview.reconstruction().pixels).norm() <=
            2.0 * std::sqrt(2.0 * options.tolerance * nudged.energy));
  }

  // A preview started from a solution at θ (the studio's previews from the core's last validation)
  // solves at θ in a few iterations; from the noisy image it takes the whole solve.
  void previewStartsFromAGivenSolution() {
    // A smooth model: a primal–dual solver restarts its dual at 0 from a given x and gains little
    // (previewWarmStartsTheDual), the dataset's Fields of Experts does not.
    Configuration config = Configuration::fromPreset("foe-24x5-denoise");
    config.set("image=\"benchmark:64\"");
    const TrainingPair pair = loadTrainingPairs(config).front();
    ReconstructionPreview solved(pair, config);
    const Vector theta = solved.model().defaultParameters();
    QVERIFY(solved.solve(theta).termination == Termination::Converged);
    ReconstructionPreview cold(pair, config);
    const SolveSummary fromNoisy = cold.solve(theta);
    ReconstructionPreview warm(pair, config);
    warm.startFrom(solved.reconstruction().pixels);
    const SolveSummary fromSolution = warm.solve(theta);
    QVERIFY(fromSolution.termination == Termination::Converged);
    qInfo("preview: %d iterations from the noisy image, %d from a solution", fromNoisy.iterations,
          fromSolution.iterations);
    QVERIFY(2 * fromSolution.iterations < fromNoisy.iterations);
    QVERIFY_THROWS_EXCEPTION(std::exception, warm.startFrom(Vector::Zero(3)));
  }

  void everyOuterOptimizerDecreasesTheLoss_data() {
    QTest::addColumn<QString>("optimizer");
    QTest::newRow("gradient-descent") << "gradient-descent";
    QTest::newRow("adam") << "adam";
    QTest::newRow("lbfgs") << "lbfgs";
  }
  void everyOuterOptimizerDecreasesTheLoss() {
    QFETCH(QString, optimizer);
    Configuration config = Configuration::fromPreset("tv-denoise");
    config.set("image=\"benchmark:64\"");
    config.set("outer.optimizer=" + optimizer.toStdString());
    config.set("outer.step=0.3");
    LearningSession session(loadTrainingPairs(config), config);
    const LearnSummary summary = session.run(8);
    QVERIFY2(
        summary.finalOuterLoss < summary.initialOuterLoss,
        qPrintable(QString("%1 → %2").arg(summary.initialOuterLoss).arg(summary.finalOuterLoss)));
  }

  void severalTrainingPairsShareTheParameters() {
    Configuration config = Configuration::fromPreset("tv-denoise");
    config.set("image=[\"benchmark:48\", \"benchmark:32\"]");
    LearningSession session(loadTrainingPairs(config), config);
    const Snapshot first = session.step();
    QCOMPARE(first.iteration, 0);
    QCOMPARE(int(session.pairs().size()), 2);
    // U sums the pairs' losses.
    double sum = 0.0;
    for (std::size_t i = 0; i < 2; ++i) {
      sum += 0.5 * (session.reconstruction(i) - session.pairs()[i].clean.pixels).squaredNorm();
    }
    QVERIFY(std::abs(first.outerLoss - sum) <= 1e-12 * sum);
    session.run(5);
    QVERIFY(session.summary().finalOuterLoss < session.summary().initialOuterLoss);
  }

  void cancellationStopsTheRunAndKeepsTheHistory() {
    Configuration config = Configuration::fromPreset("tv-denoise");
    config.set("image=\"benchmark:64\"");
    LearningSession session(loadTrainingPairs(config), config);
    CancellationFlag flag;
    session.setObserver([&](const Snapshot& s) {
      if (s.iteration == 2) flag.cancel();
      return ObserverDecision::Continue;
    });
    const LearnSummary summary = session.run(30, &flag);
    QVERIFY(summary.termination == LearnTermination::Cancelled);
    QCOMPARE(session.iteration(), 2);
    QCOMPARE(int(session.history().size()), 3);
  }

  // Progress and stopping are one mechanism: the observer's answer (Ceres' IterationCallback).
  // Abort ends the session as cancelled at once, without starting another step.
  void observerAbortEndsTheRun() {
    Configuration config = Configuration::fromPreset("tv-denoise");
    config.set("image=\"benchmark:48\"");
    LearningSession session(loadTrainingPairs(config), config);
    RunControl control;
    int observed = 0;
    session.setObserver([&](const Snapshot& s) {
      ++observed;
      if (s.iteration == 2) control.abort();
      return control.decision();
    });
    const LearnSummary summary = session.run(30, &control);
    QVERIFY(summary.termination == LearnTermination::Cancelled);
    QVERIFY(session.finished());
    QCOMPARE(session.iteration(), 2);
    QCOMPARE(observed, 3);
    QCOMPARE(int(session.history().size()), 3);
    QCOMPARE(toString(summary.termination), std::string("cancelled"));
  }

  // StopSuccessfully (the studio's Pause, or the end of its batch of steps) ends run() without
  // ending the session: a later run() continues with the optimiser's memory, so a run stopped
  // after 2 steps and continued to 4 reaches exactly the θ of an uninterrupted run of 4.
  void observerStopLeavesTheSessionToContinue() {
    Configuration config = Configuration::fromPreset("tv-denoise");
    config.set("image=\"benchmark:48\"");
    const auto pairs = loadTrainingPairs(config);

    LearningSession uninterrupted(pairs, config);
    const LearnSummary reference = uninterrupted.run(4);
    QVERIFY(reference.termination == LearnTermination::IterationLimit);
    QCOMPARE(uninterrupted.iteration(), 4);

    LearningSession session(pairs, config);
    RunControl control;
    session.setObserver([&](const Snapshot& s) {
      if (s.iteration == 2) control.requestStop();
      return control.decision();
    });
    const LearnSummary stopped = session.run(30, &control);
    QVERIFY(stopped.termination == LearnTermination::Stopped);
    QVERIFY(!session.finished());
    QCOMPARE(session.iteration(), 2);
    QVERIFY(session.lastDecision() == ObserverDecision::StopSuccessfully);

    control.reset();
    const LearnSummary continued = session.run(4, &control);
    QVERIFY(continued.termination == LearnTermination::IterationLimit);
    QCOMPARE(session.iteration(), 4);
    QCOMPARE(int(session.history().size()), 5);
    QCOMPARE(session.parameters(), uninterrupted.parameters());
  }

  void unrolledLearningRuns() {
    Configuration config = Configuration::fromPreset("tv-denoise");
    config.set("image=\"benchmark:48\"");
    config.set("hypergradient.method=unrolled");
    config.set("solver.iterations=200");
    LearningSession session(loadTrainingPairs(config), config);
    const LearnSummary summary = session.run(5);
    QVERIFY(summary.finalOuterLoss < summary.initialOuterLoss);
  }

  void missingImageIsAnInputError() {
    Configuration config = Configuration::fromPreset("tv-denoise");
    config.set("image=\"no-such-image.png\"");
    try {
      loadTrainingPairs(config);
      QFAIL("no error");
    } catch (const Error& e) {
      QCOMPARE(e.kind(), ErrorKind::UnreadableInput);
      QVERIFY(QString(e.what()).contains("no-such-image.png"));
    }
  }
};

QTEST_APPLESS_MAIN(TestLearning)
#include "tst_learning.moc"
