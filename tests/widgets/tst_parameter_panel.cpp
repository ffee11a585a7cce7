#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QtTest>

#include "config/Configuration.h"
#include "registry/Registry.h"
#include "widgets/ParameterPanel.h"

using namespace bilevel;
using bilevel::widgets::ParameterPanel;

namespace {

QString text(const std::string& s) {
  return QString::fromStdString(s);
}

template <typename T>
T* child(ParameterPanel& panel, const char* name) {
  return panel.findChild<T*>(QString::fromLatin1(name));
}

QStringList entries(const QComboBox* box) {
  QStringList names;
  for (int i = 0; i < box->count(); ++i)
    names << box->itemData(i).toString();
  return names;
}

}  // namespace

// The panel's lists, tooltips and enabled fields come from the registry (issue 9 §1).
class ParameterPanelTest : public QObject {
  Q_OBJECT

 private slots:
  void listsAreTheRegistrys() {
    ParameterPanel panel;
    QStringList models, solvers, methods, optimizers;
    for (const auto& e : registry::models())
      models << text(e.name);
    for (const auto& e : registry::solvers())
      solvers << text(e.name);
    for (const auto& e : registry::methods())
      methods << text(e.name);
    for (const auto& e : registry::optimizers())
      optimizers << text(e.name);
    QCOMPARE(entries(child<QComboBox>(panel, "modelComboBox")), models);
    QCOMPARE(entries(child<QComboBox>(panel, "solverComboBox")), solvers);
    QCOMPARE(entries(child<QComboBox>(panel, "methodComboBox")), methods);
    QCOMPARE(entries(child<QComboBox>(panel, "optimizerComboBox")), optimizers);
    // The studio's solver list used to lack gradient descent.
    QVERIFY(solvers.contains("gradient-descent"));
    panel.setConfiguration(Configuration().json());
    QVERIFY(panel.entryEnabled("solver.type", "gradient-descent"));
    // Every entry's tooltip is its registry description.
    for (const auto& e : registry::methods())
      QVERIFY(
          panel.entryToolTip("hypergradient.method", text(e.name)).contains(text(e.description)));
  }

  // ε and the grid follow what the model reads (ModelEntry::settings), not its name.
  void fieldsFollowTheModelsSettings() {
    ParameterPanel panel;
    Configuration config;
    for (const auto& model : registry::models()) {
      if (!model.unavailable.empty()) continue;
      // A solver of the model's kind and a method that differentiates it.
      std::string solver, method;
      for (const auto& s : registry::solvers()) {
        if (s.kind == model.kind && solver.empty()) solver = s.name;
      }
      for (const auto& m : registry::methods()) {
        if (registry::methodSupportsModel(m, model) && method.empty()) method = m.name;
      }
      config.merge({{"model", {{"type", model.name}}},
                    {"solver", {{"type", solver}}},
                    {"hypergradient", {{"method", method}}}},
                   "test");
      panel.setConfiguration(config.json());
      QCOMPARE(child<QDoubleSpinBox>(panel, "epsilonSpinBox")->isEnabled(),
               model.uses("model.epsilon"));
      QCOMPARE(child<QSpinBox>(panel, "gridRowsSpinBox")->isEnabled(), model.uses("model.grid"));
      QCOMPARE(child<QSpinBox>(panel, "gridColsSpinBox")->isEnabled(), model.uses("model.grid"));
      // A filter bank's settings are enabled only for a model that has one, λ only for a model
      // with it.
      QCOMPARE(child<QSpinBox>(panel, "filtersSpinBox")->isEnabled(), model.uses("model.filters"));
      QCOMPARE(child<QDoubleSpinBox>(panel, "lambdaSpinBox")->isEnabled(),
               model.uses("model.lambda"));
    }
    panel.setLearningActive(true);
    QVERIFY(!child<QSpinBox>(panel, "gridRowsSpinBox")->isEnabled());
  }

  // A method the solver refuses cannot be picked, and its tooltip says why; the same for a
  // solver the method refuses.
  void refusedPairsAreDisabledWithTheReason() {
    ParameterPanel panel;
    Configuration config;
    config.set("solver.type=lbfgs");
    panel.setConfiguration(config.json());
    int refused = 0;
    const registry::ModelEntry& model = registry::model(config.modelType());
    for (const auto& method : registry::methods()) {
      std::string why;
      // implicit-manifold refuses the smooth model before the solver is judged.
      if (!registry::methodSupportsModel(method, model, &why)) {
        QVERIFY(!panel.entryEnabled("hypergradient.method", text(method.name)));
        QVERIFY2(panel.entryToolTip("hypergradient.method", text(method.name)).contains(text(why)),
                 method.name.c_str());
        QVERIFY(why.find(model.name + " is smooth") != std::string::npos);
        continue;
      }
      const bool supported =
          registry::methodSupportsSolver(method, registry::solver("lbfgs"), &why);
      QCOMPARE(panel.entryEnabled("hypergradient.method", text(method.name)), supported);
      if (!supported) {
        ++refused;
        QVERIFY2(panel.entryToolTip("hypergradient.method", text(method.name)).contains(text(why)),
                 method.name.c_str());
        QVERIFY(why.find("lbfgs") != std::string::npos);
      }
    }
    QVERIFY(refused >= 3);  // unrolled, forward, fpad
    config = Configuration();
    config.set("hypergradient.method=unrolled");
    panel.setConfiguration(config.json());
    QVERIFY(panel.entryEnabled("hypergradient.method", "unrolled"));
    QVERIFY(!panel.entryEnabled("solver.type", "lbfgs"));
    QVERIFY(panel.entryToolTip("solver.type", "lbfgs").contains("unrolled"));
    QVERIFY(panel.entryEnabled("solver.type", "gradient-descent"));
    // A solver of the other kind of lower level cannot be picked for a smooth model.
    QVERIFY(!panel.entryEnabled("solver.type", "chambolle-pock"));
    QVERIFY(panel.entryToolTip("solver.type", "chambolle-pock").contains("primal–dual"));
  }

  // The methods follow the model's kind: with tv the Hessian methods are disabled naming tv,
  // implicit-manifold is enabled; with a smooth model the other way round.
  void methodsFollowTheModelsKind() {
    ParameterPanel panel;
    Configuration config;
    config.merge({{"model", {{"type", "tv"}}},
                  {"solver", {{"type", "chambolle-pock"}}},
                  {"hypergradient", {{"method", "implicit-manifold"}}}},
                 "test");
    panel.setConfiguration(config.json());
    QVERIFY(panel.entryEnabled("hypergradient.method", "implicit-manifold"));
    QVERIFY(panel.entryEnabled("hypergradient.method", "fpad"));
    for (const char* hessian : {"implicit-cg", "implicit-neumann", "jacobian-free", "shine"}) {
      QVERIFY2(!panel.entryEnabled("hypergradient.method", hessian), hessian);
      const QString tip = panel.entryToolTip("hypergradient.method", hessian);
      QVERIFY2(tip.contains("tv is primal–dual") && tip.contains(hessian), qPrintable(tip));
    }
    panel.setConfiguration(Configuration().json());
    QVERIFY(!panel.entryEnabled("hypergradient.method", "implicit-manifold"));
    QVERIFY(panel.entryToolTip("hypergradient.method", "implicit-manifold")
                .contains("huber-tv is smooth"));
  }

  // tv and tv-map are listed; while a learning session cannot run them they are disabled and say
  // why.
  void modelsNotAvailableSayWhy() {
    ParameterPanel panel;
    panel.setConfiguration(Configuration().json());
    for (const auto& model : registry::models()) {
      QCOMPARE(panel.entryEnabled("model.type", text(model.name)), model.unavailable.empty());
      QVERIFY(panel.entryToolTip("model.type", text(model.name)).contains(text(model.formula)));
      if (!model.unavailable.empty()) {
        QVERIFY(
            panel.entryToolTip("model.type", text(model.name)).contains(text(model.unavailable)));
      }
    }
  }

  void pickingAnEntryReportsItsKey() {
    ParameterPanel panel;
    panel.setConfiguration(Configuration().json());
    QSignalSpy changed(&panel, &ParameterPanel::settingChanged);
    auto* solver = child<QComboBox>(panel, "solverComboBox");
    const int index = solver->findData(QStringLiteral("gradient-descent"));
    solver->setCurrentIndex(index);
    emit solver->activated(index);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.front().at(0).toString(), QStringLiteral("solver.type"));
    QCOMPARE(changed.front().at(1).toString(), QStringLiteral("gradient-descent"));
  }
};

QTEST_MAIN(ParameterPanelTest)
#include "tst_parameter_panel.moc"
