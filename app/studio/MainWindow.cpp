#include "MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLocale>
#include <QMessageBox>
#include <QMimeData>
#include <QScrollArea>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QUndoStack>
#include <cmath>

#include "CoreWorker.h"
#include "DiagnosticsController.h"
#include "FileActions.h"
#include "ImageGrid.h"
#include "LearningController.h"
#include "OrphanedSession.h"
#include "QueuedCall.h"
#include "RecoveryStore.h"
#include "StatusReport.h"
#include "WindowMenus.h"
#include "common/Error.h"
#include "image/ImageIO.h"
#include "image/Quality.h"
#include "learning/LearningRecords.h"
#include "learning/SessionFile.h"
#include "learning/TrainingPair.h"
#include "models/LowerLevel.h"
#include "registry/Registry.h"
#include "widgets/DiagnosticsPanel.h"
#include "widgets/ImageView.h"
#include "widgets/ImageViewLink.h"
#include "widgets/LearningPlots.h"
#include "widgets/ParameterPanel.h"

namespace bilevel::studio {

namespace {

// What File > New starts from (the preset bilevel-studio opens without --preset).
constexpr const char* kDefaultPreset = "tv-denoise";

// Below this window width the two docks share one column (issue 10 §7: "docks collapse"): side
// by side they would leave the images about a third of it.
constexpr int kTwoDockColumnsWidth = 1200;

// Slider movements closer together than this are merged into one preview solve.
constexpr int kPreviewDebounceMs = 30;

std::filesystem::path toPath(const QString& path) {
  return std::filesystem::path(path.toStdString());
}

QString formatSeconds(double seconds) {
  return seconds < 1.0 ? QStringLiteral("%1 ms").arg(seconds * 1e3, 0, 'f', 0)
                       : QStringLiteral("%1 s").arg(seconds, 0, 'f', 2);
}

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
  restoreSettings();
  setAcceptDrops(true);
  setActivity(Activity::Idle);
  updateTitle();
}

MainWindow::~MainWindow() {
  delete learning_;  // stops the worker and waits for its thread
  // Any ending that runs this is a normal one; a crash or kill -9 leaves the recovery file.
  recovery_->discard();
}

void MainWindow::buildViews() {
  images_ = new ImageGrid;
  connect(images_, &ImageGrid::derivedViewsShown, this, [this] {
    if (!pendingPlotPoints_.empty()) plotTimer_.start();
  });
  setCentralWidget(images_);

  parameterPanel_ = new widgets::ParameterPanel;
  auto* scroll = new QScrollArea;
  scroll->setWidget(parameterPanel_);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(parameterPanel_->minimumSizeHint().width() + 16);
  parameterDock_ = new QDockWidget(tr("Parameters"), this);
  parameterDock_->setObjectName(QStringLiteral("ParametersDock"));
  parameterDock_->setWidget(scroll);
  addDockWidget(Qt::LeftDockWidgetArea, parameterDock_);

  plots_ = new widgets::LearningPlots;
  diagnostics_ = new widgets::DiagnosticsPanel;
  tabs_ = new QTabWidget;
  // In scroll areas: on a small screen the charts wrap to one column and scroll rather than
  // forcing the window wider or taller than the screen (issue 10 §7).
  const auto scrolled = [](QWidget* content) {
    auto* area = new QScrollArea;
    area->setWidget(content);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    return area;
  };
  tabs_->addTab(scrolled(plots_), tr("Learning"));
  tabs_->addTab(scrolled(diagnostics_), tr("Jacobian diagnostics"));
  analysisDock_ = new QDockWidget(tr("Analysis"), this);
  analysisDock_->setObjectName(QStringLiteral("AnalysisDock"));
  analysisDock_->setWidget(tabs_);
  addDockWidget(Qt::RightDockWidgetArea, analysisDock_);

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
  connect(worker_, &CoreWorker::loaded, this, &MainWindow::onLoaded);
  connect(worker_, &CoreWorker::reconfigureFailed, this,
          [this](const Configuration& effective, const QString& message) {
            workerConfiguration_ = effective;
            document_->correctConfiguration(effective);
            showError(tr("Invalid settings"), message);
          });
  connect(worker_, &CoreWorker::modelChanged, this,
          [this](const ParameterLayout& layout) { layout_ = layout; });
  // The λ map and the jump set show when the model says it has them (LowerLevel::views), for
  // whatever model.
  connect(worker_, &CoreWorker::viewsChanged, this,
          [this](const QStringList& kinds) { images_->setModelViewKinds(kinds); });
  connect(worker_, &CoreWorker::previewReady, this, &MainWindow::onPreview);
  connect(worker_, &CoreWorker::snapshotReady, this, &MainWindow::onSnapshot);
  connect(worker_, &CoreWorker::learningStopped, this, &MainWindow::onLearningStopped);
  connect(worker_, &CoreWorker::failed, this,
          [this](const QString& title, const QString& message, int exitCode) {
            lastErrorCode_ = exitCode;
            QString text = message;
            if (activity_ == Activity::Loading) {
              // The images, settings, history and session that were showing stay: nothing is
              // lost by a failed open, because none of it was replaced before the worker had
              // read the new images.
              if (pending_ && pending_->recovered) {
                // Perhaps the images are on a drive not mounted now: the session is kept, as
                // an ordinary session file, for later.
                try {
                  text += tr("\n\nThe recovered session is kept as %1; File › Open Session "
                             "opens it.")
                              .arg(pending_->recovered->keepAside(QStringLiteral("unrestored")));
                } catch (const std::exception& e) {
                  text += QStringLiteral("\n\n") + QString::fromStdString(e.what());
                }
              }
              pending_.reset();
              // The worker kept what it had; the document was not replaced.
              workerConfiguration_ = document_->configuration();
              refreshPanel();
              setActivity(Activity::Idle);
            }
            showError(title, text);
          });
  diagnosticsRun_ = new DiagnosticsController(document_, worker_, diagnostics_, status_, this);
  connect(diagnosticsRun_, &DiagnosticsController::finished, this, [this](const QString& reason) {
    setActivity(Activity::Idle);
    emit diagnosticsFinished(reason);
    if (closeAfterStop_) QTimer::singleShot(0, this, &QWidget::close);
  });
}

void MainWindow::restoreSettings() {
  QSettings settings;
  if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) {
    resize(1440, 900);
  }
  layoutRestored_ = restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
  docksCollapsed_ =
      layoutRestored_ && settings.value(QStringLiteral("window/docksCollapsed")).toBool();
  files_->rebuildRecentMenu();
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  if (layoutRestored_ || docksSized_) return;
  docksSized_ = true;
  sizeDocks();
}

void MainWindow::sizeDocks() {
  // Without a remembered layout the images keep the middle third or more of any window width
  // (more than half with one dock column): they are what a person came to look at.
  const int w = width();
  if (docksCollapsed_) {
    resizeDocks({parameterDock_}, {w * 40 / 100}, Qt::Horizontal);
  } else {
    resizeDocks({parameterDock_, analysisDock_}, {std::min(330, w * 22 / 100), w * 42 / 100},
                Qt::Horizontal);
  }
}

void MainWindow::resizeEvent(QResizeEvent* event) {
  QMainWindow::resizeEvent(event);
  arrangeDocks();
}

void MainWindow::arrangeDocks() {
  const bool narrow = width() < kTwoDockColumnsWidth;
  if (narrow == docksCollapsed_ || parameterDock_->isFloating() || analysisDock_->isFloating())
    return;
  docksCollapsed_ = narrow;
  if (narrow) {
    tabifyDockWidget(parameterDock_, analysisDock_);
    parameterDock_->raise();
  } else {
    removeDockWidget(analysisDock_);
    addDockWidget(Qt::RightDockWidgetArea, analysisDock_);
    analysisDock_->show();
  }
  sizeDocks();
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
  if (!maybeSave(tr("quitting"))) {
    event->ignore();
    return;
  }
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/state"), saveState());
  settings.setValue(QStringLiteral("window/docksCollapsed"), docksCollapsed_);
  worker_->requestStop();
  recovery_->discard();
  event->accept();
}

void MainWindow::showError(const QString& title, const QString& message) {
  lastError_ = message;
  lastErrorExitCode_ = lastErrorCode_ != 0 ? lastErrorCode_ : int(ErrorKind::Usage);
  lastErrorCode_ = 0;
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
  menus_->update(activity, layout_.has_value());
  for (QAction* action : files_->documentActions())
    action->setEnabled(layout_.has_value());
  parameterPanel_->setLearningActive(!idle);
  diagnostics_->setRunning(activity == Activity::Diagnosing);
  if (activity == Activity::Loading) status_->beginLoading();
  if (idle) status_->idle();
}

void MainWindow::updateTitle() {
  const QString sessionPath = files_->sessionPath();
  QString name = sessionPath.isEmpty() ? QString() : QFileInfo(sessionPath).fileName();
  if (name.isEmpty() && !document_->pair().name.empty())
    name = QString::fromStdString(document_->pair().name);
  if (const QDateTime recoveredAt = files_->recoveredAt(); recoveredAt.isValid()) {
    name = tr("%1 (recovered, autosaved %2)")
               .arg(name, QLocale().toString(recoveredAt, QLocale::ShortFormat));
  }
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

bool MainWindow::ensureIdle(const QString& what) {
  if (activity_ == Activity::Idle) return true;
  status_->say(tr("Stop learning or the diagnostics before %1.").arg(what));
  return false;
}

bool MainWindow::applyConfiguration(const Configuration& configuration) {
  PendingDocument document{configuration};
  document.sessionPath = files_->sessionPath();
  return beginLoading(std::move(document));
}

bool MainWindow::beginLoading(PendingDocument document) {
  if (!ensureIdle(tr("opening other images"))) return false;
  // The panel keeps showing the document until the images are read and the open is committed.
  const Configuration configuration = document.configuration;
  pending_ = std::move(document);
  setActivity(Activity::Loading);
  queueCall(worker_, [w = worker_, configuration] { w->load(configuration); });
  return true;
}

bool MainWindow::loadPreset(const QString& name) {
  bool started = false;
  attempt(tr("Cannot load the preset"), [&] {
    Configuration preset = Configuration::fromPreset(name.toStdString());
    if (!layout_ || !document_->hasImages()) {
      PendingDocument document{preset};
      document.presetName = name;
      started = beginLoading(std::move(document));
      return;
    }
    if (!ensureIdle(tr("changing the preset"))) return;
    // A preset changes the task, not the picture: keep the images a person opened. It is an
    // edit (undoable, the history stays); the panel shows it from the document.
    const nlohmann::json& current = document_->configuration().json();
    preset.merge({{"image", current["image"]}, {"noisy", current["noisy"]}}, "the open images");
    StudioDocument::Settings next = document_->settings();
    next.configuration = preset;
    next.startParameters.resize(0);  // the preset's λ
    next.preset = name;
    reloadNext_ = true;
    document_->edit(tr("preset %1").arg(name), std::move(next));
    reloadNext_ = false;
    started = true;
  });
  return started;
}

bool MainWindow::newDocument() {
  if (!ensureIdle(tr("starting a new session")) || !maybeSave(tr("starting a new session")))
    return false;
  bool started = false;
  attempt(tr("Cannot start a new session"), [&] {
    PendingDocument document{Configuration::fromPreset(kDefaultPreset)};
    document.presetName = QString::fromLatin1(kDefaultPreset);
    started = beginLoading(std::move(document));
  });
  return started;
}

bool MainWindow::openImage(const QString& path) {
  return openImagePair(path, QString());
}

bool MainWindow::openImagePair(const QString& cleanPath, const QString& noisyPath) {
  bool started = false;
  attempt(tr("Cannot open the image"), [&] {
    Configuration next = document_->configuration();
    nlohmann::json images = {{"image", QFileInfo(cleanPath).absoluteFilePath().toStdString()},
                             {"noisy", nullptr}};
    if (!noisyPath.isEmpty())
      images["noisy"] = QFileInfo(noisyPath).absoluteFilePath().toStdString();
    next.merge(images, "the opened image");
    PendingDocument document{next};
    document.recentFile = cleanPath;
    started = beginLoading(std::move(document));
  });
  return started;
}

void MainWindow::setPresetName(const QString& name) {
  if (pending_) pending_->presetName = name;
  document_->setPresetName(name);
  parameterPanel_->setPreset(name);
}

void MainWindow::onLoaded(const Configuration& configuration, const TrainingPair& pair,
                          int pairCount) {
  workerConfiguration_ = configuration;
  document_->setPair(pair);
  parameterPanel_->setIntensityRange(
      QString::fromStdString(describe(pair.clean.range, pair.clean.sourceBitDepth)));
  images_->setPair(pair);
  setActivity(Activity::Idle);
  std::shared_ptr<OrphanedSession> recovered;
  if (pending_) {
    // Commit what was opened, now that its images could be read: one undoable step.
    PendingDocument document = std::move(*pending_);
    pending_.reset();
    StudioDocument::Content content;
    content.settings.configuration = configuration;
    content.settings.startParameters = document.parameters;
    content.settings.preset = document.presetName ? *document.presetName : document_->presetName();
    content.history = std::move(document.history);
    content.segmentStarts = std::move(document.segmentStarts);
    if (layout_ && content.settings.startParameters.size() > 0 &&
        content.settings.startParameters.size() != layout_->size()) {
      showError(tr("Parameters do not fit the model"),
                tr("The saved parameters have %1 entries but the model has %2; starting from λ.")
                    .arg(content.settings.startParameters.size())
                    .arg(layout_->size()));
      content.settings.startParameters.resize(0);
    }
    files_->setSessionPath(document.sessionPath);
    recovered = document.recovered;
    if (recovered) {
      recovery_->adopt(*recovered);
      files_->setRecoveredAt(recovered->savedAt());
    } else if (document.presetName || !document.recentFile.isEmpty()) {
      files_->setRecoveredAt(QDateTime());  // another document
    }
    if (!document.recentFile.isEmpty()) files_->addRecentFile(document.recentFile);
    const QString what = !document.recentFile.isEmpty()
                             ? tr("open %1").arg(QFileInfo(document.recentFile).fileName())
                             : tr("open %1").arg(QString::fromStdString(pair.name));
    document_->setResult(content.settings.startParameters, 0.0);
    document_->open(what, std::move(content), recovered != nullptr);
  }
  status_->showOpened(pair, pairCount);
  updateTitle();
  lambdaRequest_ = configuration.json()["model"]["lambda"].get<double>();
  autosave();
  if (recovered)
    status_->announceRecovery(recoveredAt(), history().empty() ? 0 : history().back().iteration);
  emit imagesLoaded();
  previewTimer_.stop();  // the open's own settings change: this one preview serves it
  requestPreview();
}

void MainWindow::requestPreview() {
  if (activity_ != Activity::Idle || !document_->hasImages()) return;
  const quint64 id = worker_->supersedePreviews();
  if (const Vector& theta = document_->startParameters(); theta.size() > 0) {
    queueCall(worker_, [w = worker_, theta, id] { w->preview(theta, id); });
  } else {
    queueCall(worker_,
              [w = worker_, lambda = lambdaRequest_, id] { w->previewLambda(lambda, id); });
  }
  status_->say(tr("Solving…"));
}

void MainWindow::onPreview(const Image& reconstruction, const ModelViews& views,
                           const Vector& theta, int iterations, double seconds) {
  if (activity_ == Activity::Learning) return;  // a learning step has the newer picture
  showReconstruction(reconstruction, views, theta);
  status_->say(tr("x*(θ) in %1 iterations, %2 · PSNR %3 dB")
                   .arg(iterations)
                   .arg(formatSeconds(seconds))
                   .arg(currentPsnr(), 0, 'f', 2));
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
  const Configuration& configuration = document_->configuration();
  lambdaRequest_ = configuration.json()["model"]["lambda"].get<double>();
  // What the worker has to do follows from what differs from what it has: other images or
  // noise are read again, another model, solver or method is rebuilt; λ and θ alone need
  // neither, only a fresh learning session.
  nlohmann::json before = workerConfiguration_ ? workerConfiguration_->json() : nlohmann::json();
  nlohmann::json after = configuration.json();
  const auto problem = [](nlohmann::json json) {
    if (json.is_object()) {
      for (const char* key : {"model", "solver", "hypergradient", "outer"})
        json.erase(key);
    }
    return json;
  };
  const bool reload = reloadNext_ || !workerConfiguration_ || problem(before) != problem(after);
  if (before.is_object()) before["model"].erase("lambda");
  after["model"].erase("lambda");
  workerConfiguration_ = configuration;
  if (reload) {
    setActivity(Activity::Loading);
    queueCall(worker_, [w = worker_, configuration] { w->load(configuration); });
  } else if (before != after) {
    queueCall(worker_, [w = worker_, configuration] { w->reconfigure(configuration); });
    requestPreview();
  } else {
    queueCall(worker_, [w = worker_] { w->discardSession(); });
    previewTimer_.start();  // slider moves close together make one solve
  }
  updateTitle();
  autosave();
}

void MainWindow::onLambdaEdited(double lambda) {
  if (activity_ != Activity::Idle) return;
  // The shown λ is the configuration's, whether or not the slider was released: a saved session
  // and the next Learn start from it. Consecutive moves are one undo step.
  StudioDocument::Settings next = document_->settings();
  try {
    next.configuration.set("model.lambda=" + nlohmann::json(lambda).dump());
  } catch (const std::exception&) {
    return;  // the slider's range lies inside the valid one; nothing to report
  }
  next.startParameters.resize(0);
  document_->edit(tr("λ = %1").arg(lambda, 0, 'g', 4), std::move(next),
                  StudioDocument::Merge::Lambda);
}

void MainWindow::onSettingChanged(const QString& key, const QVariant& value) {
  if (key == QLatin1String("model.lambda")) {
    // Released or left: the drag or the typing is one edit. The spin box reports λ to its five
    // decimals, the slider's exact value is already the document's.
    document_->closeMerging();
    const double current = document_->configuration().json()["model"]["lambda"].get<double>();
    if (std::abs(value.toDouble() - current) <= 1e-5) return;
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
  // Forgets the learned θ and the history, as one undoable step.
  StudioDocument::Content content{document_->settings()};
  content.settings.startParameters.resize(0);
  content.settings.segmentPending = false;
  if (document_->history().empty() && document_->startParameters().size() == 0) return;
  document_->replace(tr("restart from λ"), std::move(content));
}

void MainWindow::learn() {
  learnSteps(0);
}
void MainWindow::step() {
  learnSteps(1);
}

void MainWindow::learnSteps(int steps) {
  if (!ensureIdle(tr("learning again")) || !layout_) return;
  // A spin box still being edited commits its value now, while the window is idle; that may
  // reconfigure (queued before the run) or reload the images (then there is nothing to run yet).
  if (QWidget* focus = QApplication::focusWidget(); focus && parameterPanel_->isAncestorOf(focus))
    focus->clearFocus();
  if (activity_ != Activity::Idle) return;
  previewTimer_.stop();
  if (docksCollapsed_) showAnalysisPage(plots_);  // the charts are what a run shows
  const int batchSteps = learning_->learn(steps, lambdaRequest_);
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
  if (!ensureIdle(tr("running the diagnostics")) || !layout_) return;
  setActivity(Activity::Diagnosing);
  showAnalysisPage(diagnostics_);
  diagnosticsRun_->run(parameters(), lambdaRequest_);
}

widgets::ImageView* MainWindow::reconstructionView() const {
  return images_->reconstructionView();
}
widgets::ImageView* MainWindow::cleanView() const {
  return images_->clean();
}
widgets::ImageView* MainWindow::noisyView() const {
  return images_->noisy();
}
widgets::ImageView* MainWindow::lambdaView() const {
  return images_->lambda();
}

widgets::ImageView* MainWindow::jumpSetView() const {
  return images_->jumpSet();
}

void MainWindow::showAnalysisPage(QWidget* page) {
  if (docksCollapsed_) analysisDock_->raise();  // a tab beside the parameters
  for (int i = 0; i < tabs_->count(); ++i) {
    if (tabs_->widget(i) == page || tabs_->widget(i)->isAncestorOf(page)) tabs_->setCurrentIndex(i);
  }
}

void MainWindow::fitViews() {
  images_->fit();
}

bool MainWindow::restoreRecovered(std::shared_ptr<OrphanedSession> orphan, SessionRecord session) {
  if (!ensureIdle(tr("restoring a session"))) return false;
  PendingDocument document{std::move(session.configuration)};
  document.history = std::move(session.history);
  document.parameters = session.parameters;
  document.presetName = QString();  // like a session: "custom"
  document.recovered = std::move(orphan);
  return beginLoading(std::move(document));
}

void MainWindow::autosave() {
  if (!document_->hasImages()) return;  // no document yet
  // The store appends what is new (a learning step's row) or rewrites the file after an edit.
  recovery_->saveLater([this] {
    return RecoveryStore::SessionView{document_->configuration(), document_->startParameters(),
                                      document_->history()};
  });
}

bool MainWindow::openSession(const QString& path) {
  if (!ensureIdle(tr("opening a session"))) return false;
  bool started = false;
  attempt(tr("Cannot open the session"), [&] {
    SessionRecord record = readSessionFile(toPath(path));
    PendingDocument document{record.configuration};
    document.history = std::move(record.history);
    document.segmentStarts = std::move(record.segmentStarts);
    document.parameters = record.parameters;
    document.sessionPath = path;
    document.recentFile = path;
    document.presetName = QString();  // a session shows "custom"
    started = beginLoading(std::move(document));
  });
  return started;
}

bool MainWindow::attempt(const QString& failureTitle, const std::function<void()>& action) {
  try {
    action();
    return true;
  } catch (const Error& e) {
    lastErrorCode_ = e.exitCode();
    showError(failureTitle, QString::fromStdString(e.what()));
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
