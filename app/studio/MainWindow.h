#pragma once

#include <QDateTime>
#include <QMainWindow>
#include <QMessageBox>
#include <QPointer>
#include <QThread>
#include <QTimer>
#include <functional>
#include <memory>
#include <optional>

#include "CoreTypes.h"
#include "DocumentLoader.h"
#include "FileActions.h"
#include "ImageGrid.h"
#include "StudioDocument.h"
#include "WindowLayout.h"

class QAction;
class QStackedWidget;
class QTabWidget;

namespace bilevel::widgets {
class DiagnosticsPanel;
class ImageView;
class ImageViewLink;
class LearnedFiltersPanel;
class LearningPlots;
class ParameterPanel;
}  // namespace bilevel::widgets

namespace bilevel {
struct LearnedModel;
struct SessionRecord;
}  // namespace bilevel

namespace bilevel::studio {

class CoreWorker;
class DatasetMode;
class DiagnosticsController;
class LearningController;
class StatusReport;
class WindowMenus;
class OrphanedSession;
class RecoveryStore;

// The studio's main window: linked image views (clean, noisy, reconstruction, residual, removed
// noise, λ map), the parameter panel, live learning plots and the Jacobian diagnostics. All
// numerical work happens in a CoreWorker on its own thread; the window sends it requests and
// shows the snapshots it sends back, so the GUI thread never waits for a solve.
//
// The public slots are what the menus, toolbar and shortcuts call, so tests and the
// --screenshot mode drive the window through the same code paths a person does. The window lays
// out and wires: opening is DocumentLoader's, learning LearningController's, saving and exporting
// FileActions', the diagnostics DiagnosticsController's, the status bar StatusReport's, the
// docks WindowLayout's.
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  enum class Activity { Idle, Loading, Learning, Diagnosing };

  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  Activity activity() const { return activity_; }
  // What the window shows and edits (issue 10): settings, images, θ, history, result.
  StudioDocument* document() const { return document_; }
  const Configuration& configuration() const { return document_->configuration(); }
  // θ as learned or set (empty until the model is known).
  const Vector& parameters() const { return document_->parameters(); }
  const std::vector<Snapshot>& history() const { return document_->history(); }
  double currentPsnr() const { return document_->psnr(); }

  // Answers the window's questions instead of a dialog (FileActions::setPromptAnswer).
  using PromptAnswer = FileActions::PromptAnswer;
  static void setPromptAnswer(PromptAnswer answer) {
    FileActions::setPromptAnswer(std::move(answer));
  }
  // Asks to save unsaved changes (FileActions::maybeSave); true when the window may go on.
  bool maybeSave(const QString& before) { return files_->maybeSave(before); }
  // The session file the document was opened from or saved to ("" for none).
  QString sessionPath() const { return files_->sessionPath(); }
  // The text of the error dialog shown last (empty if none), for tests and logs.
  QString lastError() const { return lastError_; }
  // The documented exit code of that error's kind (2 settings, 3 unreadable input, 4 numerical).
  int lastErrorCode() const { return lastErrorExitCode_; }

  // The model's parameter layout, once the worker has built the model.
  const std::optional<ParameterLayout>& parameterLayout() const {
    return loader_->parameterLayout();
  }
  // Runs `action`; an exception becomes the error dialog titled `failureTitle` (with the exit
  // code of its kind) and false.
  bool attempt(const QString& failureTitle, const std::function<void()>& action);
  // The error dialog (not modal); exitCode 0 counts as a settings error (2).
  void showError(const QString& title, const QString& message, int exitCode = 0);
  // True when idle; otherwise says in the status bar that `what` has to wait.
  bool ensureIdle(const QString& what);

  widgets::LearningPlots* plots() const { return plots_; }
  // The dataset mode (issue 11 §3): its page takes the images' place while it shows.
  DatasetMode* datasetMode() const { return dataset_; }
  FileActions* fileActions() const { return files_; }
  ImageGrid* imageGrid() const { return images_; }
  widgets::DiagnosticsPanel* diagnosticsPanel() const { return diagnostics_; }
  widgets::LearnedFiltersPanel* filtersPanel() const { return filters_; }
  WindowLayout* windowLayout() const { return layout_; }
  widgets::ParameterPanel* parameterPanel() const { return parameterPanel_; }
  widgets::ImageView* reconstructionView() const { return images_->reconstructionView(); }
  widgets::ImageView* cleanView() const { return images_->clean(); }
  widgets::ImageView* noisyView() const { return images_->noisy(); }
  // Shown when the model has a weight map among its views (LowerLevel::views).
  widgets::ImageView* lambdaView() const { return images_->lambda(); }
  widgets::ImageView* jumpSetView() const { return images_->jumpSet(); }
  QTabWidget* analysisTabs() const { return layout_->tabs(); }
  // Brings the tab holding `page` (plotsWidget, diagnosticsPanel) to the front, with the images
  // (leaving the dataset mode, whose page hides them and the analysis).
  void showAnalysisPage(QWidget* page);
  // The status bar: progress, the last run's summary, the figures of the last step.
  StatusReport* statusReport() const { return status_; }
  // This window's autosave (issue 8 §4): written after every learning step and every edit,
  // removed when the window closes normally.
  RecoveryStore* recovery() const { return recovery_; }
  // When the restored session had been autosaved; invalid unless the document was recovered.
  QDateTime recoveredAt() const { return files_->recoveredAt(); }
  // Opens the session a dead studio autosaved (read by offerRecovery) as openSession would; once
  // its images are read the window continues autosaving into that file and its title says it
  // was recovered. If they cannot be read the file is kept aside and the error dialog says where.
  bool restoreRecovered(std::shared_ptr<OrphanedSession> orphan, SessionRecord session);
  // Error(Usage) when `output` names an image the configuration reads (or, with includeSession,
  // the open session file): nothing the user made is written over.
  void refuseToOverwriteInputs(const QString& output, bool includeSession = true) const {
    files_->refuseToOverwriteInputs(output, includeSession);
  }

 public slots:
  // Replaces the configuration (validated) and reads its images; false with a dialog on error.
  bool applyConfiguration(const bilevel::Configuration& configuration) {
    return loader_->applyConfiguration(configuration);
  }
  bool loadPreset(const QString& name) { return loader_->loadPreset(name); }
  // File > New (Ctrl+N): after the save prompt, a fresh document: the default preset with its
  // sample image, no history, no session file. One undoable step, like any open.
  bool newDocument() { return loader_->newDocument(); }
  // Shows which preset the settings came from ("" for a file or a session).
  void setPresetName(const QString& name);
  // File > Open Image: the clean image; noise is added with the current σ.
  bool openImage(const QString& path) { return loader_->openImage(path); }
  // File > Open Noisy/Clean Pair.
  bool openImagePair(const QString& cleanPath, const QString& noisyPath) {
    return loader_->openImagePair(cleanPath, noisyPath);
  }
  bool openSession(const QString& path) { return loader_->openSession(path); }
  bool applyLearnedModel(const QString& path) { return loader_->applyLearnedModel(path); }
  // A learned model already read (the dataset mode's), the same way; `name` is for the undo step.
  bool applyLearned(const LearnedModel& learned, const QString& name) {
    return loader_->applyLearned(learned, name);
  }
  // Saving and exporting are FileActions'.
  bool saveSession(const QString& path) { return files_->saveSession(path); }
  bool exportReconstruction(const QString& path) { return files_->exportReconstruction(path); }
  bool exportParameters(const QString& path) { return files_->exportParameters(path); }
  bool exportLearnedModel(const QString& path) { return files_->exportLearnedModel(path); }
  bool exportHistory(const QString& path) { return files_->exportHistory(path); }
  bool exportPlots(const QString& path) { return files_->exportPlots(path); }

  // Learn runs the configured number of outer iterations (continuing a paused run); Step runs
  // one; Pause stops after the current step; Stop interrupts it within one inner iteration.
  void learn() { learnSteps(0); }
  void learnSteps(int steps);
  // Forgets the learned θ and the history, so the next Learn repeats the run from model.lambda.
  void restartFromConfiguredLambda();
  void step() { learnSteps(1); }
  void pause();
  void stop();
  void runDiagnostics();
  void fitViews() { images_->fit(); }
  // Edit > Undo / Redo (when idle).
  void undo();
  void redo();

 signals:
  void activityChanged();
  void imagesLoaded();
  void previewShown();
  void snapshotShown(int iteration);
  void learningFinished(const QString& reason);
  void diagnosticsFinished(const QString& reason);
  // exitCode: the documented exit code of the error's kind (2 settings, 3 input, 4 numerical).
  void errorShown(const QString& message, int exitCode);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildViews();
  void connectWorker();
  void setActivity(Activity activity);
  // The λ of the document's configuration: the next Learn's start when there is no θ.
  double configuredLambda() const;
  void onLambdaEdited(double lambda);
  // The document's settings changed (an edit, undo or redo): panel, worker, preview, autosave.
  void onDocumentSettingsChanged();
  void refreshPanel();
  void onSettingChanged(const QString& key, const QVariant& value);
  void onSnapshot(const bilevel::Snapshot& snapshot, const bilevel::studio::ModelViews& views);
  void onPreview(const bilevel::Image& reconstruction, const bilevel::studio::ModelViews& views,
                 const bilevel::Vector& theta, int iterations, double seconds);
  void onLearningStopped(RunEnd end, const QString& message);
  void showReconstruction(const Image& reconstruction, const ModelViews& views,
                          const Vector& theta);
  void requestPreview();
  void resetPlots();
  void flushPlots();
  void updateTitle();
  // Queues the session as it stands now for the recovery file (once there is a document).
  void autosave();

  StudioDocument* document_ = nullptr;
  FileActions* files_ = nullptr;
  DocumentLoader* loader_ = nullptr;
  // Quit asked while learning or training on the dataset: close once the run has stopped.
  bool closeAfterStop_ = false;
  QString lastError_;
  int lastErrorExitCode_ = 0;
  Activity activity_ = Activity::Idle;

  LearningController* learning_ = nullptr;
  CoreWorker* worker_ = nullptr;  // learning_'s
  RecoveryStore* recovery_ = nullptr;
  QTimer previewTimer_;
  // Display work deferred to later event-loop turns (see the constructor).
  QTimer plotTimer_;
  std::vector<Snapshot> pendingPlotPoints_;

  ImageGrid* images_ = nullptr;
  QStackedWidget* modes_ = nullptr;  // the images, or the dataset page
  DatasetMode* dataset_ = nullptr;
  widgets::ParameterPanel* parameterPanel_ = nullptr;
  widgets::LearningPlots* plots_ = nullptr;
  widgets::DiagnosticsPanel* diagnostics_ = nullptr;
  widgets::LearnedFiltersPanel* filters_ = nullptr;
  WindowLayout* layout_ = nullptr;  // the docks

  StatusReport* status_ = nullptr;
  DiagnosticsController* diagnosticsRun_ = nullptr;
  WindowMenus* menus_ = nullptr;
};

}  // namespace bilevel::studio
