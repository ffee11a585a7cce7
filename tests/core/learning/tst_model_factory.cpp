#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "common/Error.h"
#include "config/Configuration.h"
#include "data/Dataset.h"
#include "learning/DatasetLearning.h"
#include "learning/LearnedModel.h"
#include "learning/LearningSession.h"
#include "learning/ModelFactory.h"
#include "learning/TrainingPair.h"

#include "../TestDatasets.h"
#include "../TestErrors.h"

using namespace bilevel;

namespace {

// The dataset suites' dead leaves (TestDatasets.h) with a Fields of Experts model of four 3×3
// filters (two blocks: ν positive, ϑ free): a step takes milliseconds.
Configuration smallFoe(const std::string& algorithm) {
  Configuration c = test::deadLeavesPatches(algorithm, 3);
  c.set("model.type=foe");
  c.set("model.filters=4");
  c.set("model.filter_size=3");
  c.set("model.penalty=charbonnier");
  c.set("outer.optimizer=adam");
  c.set("outer.step=0.1");
  c.set("train.steps=3");
  c.set("train.validate_every=3");
  return c;
}

void writeJson(const std::filesystem::path& path, const nlohmann::json& json) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << json.dump(1);
}

std::string quoted(const std::filesystem::path& path) {
  return nlohmann::json(path.string()).dump();
}

}  // namespace

class TestModelFactory : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  // model.json of smallFoe("two-loop") after its 3 steps, and that θ.
  std::filesystem::path trained_;
  Vector trainedTheta_;

  std::filesystem::path path(const std::string& name) const {
    return std::filesystem::path(dir_.path().toStdString()) / name;
  }
  nlohmann::json trainedJson() const {
    std::ifstream in(trained_);
    return nlohmann::json::parse(in);
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    const Configuration config = smallFoe("two-loop");
    const Dataset dataset(DatasetOptions::fromConfiguration(config));
    auto learning = makeLearningAlgorithm(dataset, config);
    learning->run();
    QCOMPARE(learning->stepCount(), 3);
    trainedTheta_ = learning->parameters();
    // θ moved from the defaults: a start from the file is not a start from the defaults.
    QVERIFY((trainedTheta_ - learning->model().defaultParameters()).norm() > 1e-4);
    trained_ = path("run/model.json");
    writeJson(trained_, learnedModelJson(config, learning->model(), trainedTheta_, {}));
  }

  // Step 0 of a run with train.initial_model is the file's θ exactly (17 significant digits
  // round-trip a double), for each dataset algorithm and for a single-image session; the model
  // the run writes names where it started.
  void aRunStartsAtTheFilesTheta_data() {
    QTest::addColumn<QString>("algorithm");
    QTest::newRow("two-loop") << "two-loop";
    QTest::newRow("soba") << "soba";
    QTest::newRow("saba") << "saba";
  }
  void aRunStartsAtTheFilesTheta() {
    QFETCH(QString, algorithm);
    Configuration config = smallFoe(algorithm.toStdString());
    config.set("train.initial_model=" + quoted(trained_));
    const Dataset dataset(DatasetOptions::fromConfiguration(config));
    auto learning = makeLearningAlgorithm(dataset, config);
    QVERIFY(learning->parameters() == trainedTheta_);
    QCOMPARE(learning->step().step, 0);  // measures the start
    QVERIFY(learning->parameters() == trainedTheta_);
    // (soba's and saba's first θ step is zero: their adjoint v starts at 0.)
    for (int k = 0; k < 3; ++k)
      learning->step();
    QVERIFY(learning->parameters() != trainedTheta_);
    const nlohmann::json written =
        learnedModelJson(config, learning->model(), learning->parameters(), {});
    QCOMPARE(written["training"]["initial_model"].get<std::string>(), trained_.string());
    // Without the key the run starts at the defaults and the provenance says nothing.
    config.set("train.initial_model=\"\"");
    auto fresh = makeLearningAlgorithm(dataset, config);
    QVERIFY(fresh->parameters() == fresh->model().defaultParameters());
    QVERIFY(!learnedModelJson(config, fresh->model(), fresh->parameters(), {})["training"].contains(
        "initial_model"));
  }
  // train.* belongs to dataset learning: a single-image session (bilevel-cli learn, the studio's
  // Learn) starts at the model's defaults whatever the key says, so a choice made on the
  // dataset page does not move it, and a missing file does not stop it.
  void aSingleImageSessionStartsAtTheDefaults() {
    Configuration config = smallFoe("two-loop");
    config.set("image=shapes.png");
    config.set("train.initial_model=" + quoted(trained_));
    LearningSession session(loadTrainingPairs(config), config);
    QVERIFY(session.parameters() == session.model().defaultParameters());
    QVERIFY(!(session.parameters() == trainedTheta_));
    config.set("train.initial_model=" + quoted(path("missing.json")));
    LearningSession missing(loadTrainingPairs(config), config);
    QVERIFY(missing.parameters() == session.parameters());
  }

  // The checkpoint holds θ: a resumed run continues bit for bit whether or not train.
  // initial_model is still set (it only places step 0).
  void aResumedRunIgnoresTheInitialModel() {
    Configuration config = smallFoe("two-loop");
    config.set("train.initial_model=" + quoted(trained_));
    config.set("train.steps=4");
    const Dataset dataset(DatasetOptions::fromConfiguration(config));
    auto straight = makeLearningAlgorithm(dataset, config);
    straight->run();
    Configuration half = config;
    half.set("train.steps=2");
    auto first = makeLearningAlgorithm(dataset, half);
    first->run();
    const std::string bytes = first->checkpoint();
    for (const char* initial : {"", "same"}) {
      Configuration again = config;
      if (std::string(initial).empty()) again.set("train.initial_model=\"\"");
      auto resumed = makeLearningAlgorithm(dataset, again);
      resumed->restore(bytes);
      resumed->run();
      QCOMPARE(resumed->stepCount(), 4);
      QVERIFY(resumed->parameters() == straight->parameters());
    }
  }

  // The file must describe the configured model: the message names the file and the first item
  // that differs. Settings that only set the default θ (λ, ν) may differ.
  void aDifferentModelIsRefused_data() {
    QTest::addColumn<QString>("setting");  // a --set on the configuration, or "" for none
    QTest::addColumn<QString>("edit");     // a JSON pointer into the file and its new value
    QTest::addColumn<QString>("item");     // named by the message; "" when accepted
    QTest::newRow("type") << "model.type=huber-tv"
                          << ""
                          << "model.type";
    QTest::newRow("filters") << "model.filters=5"
                             << ""
                             << "model.filters";
    QTest::newRow("filter size") << "model.filter_size=5"
                                 << ""
                                 << "model.filter_size";
    QTest::newRow("penalty") << "model.penalty=student-t"
                             << ""
                             << "model.penalty";
    QTest::newRow("boundary") << "model.boundary=valid"
                              << ""
                              << "model.boundary";
    QTest::newRow("layout from elsewhere") << ""
                                           << "/layout/1/size=9"
                                           << "parameter block 2";
    QTest::newRow("negative ν") << ""
                                << "/theta/0=-0.5"
                                << "'nu' must be positive";
    QTest::newRow("ν may differ") << "model.nu=0.01"
                                  << ""
                                  << "";
    QTest::newRow("λ may differ") << "model.lambda=0.3"
                                  << ""
                                  << "";
  }
  void aDifferentModelIsRefused() {
    QFETCH(QString, setting);
    QFETCH(QString, edit);
    QFETCH(QString, item);
    std::filesystem::path file = trained_;
    if (!edit.isEmpty()) {
      const auto equals = edit.indexOf('=');
      nlohmann::json json = trainedJson();
      json[nlohmann::json::json_pointer(edit.left(equals).toStdString())] =
          nlohmann::json::parse(edit.mid(equals + 1).toStdString());
      file = path("edited/" + QByteArray(QTest::currentDataTag()).toHex().toStdString() + ".json");
      writeJson(file, json);
    }
    Configuration config = smallFoe("two-loop");
    if (!setting.isEmpty()) config.set(setting.toStdString());
    config.set("train.initial_model=" + quoted(file));
    const Dataset dataset(DatasetOptions::fromConfiguration(config));
    if (item.isEmpty()) {
      QVERIFY(makeLearningAlgorithm(dataset, config)->parameters() == trainedTheta_);
      return;
    }
    const Error error = test::thrownError([&] { makeLearningAlgorithm(dataset, config); });
    const QString message = QString::fromUtf8(error.what());
    QCOMPARE(error.kind(), ErrorKind::Usage);
    QVERIFY2(message.contains(QString::fromStdString(file.string())), qPrintable(message));
    QVERIFY2(message.contains(item), qPrintable(message));
    QVERIFY2(message.contains("train.initial_model"), qPrintable(message));
  }

  // A file that is not there, or not a learned model, is named.
  void anUnreadableFileIsNamed_data() {
    QTest::addColumn<QString>("content");  // "" for no file at all
    QTest::addColumn<int>("kind");
    QTest::newRow("missing") << "" << int(ErrorKind::UnreadableInput);
    QTest::newRow("not JSON") << "{\"format\": " << int(ErrorKind::UnreadableInput);
    QTest::newRow("not a model") << "{\"format\": \"other\"}" << int(ErrorKind::Usage);
  }
  void anUnreadableFileIsNamed() {
    QFETCH(QString, content);
    QFETCH(int, kind);
    const std::filesystem::path file =
        path("bad/" + QByteArray(QTest::currentDataTag()).toHex().toStdString() + ".json");
    if (!content.isEmpty()) {
      std::filesystem::create_directories(file.parent_path());
      std::ofstream(file) << content.toStdString();
    }
    Configuration config = smallFoe("two-loop");
    config.set("train.initial_model=" + quoted(file));
    const Dataset dataset(DatasetOptions::fromConfiguration(config));
    const Error error = test::thrownError([&] { makeLearningAlgorithm(dataset, config); });
    const QString message = QString::fromUtf8(error.what());
    QCOMPARE(int(error.kind()), kind);
    QVERIFY2(message.contains(QString::fromStdString(file.string())), qPrintable(message));
    QVERIFY2(message.contains("train.initial_model"), qPrintable(message));
  }

  // A relative path resolves against the configuration file's folder (as dataset.folder does),
  // not against the working directory.
  void aRelativePathResolvesAgainstTheConfigurationsFolder() {
    const std::filesystem::path folder = path("project");
    std::filesystem::create_directories(folder / "models");
    std::filesystem::copy_file(trained_, folder / "models" / "start.json",
                               std::filesystem::copy_options::overwrite_existing);
    nlohmann::json file = smallFoe("two-loop").json();
    file["train"]["initial_model"] = "models/start.json";
    writeJson(folder / "train.json", file);
    const QString previous = QDir::currentPath();
    QVERIFY(QDir::setCurrent(dir_.path()));  // where models/start.json does not exist
    const Configuration config = Configuration::fromFile(folder / "train.json");
    QVERIFY(QDir::setCurrent(previous));
    QCOMPARE(initialModelPath(config), std::filesystem::absolute(folder) / "models/start.json");
    const Dataset dataset(DatasetOptions::fromConfiguration(config));
    QVERIFY(makeLearningAlgorithm(dataset, config)->parameters() == trainedTheta_);
    // A configuration inside another document resolves against the folder it names.
    const Configuration held = Configuration::fromJson(file, folder, "a session");
    QCOMPARE(initialModelPath(held), folder / "models/start.json");
    QCOMPARE(initialModelPath(Configuration()), std::filesystem::path());
  }
};

QTEST_GUILESS_MAIN(TestModelFactory)
#include "tst_model_factory.moc"
