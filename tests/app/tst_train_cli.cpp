#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QThread>
#include <QtTest>
#include <cmath>

#include "CliFixture.h"

#include "image/DeadLeaves.h"
#include "image/ImageIO.h"
#include "image/Shapes.h"

// bilevel-cli train and evaluate end to end (DESIGN.md §4, issue 11 §2): outputs, JSON lines,
// exit codes for bad datasets, and a run killed with SIGKILL that resumes from its checkpoint to
// the same θ as an uninterrupted run.
class TestTrainCli : public QObject, public bilevel::test::CliFixture {
  Q_OBJECT

  // θ as model.json writes it (17 significant digits): equal text is equal bits.
  static QByteArray thetaText(const QString& folder) {
    const QByteArray text = readFile(folder + "/model.json");
    const int start = text.indexOf("\"theta\"");
    return start < 0 ? QByteArray() : text.mid(start, text.indexOf(']', start) - start);
  }
  // Four 32² dead-leaves images, whole, huber-tv, Adam on the full batch.
  QString config(const QString& name, int steps, int checkpointEvery) {
    const QByteArray text = QStringLiteral(
                                R"({"dataset": {"folder": "generated:dead-leaves", "count": 4,
                                    "size": 32, "validation": 0.25},
                                    "model": {"type": "huber-tv", "lambda": 0.02},
                                    "outer": {"optimizer": "adam", "step": 0.05},
                                    "train": {"steps": %1, "checkpoint_every": %2,
                                              "validate_every": 10}})")
                                .arg(steps)
                                .arg(checkpointEvery)
                                .toUtf8();
    writeFile(name, text);
    return path(name);
  }

 private slots:
  // train writes model.json (loaded by solve --params and evaluate), history.csv, summary.json and
  // one JSON line per step; evaluate prints per-image PSNR/SSIM and the mean.
  void trainThenSolveAndEvaluate() {
    const Run trained =
        run({"train", "--config", config("a.json", 6, 3), "--out", path("a"), "--json"});
    QVERIFY2(trained.exitCode == 0, qPrintable(trained.err));
    const QStringList lines = trained.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 8);  // steps 0..6, then the summary
    const QJsonObject last = QJsonDocument::fromJson(lines[6].toUtf8()).object();
    QCOMPARE(last["step"].toInt(), 6);
    QVERIFY(last.contains("eta_seconds") && last["validation_psnr"].isDouble());
    const QJsonObject model = QJsonDocument::fromJson(readFile(path("a/model.json"))).object();
    QCOMPARE(model["model"].toObject()["type"].toString(), QStringLiteral("huber-tv"));
    QCOMPARE(model["layout"].toArray()[0].toObject()["name"].toString(), QStringLiteral("lambda"));
    QCOMPARE(model["training"].toObject()["steps"].toInt(), 6);
    QVERIFY(model["training"].toObject().contains("date"));
    const double lambda = model["theta"].toArray()[0].toDouble();
    QVERIFY(lambda > 0.02);
    QCOMPARE(readFile(path("a/history.csv")).count('\n'), 8);  // header and steps 0..6

    // The configuration's model is replaced by the learned one (tv → huber-tv with its λ).
    writeFile("tv.json", R"({"image": "benchmark:48", "model": {"type": "tv"},
                             "solver": {"type": "chambolle-pock"},
                             "hypergradient": {"method": "fpad"}})");
    const Run solved = run({"solve", "--config", path("tv.json"), "--params", path("a/model.json"),
                            "--out", path("solved"), "--json"});
    QVERIFY2(solved.exitCode == 0, qPrintable(solved.err));
    const QJsonObject report = QJsonDocument::fromJson(solved.out.trimmed().toUtf8()).object();
    QCOMPARE(report["params"].toObject()["lambda"].toDouble(), lambda);

    QDir().mkpath(path("images"));
    bilevel::writeImage(bilevel::shapesImage(48).image, path("images/shapes.png").toStdString());
    bilevel::writeImage(bilevel::deadLeavesImage(48, 7), path("images/leaves.png").toStdString());
    const Run evaluated = run({"evaluate", "--params", path("a/model.json"), "--images",
                               path("images"), "--sigma", "0.1", "--out", path("eval")});
    QVERIFY2(evaluated.exitCode == 0, qPrintable(evaluated.err));
    const QStringList rows = evaluated.out.trimmed().split('\n');
    QCOMPARE(rows.size(), 4);
    QVERIFY(rows[0].startsWith("image,psnr_noisy,psnr,ssim_noisy,ssim"));
    QVERIFY(rows[1].startsWith("leaves,") && rows[3].startsWith("mean,"));
    const double denoised = rows[1].split(',')[2].toDouble(),
                 noisy = rows[1].split(',')[1].toDouble();
    QVERIFY2(denoised > noisy + 2.0, qPrintable(rows[1]));
    QVERIFY(QFile::exists(path("eval/evaluation.csv")) &&
            QFile::exists(path("eval/shapes_denoised.png")));
  }

  // A primal–dual model learned by fpad evaluates: evaluate's configuration takes the model's
  // training method (the default implicit-cg refuses tv, and evaluate refused every tv model).
  void aLearnedTvModelEvaluates() {
    writeFile("tv-train.json", R"({"dataset": {"folder": "generated:dead-leaves", "count": 3,
                                   "size": 32, "validation": 0.34},
                                   "model": {"type": "tv", "lambda": 0.05},
                                   "solver": {"type": "chambolle-pock", "tolerance": 1e-6},
                                   "hypergradient": {"method": "fpad"},
                                   "outer": {"optimizer": "adam", "step": 0.1},
                                   "train": {"steps": 2, "checkpoint_every": 0}})");
    const Run trained = run({"train", "--config", path("tv-train.json"), "--out", path("tv")});
    QVERIFY2(trained.exitCode == 0, qPrintable(trained.err));
    QDir().mkpath(path("tv-images"));
    bilevel::writeImage(bilevel::deadLeavesImage(32, 5),
                        path("tv-images/leaves.png").toStdString());
    const Run evaluated = run({"evaluate", "--params", path("tv/model.json"), "--images",
                               path("tv-images"), "--sigma", "0.1"});
    QVERIFY2(evaluated.exitCode == 0, qPrintable(evaluated.err));
    const QStringList row = evaluated.out.trimmed().split('\n')[1].split(',');
    QVERIFY2(row[0] == "leaves" && row[2].toDouble() > row[1].toDouble() + 2.0,
             qPrintable(evaluated.out));
  }

  // A run killed with SIGKILL after a checkpoint loses only the steps since it: --resume ends with
  // the θ of an uninterrupted run, bit for bit.
  void resumeAfterKill() {
    const QString cfg = config("k.json", 60, 5);
    const Run straight = run({"train", "--config", cfg, "--out", path("straight")});
    QVERIFY2(straight.exitCode == 0, qPrintable(straight.err));

    QProcess victim;
    victim.start(BILEVEL_CLI, {"train", "--config", cfg, "--out", path("killed")});
    QVERIFY(victim.waitForStarted());
    const QString checkpoint = path("killed/checkpoint.bin");
    while (!QFile::exists(checkpoint) && victim.state() != QProcess::NotRunning)
      QThread::msleep(1);
    victim.kill();  // SIGKILL: no destructor, no clean-up runs
    victim.waitForFinished();
    QCOMPARE(victim.exitStatus(), QProcess::CrashExit);
    QVERIFY(!QFile::exists(path("killed/model.json")));  // it never got to the end

    const Run again = run({"train", "--config", cfg, "--out", path("killed")});
    QCOMPARE(again.exitCode, 2);  // a checkpoint is there: not overwritten without --resume
    QVERIFY(again.err.contains("--resume"));
    const Run resumed = run({"train", "--config", cfg, "--out", path("killed"), "--resume"});
    QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
    const QRegularExpressionMatch from =
        QRegularExpression("resuming from step (\\d+)").match(resumed.err);
    QVERIFY2(from.hasMatch(), qPrintable(resumed.err));
    QVERIFY(from.captured(1).toInt() >= 5 && from.captured(1).toInt() % 5 == 0);
    QVERIFY(!thetaText(path("straight")).isEmpty());
    QCOMPARE(thetaText(path("killed")), thetaText(path("straight")));
    QCOMPARE(readFile(path("killed/history.csv")).count('\n'), 62);
  }

  // train.initial_model starts a run from a learned model.json: a relative path resolves against
  // the configuration file's folder (not the working directory), the run says where it started
  // and its model.json records it; --resume still continues bit for bit (the checkpoint holds θ),
  // even with the file gone;
  // a model the file does not describe (exit 2) and a missing file (exit 3) are named.
  void trainingStartsFromALearnedModel() {
    const Run first =
        run({"train", "--config", config("first.json", 3, 0), "--out", path("first"), "--json"});
    QVERIFY2(first.exitCode == 0, qPrintable(first.err));
    const auto stepZero = [](const Run& r) {
      return QJsonDocument::fromJson(r.out.split('\n').front().toUtf8()).object();
    };
    const QJsonObject firstSummary =
        QJsonDocument::fromJson(readFile(path("first/summary.json"))).object();
    const auto fineTune = [&](const QString& name, int steps, int checkpointEvery) {
      writeFile("tune/" + name, QStringLiteral(R"({"dataset": {"folder": "generated:dead-leaves",
                                    "count": 4, "size": 32, "validation": 0.25},
                                    "model": {"type": "huber-tv", "lambda": 0.02},
                                    "outer": {"optimizer": "adam", "step": 0.05},
                                    "train": {"steps": %1, "checkpoint_every": %2,
                                              "validate_every": 10,
                                              "initial_model": "../first/model.json"}})")
                                    .arg(steps)
                                    .arg(checkpointEvery)
                                    .toUtf8());
      return path("tune/" + name);
    };
    const Run tuned =
        run({"train", "--config", fineTune("t.json", 4, 0), "--out", path("tuned"), "--json"});
    QVERIFY2(tuned.exitCode == 0, qPrintable(tuned.err));
    const QString parent = QDir(path("tune/../first")).absoluteFilePath("model.json");
    QVERIFY2(tuned.err.contains("starting from the parameters of"), qPrintable(tuned.err));
    const QJsonObject model = QJsonDocument::fromJson(readFile(path("tuned/model.json"))).object();
    QCOMPARE(QDir::cleanPath(model["training"].toObject()["initial_model"].toString()),
             QDir::cleanPath(parent));
    // Step 0 is measured at the first run's last θ: its validation PSNR is that run's final one
    // (solved cold here, warm there: the same to the solver's tolerance), above its start.
    const double start = stepZero(tuned)["validation_psnr"].toDouble();
    const double firstFinal = firstSummary["final"].toObject()["validation_psnr"].toDouble();
    const double firstStart = firstSummary["initial"].toObject()["validation_psnr"].toDouble();
    QVERIFY2(std::abs(start - firstFinal) < 1e-3 && firstFinal > firstStart + 1e-3,
             qPrintable(QStringLiteral("%1 %2 %3").arg(start).arg(firstFinal).arg(firstStart)));

    const QString halves = fineTune("h.json", 4, 2);
    Run r = run({"train", "--config", halves, "--out", path("halves"), "--set", "train.steps=2"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    // The resumed run's θ is the checkpoint's: the model it started from may be gone since.
    QVERIFY(QFile::rename(path("first/model.json"), path("first/moved.json")));
    r = run({"train", "--config", halves, "--out", path("halves"), "--resume"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(QFile::rename(path("first/moved.json"), path("first/model.json")));
    QVERIFY(!thetaText(path("tuned")).isEmpty());
    QCOMPARE(thetaText(path("halves")), thetaText(path("tuned")));

    r = run({"train", "--config", halves, "--out", path("o6"), "--set", "model.epsilon=0.02"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("first/model.json") && r.err.contains("model.epsilon"),
             qPrintable(r.err));
    r = run({"train", "--config", halves, "--out", path("o7"), "--set",
             "train.initial_model=missing.json"});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(QDir(path("tune")).absoluteFilePath("missing.json")),
             qPrintable(r.err));
  }

  // Bad datasets: exit 2 naming the folder or the image, 3 naming an unreadable file.
  void badDatasetsAreNamed() {
    QDir().mkpath(path("empty"));
    writeFile("bad.json", R"({"dataset": {"folder": "empty"}})");
    Run r = run({"train", "--config", path("bad.json"), "--out", path("o1")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("empty") && r.err.contains("no image"), qPrintable(r.err));

    QDir().mkpath(path("broken"));
    QFile::copy(QStringLiteral(BILEVEL_SOURCE_DIR "/sample_images/shapes.png"),
                path("broken/a.png"));
    writeFile("broken/b.png", "not a png");
    writeFile("broken.json", R"({"dataset": {"folder": "broken", "validation": 0}})");
    r = run({"train", "--config", path("broken.json"), "--out", path("o2")});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains("b.png"), qPrintable(r.err));

    writeFile("big.json",
              R"({"dataset": {"folder": "generated:shapes", "size": 16, "patch_size": 32}})");
    r = run({"train", "--config", path("big.json"), "--out", path("o3")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("patch_size"), qPrintable(r.err));

    writeFile("unknown.json", R"({"dataset": {"folder": "generated:shapes", "batchsize": 4}})");
    r = run({"train", "--config", path("unknown.json"), "--out", path("o4")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("dataset.batchsize"), qPrintable(r.err));

    r = run({"train", "--config", config("c.json", 2, 0), "--out", path("o5"), "--resume"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("no checkpoint"), qPrintable(r.err));

    r = run({"evaluate", "--params", path("missing.json"), "--images", path("broken"), "--sigma",
             "0.1"});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains("missing.json"), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestTrainCli)
#include "tst_train_cli.moc"
