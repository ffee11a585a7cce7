#include "ScriptedRun.h"

#include <QApplication>
#include <QBuffer>
#include <QImage>
#include <QTabWidget>
#include <QTextStream>
#include <QTimer>
#include <iostream>

#include "DatasetMode.h"
#include "MainWindow.h"
#include "StallMonitor.h"
#include "common/AtomicFile.h"
#include "widgets/DiagnosticsPanel.h"
#include "widgets/ImageView.h"
#include "widgets/LearnedFiltersPanel.h"
#include "widgets/LearningPlots.h"

namespace bilevel::studio {

namespace {
// Charts and views repaint on the next event-loop turns; give them that before grabbing.
constexpr int kSettleMs = 300;
}  // namespace

ScriptedRun::ScriptedRun(MainWindow& window, Options options)
    : QObject(&window), window_(window), options_(std::move(options)) {
  monitor_ = new StallMonitor(2, this);
  connect(&window_, &MainWindow::previewShown, this, &ScriptedRun::onPreviewShown);
  connect(&window_, &MainWindow::learningFinished, this, &ScriptedRun::onLearningFinished);
  connect(&window_, &MainWindow::diagnosticsFinished, this, &ScriptedRun::onDiagnosticsFinished);
  connect(&window_, &MainWindow::errorShown, this,
          [this](const QString& message, int exitCode) { fail(message, exitCode); });
}

void ScriptedRun::onPreviewShown() {
  if (started_) return;
  started_ = true;
  if (!options_.dataset.isEmpty()) {
    DatasetMode* mode = window_.datasetMode();
    connect(mode, &DatasetMode::datasetOpened, this, &ScriptedRun::onDatasetOpened,
            Qt::SingleShotConnection);
    connect(mode, &DatasetMode::runFinished, this, &ScriptedRun::onDatasetFinished);
    if (!mode->openDataset(options_.dataset)) fail(window_.lastError(), window_.lastErrorCode());
    return;
  }
  if (options_.learnSteps > 0) {
    if (options_.measureStall) monitor_->start();
    window_.learnSteps(options_.learnSteps);
    return;
  }
  onLearningFinished(QStringLiteral("steps"));
}

void ScriptedRun::onLearningFinished(const QString& reason) {
  monitor_->stop();
  if (reason == QLatin1String("failed") || reason == QLatin1String("cancelled")) {
    fail(QStringLiteral("learning %1").arg(reason), reason == QLatin1String("failed") ? 4 : 130);
    return;
  }
  if (options_.measureStall) {
    QTextStream(stdout) << QStringLiteral(
                               "{\"longest_stall_ms\": %1, \"mean_event_gap_ms\": %2, "
                               "\"ticks\": %3, \"steps\": %4, \"image\": \"%5x%6\", "
                               "\"longest_busy_cpu_ms\": %7, \"gui_cpu_ms\": %8}\n")
                               .arg(monitor_->longestStallMs(), 0, 'f', 2)
                               .arg(monitor_->meanGapMs(), 0, 'f', 3)
                               .arg(monitor_->ticks())
                               .arg(window_.history().empty() ? 0
                                                              : window_.history().back().iteration)
                               .arg(window_.reconstructionView()->image().cols)
                               .arg(window_.reconstructionView()->image().rows)
                               .arg(monitor_->longestBusyCpuMs(), 0, 'f', 2)
                               .arg(monitor_->totalCpuMs(), 0, 'f', 1);
  }
  if (options_.page == QLatin1String("filters")) {
    window_.showAnalysisPage(window_.filtersPanel());
  } else if (options_.page == QLatin1String("diagnostics")) {
    window_.showAnalysisPage(window_.diagnosticsPanel());
  }
  QTimer::singleShot(kSettleMs, this, [this] {
    if (!options_.screenshot.isEmpty() && !capture(options_.screenshot)) return;
    if (!options_.diagnosticsScreenshot.isEmpty()) {
      window_.runDiagnostics();
      return;
    }
    finish();
  });
}

void ScriptedRun::onDatasetOpened() {
  if (options_.learnSteps > 0) {
    if (options_.measureStall) monitor_->start();
    window_.datasetMode()->train();
    return;
  }
  onDatasetFinished(QStringLiteral("iteration-limit"));
}

void ScriptedRun::onDatasetFinished(const QString& reason) {
  monitor_->stop();
  if (reason == QLatin1String("failed") || reason == QLatin1String("cancelled")) {
    fail(QStringLiteral("dataset training %1").arg(reason),
         reason == QLatin1String("failed") ? 4 : 130);
    return;
  }
  if (options_.measureStall) {
    QTextStream(stdout) << QStringLiteral(
                               "{\"longest_stall_ms\": %1, \"mean_event_gap_ms\": %2, "
                               "\"ticks\": %3, \"dataset_steps\": %4, "
                               "\"longest_busy_cpu_ms\": %5, \"gui_cpu_ms\": %6}\n")
                               .arg(monitor_->longestStallMs(), 0, 'f', 2)
                               .arg(monitor_->meanGapMs(), 0, 'f', 3)
                               .arg(monitor_->ticks())
                               .arg(window_.datasetMode()->lastStep())
                               .arg(monitor_->longestBusyCpuMs(), 0, 'f', 2)
                               .arg(monitor_->totalCpuMs(), 0, 'f', 1);
  }
  QTimer::singleShot(kSettleMs, this, [this] {
    if (options_.screenshot.isEmpty() || capture(options_.screenshot)) finish();
  });
}

void ScriptedRun::onDiagnosticsFinished(const QString& reason) {
  if (reason != QLatin1String("done")) {
    fail(QStringLiteral("diagnostics %1").arg(reason), 4);
    return;
  }
  window_.showAnalysisPage(window_.diagnosticsPanel());
  QTimer::singleShot(kSettleMs, this, [this] {
    if (capture(options_.diagnosticsScreenshot)) finish();
  });
}

bool ScriptedRun::capture(const QString& path) {
  try {
    window_.refuseToOverwriteInputs(path);
  } catch (const std::exception& e) {
    fail(QString::fromStdString(e.what()), 2);
    return false;
  }
  // Encoded in memory first, then written atomically: a failed write reports the system's reason
  // (a full disk, a size limit) rather than the encoder's "Unknown error".
  const QImage image = window_.grab().toImage();
  QByteArray png;
  QBuffer buffer(&png);
  if (image.isNull() || !buffer.open(QIODevice::WriteOnly) || !image.save(&buffer, "PNG")) {
    fail(QStringLiteral("cannot encode the screenshot '%1' as PNG").arg(path), 3);
    return false;
  }
  try {
    writeFileAtomically(path.toStdString(), std::string_view(png.constData(), png.size()));
  } catch (const std::exception& e) {
    fail(QStringLiteral("cannot write the screenshot: %1").arg(QString::fromStdString(e.what())),
         3);
    return false;
  }
  std::cerr << "screenshot written to " << path.toStdString() << "\n";
  return true;
}

void ScriptedRun::finish() {
  QApplication::exit(0);
}

void ScriptedRun::fail(const QString& message, int exitCode) {
  std::cerr << "bilevel-studio: " << message.toStdString() << "\n";
  QApplication::exit(exitCode);
}

}  // namespace bilevel::studio
