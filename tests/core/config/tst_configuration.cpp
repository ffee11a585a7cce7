#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "../TestErrors.h"
#include "common/Error.h"
#include "config/Configuration.h"

using namespace bilevel;

namespace {
// A configuration refuses bad settings with Usage and unreadable files with UnreadableInput.
QString usageMessage(const std::function<void()>& action) {
  return test::errorMessage(action, {ErrorKind::Usage, ErrorKind::UnreadableInput});
}
}  // namespace

class TestConfiguration : public QObject {
  Q_OBJECT
 private slots:
  void presetsLoadAndValidate() {
    const auto names = presetNames();
    QVERIFY(std::find(names.begin(), names.end(), "tv-denoise") != names.end());
    QVERIFY(std::find(names.begin(), names.end(), "tv-weightmap-denoise") != names.end());
    for (const auto& name : names)
      Configuration::fromPreset(name);
    QCOMPARE(Configuration::fromPreset("tv-weightmap-denoise").modelType(),
             std::string("huber-tv-map"));
  }

  void setOverridesByDottedKey() {
    Configuration config = Configuration::fromPreset("tv-denoise");
    config.set("model.lambda=0.125");
    config.set("hypergradient.method=unrolled");
    config.set("solver.iterations=300");
    QCOMPARE(config.json()["model"]["lambda"].get<double>(), 0.125);
    QCOMPARE(config.method(), std::string("unrolled"));
    QCOMPARE(config.solveOptions().fixedIterations, 300);
  }

  void badSettingsNameTheKey_data() {
    QTest::addColumn<QString>("assignment");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown key") << "model.lamda=0.1"
                                 << "model.lamda";
    QTest::newRow("unknown section") << "solvers.tolerance=1"
                                     << "solvers";
    QTest::newRow("nan") << "model.lambda=nan"
                         << "model.lambda";
    QTest::newRow("inf") << "model.lambda=inf"
                         << "model.lambda";
    QTest::newRow("negative") << "model.lambda=-1"
                              << "model.lambda";
    QTest::newRow("wrong type") << "outer.iterations=\"ten\""
                                << "outer.iterations";
    QTest::newRow("fraction for integer") << "outer.iterations=2.5"
                                          << "outer.iterations";
    QTest::newRow("unknown method") << "hypergradient.method=magic"
                                    << "hypergradient.method";
    QTest::newRow("tolerance out of range") << "solver.tolerance=2"
                                            << "solver.tolerance";
    QTest::newRow("unknown model") << "model.type=fft"
                                   << "model.type";
    QTest::newRow("bad grid") << "model.grid=[0,3]"
                              << "model.grid";
    QTest::newRow("no equals") << "model.lambda"
                               << "key=value";
  }
  void badSettingsNameTheKey() {
    QFETCH(QString, assignment);
    QFETCH(QString, expected);
    Configuration config = Configuration::fromPreset("tv-denoise");
    const QString message = usageMessage([&] { config.set(assignment.toStdString()); });
    QVERIFY2(message.contains(expected), qPrintable(message));
    // A rejected setting leaves the configuration as it was.
    QCOMPARE(config.json(), Configuration::fromPreset("tv-denoise").json());
  }

  void configFilesAreValidated() {
    QTemporaryDir dir;
    const auto write = [&](const char* name, const char* text) {
      const std::string path = dir.filePath(name).toStdString();
      std::ofstream(path) << text;
      return path;
    };
    QVERIFY(usageMessage([&] {
              Configuration::fromFile(write("a.json", "{\"model\": {\"lambda\": NaN}}"));
            }).contains("not valid JSON"));
    QVERIFY(usageMessage([&] {
              Configuration::fromFile(write("b.json", "{\"colour\": 1}"));
            }).contains("colour"));
    QVERIFY(usageMessage([&] {
              Configuration::fromFile(write("c.json", "[1, 2]"));
            }).contains("object"));
    QVERIFY(usageMessage([&] {
              Configuration::fromFile(dir.filePath("none.json").toStdString());
            }).contains("none.json"));
    const auto ok =
        Configuration::fromFile(write("d.json", "{\"model\": {\"type\": \"quadratic\"}}"));
    QCOMPARE(ok.modelType(), std::string("quadratic"));
    QCOMPARE(ok.baseDirectory().string(), dir.path().toStdString());
  }

  void unknownPresetListsTheKnownOnes() {
    const QString message = usageMessage([] { Configuration::fromPreset("tv"); });
    QVERIFY2(message.contains("tv-denoise"), qPrintable(message));
  }
};

QTEST_APPLESS_MAIN(TestConfiguration)
#include "tst_configuration.moc"
