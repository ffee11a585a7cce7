#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "common/Error.h"
#include "learning/LearningRecords.h"
#include "learning/SessionFile.h"
#include "learning/TrainingPair.h"

using namespace bilevel;

// Saved studio sessions (core/learning/SessionFile.h) and the shared learning records.
class TestSessionFile : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

  std::filesystem::path path(const char* name) const { return dir_.filePath(name).toStdString(); }
  void write(const char* name, const std::string& text) const { std::ofstream(path(name)) << text; }
  // The error a read throws, or "" when it does not.
  std::pair<ErrorKind, std::string> readError(const char* name) const {
    try {
      readSessionFile(path(name));
    } catch (const Error& e) {
      return {e.kind(), e.what()};
    }
    return {ErrorKind::Usage, ""};
  }
  static std::string valid(const std::string& historyRow) {
    return R"({"format": "bilevel-studio-session", "version": 1,
               "configuration": {"image": "benchmark:16"}, "parameters": [0.1],
               "history": [)" +
           historyRow + "]}";
  }

 private slots:
  void roundTripKeepsEverything() {
    SessionRecord record{
        Configuration::fromPreset("tv-weightmap-denoise"), Vector::LinSpaced(64, 0.01, 0.64), {}};
    record.configuration.set("noise.seed=7");
    for (int i = 0; i < 3; ++i) {
      Snapshot s;
      s.iteration = i;
      s.outerLoss = 10.0 / (i + 1);
      s.psnr = 30.0 + i;
      s.hypergradientNorm = 1.0 / (i + 1);
      s.stepSeconds = 0.25;
      s.elapsedSeconds = 0.25 * (i + 1);
      s.innerIterations = 100 + i;
      s.evaluations = 1;
      s.status = "running";
      s.parameters = Vector::Constant(64, 0.01 * (i + 1));
      record.history.push_back(s);
    }
    writeSessionFile(path("round.json"), record);
    const SessionRecord back = readSessionFile(path("round.json"));
    QCOMPARE(back.parameters, record.parameters);
    QCOMPARE(back.history.size(), record.history.size());
    QCOMPARE(back.history[2].parameters, record.history[2].parameters);
    QCOMPARE(back.history[1].outerLoss, record.history[1].outerLoss);
    QCOMPARE(back.history[2].innerIterations, 102);
    QCOMPARE(back.configuration.json()["noise"]["seed"].get<int>(), 7);
    QCOMPARE(back.configuration.modelType(), std::string("huber-tv-map"));
    // Image paths are stored absolute, so the session opens from anywhere.
    const std::string image = back.configuration.imageSpecifications().front();
    QVERIFY(std::filesystem::path(image).is_absolute());
    QVERIFY(std::filesystem::exists(image));
  }

  void damagedFilesNameTheirFault() {
    write("text.json", "not json at all");
    QCOMPARE(readError("text.json").first, ErrorKind::UnreadableInput);
    QCOMPARE(readError("missing.json").first, ErrorKind::UnreadableInput);
    write("format.json", R"({"format": "something-else", "version": 1})");
    QVERIFY(readError("format.json").second.find("'format'") != std::string::npos);
    write("version.json", R"({"format": "bilevel-studio-session", "version": 99})");
    QVERIFY(readError("version.json").second.find("'version'") != std::string::npos);
    write("ok.json", valid(""));
    QCOMPARE(readError("ok.json").second, std::string());
    const std::string row =
        R"({"iter": %, "outer_loss": 1, "psnr": 30, "hypergradient_norm": 1, "seconds": 0.1,
            "elapsed_seconds": 0.1, "inner_iterations": 10, "evaluations": 1, "status": "running",
            "parameters": [0.1]})";
    auto withIter = [&](const std::string& iter) {
      std::string r = row;
      r.replace(r.find('%'), 1, iter);
      return valid(r);
    };
    write("huge.json", withIter("1e300"));
    QVERIFY(readError("huge.json").second.find("history[0].iter") != std::string::npos);
    write("fraction.json", withIter("1.5"));
    QVERIFY(readError("fraction.json").second.find("history[0].iter") != std::string::npos);
    write("negative.json", withIter("-2"));
    QVERIFY(readError("negative.json").second.find("history[0].iter") != std::string::npos);
    write("good-row.json", withIter("3"));
    QCOMPARE(readError("good-row.json").second, std::string());
    write("nan.json", R"({"format": "bilevel-studio-session", "version": 1,
                          "configuration": {}, "parameters": [0.1, "x"], "history": []})");
    QVERIFY(readError("nan.json").second.find("parameters[1]") != std::string::npos);
    write("config.json", R"({"format": "bilevel-studio-session", "version": 1,
                             "configuration": {"model": {"lambda": -1}}, "parameters": [],
                             "history": []})");
    QVERIFY(readError("config.json").second.find("model.lambda") != std::string::npos);
  }

  void parameterRangeIsMinMedianMax() {
    Vector theta(6);
    theta << 5, -1, 3, 9, 2, 4;
    const ParameterRange r = parameterRange(theta);
    QCOMPARE(r.min, -1.0);
    QCOMPARE(r.max, 9.0);
    QCOMPARE(r.median, 3.5);  // mean of the two middle values of -1 2 3 4 5 9
    const ParameterRange odd = parameterRange(theta.head(5));
    QCOMPARE(odd.median, 3.0);
  }

  void inputImagePathsListCleanAndNoisyButNotGenerated() {
    Configuration c;
    c.merge({{"image", {"shapes.png", "benchmark:32"}}, {"noisy", {"phantom.png", "shapes.png"}}},
            "test");
    const auto paths = inputImagePaths(c);
    QCOMPARE(paths.size(), std::size_t(3));
    QCOMPARE(paths[0].filename().string(), std::string("shapes.png"));
    QCOMPARE(paths[1].filename().string(), std::string("phantom.png"));
  }
};

QTEST_MAIN(TestSessionFile)
#include "tst_session_file.moc"
