// bilevel-studio: the window (DESIGN.md §4).
//   bilevel-studio [--preset P] [--image I] [--dataset DIR] [--learn-steps N]
//                  [--screenshot FILE] [--recover | --no-recover] [FILE]
// With --screenshot (or --diagnostics-screenshot, --measure-stall) it runs without a person:
// N learning steps, the screenshot, exit 0; errors exit with the documented codes.
// At start it offers to restore the session of a studio that did not close normally
// (RecoveryOffer); --recover restores it without asking, --no-recover does not look.

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>
#include <iostream>

#include "DatasetMode.h"
#include "MainWindow.h"
#include "RecoveryOffer.h"
#include "ScriptedRun.h"
#include "Theme.h"
#include "common/AtomicFile.h"
#include "common/Error.h"
#include "config/Configuration.h"

using namespace bilevel;

namespace {

int usage(const QString& message) {
  std::cerr << "bilevel-studio: " << message.toStdString() << "\n";
  return int(ErrorKind::Usage);
}

}  // namespace

int main(int argc, char** argv) {
  // A file-size limit (ulimit -f) then fails a save with a message instead of killing the window.
  reportFileSizeLimitAsError();
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("BilevelStudio"));
  QApplication::setApplicationName(QStringLiteral("bilevel-studio"));
  QApplication::setApplicationDisplayName(QStringLiteral("Bilevel Studio"));
  QApplication::setDesktopFileName(QStringLiteral("bilevel-studio"));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/bilevel-studio.svg")));
  studio::applyStudioTheme(app);

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("Learns the parameters of image models by bilevel optimisation, live."));
  parser.addHelpOption();
  const QCommandLineOption preset(QStringLiteral("preset"),
                                  QStringLiteral("Built-in preset (default tv-denoise)."),
                                  QStringLiteral("P"), QStringLiteral("tv-denoise"));
  const QCommandLineOption image(QStringLiteral("image"),
                                 QStringLiteral("Clean image to open instead of the sample."),
                                 QStringLiteral("I"));
  const QCommandLineOption config(QStringLiteral("config"),
                                  QStringLiteral("Configuration file (JSON) instead of a preset."),
                                  QStringLiteral("F"));
  const QCommandLineOption set(
      QStringLiteral("set"), QStringLiteral("Override a configuration key, e.g. model.lambda=0.1."),
      QStringLiteral("key=value"));
  const QCommandLineOption learnSteps(QStringLiteral("learn-steps"),
                                      QStringLiteral("Learning steps to run at start."),
                                      QStringLiteral("N"), QStringLiteral("0"));
  const QCommandLineOption screenshot(
      QStringLiteral("screenshot"),
      QStringLiteral("Render the main window to FILE (PNG) after the steps, then exit."),
      QStringLiteral("FILE"));
  const QCommandLineOption diagnosticsScreenshot(
      QStringLiteral("diagnostics-screenshot"),
      QStringLiteral("Run the Jacobian diagnostics, render the window showing them, then exit."),
      QStringLiteral("FILE"));
  const QCommandLineOption measureStall(
      QStringLiteral("measure-stall"),
      QStringLiteral("Print the GUI thread's longest stall during the learning steps (JSON), "
                     "then exit."));
  const QCommandLineOption page(
      QStringLiteral("page"),
      QStringLiteral("Analysis page the screenshot shows: learning (default), diagnostics, or "
                     "filters (a filter-bank model's filters and penalty)."),
      QStringLiteral("NAME"), QStringLiteral("learning"));
  const QCommandLineOption size(QStringLiteral("window-size"),
                                QStringLiteral("Window size for screenshots (default 1600x1000)."),
                                QStringLiteral("WxH"), QStringLiteral("1600x1000"));
  const QCommandLineOption dataset(
      QStringLiteral("dataset"),
      QStringLiteral("Open DIR (a folder of clean images, or generated:dead-leaves, "
                     "generated:shapes) in the dataset mode; --learn-steps N then trains N steps "
                     "on it (train.steps)."),
      QStringLiteral("DIR"));
  const QCommandLineOption recover(
      QStringLiteral("recover"),
      QStringLiteral("Restore, without asking, the newest session autosaved by a studio that did "
                     "not close normally (a crash, kill -9); FILE, --image and --config are then "
                     "not opened. Without this option or --no-recover the studio asks, except in "
                     "scripted runs (--screenshot, --measure-stall), which never ask."));
  const QCommandLineOption noRecover(
      QStringLiteral("no-recover"),
      QStringLiteral("Do not look for autosaved sessions; they stay for a later start."));
  parser.addOptions({preset, image, config, set, learnSteps, screenshot, diagnosticsScreenshot,
                     measureStall, page, size, dataset, recover, noRecover});
  parser.addPositionalArgument(QStringLiteral("file"),
                               QStringLiteral("An image or a saved session (.json) to open."),
                               QStringLiteral("[file]"));
  parser.process(app);

  bool ok = false;
  const int steps = parser.value(learnSteps).toInt(&ok);
  if (!ok || steps < 0)
    return usage(QStringLiteral("--learn-steps must be a non-negative integer"));
  const QStringList dimensions = parser.value(size).split(QLatin1Char('x'));
  int width = 0, height = 0;
  if (dimensions.size() == 2) {
    width = dimensions[0].toInt();
    height = dimensions[1].toInt();
  }
  if (width < 400 || height < 300 || width > 8000 || height > 8000) {
    return usage(QStringLiteral("--window-size must be WxH with 400 ≤ W, 300 ≤ H, both ≤ 8000"));
  }
  if (!QStringList{QStringLiteral("learning"), QStringLiteral("diagnostics"),
                   QStringLiteral("filters")}
           .contains(parser.value(page)))
    return usage(QStringLiteral("--page must be learning, diagnostics or filters (got '%1')")
                     .arg(parser.value(page)));
  if (parser.positionalArguments().size() > 1)
    return usage(QStringLiteral("open one file at a time"));
  if (parser.isSet(recover) && parser.isSet(noRecover))
    return usage(QStringLiteral("--recover and --no-recover exclude each other"));

  Configuration configuration;
  try {
    configuration = parser.isSet(config)
                        ? Configuration::fromFile(parser.value(config).toStdString())
                        : Configuration::fromPreset(parser.value(preset).toStdString());
    for (const QString& assignment : parser.values(set))
      configuration.set(assignment.toStdString());
    if (parser.isSet(dataset) && steps > 0)
      configuration.set("train.steps=" + std::to_string(steps));
  } catch (const Error& e) {
    std::cerr << "bilevel-studio: " << e.what() << "\n";
    return e.exitCode();
  }

  const bool scripted =
      parser.isSet(screenshot) || parser.isSet(diagnosticsScreenshot) || parser.isSet(measureStall);
  studio::MainWindow window;
  if (scripted) {
    studio::ScriptedRun::Options options;
    options.learnSteps = steps;
    options.screenshot = parser.value(screenshot);
    options.diagnosticsScreenshot = parser.value(diagnosticsScreenshot);
    options.measureStall = parser.isSet(measureStall);
    options.page = parser.value(page);
    options.dataset = parser.value(dataset);
    new studio::ScriptedRun(window, options);
    window.resize(width, height);
  }
  // Asked before the window shows, so that it opens with the document chosen rather than an empty
  // one. The dialog must never block a run without a person: scripted runs restore only when told.
  const studio::RecoveryPolicy policy = parser.isSet(recover) ? studio::RecoveryPolicy::Restore
                                        : parser.isSet(noRecover) || scripted
                                            ? studio::RecoveryPolicy::Ignore
                                            : studio::RecoveryPolicy::Ask;
  const bool restoring = studio::offerRecovery(window, policy).restoring;
  window.show();

  const QString file = parser.positionalArguments().value(0);
  if (restoring) {
    // The restored session is what the window shows; the command line's document waits.
  } else if (!file.isEmpty() && file.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)) {
    if (!window.openSession(file) && scripted) return window.lastErrorCode();
  } else {
    const QString picture = parser.isSet(image) ? parser.value(image) : file;
    if (!picture.isEmpty()) {
      // "benchmark:N" names the generated benchmark image; anything else is a file.
      const std::string specification = picture.startsWith(QLatin1String("benchmark:"))
                                            ? picture.toStdString()
                                            : QFileInfo(picture).absoluteFilePath().toStdString();
      try {
        configuration.merge({{"image", specification}, {"noisy", nullptr}}, "--image");
      } catch (const Error& e) {
        std::cerr << "bilevel-studio: " << e.what() << "\n";
        return e.exitCode();
      }
    }
    window.applyConfiguration(configuration);
    window.setPresetName(parser.isSet(config) ? QString() : parser.value(preset));
  }
  if (!scripted && parser.isSet(dataset)) {
    const QString folder = parser.value(dataset);
    QObject::connect(
        &window, &studio::MainWindow::previewShown, &window,
        [&window, folder, steps] {
          studio::DatasetMode* mode = window.datasetMode();
          if (steps > 0) {
            QObject::connect(
                mode, &studio::DatasetMode::datasetOpened, mode, [mode] { mode->train(); },
                Qt::SingleShotConnection);
          }
          mode->openDataset(folder);
        },
        Qt::SingleShotConnection);
  } else if (!scripted && steps > 0) {
    QObject::connect(
        &window, &studio::MainWindow::previewShown, &window,
        [&window, steps] { window.learnSteps(steps); }, Qt::SingleShotConnection);
  }
  return app.exec();
}
