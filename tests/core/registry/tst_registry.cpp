#include <QtTest>
#include <set>

#include "common/Error.h"
#include "config/Configuration.h"
#include "image/BenchmarkImage.h"
#include "registry/Registry.h"

using namespace bilevel;

namespace {

QString usageMessage(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Usage) return "wrong kind";
    return e.what();
  }
  return "no error";
}

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
        const QString message = usageMessage([&] { config.set(assignment); });
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
    const QString message = usageMessage([&] { config.set(key.toStdString() + "=magic"); });
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
      const QString message = usageMessage([&] { config.set("model.type=" + name); });
      QVERIFY2(message.contains(QString::fromStdString("'" + name + "'")) &&
                   message.contains(QString::fromStdString(entry->unavailable)),
               qPrintable(message));
    }
    QVERIFY(registry::findSolver("chambolle-pock"));
  }

  // The Hessian methods refuse tv/tv-map and implicit-manifold refuses the smooth models, in the
  // configuration (before any image is read), naming the method and the model; every other pair of
  // a method and a model of its kind is accepted.
  void methodsMustDifferentiateTheModelsKind() {
    for (const auto& model : registry::models()) {
      const std::string solver = model.kind == registry::LowerLevelKind::Smooth
                                     ? "accelerated-gradient"
                                     : "chambolle-pock";
      for (const auto& method : registry::methods()) {
        const bool hessian = method.name == "implicit-cg" || method.name == "implicit-neumann" ||
                             method.name == "jacobian-free" || method.name == "shine";
        const bool expected = model.kind == registry::LowerLevelKind::Smooth
                                  ? method.name != "implicit-manifold"
                                  : !hessian;
        std::string why;
        QCOMPARE(registry::methodSupportsModel(method, model, &why), expected);
        Configuration config;
        const auto apply = [&] {
          config.merge({{"model", {{"type", model.name}}},
                        {"solver", {{"type", solver}}},
                        {"hypergradient", {{"method", method.name}}}},
                       "test");
        };
        if (expected) {
          apply();
          continue;
        }
        const QString message = usageMessage(apply);
        QVERIFY2(message.contains(QString::fromStdString("'" + method.name + "'")) &&
                     message.contains(QString::fromStdString("'" + model.name + "'")) &&
                     message.contains(QString::fromStdString(why)),
                 qPrintable(message));
      }
    }
  }

  // A solver of the other kind is refused naming both and the solvers that fit.
  void solverKindMustMatchTheModel() {
    const QString message = usageMessage([] {
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
    const QString message = usageMessage([] { registry::model("fft"); });
    QVERIFY2(message.contains("'fft'") &&
                 message.contains(QString::fromStdString(registry::modelNames())),
             qPrintable(message));
    QVERIFY(usageMessage([] { makeHypergradientMethod("magic", {}); }).contains("implicit-cg"));
  }
};

QTEST_APPLESS_MAIN(TestRegistry)
#include "tst_registry.moc"
