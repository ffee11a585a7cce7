#include "MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMessageBox>
#include <QMimeData>
#include <QStackedWidget>
#include <QStatusBar>
#include <QUndoStack>
#include <cmath>

#include "CoreWorker.h"
#include "DatasetMode.h"
#include "DiagnosticsController.h"
#include "FileActions.h"
#include "ImageGrid.h"
#include "LearningController.h"
#include "RecoveryStore.h"
#include "StatusReport.h"
#include "WindowLayout.h"
#include "WindowMenus.h"
#include "common/Error.h"
#include "image/Quality.h"
#include "learning/SessionFile.h"
#include "learning/TrainingPair.h"
#include "widgets/DiagnosticsPanel.h"
#include "widgets/ImageViewLink.h"
#include "widgets/LearnedFiltersPanel.h"
#include "widgets/LearningPlots.h"
#include "widgets/ParameterPanel.h"

namespace bilevel::studio {

namespace {

// Slider movements closer together than this are merged into one preview solve.
constexpr int kPreviewDebounceMs = 30;

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  registerCoreMetaTypes();
  setObjectName(QStringLiteral("BilevelStudioMainWindow"));
  document_ = new StudioDocument(this);
  learning_ = new LearningController(document_, this);
  worker_ = learning_->worker();
  connect(learning_, &LearningController::segmentStarted, this,
          [this](int iteration) { plots_->markSegment(iteration); });

  previewTimer_.setSingleShot(true);
  previewTimer_.setInterval(kPreviewDebounceMs);
  connect(&previewTimer_, &QTimer::timeout, this, &MainWindow::requestPreview);
  // A snapshot's display work comes in three event-loop turns (the reconstruction, then the views
  // derived from it, then the charts), each about a third of the whole, so that the window
  // answers input between them: the longest stall while learning is what this bounds.
  plotTimer_.setSingleShot(true);
  plotTimer_.setInterval(1);
  connect(&plotTimer_, &QTimer::timeout, this, &MainWindow::flushPlots);

  files_ = new FileActions(this);
  connect(files_, &FileActions::nameChanged, this, &MainWindow::updateTitle);
  loader_ = new DocumentLoader(this, document_, worker_, files_);
  recovery_ = new RecoveryStore(RecoveryStore::defaultDirectory(), this);
  connect(recovery_, &RecoveryStore::writeFailed, this, [this](const QString& message) {
    // Not a dialog: it would come back after every step. The window works on; only the
    // protection against a crash is missing, and the status bar says so.
    status_->flash(tr("Autosave failed: %1").arg(message), 15000);
  });

  buildViews();
  menus_ = new WindowMenus(this, files_);
  connectWorker();
  connect(document_, &StudioDocument::settingsChanged, this,
          &MainWindow::onDocumentSettingsChanged);
  connect(document_, &StudioDocument::historyReset, this, &MainWindow::resetPlots);
  connect(document_, &StudioDocument::snapshotAppended, this,
          [this](const Snapshot& row) { pendingPlotPoints_.push_back(row); });
  connect(document_, &StudioDocument::modifiedChanged, this, &QWidget::setWindowModified);
  layout_->restore();
  files_->rebuildRecentMenu();
  setAcceptDrops(true);
  setActivity(Activity::Idle);
  updateTitle();
}

MainWindow::~MainWindow() {
  delete dataset_;   // stops a dataset run and waits for its thread
  delete learning_;  // stops the worker and waits for its thread
  // Any ending that runs this is a normal one; a crash or kill -9 leaves the recovery file.
  recovery_->discard();
}

void MainWindow::buildViews() {
  images_ = new ImageGrid;
  connect(images_, &ImageGrid::derivedViewsShown, this, [this] {
    if (!pendingPlotPoints_.empty()) plotTimer_.start();
  });
  modes_ = new QStackedWidget;
  modes_->addWidget(images_);
  setCentralWidget(modes_);

  parameterPanel_ = new widgets::ParameterPanel;
  plots_ = new widgets::LearningPlots;
  diagnostics_ = new widgets::DiagnosticsPanel;
  layout_ = new WindowLayout(this, parameterPanel_, plots_, diagnostics_);
  filters_ = new widgets::LearnedFiltersPanel;
  layout_->addPage(filters_, tr("Filters"));
  layout_->setPageVisible(filters_, false);
  dataset_ = new DatasetMode(this, document_, modes_, images_);
  connect(dataset_, &DatasetMode::runFinished, this, [this] {
    if (closeAfterStop_) QTimer::singleShot(0, this, &QWidget::close);
  });

  status_ = new StatusReport(
      statusBar(), [w = worker_] { return w->progress(); }, this);
  // The figures on the right belong to the last learning step: stale after any edit, undo or
  // open, gone with other images.
  connect(document_, &StudioDocument::settingsChanged, status_, &StatusReport::markFiguresStale);
  connect(document_, &StudioDocument::historyReset, status_, &StatusReport::markFiguresStale);
  connect(document_, &StudioDocument::pairChanged, status_, &StatusReport::clearFigures);
  connect(images_->link(), &widgets::ImageViewLink::pixelHovered, this,
          [this](int row, int col, double, const QString& title, const QString& readout) {
            // In the data's units with the working intensity, e.g. "Clean: 2034 (0.5170)".
            status_->showPixel(
                row < 0 ? QString() : tr("(%1, %2)  %3: %4").arg(row).arg(col).arg(title, readout));
          });
  connect(parameterPanel_, &widgets::ParameterPanel::presetChosen, this,
          [this](const QString& name) { loadPreset(name); });
  connect(parameterPanel_, &widgets::ParameterPanel::settingChanged, this,
          &MainWindow::onSettingChanged);
  connect(parameterPanel_, &widgets::ParameterPanel::lambdaEdited, this,
          &MainWindow::onLambdaEdited);
  connect(diagnostics_, &widgets::DiagnosticsPanel::runRequested, this,
          &MainWindow::runDiagnostics);
}

void MainWindow::connectWorker() {
  connect(loader_, &DocumentLoader::loadingStarted, this,
          [this] { setActivity(Activity::Loading); });
  connect(loader_, &DocumentLoader::imagesRead, this, [this](const TrainingPair& pair) {
    parameterPanel_->setIntensityRange(
        QString::fromStdString(describe(pair.clean.range, pair.clean.sourceBitDepth)));
    images_->setPair(pair);
    setActivity(Activity::Idle);
  });
  connect(loader_, &DocumentLoader::opened, this,
          [this](const TrainingPair& pair, int pairCount, bool recovered) {
            status_->showOpened(pair, pairCount);
            updateTitle();
            autosave();
            if (recovered) {
              status_->announceRecovery(recoveredAt(),
                                        history().empty() ? 0 : history().back().iteration);
            }
            emit imagesLoaded();
            previewTimer_.stop();  // the open's own settings change: this one preview serves it
            requestPreview();
          });
  connect(loader_, &DocumentLoader::loadAbandoned, this, [this] {
    refreshPanel();
    setActivity(Activity::Idle);
  });
  // The λ map and the jump set show when the model says it has them (LowerLevel::views), for
  // whatever model.
  connect(worker_, &CoreWorker::viewsChanged, this,
          [this](const QStringList& kinds) { images_->setModelViewKinds(kinds); });
  // A filter-bank model's filters and penalty, on a page shown only for such a model.
  connect(worker_, &CoreWorker::modelChanged, status_, &StatusReport::setParameterLayout);
  connect(worker_, &CoreWorker::filterBankChanged, this, [this](const FilterBank& bank) {
    filters_->setFilters(bank.filters, bank.penalty);
    layout_->setPageVisible(filters_, !bank.filters.empty());
  });
  connect(worker_, &CoreWorker::previewReady, this, &MainWindow::onPreview);
  connect(worker_, &CoreWorker::snapshotReady, this, &MainWindow::onSnapshot);
  connect(worker_, &CoreWorker::learningStopped, this, &MainWindow::onLearningStopped);
  connect(worker_, &CoreWorker::failed, this,
          [this](const QString& title, const QString& message, int exitCode) {
            // A failed open changes nothing (DocumentLoader::loadFailed).
            showError(title,
                      activity_ == Activity::Loading ? loader_->loadFailed(message) : message,
                      exitCode);
          });
  diagnosticsRun_ = new DiagnosticsController(document_, worker_, diagnostics_, status_, this);
  connect(diagnosticsRun_, &DiagnosticsController::finished, this, [this](const QString& reason) {
    setActivity(Activity::Idle);
    emit diagnosticsFinished(reason);
    if (closeAfterStop_) QTimer::singleShot(0, this, &QWidget::close);
  });
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (activity_ == Activity::Learning || activity_ == Activity::Diagnosing) {
    // Quit while learning asks to stop first (issue 10 §2); the window closes once it has.
    event->ignore();
    const QString question = activity_ == Activity::Learning
                                 ? tr("Learning is running. Stop it and quit?")
                                 : tr("The diagnostics are running. Stop them and quit?");
    if (files_->ask(question, QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) ==
        QMessageBox::Yes) {
      closeAfterStop_ = true;
      stop();
    }
    return;
  }
  closeAfterStop_ = false;
  if (dataset_->running()) {
    // The run's θ reaches the mode only when it has stopped: the Save question waits for it.
    event->ignore();
    if (files_->ask(tr("Training on the dataset is running. Stop it and quit?"),
                    QMessageBox::Yes | QMessageBox::Cancel,
                    QMessageBox::Cancel) == QMessageBox::Yes) {
      closeAfterStop_ = true;
      dataset_->stop();
    }
    return;
  }
  // A model learned on the dataset lives outside the document: it is asked for on its own.
  if (!dataset_->maybeSaveModel(tr("quitting")) || !maybeSave(tr("quitting"))) {
    event->ignore();
    return;
  }
  layout_->save();
  worker_->requestStop();
  recovery_->discard();
  event->accept();
}

void MainWindow::showError(const QString& title, const QString& message, int exitCode) {
  lastError_ = message;
  lastErrorExitCode_ = exitCode != 0 ? exitCode : int(ErrorKind::Usage);
  status_->say(title);
  auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
  box->setObjectName(QStringLiteral("errorDialog"));
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
  emit errorShown(message, lastErrorExitCode_);
}

void MainWindow::setActivity(Activity activity) {
  activity_ = activity;
  emit activityChanged();
  const bool idle = activity == Activity::Idle;
  menus_->update(activity, parameterLayout().has_value());
  for (QAction* action : files_->documentActions())
    action->setEnabled(parameterLayout().has_value());
  parameterPanel_->setLearningActive(!idle);
  diagnostics_->setRunning(activity == Activity::Diagnosing);
  if (activity == Activity::Loading) status_->beginLoading();
  if (idle) status_->idle();
}

void MainWindow::showAnalysisPage(QWidget* page) {
  dataset_->setActive(false);
  layout_->showPage(page);
}

void MainWindow::updateTitle() {
  const QString name = files_->documentName();
  // "[*]" shows the modified marker (setWindowModified) where the platform puts it.
  setWindowTitle(name.isEmpty() ? tr("[*]Bilevel Studio") : tr("%1[*] — Bilevel Studio").arg(name));
  setWindowModified(document_->isModified());
}

void MainWindow::undo() {
  if (!ensureIdle(tr("undoing"))) return;
  document_->closeMerging();
  document_->undoStack()->undo();
}

void MainWindow::redo() {
  if (!ensureIdle(tr("redoing"))) return;
  document_->closeMerging();
  document_->undoStack()->redo();
}

double MainWindow::configuredLambda() const {
  return document_->configuration().json()["model"]["lambda"].get<double>();
}

bool MainWindow::ensureIdle(const QString& what) {
  if (activity_ == Activity::Idle) return true;
  status_->say(tr("Stop learning or the diagnostics before %1.").arg(what));
  return false;
}

void MainWindow::setPresetName(const QString& name) {
  loader_->setPresetName(name);
  parameterPanel_->setPreset(name);
}

void MainWindow::requestPreview() {
  if (activity_ != Activity::Idle || !document_->hasImages()) return;
  learning_->preview(configuredLambda());
  status_->say(tr("Solving…"));
}

void MainWindow::onPreview(const Image& reconstruction, const ModelViews& views,
                           const Vector& theta, int iterations, double seconds) {
  if (activity_ == Activity::Learning) return;  // a learning step has the newer picture
  showReconstruction(reconstruction, views, theta);
  status_->showPreview(iterations, seconds, currentPsnr());
  emit previewShown();
}

void MainWindow::showReconstruction(const Image& reconstruction, const ModelViews& views,
                                    const Vector& theta) {
  images_->showReconstruction(reconstruction, views);
  document_->setResult(theta, psnr(reconstruction.pixels, document_->pair().clean.pixels));
  diagnosticsRun_->refreshStale();
  if (theta.size() > 0) parameterPanel_->showParameters(theta.minCoeff(), theta.maxCoeff());
}

void MainWindow::resetPlots() {
  pendingPlotPoints_.clear();
  plots_->setHistory(document_->history(), document_->segmentStarts());
}

void MainWindow::refreshPanel() {
  parameterPanel_->setConfiguration(document_->configuration().json());
  parameterPanel_->setPreset(document_->presetName());
  // The slider follows the θ the next Learn starts from, when there is one.
  if (const Vector& theta = document_->startParameters(); theta.size() > 0)
    parameterPanel_->showParameters(theta.minCoeff(), theta.maxCoeff());
}

void MainWindow::onDocumentSettingsChanged() {
  refreshPanel();
  switch (loader_->updateWorker()) {
    case DocumentLoader::WorkerUpdate::Reload:
      break;  // a preview follows the images
    case DocumentLoader::WorkerUpdate::Reconfigure:
      requestPreview();
      break;
    case DocumentLoader::WorkerUpdate::NewSession:
      previewTimer_.start();  // slider moves close together make one solve
      break;
    case DocumentLoader::WorkerUpdate::Unchanged:
      break;  // a dataset setting: the image and its preview are as they were
  }
  updateTitle();
  autosave();
}

void MainWindow::onLambdaEdited(double lambda) {
  if (activity_ != Activity::Idle) return;
  document_->editLambda(lambda);  // consecutive moves are one undo step
}

void MainWindow::onSettingChanged(const QString& key, const QVariant& value) {
  if (key == QLatin1String("model.lambda")) {
    // Released or left: the drag or the typing is one edit. The spin box reports λ to its five
    // decimals, the slider's exact value is already the document's.
    document_->closeMerging();
    if (std::abs(value.toDouble() - configuredLambda()) <= 1e-5) return;
  }
  if (activity_ != Activity::Idle) {
    // The panel is locked while the worker runs; an edit that slipped through (a spin box losing
    // focus as Learn starts) must not change the problem under the run.
    refreshPanel();
    return;
  }
  try {
    document_->editSetting(key, value);
  } catch (const std::exception& e) {
    refreshPanel();
    showError(tr("Invalid setting"), QString::fromStdString(e.what()));
  }
}

void MainWindow::restartFromConfiguredLambda() {
  if (!ensureIdle(tr("restarting"))) return;
  document_->restart(tr("restart from λ"));
}

void MainWindow::learnSteps(int steps) {
  if (!ensureIdle(tr("learning again")) || !parameterLayout()) return;
  // A spin box still being edited commits its value now, while the window is idle; that may
  // reconfigure (queued before the run) or reload the images (then there is nothing to run yet).
  if (QWidget* focus = QApplication::focusWidget(); focus && parameterPanel_->isAncestorOf(focus))
    focus->clearFocus();
  if (activity_ != Activity::Idle) return;
  previewTimer_.stop();
  dataset_->setActive(false);  // the single image's run shows on the images and their charts
  if (layout_->collapsed()) showAnalysisPage(plots_);  // the charts are what a run shows
  const int batchSteps = learning_->learn(steps, configuredLambda());
  setActivity(Activity::Learning);
  status_->beginRun(batchSteps, QString::fromStdString(configuration().method()));
}

void MainWindow::pause() {
  if (activity_ != Activity::Learning) return;
  learning_->pause();
  status_->say(tr("Pausing after this step…"));
}

void MainWindow::stop() {
  if (activity_ != Activity::Learning && activity_ != Activity::Diagnosing) return;
  learning_->stop();
  status_->say(tr("Stopping…"));
}

void MainWindow::onSnapshot(const Snapshot& snapshot, const ModelViews& views) {
  const int iteration = learning_->record(snapshot);  // the plots take it from the document
  autosave();  // before the display work: a step is safe as soon as it has finished
  // A step sent while the window was behind comes without its picture (CoreWorker::snapshotReady).
  if (snapshot.reconstruction.size() > 0) {
    showReconstruction(snapshot.reconstruction, views, snapshot.parameters);
  } else {
    document_->setResult(snapshot.parameters, snapshot.psnr);
  }
  status_->stepShown(history().back(), iteration - learning_->batchStart());
  diagnosticsRun_->refreshStale(&snapshot.parameters);
  emit snapshotShown(iteration);
}

void MainWindow::flushPlots() {
  for (const Snapshot& snapshot : pendingPlotPoints_)
    plots_->addSnapshot(snapshot);
  pendingPlotPoints_.clear();
}

void MainWindow::onLearningStopped(RunEnd end, const QString& message) {
  images_->flush();
  flushPlots();
  setActivity(Activity::Idle);
  learning_->finish();
  StatusReport::RunOutcome outcome{end, message};
  outcome.first = learning_->runStartRow();
  if (outcome.first && !history().empty()) outcome.last = history().back();
  status_->endRun(outcome);
  emit learningFinished(toString(end));
  if (closeAfterStop_) QTimer::singleShot(0, this, &QWidget::close);
}

void MainWindow::runDiagnostics() {
  if (!ensureIdle(tr("running the diagnostics")) || !parameterLayout()) return;
  setActivity(Activity::Diagnosing);
  showAnalysisPage(diagnostics_);
  diagnosticsRun_->run(parameters(), configuredLambda());
}

bool MainWindow::restoreRecovered(std::shared_ptr<OrphanedSession> orphan, SessionRecord session) {
  return loader_->restoreRecovered(std::move(orphan), std::move(session));
}

void MainWindow::autosave() {
  if (!document_->hasImages()) return;  // no document yet
  // The store appends what is new (a learning step's row) or rewrites the file after an edit.
  recovery_->saveLater([this] {
    return RecoveryStore::SessionView{document_->configuration(), document_->startParameters(),
                                      document_->history(), document_->segmentStarts()};
  });
}

bool MainWindow::attempt(const QString& failureTitle, const std::function<void()>& action) {
  try {
    action();
    return true;
  } catch (const Error& e) {
    showError(failureTitle, QString::fromStdString(e.what()), e.exitCode());
  } catch (const std::exception& e) {
    showError(failureTitle, QString::fromStdString(e.what()));
  }
  return false;
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  QStringList paths;
  for (const QUrl& url : event->mimeData()->urls()) {
    if (url.isLocalFile()) paths << url.toLocalFile();
  }
  if (paths.isEmpty()) return;
  event->acceptProposedAction();
  files_->openDropped(paths);
}

}  // namespace bilevel::studio
