#include <sys/resource.h>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include <csignal>
#include <limits>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "CliFixture.h"

// bilevel-cli end to end (DESIGN.md §4): outputs, JSON lines, exit codes for bad input, Ctrl-C.
class TestCli : public QObject, public bilevel::test::CliFixture {
  Q_OBJECT

  static QJsonObject parse(const QString& line) {
    QJsonParseError error;
    const auto document = QJsonDocument::fromJson(line.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError) qWarning() << "not JSON:" << line;
    return document.object();
  }

 private slots:
  // `list` and the help print the registry: every name a configuration accepts, and every
  // setting with its default and range.
  void listAndHelpPrintTheRegistry() {
    const Run text = run({"list"});
    QCOMPARE(text.exitCode, 0);
    const Run listed = run({"list", "--json"});
    QCOMPARE(listed.exitCode, 0);
    const QJsonObject registry = parse(listed.out.trimmed());
    const Run help = run({"check", "--help"});
    QCOMPARE(help.exitCode, 0);
    QStringList models;
    for (const auto& section : {"models", "solvers", "methods", "optimizers"}) {
      const QJsonArray entries = registry[QLatin1String(section)].toArray();
      QVERIFY2(!entries.isEmpty(), section);
      for (const auto& entry : entries) {
        const QString name = entry.toObject()["name"].toString();
        QVERIFY2(text.out.contains("  " + name + " "), qPrintable(name));
        if (QLatin1String(section) == QLatin1String("models")) models << name;
      }
    }
    QVERIFY(models.contains("tv") && models.contains("huber-tv-map"));
    QVERIFY2(help.out.contains(models.join(", ")), qPrintable(help.out));
    const QJsonArray settings = registry["settings"].toArray();
    bool epsilon = false;
    for (const auto& entry : settings) {
      const QJsonObject setting = entry.toObject();
      QVERIFY(text.out.contains(setting["key"].toString()));
      if (setting["key"].toString() == "model.epsilon") {
        epsilon = true;
        QCOMPARE(setting["default"].toDouble(), 0.01);
        QCOMPARE(setting["range"].toString(), QStringLiteral("must lie in (0, 1]"));
      }
    }
    QVERIFY(epsilon);
  }

  void presetsAreListed() {
    const Run r = run({"presets"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.split('\n').contains("tv-denoise"));
    QVERIFY(r.out.split('\n').contains("tv-weightmap-denoise"));
  }

  void learnWritesEveryOutputAndJsonLines() {
    const QString out = path("learn");
    const Run r =
        run({"learn", "--preset", "tv-denoise", "--iterations", "2", "--json", "--out", out});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.trimmed().split('\n');
    QVERIFY(lines.size() >= 3);  // iterations 0..2, then the summary
    for (int i = 0; i + 1 < lines.size(); ++i) {
      const QJsonObject row = parse(lines[i]);
      for (const char* key : {"iter", "outer_loss", "psnr", "hypergradient_norm", "seconds"}) {
        QVERIFY2(row.contains(key), key);
      }
    }
    const QJsonObject summary = parse(lines.last());
    QCOMPARE(summary["iterations"].toInt(), 2);
    QVERIFY(summary["final"].toObject()["psnr"].toDouble() >
            summary["initial"].toObject()["psnr"].toDouble());
    for (const char* file :
         {"reconstruction.png", "noisy.png", "params.json", "history.csv", "summary.json"}) {
      QVERIFY2(QFile::exists(out + "/" + file), file);
    }
    QFile saved(out + "/summary.json");
    QVERIFY(saved.open(QIODevice::ReadOnly));
    const QJsonObject onDisk = QJsonDocument::fromJson(saved.readAll()).object();
    for (const char* key :
         {"model", "method", "iterations", "initial", "final", "params", "seconds"}) {
      QVERIFY2(onDisk.contains(key), key);
    }
    QFile history(out + "/history.csv");
    QVERIFY(history.open(QIODevice::ReadOnly));
    QCOMPARE(QString(history.readAll()).trimmed().split('\n').size(), 1 + 3);
  }

  void sixteenBitInputGivesSixteenBitOutput() {
    const QString out = path("solve16");
    const Run r =
        run({"solve", "--preset", "tv-denoise", "--image",
             QString(BILEVEL_SOURCE_DIR) + "/sample_images/phantom_16.png", "--out", out});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(QFile::exists(out + "/reconstruction_16.png"));
    QVERIFY(QFile::exists(out + "/reconstruction.png"));
  }

  // Issue 10 §4: one picture as 8-bit 0–255 and as 16-bit 1000–3000 solves alike (σ and PSNR
  // relative to the data range), stderr says which range was used, the 16-bit output is in the
  // input's units; a colour input is converted with a notice.
  void aSixteenBitDataRangeIsSolvedInItsUnits() {
    cv::Mat eight = cv::imread(std::string(BILEVEL_SOURCE_DIR) + "/sample_images/phantom.png",
                               cv::IMREAD_UNCHANGED)(cv::Rect(64, 64, 96, 96))
                        .clone();
    cv::normalize(eight, eight, 0, 255, cv::NORM_MINMAX);  // fills 0–255
    cv::Mat scaled, sixteen;
    eight.convertTo(scaled, CV_64F, 2000.0 / 255.0, 1000.0);
    scaled.convertTo(sixteen, CV_16U);
    QVERIFY(cv::imwrite(path("range8.png").toStdString(), eight));
    QVERIFY(cv::imwrite(path("range16.tif").toStdString(), sixteen));
    double psnrs[2] = {0.0, 0.0};
    for (int i = 0; i < 2; ++i) {
      const QString image = path(i == 0 ? "range8.png" : "range16.tif");
      const QString out = path(QString("range-out%1").arg(i));
      const Run r = run({"solve", "--preset", "tv-denoise", "--set", "model.lambda=0.1", "--image",
                         image, "--out", out, "--json"});
      QVERIFY2(r.exitCode == 0, qPrintable(r.err));
      psnrs[i] = parse(r.out.trimmed()).value("psnr").toDouble();
      QCOMPARE(r.err.contains("the data range 1000–3000 of the 16-bit file"), i == 1);
    }
    QVERIFY2(std::abs(psnrs[0] - psnrs[1]) <= 0.01,
             qPrintable(QString("%1 vs %2 dB").arg(psnrs[0]).arg(psnrs[1])));
    const cv::Mat output =
        cv::imread(path("range-out1/reconstruction_16.png").toStdString(), cv::IMREAD_UNCHANGED);
    double low = 0.0, high = 0.0;
    cv::minMaxLoc(output, &low, &high);
    QVERIFY2(low >= 900 && low <= 1300 && high >= 2700 && high <= 3100,
             qPrintable(QString("%1–%2").arg(low).arg(high)));

    cv::Mat colour;
    cv::merge(std::vector<cv::Mat>{eight, eight / 2, 255 - eight}, colour);
    QVERIFY(cv::imwrite(path("colour.png").toStdString(), colour));
    const Run r = run({"solve", "--preset", "tv-denoise", "--image", path("colour.png"), "--out",
                       path("colour-out")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.contains("colour.png") && r.err.contains("converted to grey"),
             qPrintable(r.err));
  }

  void badInputGetsAClearMessageAndItsExitCode_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("culprit");
    const QString out = path("bad");
    QTest::newRow("missing file") << QStringList{"solve",   "--preset",       "tv-denoise",
                                                 "--image", path("nope.png"), "--out",
                                                 out}
                                  << 3 << "nope.png";
    QTest::newRow("truncated png")
        << QStringList{"solve", "--preset", "tv-denoise", "--image", path("truncated.png"),
                       "--out", out}
        << 3 << "truncated.png";
    QTest::newRow("text named png")
        << QStringList{"solve", "--preset", "tv-denoise", "--image", path("text.png"), "--out", out}
        << 3 << "text.png";
    QTest::newRow("0x0 image") << QStringList{"learn",          "--preset", "tv-denoise", "--image",
                                              path("zero.pgm"), "--out",    out}
                               << 3 << "zero.pgm";
    QTest::newRow("1xn image") << QStringList{"learn",   "--preset",        "tv-denoise",
                                              "--image", path("strip.pgm"), "--out",
                                              out}
                               << 3 << "strip.pgm";
    QTest::newRow("nan in config file")
        << QStringList{"learn", "--config", path("nan.json"), "--out", out} << 2 << "nan.json";
    QTest::newRow("nan by --set") << QStringList{"learn", "--preset",         "tv-denoise",
                                                 "--set", "model.lambda=nan", "--out",
                                                 out}
                                  << 2 << "model.lambda";
    QTest::newRow("unknown key") << QStringList{"learn", "--config", path("unknown.json"), "--out",
                                                out}
                                 << 2 << "model.weight";
    QTest::newRow("negative iterations")
        << QStringList{"learn", "--preset", "tv-denoise", "--iterations", "-1", "--out", out} << 2
        << "--iterations";
    QTest::newRow("unknown preset")
        << QStringList{"learn", "--preset", "tv-denoize", "--out", out} << 2 << "tv-denoize";
    QTest::newRow("unknown method")
        << QStringList{"learn", "--preset", "tv-denoise", "--method", "magic", "--out", out} << 2
        << "magic";
    QTest::newRow("unknown option")
        << QStringList{"learn", "--preset", "tv-denoise", "--colour", "--out", out} << 2
        << "colour";
    QTest::newRow("no subcommand") << QStringList{} << 2 << "subcommand";
    QTest::newRow("out is a file")
        << QStringList{"solve", "--preset", "tv-denoise", "--out", path("text.png")} << 2
        << "text.png";
  }
  void badInputGetsAClearMessageAndItsExitCode() {
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, culprit);
    writeFile("text.png", "not an image at all\n");
    writeFile("zero.pgm", "P5\n0 0\n255\n");
    writeFile("strip.pgm", "P5\n40 1\n255\n" + QByteArray(40, '\x80'));
    writeFile("nan.json", "{\"model\": {\"lambda\": NaN}}");
    writeFile("unknown.json", "{\"model\": {\"weight\": 0.1}}");
    QFile whole(QString(BILEVEL_SOURCE_DIR) + "/sample_images/shapes.png");
    QVERIFY(whole.open(QIODevice::ReadOnly));
    const QByteArray bytes = whole.readAll();
    writeFile("truncated.png", bytes.left(bytes.size() / 2));

    const Run r = run(arguments);
    QVERIFY2(r.exitCode == exitCode,
             qPrintable(QString("exit %1, stderr: %2").arg(r.exitCode).arg(r.err)));
    QVERIFY2(r.err.contains(culprit), qPrintable(r.err));
    QVERIFY(!r.err.contains("terminate called"));
  }

  void theInputImageIsNeverOverwritten() {
    const QString out = path("inplace");
    QDir().mkpath(out);
    QVERIFY(QFile::copy(QString(BILEVEL_SOURCE_DIR) + "/sample_images/shapes.png",
                        out + "/reconstruction.png"));
    QFile before(out + "/reconstruction.png");
    QVERIFY(before.open(QIODevice::ReadOnly));
    const QByteArray original = before.readAll();
    before.close();
    const Run r = run(
        {"solve", "--preset", "tv-denoise", "--image", out + "/reconstruction.png", "--out", out});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("refusing to overwrite"), qPrintable(r.err));
    QFile after(out + "/reconstruction.png");
    QVERIFY(after.open(QIODevice::ReadOnly));
    QCOMPARE(after.readAll(), original);
  }

  // Issue 8 §3: NaN or Inf in an input image is a numerical fault (exit 4) named with its
  // position, found before any solve; values out of range are a bad input (exit 3).
  void nonFiniteInputPixelsAreReportedNotPropagated_data() {
    QTest::addColumn<float>("value");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("nan") << std::numeric_limits<float>::quiet_NaN() << 4
                         << "NaN or infinite values (the first at row 7, column 5)";
    QTest::newRow("inf") << std::numeric_limits<float>::infinity() << 4
                         << "NaN or infinite values (the first at row 7, column 5)";
    QTest::newRow("out of range") << 3.5f << 3 << "[0, 1] is expected";
  }
  void nonFiniteInputPixelsAreReportedNotPropagated() {
    QFETCH(float, value);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    cv::Mat pixels(32, 32, CV_32F, cv::Scalar(0.5));
    pixels.at<float>(7, 5) = value;
    const QString image = path(QString("nonfinite-%1.tiff").arg(QTest::currentDataTag()));
    QVERIFY(cv::imwrite(image.toStdString(), pixels));
    const QString out = path(QString("nonfinite-%1").arg(QTest::currentDataTag()));
    const Run r = run({"solve", "--preset", "tv-denoise", "--image", image, "--out", out});
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY2(r.err.contains(message) && r.err.contains(image), qPrintable(r.err));
    QVERIFY(!QFile::exists(out + "/reconstruction.png"));
  }

  // Issue 8 §4: a full disk gives a clear error and leaves the previous output intact. The child
  // runs under a file-size limit (`ulimit -f`), which fails write() as a full disk does.
  void aFullDiskKeepsThePreviousOutput() {
    const QString out = path("full-disk");
    QCOMPARE(run({"solve", "--preset", "tv-denoise", "--out", out}).exitCode, 0);
    QFile before(out + "/reconstruction.png");
    QVERIFY(before.open(QIODevice::ReadOnly));
    const QByteArray original = before.readAll();
    before.close();
    QVERIFY(original.size() > 2048);

    QProcess process;
    process.setChildProcessModifier([] {
      rlimit limit{};
      limit.rlim_cur = limit.rlim_max = 1024;
      setrlimit(RLIMIT_FSIZE, &limit);
    });
    process.start(BILEVEL_CLI,
                  {"solve", "--preset", "tv-denoise", "--set", "model.lambda=0.2", "--out", out});
    QVERIFY(process.waitForFinished(120000));
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);  // not killed by SIGXFSZ
    QCOMPARE(process.exitCode(), 3);
    QVERIFY2(err.contains("reconstruction.png") && err.contains("File too large"), qPrintable(err));
    QFile after(out + "/reconstruction.png");
    QVERIFY(after.open(QIODevice::ReadOnly));
    QCOMPARE(after.readAll(), original);
    const QStringList leftovers = QDir(out).entryList(QDir::Files | QDir::Hidden);
    for (const QString& name : leftovers)
      QVERIFY2(!name.endsWith(".tmp"), qPrintable("temporary file left behind: " + name));
  }

  // Issue 8 §3: a solve stopped by its iteration cap instead of its tolerance is a numerical
  // failure (exit 4) that names the setting, in `solve` and in every step of `learn`; what is
  // written holds no NaN.
  void anInnerSolveAtItsIterationCapIsReported() {
    const QString out = path("cap");
    Run r = run({"solve", "--preset", "tv-denoise", "--set", "solver.max_iterations=5", "--out",
                 out + "/solve"});
    QCOMPARE(r.exitCode, 4);
    QVERIFY2(r.err.contains("solver.max_iterations = 5"), qPrintable(r.err));
    r = run({"learn", "--preset", "tv-denoise", "--set", "solver.max_iterations=5", "--out",
             out + "/learn"});
    QCOMPARE(r.exitCode, 4);
    QVERIFY2(r.err.contains("solver.max_iterations = 5"), qPrintable(r.err));
    // Small numbers in significant digits (fixed decimals printed 1e-8 as 0.000000).
    QVERIFY2(r.err.contains("above solver.tolerance = 1e-08"), qPrintable(r.err));
    for (const QString name : {"params.json", "history.csv", "summary.json"}) {
      QFile written(out + "/learn/" + name);
      if (!written.open(QIODevice::ReadOnly)) continue;
      const QString text = QString::fromUtf8(written.readAll()).toLower();
      QVERIFY2(!text.contains("nan") && !text.contains("inf"), qPrintable(name + ": " + text));
    }
    // A fixed iteration count is the unrolled map itself, not a failure.
    r = run({"learn", "--preset", "tv-denoise", "--iterations", "1", "--method", "unrolled",
             "--set", "solver.iterations=40", "--out", out + "/unrolled"});
    QCOMPARE(r.exitCode, 0);
  }

  void ctrlCCancelsCleanlyAndWritesPartialResults() {
    const QString out = path("cancel");
    QProcess process;
    process.start(BILEVEL_CLI, {"learn", "--preset", "tv-weightmap-denoise", "--iterations", "500",
                                "--json", "--out", out});
    QVERIFY(process.waitForStarted());
    // Wait for the first two outer iterations, then interrupt as a terminal's Ctrl-C would.
    QString output;
    QElapsedTimer clock;
    clock.start();
    while (output.count('\n') < 2 && clock.elapsed() < 60000) {
      process.waitForReadyRead(1000);
      output += QString::fromUtf8(process.readAllStandardOutput());
    }
    QVERIFY(output.count('\n') >= 2);
    clock.restart();
    ::kill(pid_t(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(30000));
    qInfo("stopped %lld ms after Ctrl-C", clock.elapsed());
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 130);
    QFile summary(out + "/summary.json");
    QVERIFY(summary.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(summary.readAll()).object()["termination"].toString(),
             QString("cancelled"));
    QVERIFY(QFile::exists(out + "/reconstruction.png"));
  }

  // The nonsmooth preset learns end to end and writes what TV shows besides the reconstruction:
  // the jump set (LowerLevel::views); the weight-map preset its λ map as well.
  void learnNonsmoothTvWritesItsViews() {
    for (const char* preset : {"rof-denoise", "rof-weightmap-denoise"}) {
      const QString out = path(preset);
      const Run r = run({"learn", "--preset", preset, "--set", "image=\"benchmark:48\"",
                         "--iterations", "2", "--json", "--out", out});
      QCOMPARE(r.exitCode, 0);
      const QJsonObject summary = parse(r.out.trimmed().split('\n').last());
      QVERIFY(summary["final"].toObject()["psnr"].toDouble() >
              summary["initial"].toObject()["psnr"].toDouble());
      QCOMPARE(summary["model"].toString(),
               QString(preset == std::string("rof-denoise") ? "tv" : "tv-map"));
      for (const char* file : {"reconstruction.png", "noisy.png", "params.json", "history.csv",
                               "summary.json", "jump_set.png"}) {
        QVERIFY2(QFile::exists(out + "/" + file), file);
      }
      QCOMPARE(QFile::exists(out + "/lambda_map.png"), preset != std::string("rof-denoise"));
    }
  }

  // check on TV: every method a number with its error against finite differences, or refused
  // with the reason naming tv (the Hessian methods).
  void checkOnTvRefusesTheHessianMethods() {
    const Run r = run({"check", "--model", "tv", "--size", "32", "--json"});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 9);
    int refused = 0;
    for (const QString& line : lines) {
      const QJsonObject row = parse(line);
      if (row.contains("refusal")) {
        ++refused;
        QVERIFY2(row["refusal"].toString().contains("; tv is "), qPrintable(line));
        continue;
      }
      QVERIFY2(row.contains("relative_error"), qPrintable(line));
      const QString method = row["method"].toString();
      if (method == "implicit-manifold" || method == "fpad") {
        QVERIFY2(row["relative_error"].toDouble() < 1e-4, qPrintable(line));
      }
    }
    QCOMPARE(refused, 4);  // implicit-cg, implicit-neumann, jacobian-free, shine
    const Run bench =
        run({"bench", "--model", "tv", "--size", "32", "--method", "implicit-cg", "--json"});
    QCOMPARE(bench.exitCode, 2);
    QVERIFY2(bench.err.contains("implicit-cg") && bench.err.contains("tv"), qPrintable(bench.err));
  }

  void checkAgreesWithTheReference() {
    const Run r = run({"check", "--model", "huber-tv", "--size", "48", "--json"});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 9);
    for (const QString& line : lines) {
      const QJsonObject row = parse(line);
      // implicit-manifold differentiates nonsmooth TV only: a refused row naming the model.
      if (row["method"].toString() == "implicit-manifold") {
        QCOMPARE(row["termination"].toString(), QString("unsupported"));
        QVERIFY2(row["refusal"].toString().contains("huber-tv is smooth"), qPrintable(line));
        continue;
      }
      for (const char* key :
           {"method", "relative_error", "cosine", "seconds", "hypergradient_norm"}) {
        QVERIFY2(row.contains(key), key);
      }
      const QString method = row["method"].toString();
      if (method != "jacobian-free" && method != "shine") {
        QVERIFY2(row["relative_error"].toDouble() < 1e-5, qPrintable(line));
      }
    }
  }

  // A method that cannot differentiate the solver is a usage error before any work, with the
  // sentence naming the pair; `check` shows it as a refused row, not a number.
  void aMethodThatCannotServeTheSolverIsRefused() {
    Run r = run({"bench", "--model", "huber-tv", "--size", "64", "--method", "unrolled", "--set",
                 "solver.type=lbfgs"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("unrolled differentiates the solver's iterations; lbfgs has no "
                            "iteration map"),
             qPrintable(r.err));
    r = run({"learn", "--preset", "tv-denoise", "--method", "fpad", "--set", "solver.type=lbfgs",
             "--out", path("refused")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("fpad") && r.err.contains("lbfgs"), qPrintable(r.err));
    QVERIFY(!QFile::exists(path("refused")));
    r = run({"check", "--model", "quadratic", "--size", "32", "--methods", "implicit-cg,forward",
             "--set", "solver.type=lbfgs", "--json"});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    QVERIFY(parse(lines[0]).contains("relative_error"));
    const QJsonObject refused = parse(lines[1]);
    QCOMPARE(refused["method"].toString(), QString("forward"));
    QCOMPARE(refused["termination"].toString(), QString("unsupported"));
    QVERIFY(refused["refusal"].toString().contains("lbfgs"));
    // gradient-descent has a map: unrolled runs on it.
    r = run({"bench", "--model", "quadratic", "--size", "32", "--method", "unrolled", "--set",
             "solver.type=gradient-descent", "--set", "solver.iterations=20", "--json"});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(parse(r.out.trimmed())["solver"].toString(), QString("gradient-descent"));
  }

  void benchReportsTheContractedFields() {
    const Run r = run({"bench", "--model", "huber-tv", "--size", "64", "--method", "unrolled",
                       "--set", "solver.iterations=50", "--json"});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject report = parse(r.out.trimmed());
    for (const char* key : {"model", "size", "method", "inner_iterations", "inner_seconds",
                            "hypergradient_seconds", "total_seconds", "peak_rss_mb"}) {
      QVERIFY2(report.contains(key), key);
    }
    QCOMPARE(report["inner_iterations"].toInt(), 50);
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
