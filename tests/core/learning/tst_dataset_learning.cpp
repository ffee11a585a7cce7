#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

#include "common/Error.h"
#include "config/Configuration.h"
#include "data/Dataset.h"
#include "hypergradients/HypergradientMethod.h"
#include "image/Quality.h"
#include "learning/DatasetLearning.h"
#include "learning/LearnedModel.h"
#include "learning/ModelFactory.h"
#include "learning/SingleLoopSaba.h"
#include "losses/SquaredError.h"

#include "../TestDatasets.h"
#include "../TestErrors.h"

using namespace bilevel;

namespace {

// huber-tv (the default model) with Adam on the dataset suites' patches (TestDatasets.h).
Configuration smallProblem(const std::string& algorithm, int batch) {
  Configuration c = test::deadLeavesPatches(algorithm, batch);
  c.set("model.lambda=0.02");
  c.set("outer.optimizer=adam");
  c.set("outer.step=0.1");
  c.set("train.steps=6");
  c.set("train.validate_every=2");
  return c;
}

std::unique_ptr<LearningAlgorithm> make(const Configuration& c, const Dataset& d) {
  return makeLearningAlgorithm(d, c);
}

}  // namespace

class TestDatasetLearning : public QObject {
  Q_OBJECT

 private slots:
  // 6 steps straight and 3 + checkpoint + restore + 3 give the same θ bit for bit: the
  // checkpoint holds θ, the optimiser's memory, the warm starts and the minibatch generator.
  // The thread count does not change the numbers (samples are summed in batch order).
  void resumeContinuesExactly_data() {
    QTest::addColumn<QString>("algorithm");
    QTest::addColumn<int>("batch");
    QTest::addColumn<QString>("optimizer");
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("extra");  // one more setting, or empty
    QTest::newRow("two-loop minibatch adam") << "two-loop" << 3 << "adam"
                                             << "huber-tv"
                                             << "";
    QTest::newRow("two-loop full batch adam") << "two-loop" << 0 << "adam"
                                              << "huber-tv"
                                              << "";
    // A line search re-evaluates the current θ on each new batch (TwoLoopLearning.h).
    QTest::newRow("two-loop minibatch gradient-descent") << "two-loop" << 3 << "gradient-descent"
                                                         << "huber-tv"
                                                         << "";
    QTest::newRow("two-loop full batch lbfgs") << "two-loop" << 0 << "lbfgs"
                                               << "huber-tv"
                                               << "";
    QTest::newRow("two-loop minibatch lbfgs") << "two-loop" << 3 << "lbfgs"
                                              << "huber-tv"
                                              << "";
    QTest::newRow("soba constant steps") << "soba" << 2 << "adam"
                                         << "huber-tv"
                                         << "train.step_decay=0";
    // The step schedule is a function of the step count, which the checkpoint keeps; τ = 2
    // shrinks the steps by half within the 6 steps.
    QTest::newRow("soba decreasing steps") << "soba" << 2 << "adam"
                                           << "huber-tv"
                                           << "train.step_decay=2";
    // SABA's SAGA table (every sample's θ direction) is in the checkpoint.
    QTest::newRow("saba minibatch") << "saba" << 2 << "adam"
                                    << "huber-tv"
                                    << "";
    QTest::newRow("saba foe") << "saba" << 3 << "adam"
                              << "foe"
                              << "";
    // A model with thousands of parameters in two blocks (ν positive, ϑ free) goes the same way.
    QTest::newRow("two-loop foe") << "two-loop" << 3 << "adam"
                                  << "foe"
                                  << "";
  }
  void resumeContinuesExactly() {
    QFETCH(QString, algorithm);
    QFETCH(int, batch);
    QFETCH(QString, optimizer);
    QFETCH(QString, model);
    QFETCH(QString, extra);
    Configuration config = smallProblem(algorithm.toStdString(), batch);
    if (!extra.isEmpty()) config.set(extra.toStdString());
    config.set("outer.optimizer=" + optimizer.toStdString());
    config.set("model.type=" + model.toStdString());
    if (model == "foe") {
      config.set("model.filters=4");
      config.set("model.filter_size=3");
      config.set("model.penalty=charbonnier");
    }
    const Dataset dataset(DatasetOptions::fromConfiguration(config));
    auto straight = make(config, dataset);
    straight->run();
    QCOMPARE(straight->stepCount(), 6);

    Configuration half = config;
    half.set("train.steps=3");
    auto first = make(half, dataset);
    first->run();
    QCOMPARE(first->stepCount(), 3);
    const std::string bytes = first->checkpoint();
    auto resumed = make(config, dataset);
    resumed->restore(bytes);
    QCOMPARE(resumed->stepCount(), 3);
    resumed->run();
    QCOMPARE(resumed->stepCount(), 6);
    QVERIFY2(resumed->parameters() == straight->parameters(),
             qPrintable(QString::number(resumed->parameters()[0], 'g', 17) + " vs " +
                        QString::number(straight->parameters()[0], 'g', 17)));
    QCOMPARE(resumed->history().size(), straight->history().size());
    QCOMPARE(resumed->history().back().trainingLoss, straight->history().back().trainingLoss);
    // θ moved, so the comparison is not between two untouched starts.
    const Vector start = make(config, dataset)->parameters();
    QVERIFY((straight->parameters() - start).norm() > 1e-4);

    Configuration oneThread = config;
    oneThread.set("train.threads=1");
    auto serial = make(oneThread, dataset);
    serial->run();
    QVERIFY(serial->parameters() == straight->parameters());
  }

  // The reported hypergradient of the full batch is the derivative of the mean loss: central
  // differences of (1/N) Σ ½‖x_i(λ) − clean_i‖² with tight solves agree to 1e-5.
  void theFullBatchGradientIsTheMeanLossDerivative() {
    Configuration config = smallProblem("two-loop", 0);
    config.set("solver.tolerance=1e-11");
    config.set("hypergradient.tolerance=1e-11");
    config.set("solver.max_iterations=100000");
    const Dataset dataset(DatasetOptions::fromConfiguration(config));
    auto algorithm = make(config, dataset);
    const TrainingProgress start = algorithm->step();
    QCOMPARE(start.step, 0);
    const auto samples = dataset.samples(DatasetSplit::Training);
    const auto solver = makeInnerSolver(config.solverType());
    const auto meanLoss = [&](double lambda) {
      double sum = 0.0;
      for (const auto& s : samples) {
        const auto model = makeModel(config, s.noisy);
        Vector x = s.noisy.pixels;
        solver->solve(*model, Vector::Constant(1, lambda), x, config.solveOptions());
        sum += SquaredError(s.clean.pixels).value(x, {});
      }
      return sum / double(samples.size());
    };
    const double h = 1e-5 * 0.02;
    const double fd = (meanLoss(0.02 + h) - meanLoss(0.02 - h)) / (2 * h);
    QVERIFY2(std::abs(std::abs(fd) - start.hypergradientNorm) <= 1e-5 * std::abs(fd),
             qPrintable(QString("fd %1, reported %2").arg(fd).arg(start.hypergradientNorm)));
    QVERIFY(std::abs(start.trainingLoss - meanLoss(0.02)) < 1e-8 * start.trainingLoss);
  }

  // Learning λ from a too small start raises the validation PSNR (two-loop and SOBA), and the
  // observer sees every step with its ETA.
  void learningImprovesValidation_data() {
    QTest::addColumn<QString>("algorithm");
    QTest::newRow("two-loop") << "two-loop";
    QTest::newRow("soba") << "soba";
    QTest::newRow("saba") << "saba";
  }
  void learningImprovesValidation() {
    QFETCH(QString, algorithm);
    Configuration config = smallProblem(algorithm.toStdString(), 0);
    config.set("train.steps=12");
    config.set("outer.step=0.3");
    const Dataset dataset(DatasetOptions::fromConfiguration(config));
    auto learning = make(config, dataset);
    std::vector<int> steps;
    bool etaShown = true;
    learning->setObserver([&](const TrainingProgress& p) {
      steps.push_back(p.step);
      etaShown = etaShown && p.etaSeconds >= 0.0 && p.totalSteps == 12;
      return ObserverDecision::Continue;
    });
    const TrainingSummary summary = learning->run();
    QVERIFY(summary.termination == LearnTermination::IterationLimit);
    QCOMPARE(int(steps.size()), 13);
    QVERIFY(etaShown);
    QVERIFY2(summary.finalValidationPsnr > summary.initialValidationPsnr + 0.3,
             qPrintable(QString("%1 → %2")
                            .arg(summary.initialValidationPsnr)
                            .arg(summary.finalValidationPsnr)));
    QVERIFY(learning->parameters()[0] > 0.02);
    qInfo("%s: validation PSNR %.3f → %.3f dB, λ 0.02 → %.4f", qPrintable(algorithm),
          summary.initialValidationPsnr, summary.finalValidationPsnr, learning->parameters()[0]);
  }

  // lastValidation() reports the samples the last validation solved, so that the studio's table
  // needs no second solve: their mean PSNR is the step's validation PSNR, each PSNR is that of its
  // reconstruction, and the reconstruction is the solution at the step's θ (a cold solve agrees to
  // the solver's tolerance). Steps without validation keep the last one's; a cancelled validation
  // and a restore leave none.
  void lastValidationIsWhatTheStepMeasured() {
    const Configuration config = smallProblem("two-loop", 0);
    const Dataset dataset(DatasetOptions::fromConfiguration(config));
    const std::vector<DatasetSample> held = dataset.samples(DatasetSplit::Validation);
    QCOMPARE(int(held.size()), 4);  // 2 images, 2 patches each
    auto learning = make(config, dataset);
    QVERIFY(learning->lastValidation().empty());
    const auto solver = makeInnerSolver(config.solverType());
    int validated = 0, kept = 0;
    std::vector<double> previous;
    QString failure;
    learning->setObserver([&](const TrainingProgress& p) {
      const auto samples = learning->lastValidation();
      std::vector<double> psnrs;
      for (const auto& s : samples)
        psnrs.push_back(s.psnr);
      if (!std::isfinite(p.validationPsnr)) {
        kept += psnrs == previous ? 1 : 0;
        return ObserverDecision::Continue;
      }
      ++validated;
      if (samples.size() != held.size()) failure = "sample count";
      double sum = 0.0;
      for (std::size_t i = 0; i < samples.size() && failure.isEmpty(); ++i) {
        const auto& s = samples[i];
        sum += s.psnr;
        if (s.sample->name != held[i].name) failure = "order";
        if (s.psnr != psnr(*s.reconstruction, held[i].clean.pixels)) failure = "sample PSNR";
        const auto model = makeModel(config, held[i].noisy);
        Vector x = held[i].noisy.pixels;
        solver->solve(*model, p.parameters, x, config.solveOptions());
        if (std::abs(psnr(x, held[i].clean.pixels) - s.psnr) > 1e-2)
          failure = QString("cold solve of %1 at step %2").arg(i).arg(p.step);
      }
      if (std::abs(sum / double(samples.size()) - p.validationPsnr) > 1e-12)
        failure = QString("mean at step %1").arg(p.step);
      previous = psnrs;
      return ObserverDecision::Continue;
    });
    learning->run();
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    QCOMPARE(validated, 4);  // steps 0, 2, 4, 6
    QCOMPARE(kept, 3);       // steps 1, 3, 5

    CancellationFlag cancelled;
    cancelled.cancel();
    QVERIFY(std::isnan(learning->validate(&cancelled)));
    QVERIFY(learning->lastValidation().empty());
    QVERIFY(std::isfinite(learning->validate()));
    QCOMPARE(learning->lastValidation().size(), held.size());
    const std::string checkpoint = learning->checkpoint();
    auto restored = make(config, dataset);
    QVERIFY(std::isfinite(restored->validate()));
    restored->restore(checkpoint);
    QVERIFY(restored->lastValidation().empty());
  }

  // A line-search trial θ where a sample's inner solve stops at solver.max_iterations is rejected
  // (the step halves) instead of ending the run: the outer L-BFGS's first trial moves λ by a
  // factor e^10 here, where 100 accelerated-gradient iterations are far too few, while the
  // accepted points need fewer. Before the rejection the first step threw "stopped at its
  // iteration cap".
  void aTrialAtTheInnerIterationCapIsRejected() {
    Configuration config;
    config.set("dataset.folder=generated:dead-leaves");
    config.set("dataset.count=3");
    config.set("dataset.size=24");
    config.set("dataset.validation=0.34");
    config.set("noise.sigma=0.098");
    config.set("model.lambda=0.02");
    config.set("solver.tolerance=1e-8");
    config.set("solver.max_iterations=100");
    config.set("hypergradient.tolerance=1e-8");
    config.set("outer.optimizer=lbfgs");
    config.set("outer.step=10");
    config.set("train.steps=3");
    config.set("train.checkpoint_every=0");
    config.set("train.threads=1");
    const Dataset dataset(DatasetOptions::fromConfiguration(config));
    auto learning = make(config, dataset);
    std::vector<double> losses;
    learning->setObserver([&](const TrainingProgress& p) {
      losses.push_back(p.trainingLoss);
      return ObserverDecision::Continue;
    });
    const TrainingSummary summary = learning->run();
    QVERIFY2(summary.termination == LearnTermination::IterationLimit, summary.message.c_str());
    QCOMPARE(int(losses.size()), 4);
    for (std::size_t i = 1; i < losses.size(); ++i)
      QVERIFY(losses[i] < losses[i - 1]);
  }

  // A foe model.json written before model.boundary existed was learned on valid responses and
  // must be read so, not with the newer default; a file that names its boundary keeps it.
  void aLearnedModelWithoutBoundaryIsReadAsValid() {
    QTemporaryDir dir;
    const auto write = [&](const char* name, const nlohmann::json& model) {
      const std::string path = dir.filePath(name).toStdString();
      std::ofstream(path) << nlohmann::json{
          {"format", "bilevel-learned-model"},
          {"version", 1},
          {"model", model},
          {"solver", {{"type", "lbfgs"}}},
          {"layout", nlohmann::json::array()},
          {"theta", {0.001}}}.dump();
      return path;
    };
    const nlohmann::json old = {{"type", "foe"}, {"filters", 1}, {"filter_size", 3}};
    QCOMPARE(readLearnedModel(write("old.json", old)).model["boundary"], "valid");
    nlohmann::json named = old;
    named["boundary"] = "symmetric";
    QCOMPARE(readLearnedModel(write("named.json", named)).model["boundary"], "symmetric");
    const nlohmann::json tv = {{"type", "tv"}, {"lambda", 0.1}};
    QVERIFY(!readLearnedModel(write("tv.json", tv)).model.contains("boundary"));
  }

  // A kept adjoint (SolverState::keepAdjoint) is CG's start: a second evaluation at the same θ
  // and x* needs no CG step; without it, CG starts from 0 again.
  void theAdjointWarmStartIsKept() {
    const Configuration config = smallProblem("two-loop", 0);
    const auto samples =
        Dataset(DatasetOptions::fromConfiguration(config)).samples(DatasetSplit::Training);
    const auto model = makeModel(config, samples[0].noisy);
    const SquaredError loss(samples[0].clean.pixels);
    const auto solver = makeInnerSolver(config.solverType());
    const auto method = makeHypergradientMethod("implicit-cg", config.hypergradientOptions());
    for (const bool keep : {true, false}) {
      SolverState state;
      state.keepAdjoint = keep;
      SolveOptions solve = config.solveOptions();
      solve.state = &state;
      const Vector theta = Vector::Constant(1, 0.02);
      Vector x = samples[0].noisy.pixels, g(1);
      const auto first = method->evaluate({*model, loss, *solver, solve}, theta, x, g);
      const auto second = method->evaluate({*model, loss, *solver, solve}, theta, x, g);
      QVERIFY(first.iterations > 5);
      QCOMPARE(state.adjoint.size() > 0, keep);
      if (keep)
        QVERIFY2(second.iterations <= 1, qPrintable(QString::number(second.iterations)));
      else
        QVERIFY(second.iterations > 5);
    }
  }

  // Refusals: a checkpoint of another configuration names the setting that differs; damaged
  // bytes are named; so is an unknown algorithm.
  void refusals() {
    const Dataset dataset(DatasetOptions::fromConfiguration(smallProblem("two-loop", 0)));
    Error e(ErrorKind::Numerical, "");
    const Configuration a = smallProblem("two-loop", 0);
    auto ran = make(a, dataset);
    ran->step();
    Configuration b = a;
    b.set("model.epsilon=0.02");
    e = test::thrownError([&] { make(b, dataset)->restore(ran->checkpoint()); });
    QCOMPARE(e.kind(), ErrorKind::Usage);
    QVERIFY2(QString(e.what()).contains("model.epsilon"), e.what());
    Configuration moreSteps = a;
    moreSteps.set("train.steps=9");
    moreSteps.set("train.threads=1");
    make(moreSteps, dataset)->restore(ran->checkpoint());  // free settings may change
    std::string bytes = ran->checkpoint();
    bytes.resize(bytes.size() - 8);
    e = test::thrownError([&] { make(a, dataset)->restore(bytes, "checkpoint 'x.bin'"); });
    QCOMPARE(e.kind(), ErrorKind::UnreadableInput);
    QVERIFY2(QString(e.what()).contains("x.bin"), e.what());
    // One changed byte anywhere (here in a warm start) fails the checksum.
    bytes = ran->checkpoint();
    bytes[bytes.size() - 100] ^= 1;
    e = test::thrownError([&] { make(a, dataset)->restore(bytes, "checkpoint 'y.bin'"); });
    QCOMPARE(e.kind(), ErrorKind::UnreadableInput);
    QVERIFY2(QString(e.what()).contains("checksum"), e.what());
    e = test::thrownError(
        [&] { make(smallProblem("soba", 0), dataset)->restore(ran->checkpoint()); });
    QVERIFY2(QString(e.what()).contains("two-loop"), e.what());
    Configuration unknown = a;
    unknown.set("train.algorithm=sabba");
    e = test::thrownError([&] { make(unknown, dataset); });
    QVERIFY2(QString(e.what()).contains("train.algorithm"), e.what());
    QVERIFY2(QString(e.what()).contains("saba"), e.what());  // the message lists the names
    // A saba checkpoint is not a soba one (their memories differ).
    auto saba = make(smallProblem("saba", 2), dataset);
    saba->step();
    e = test::thrownError(
        [&] { make(smallProblem("soba", 2), dataset)->restore(saba->checkpoint()); });
    QCOMPARE(e.kind(), ErrorKind::Usage);
    QVERIFY2(QString(e.what()).contains("saba"), e.what());
    // A step decay below 0 is refused naming the key, by the configuration and by the options.
    e = test::thrownError([&] { Configuration(a).set("train.step_decay=-1"); });
    QCOMPARE(e.kind(), ErrorKind::Usage);
    QVERIFY2(QString(e.what()).contains("train.step_decay"), e.what());
    TrainingOptions options = TrainingOptions::fromConfiguration(a);
    std::string why;
    QVERIFY(options.isValid(&why));
    options.stepDecay = -1.0;
    QVERIFY(!options.isValid(&why));
    QVERIFY2(QString::fromStdString(why).contains("train.step_decay"), why.c_str());
    options.stepDecay = std::numeric_limits<double>::infinity();
    QVERIFY(!options.isValid(&why));
    e = test::thrownError([&] { std::make_unique<SingleLoopSaba>(dataset, a, options); });
    QCOMPARE(e.kind(), ErrorKind::Usage);
    QVERIFY2(QString(e.what()).contains("train.step_decay"), e.what());
  }
};

QTEST_APPLESS_MAIN(TestDatasetLearning)
#include "tst_dataset_learning.moc"
