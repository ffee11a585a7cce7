#include <sys/resource.h>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <iterator>

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
  std::string text(const std::filesystem::path& file) const {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  int lines(const std::filesystem::path& file) const {
    const std::string t = text(file);
    return static_cast<int>(std::count(t.begin(), t.end(), '\n'));
  }
  static SessionRecord journalRecord(int rows) {
    SessionRecord record{
        Configuration::fromPreset("tv-weightmap-denoise"), Vector::LinSpaced(64, 0.01, 0.64), {}};
    for (int i = 0; i < rows; ++i) {
      Snapshot s;
      s.iteration = i;
      s.outerLoss = 10.0 / (i + 1);
      s.psnr = 30.0 + 0.1 * i;
      s.hypergradientNorm = 1.0 / (i + 3);
      s.stepSeconds = 0.25 + 1e-3 * i;
      s.elapsedSeconds = 0.25 * (i + 1);
      s.innerIterations = 100 + i;
      s.evaluations = 1 + i % 2;
      s.status = i + 1 == rows ? LearnTermination::Converged : LearnTermination::Running;
      s.parameters = Vector::LinSpaced(64, 0.01, 0.64 + 0.01 * i);
      record.history.push_back(s);
    }
    return record;
  }
  static void compareRecords(const SessionRecord& actual, const SessionRecord& expected) {
    QVERIFY(actual.configuration.json() == expected.configuration.json());
    QCOMPARE(actual.parameters, expected.parameters);
    QCOMPARE(actual.history.size(), expected.history.size());
    for (std::size_t i = 0; i < expected.history.size(); ++i) {
      const Snapshot &a = actual.history[i], &e = expected.history[i];
      QCOMPARE(a.iteration, e.iteration);
      QCOMPARE(a.outerLoss, e.outerLoss);
      QCOMPARE(a.psnr, e.psnr);
      QCOMPARE(a.hypergradientNorm, e.hypergradientNorm);
      QCOMPARE(a.stepSeconds, e.stepSeconds);
      QCOMPARE(a.elapsedSeconds, e.elapsedSeconds);
      QCOMPARE(a.innerIterations, e.innerIterations);
      QCOMPARE(a.evaluations, e.evaluations);
      QCOMPARE(toString(a.status), toString(e.status));
      QCOMPARE(a.parameters, e.parameters);
    }
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
      s.status = i == 2 ? LearnTermination::Converged : LearnTermination::Running;
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
    QVERIFY(back.history[1].status == LearnTermination::Running);
    QVERIFY(back.history[2].status == LearnTermination::Converged);
    QCOMPARE(back.configuration.json()["noise"]["seed"].get<int>(), 7);
    QCOMPARE(back.configuration.modelType(), std::string("huber-tv-map"));
    // Image paths are stored absolute, so the session opens from anywhere.
    const std::string image = back.configuration.imageSpecifications().front();
    QVERIFY(std::filesystem::path(image).is_absolute());
    QVERIFY(std::filesystem::exists(image));
    QVERIFY(back.segmentStarts.empty());
  }

  // Issue 10: the history's segments (an edit between runs) survive a save and a reopen, and a
  // segment list that does not fit the history is refused naming the entry.
  void segmentsRoundTripAndAreChecked() {
    SessionRecord record{Configuration::fromPreset("tv-denoise"), Vector::Constant(1, 0.2), {}};
    for (int i : {0, 1, 2, 3, 4, 5}) {
      Snapshot s;
      s.iteration = i;
      s.parameters = Vector::Constant(1, 0.1 + 0.01 * i);
      record.history.push_back(s);
    }
    record.segmentStarts = {3, 5};
    writeSessionFile(path("segments.json"), record);
    QCOMPARE(readSessionFile(path("segments.json")).segmentStarts, (std::vector<int>{3, 5}));

    const std::string rows =
        R"({"iter": 0, "outer_loss": 1, "psnr": 20, "hypergradient_norm": 1, "seconds": 0,
            "elapsed_seconds": 0, "inner_iterations": 1, "evaluations": 1, "status": "running",
            "parameters": [0.1]},
           {"iter": 1, "outer_loss": 1, "psnr": 20, "hypergradient_norm": 1, "seconds": 0,
            "elapsed_seconds": 0, "inner_iterations": 1, "evaluations": 1, "status": "running",
            "parameters": [0.1]})";
    for (const auto& [segments, key] :
         std::vector<std::pair<std::string, std::string>>{{"[0]", "segments[0]"},
                                                          {"[7]", "segments[0]"},
                                                          {"[1, 1]", "segments[1]"},
                                                          {"[\"1\"]", "segments[0]"},
                                                          {"1", "segments"}}) {
      std::string text = valid(rows);
      text.insert(text.size() - 1, ", \"segments\": " + segments);
      write("bad_segments.json", text);
      try {
        readSessionFile(path("bad_segments.json"));
        QFAIL(qPrintable(QString::fromStdString("accepted segments " + segments)));
      } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find(key) != std::string::npos, e.what());
      }
    }
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
    // Every status text a file holds today reads back; any other is refused by name.
    for (const std::string status :
         {"running", "converged", "iteration-limit", "cancelled", "stopped"}) {
      std::string r = withIter("3");
      r.replace(r.find("\"running\""), 9, "\"" + status + "\"");
      write("status.json", r);
      QCOMPARE(readError("status.json").second, std::string());
      QCOMPARE(toString(readSessionFile(path("status.json")).history.front().status), status);
    }
    std::string unknown = withIter("3");
    unknown.replace(unknown.find("\"running\""), 9, "\"Running\"");
    write("unknown-status.json", unknown);
    const auto refusal = readError("unknown-status.json");
    QCOMPARE(refusal.first, ErrorKind::Usage);
    QVERIFY2(refusal.second.find("history[0].status") != std::string::npos &&
                 refusal.second.find("\"Running\"") != std::string::npos &&
                 refusal.second.find("\"iteration-limit\"") != std::string::npos,
             refusal.second.c_str());
    write("nan.json", R"({"format": "bilevel-studio-session", "version": 1,
                          "configuration": {}, "parameters": [0.1, "x"], "history": []})");
    QVERIFY(readError("nan.json").second.find("parameters[1]") != std::string::npos);
    write("config.json", R"({"format": "bilevel-studio-session", "version": 1,
                             "configuration": {"model": {"lambda": -1}}, "parameters": [],
                             "history": []})");
    QVERIFY(readError("config.json").second.find("model.lambda") != std::string::npos);
  }

  // The recovery journal restores what the session file of the same record restores.
  void journalRoundTripEqualsTheSessionFile() {
    SessionRecord record = journalRecord(5);
    writeSessionJournal(path("journal.json"),
                        SessionRecord{record.configuration,
                                      record.parameters,
                                      {record.history.begin(), record.history.begin() + 2}});
    appendToSessionJournal(path("journal.json"), {record.history[2]}, nullptr);
    appendToSessionJournal(path("journal.json"), {record.history[3], record.history[4]},
                           &record.history[4].parameters);
    const Vector later = Vector::Constant(64, 0.5);
    appendToSessionJournal(path("journal.json"), {}, &later);
    appendToSessionJournal(path("journal.json"), {}, nullptr);  // nothing: no line
    record.parameters = later;
    writeSessionFile(path("session.json"), record);
    compareRecords(readSessionFile(path("journal.json")), readSessionFile(path("session.json")));
    QCOMPARE(lines(path("journal.json")), 1 + 5 + 1);
  }

  // A crash can tear the last line only; it is ignored, and the rows before it restore.
  void aTornLastLineIsIgnored() {
    const SessionRecord record = journalRecord(4);
    writeSessionJournal(path("whole.json"), record);
    const std::string whole = text(path("whole.json"));
    const std::size_t lastLine = whole.rfind('\n', whole.size() - 2) + 1;
    SessionRecord firstThree = record;
    firstThree.history.pop_back();
    // As a session file restores them (image paths made absolute).
    writeSessionFile(path("three.json"), firstThree);
    const SessionRecord three = readSessionFile(path("three.json"));
    writeSessionFile(path("four.json"), record);
    for (const std::size_t cut :
         {lastLine + 1, lastLine + 40, whole.size() - 2, whole.size() - 1}) {
      write("torn.json", whole.substr(0, cut));
      compareRecords(readSessionFile(path("torn.json")), three);
    }
    // A power cut may leave the last line as zeros.
    write("zeros.json", whole.substr(0, lastLine) + std::string(20, '\0') + "\n");
    compareRecords(readSessionFile(path("zeros.json")), three);
    // The whole file restores all rows.
    compareRecords(readSessionFile(path("whole.json")), readSessionFile(path("four.json")));
    // An unreadable line before the last is damage, named with its line.
    write("middle.json", whole.substr(0, lastLine) + "{\"row\": [\n" + whole.substr(lastLine));
    const auto [kind, message] = readError("middle.json");
    QCOMPARE(kind, ErrorKind::UnreadableInput);
    QVERIFY2(message.find("line 5") != std::string::npos, message.c_str());
    // So is a last line that is JSON but not a valid update.
    write("bad-row.json", whole + "{\"row\": {\"iter\": -1}}\n");
    QVERIFY2(readError("bad-row.json").second.find("line 6") != std::string::npos,
             readError("bad-row.json").second.c_str());
    write("bad-line.json", whole + "[1, 2]\n");
    QVERIFY(readError("bad-line.json").second.find("line 6") != std::string::npos);
    // A header cut short is not a journal, nor JSON.
    write("header.json", whole.substr(0, whole.find('\n') / 2));
    QCOMPARE(readError("header.json").first, ErrorKind::UnreadableInput);
    std::string version = whole;
    version.replace(version.find("\"version\":1"), 11, "\"version\":2");
    write("version.json", version);
    QVERIFY(readError("version.json").second.find("'version'") != std::string::npos);
  }

  // An append never creates a journal without its header, and one that fails part-way (here
  // at a file-size limit, as `ulimit -f` sets) is cut off again: the journal is as it was.
  void aFailedAppendLeavesTheJournalAsItWas() {
    const SessionRecord record = journalRecord(3);
    try {
      appendToSessionJournal(path("absent.json"), record.history, nullptr);
      QFAIL("appended to a journal that does not exist");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("absent.json") != std::string::npos);
    }
    QVERIFY(!std::filesystem::exists(path("absent.json")));

    writeSessionJournal(path("limited.json"), record);
    const std::string before = text(path("limited.json"));
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
    rlimit limit = old;
    limit.rlim_cur = before.size() + 30;  // room for part of a row's line
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &limit), 0);
    std::string message;
    try {
      appendToSessionJournal(path("limited.json"), {record.history.back()}, nullptr);
    } catch (const Error& e) {
      message = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &old);
    QVERIFY2(message.find("limited.json") != std::string::npos, message.c_str());
    QCOMPARE(text(path("limited.json")), before);
    appendToSessionJournal(path("limited.json"), {record.history.back()}, nullptr);
    QCOMPARE(readSessionFile(path("limited.json")).history.size(), std::size_t(4));
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
