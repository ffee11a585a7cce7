#include <QtTest>
#include <algorithm>
#include <cmath>
#include <set>

#include "../TestErrors.h"
#include "common/Error.h"
#include "config/Configuration.h"
#include "image/BenchmarkImage.h"
#include "losses/SquaredError.h"
#include "registry/Registry.h"

using namespace bilevel;

namespace {

// A value of `setting` just outside its range on one side, as a JSON literal for --set.
std::string outside(const registry::Setting& setting, bool below) {
  const bool integer = setting.type == registry::Setting::Type::Integer;
  double value = 0.0;
  if (below) {
    value = setting.minimumIncluded
                ? *setting.minimum - (integer ? 1.0 : 1e-9 + 1e-3 * std::abs(*setting.minimum))
                : *setting.minimum;
  } else {
    value = setting.maximumIncluded
                ? *setting.maximum + (integer ? 1.0 : 1e-3 + 1e-3 * std::abs(*setting.maximum))
                : *setting.maximum;
  }
  if (integer) return std::to_string(static_cast<long long>(value));
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

}  // namespace

class TestRegistry : public QObject {
  Q_OBJECT
 private slots:
  // What each entry builds says the entry's name: the registry and the classes agree.
  void entriesBuildWhatTheyName() {
    const Image noisy = benchmarkImage(16);
    const nlohmann::json section = registry::defaultConfiguration()["model"];
    for (const auto& entry : registry::models()) {
      QVERIFY2(!entry.label.empty() && !entry.description.empty() && !entry.formula.empty(),
               entry.name.c_str());
      QCOMPARE(entry.make(noisy, section)->name(), entry.name);
      if (entry.kind == registry::LowerLevelKind::Smooth) {
        QVERIFY2(entry.makeSmooth && !entry.makePrimalDual, entry.name.c_str());
        const auto model = entry.makeSmooth(noisy, section);
        QCOMPARE(model->name(), entry.name);
        QCOMPARE(model->hasWeightMap(), entry.hasWeightMap);
        // The solvers of its kind accept it, the others refuse it.
        for (const auto& solver : registry::solvers())
          QCOMPARE(solver.make()->supportsModel(*model), solver.kind == entry.kind);
      } else {
        QVERIFY2(entry.makePrimalDual && !entry.makeSmooth, entry.name.c_str());
        const auto model = entry.makePrimalDual(noisy, section);
        QCOMPARE(model->name(), entry.name);
        QCOMPARE(model->hasWeightMap(), entry.hasWeightMap);
        for (const auto& solver : registry::solvers())
          QCOMPARE(solver.make()->supportsModel(*model), solver.kind == entry.kind);
      }
    }
    for (const auto& entry : registry::solvers()) {
      QVERIFY2(!entry.label.empty() && !entry.description.empty(), entry.name.c_str());
      QVERIFY2(entry.make, entry.name.c_str());
      QCOMPARE(entry.make()->name(), entry.name);
    }
    for (const auto& entry : registry::methods()) {
      QVERIFY2(!entry.label.empty(), entry.name.c_str());
      const auto method = entry.make({});
      QCOMPARE(method->name(), entry.name);
      QCOMPARE(entry.description, method->description());
    }
    QCOMPARE(hypergradientMethodNames().size(), registry::methods().size());
    for (const auto& entry : registry::optimizers())
      QVERIFY2(!entry.label.empty() && !entry.description.empty(), entry.name.c_str());
  }

  void namesAreUniqueAndSettingsExist() {
    auto unique = [](const auto& table) {
      std::set<std::string> names;
      for (const auto& entry : table)
        if (!names.insert(entry.name).second) return false;
      return true;
    };
    QVERIFY(unique(registry::models()));
    QVERIFY(unique(registry::solvers()));
    QVERIFY(unique(registry::methods()));
    QVERIFY(unique(registry::optimizers()));
    auto known = [](const std::vector<std::string>& keys) {
      for (const auto& key : keys)
        if (!registry::findSetting(key)) return key;
      return std::string();
    };
    for (const auto& e : registry::models())
      QCOMPARE(known(e.settings), std::string());
    for (const auto& e : registry::solvers())
      QCOMPARE(known(e.settings), std::string());
    for (const auto& e : registry::methods())
      QCOMPARE(known(e.settings), std::string());
    for (const auto& e : registry::optimizers())
      QCOMPARE(known(e.settings), std::string());
  }

  // The configuration's defaults are the registry's, and each is valid.
  void defaultsComeFromTheRegistry() {
    QCOMPARE(Configuration().json(), registry::defaultConfiguration());
    for (const auto& setting : registry::settings()) {
      QVERIFY2(!setting.label.empty() && !setting.description.empty(), setting.key.c_str());
      if (setting.type == registry::Setting::Type::Number ||
          setting.type == registry::Setting::Type::Integer) {
        QVERIFY2(setting.inRange(setting.defaultValue.get<double>()), setting.key.c_str());
        QCOMPARE(setting.defaultValue.is_number_integer(),
                 setting.type == registry::Setting::Type::Integer);
      }
    }
    const auto& c = registry::defaultConfiguration();
    QVERIFY(registry::findModel(c["model"]["type"]));
    QVERIFY(registry::findSolver(c["solver"]["type"]));
    QVERIFY(registry::findMethod(c["hypergradient"]["method"]));
    QVERIFY(registry::findOptimizer(c["outer"]["optimizer"]));
  }

  void requirementsReadAsPeopleWriteThem() {
    QCOMPARE(registry::findSetting("model.epsilon")->requirement(),
             std::string("must lie in (0, 1]"));
    QCOMPARE(registry::findSetting("model.lambda")->requirement(), std::string("must be > 0"));
    QCOMPARE(registry::findSetting("solver.tolerance")->requirement(),
             std::string("must lie in (0, 1)"));
    QCOMPARE(registry::findSetting("noise.seed")->requirement(), std::string("must be ≥ 0"));
    QCOMPARE(registry::findSetting("solver.memory")->requirement(),
             std::string("must lie in [1, 200]"));
  }

  // Every bounded number: a value just outside either bound is refused with the key and the range.
  void everyRangeIsEnforced() {
    int checked = 0;
    for (const auto& setting : registry::settings()) {
      if (setting.type != registry::Setting::Type::Number &&
          setting.type != registry::Setting::Type::Integer)
        continue;
      for (const bool below : {true, false}) {
        if (!(below ? setting.minimum : setting.maximum)) continue;
        Configuration config;
        const std::string assignment = setting.key + "=" + outside(setting, below);
        const QString message = test::errorMessage([&] { config.set(assignment); });
        QVERIFY2(message.contains(QString::fromStdString(setting.key)),
                 qPrintable(QString::fromStdString(assignment) + ": " + message));
        QCOMPARE(config.json(), Configuration().json());  // the last valid settings stay
        ++checked;
      }
    }
    QVERIFY(checked >= 20);
    // The edges themselves, where included, are accepted.
    Configuration config;
    config.set("model.epsilon=1");
    config.set("noise.sigma=0");
    config.set("solver.memory=200");
  }

  void unknownNamesListTheValidOnes_data() {
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("names");
    QTest::newRow("model") << "model.type" << QString::fromStdString(registry::modelNames());
    QTest::newRow("solver") << "solver.type" << QString::fromStdString(registry::solverNames());
    QTest::newRow("method") << "hypergradient.method"
                            << QString::fromStdString(registry::methodNames());
    QTest::newRow("optimizer") << "outer.optimizer"
                               << QString::fromStdString(registry::optimizerNames());
  }
  void unknownNamesListTheValidOnes() {
    QFETCH(QString, key);
    QFETCH(QString, names);
    Configuration config;
    const QString message = test::errorMessage([&] { config.set(key.toStdString() + "=magic"); });
    QVERIFY2(message.contains(key) && message.contains(names) && message.contains("magic"),
             qPrintable(message));
  }

  // tv and tv-map are listed, and until a learning session can run them a configuration refuses
  // them with the registry's reason (not a crash, not a substitute).
  void primalDualModelsAreListedAndRefusedWithAReason() {
    for (const std::string name : {"tv", "tv-map"}) {
      const registry::ModelEntry* entry = registry::findModel(name);
      QVERIFY(entry);
      QVERIFY(entry->kind == registry::LowerLevelKind::PrimalDual);
      if (entry->unavailable.empty()) continue;  // integrated: learnable
      Configuration config;
      const QString message = test::errorMessage([&] { config.set("model.type=" + name); });
      QVERIFY2(message.contains(QString::fromStdString("'" + name + "'")) &&
                   message.contains(QString::fromStdString(entry->unavailable)),
               qPrintable(message));
    }
    QVERIFY(registry::findSolver("chambolle-pock"));
  }

  // The Hessian methods refuse tv/tv-map and implicit-manifold refuses the smooth models, in the
  // configuration (before any image is read), naming the method and the model; every other pair of
  // a method and a model of its kind is accepted.
  // What each method differentiates is what the registry declares (MethodEntry::modelKinds), for
  // every method × model × solver of the model's kind that the method can serve: where declared,
  // the method accepts the problem and its hypergradient agrees with the reference method's;
  // where not, supports() and evaluate() refuse it naming the method, and the configuration
  // refuses the pair naming both with the registry's sentence. A method registered with a kind it
  // cannot differentiate, or without one it can, fails here.
  void methodsDifferentiateTheKindsTheyDeclare() {
    const int n = 8;
    const Image clean = benchmarkImage(n);
    Image noisy = clean;
    for (Eigen::Index i = 0; i < noisy.pixels.size(); ++i)
      noisy.pixels[i] += 0.05 * std::sin(1.7 * double(i) + 0.3);
    const SquaredError loss(clean.pixels);
    nlohmann::json section = registry::defaultConfiguration()["model"];
    section["grid"] = {2, 2};  // a weight map of 4 parameters keeps the reference at 8 solves
    HypergradientOptions options;
    options.tolerance = 1e-12;
    options.maxIterations = 20000;
    options.finiteDifferenceStep = 1e-4;
    options.finiteDifferenceTolerance = 1e-12;
    const registry::MethodEntry& referenceEntry = registry::referenceMethod();
    QVERIFY2(referenceEntry.differentiates(registry::LowerLevelKind::Smooth) &&
                 referenceEntry.differentiates(registry::LowerLevelKind::PrimalDual),
             "the reference must differentiate every kind of lower level");
    int agreed = 0, refused = 0;
    for (const auto& modelEntry : registry::models()) {
      const auto model = modelEntry.make(noisy, section);
      const Vector theta = model->defaultParameters();
      for (const auto& solverEntry : registry::solvers()) {
        if (solverEntry.kind != modelEntry.kind) continue;
        const auto solver = solverEntry.make();
        SolveOptions solve;
        solve.tolerance = 1e-10;
        solve.maxIterations = 100000;
        Vector reference(theta.size());
        {
          Vector x = model->initialPoint();
          const BilevelProblem problem{*model, loss, *solver, solve};
          QVERIFY(referenceEntry.make(options)->evaluate(problem, theta, x, reference).usable());
        }
        for (const auto& methodEntry : registry::methods()) {
          if (!registry::methodSupportsSolver(methodEntry, solverEntry)) continue;
          const std::string pair =
              methodEntry.name + " on " + modelEntry.name + " with " + solverEntry.name;
          const bool declared = methodEntry.differentiates(modelEntry.kind);
          std::string registryWhy;
          QCOMPARE(registry::methodSupportsModel(methodEntry, modelEntry, &registryWhy), declared);
          // The methods that differentiate a fixed number of iterations get enough of them.
          SolveOptions methodSolve = solve;
          const auto& keys = methodEntry.settings;
          if (std::find(keys.begin(), keys.end(), "solver.iterations") != keys.end())
            methodSolve.fixedIterations = 500;
          const BilevelProblem problem{*model, loss, *solver, methodSolve};
          const auto method = methodEntry.make(options);
          std::string why;
          QVERIFY2(method->supports(problem, &why) == declared, (pair + ": " + why).c_str());
          Vector x = model->initialPoint(), gradient(theta.size());
          if (declared) {
            const HypergradientSummary summary = method->evaluate(problem, theta, x, gradient);
            QVERIFY2(summary.usable() && gradient.allFinite(),
                     (pair + ": " + summary.message).c_str());
            // Approximate methods (jacobian-free, shine) are 30-90 % off in norm here, but all
            // point along the reference (cosine ≥ 0.99); a method differentiating the wrong
            // thing does not.
            const double cosine = gradient.dot(reference) / (gradient.norm() * reference.norm());
            QVERIFY2(cosine > 0.9, (pair + ": cosine " + std::to_string(cosine)).c_str());
            ++agreed;
            continue;
          }
          QVERIFY2(why.find(methodEntry.name) != std::string::npos, why.c_str());
          const QString evaluated =
              test::errorMessage([&] { method->evaluate(problem, theta, x, gradient); });
          QVERIFY2(evaluated.contains(QString::fromStdString(methodEntry.name)),
                   qPrintable(evaluated));
          Configuration config;
          const QString configured = test::errorMessage([&] {
            config.merge({{"model", {{"type", modelEntry.name}}},
                          {"solver", {{"type", solverEntry.name}}},
                          {"hypergradient", {{"method", methodEntry.name}}}},
                         "test");
          });
          QVERIFY2(configured.contains(QString::fromStdString("'" + methodEntry.name + "'")) &&
                       configured.contains(QString::fromStdString("'" + modelEntry.name + "'")) &&
                       configured.contains(QString::fromStdString(registryWhy)),
                   qPrintable(configured));
          ++refused;
        }
      }
    }
    qInfo("%d pairs agree with the reference, %d are refused", agreed, refused);
    // Both branches ran: some pair agreed and some pair was refused.
    QVERIFY(agreed > 0 && refused > 0);
  }

  // A solver of the other kind is refused naming both and the solvers that fit.
  void solverKindMustMatchTheModel() {
    const QString message = test::errorMessage([] {
      Configuration c;
      c.set("solver.type=chambolle-pock");
    });
    QVERIFY2(message.contains("chambolle-pock") && message.contains("huber-tv") &&
                 message.contains("accelerated-gradient, gradient-descent, lbfgs"),
             qPrintable(message));
  }

  void methodSolverPairsAreJudgedByTheMethods() {
    std::string why;
    QVERIFY(registry::methodSupportsSolver(registry::method("implicit-cg"),
                                           registry::solver("lbfgs"), &why));
    QVERIFY(!registry::methodSupportsSolver(registry::method("unrolled"), registry::solver("lbfgs"),
                                            &why));
    QVERIFY2(QString::fromStdString(why).contains("lbfgs") &&
                 QString::fromStdString(why).contains("unrolled"),
             why.c_str());
    QVERIFY(registry::methodSupportsSolver(registry::method("unrolled"),
                                           registry::solver("gradient-descent")));
  }

  void lookupsThatThrowNameTheEntry() {
    const QString message = test::errorMessage([] { registry::model("fft"); });
    QVERIFY2(message.contains("'fft'") &&
                 message.contains(QString::fromStdString(registry::modelNames())),
             qPrintable(message));
    QVERIFY(
        test::errorMessage([] { makeHypergradientMethod("magic", {}); }).contains("implicit-cg"));
  }
};

QTEST_APPLESS_MAIN(TestRegistry)
#include "tst_registry.moc"
