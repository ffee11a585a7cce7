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
#include "FileActions.h"
#include "StudioDocument.h"

class QAction;
class QDockWidget;
class QTabWidget;

namespace bilevel::widgets {
class DiagnosticsPanel;
class ImageView;
class ImageViewLink;
class LearningPlots;
class ParameterPanel;
}  // namespace bilevel::widgets

namespace bilevel {
struct SessionRecord;
}

namespace bilevel::studio {

class CoreWorker;
class DiagnosticsController;
class LearningController;
class StatusReport;
class WindowMenus;
class ImageGrid;
class OrphanedSession;
class RecoveryStore;

// The studio's main window: linked image views (clean, noisy, reconstruction, residual, removed
// noise, λ map), the parameter panel, live learning plots and the Jacobian diagnostics. All
// numerical work happens in a CoreWorker on its own thread; the window sends it requests and
// shows the snapshots it sends back, so the GUI thread never waits for a solve.
//
// The public slots are what the menus, toolbar and shortcuts call, so tests and the
// --screenshot mode drive the window through the same code paths a person does.
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
  const std::optional<ParameterLayout>& parameterLayout() const { return layout_; }
  // Runs `action`; an exception becomes the error dialog titled `failureTitle` (with the exit
  // code of its kind) and false.
  bool attempt(const QString& failureTitle, const std::function<void()>& action);

  widgets::LearningPlots* plots() const { return plots_; }
  ImageGrid* imageGrid() const { return images_; }
  widgets::DiagnosticsPanel* diagnosticsPanel() const { return diagnostics_; }
  widgets::ParameterPanel* parameterPanel() const { return parameterPanel_; }
  widgets::ImageView* reconstructionView() const;
  widgets::ImageView* cleanView() const;
  widgets::ImageView* noisyView() const;
  // Shown when the model has a weight map among its views (LowerLevel::views).
  widgets::ImageView* lambdaView() const;
  widgets::ImageView* jumpSetView() const;
  QTabWidget* analysisTabs() const { return tabs_; }
  // Brings the tab holding `page` (plotsWidget, diagnosticsPanel) to the front.
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
  bool applyConfiguration(const bilevel::Configuration& configuration);
  bool loadPreset(const QString& name);
  // File > New (Ctrl+N): after the save prompt, a fresh document: the default preset with its
  // sample image, no history, no session file. One undoable step, like any open.
  bool newDocument();
  // Shows which preset the settings came from ("" for a file or a session).
  void setPresetName(const QString& name);
  // File > Open Image: the clean image; noise is added with the current σ.
  bool openImage(const QString& path);
  // File > Open Noisy/Clean Pair.
  bool openImagePair(const QString& cleanPath, const QString& noisyPath);
  bool openSession(const QString& path);
  // Saving and exporting are FileActions'.
  bool saveSession(const QString& path) { return files_->saveSession(path); }
  bool exportReconstruction(const QString& path) { return files_->exportReconstruction(path); }
  bool exportParameters(const QString& path) { return files_->exportParameters(path); }
  bool exportHistory(const QString& path) { return files_->exportHistory(path); }
  bool exportPlots(const QString& path) { return files_->exportPlots(path); }

  // Learn runs the configured number of outer iterations (continuing a paused run); Step runs
  // one; Pause stops after the current step; Stop interrupts it within one inner iteration.
  void learn();
  void learnSteps(int steps);
  // Forgets the learned θ and the history, so the next Learn repeats the run from model.lambda.
  void restartFromConfiguredLambda();
  void step();
  void pause();
  void stop();
  void runDiagnostics();
  void fitViews();
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
  void showEvent(QShowEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  // What an open (image, pair, preset, session) will show once the worker has read its images;
  // committed in onLoaded, dropped if reading fails, so a failed open changes nothing.
  struct PendingDocument {
    Configuration configuration;
    std::vector<Snapshot> history = {};
    std::vector<int> segmentStarts = {};
    Vector parameters = {};
    QString sessionPath = {};
    QString recentFile = {};
    std::optional<QString> presetName = {};  // unset: keep the preset shown; "" shows "custom"
    std::shared_ptr<OrphanedSession> recovered = {};  // set when restoring an autosave
  };
  void buildViews();
  void connectWorker();
  void restoreSettings();
  // Narrower than kTwoDockColumnsWidth the Analysis dock is a tab of the Parameters dock (one
  // column beside the images); wider, it is on the right again. Floating docks are left alone.
  void arrangeDocks();
  void sizeDocks();
  void setActivity(Activity activity);
  // True when idle; otherwise says in the status bar that `what` has to wait.
  bool ensureIdle(const QString& what);
  bool beginLoading(PendingDocument document);
  void onLambdaEdited(double lambda);
  // The document's settings changed (an edit, undo or redo): panel, worker, preview, autosave.
  void onDocumentSettingsChanged();
  void refreshPanel();
  void showError(const QString& title, const QString& message);
  void onSettingChanged(const QString& key, const QVariant& value);
  void onLoaded(const bilevel::Configuration& configuration, const bilevel::TrainingPair& pair,
                int pairCount);
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
  // The configuration the worker was last given: an edit reloads the images, rebuilds the model
  // or only changes θ, by what differs from it.
  std::optional<Configuration> workerConfiguration_;
  bool reloadNext_ = false;      // a preset: read the images again even if their settings match
  bool closeAfterStop_ = false;  // quit asked while learning: close once the run has stopped
  std::optional<PendingDocument> pending_;
  std::optional<ParameterLayout> layout_;
  QString lastError_;
  int lastErrorCode_ = 0;  // the kind of the error about to be shown
  int lastErrorExitCode_ = 0;
  Activity activity_ = Activity::Idle;
  double lambdaRequest_ = 0.0;

  LearningController* learning_ = nullptr;
  CoreWorker* worker_ = nullptr;  // learning_'s
  RecoveryStore* recovery_ = nullptr;
  QTimer previewTimer_;
  // Display work deferred to later event-loop turns (see the constructor).
  QTimer plotTimer_;
  std::vector<Snapshot> pendingPlotPoints_;

  ImageGrid* images_ = nullptr;
  widgets::ParameterPanel* parameterPanel_ = nullptr;
  widgets::LearningPlots* plots_ = nullptr;
  widgets::DiagnosticsPanel* diagnostics_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QDockWidget* parameterDock_ = nullptr;
  QDockWidget* analysisDock_ = nullptr;
  bool layoutRestored_ = false;
  bool docksSized_ = false;
  bool docksCollapsed_ = false;  // arrangeDocks made the two docks one column

  StatusReport* status_ = nullptr;
  DiagnosticsController* diagnosticsRun_ = nullptr;
  WindowMenus* menus_ = nullptr;
};

}  // namespace bilevel::studio
