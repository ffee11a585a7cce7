#pragma once

#include <QObject>
#include <QString>
#include <QThread>
#include <nlohmann/json.hpp>
#include <optional>

#include "DatasetWorker.h"

class QAction;
class QMenu;
class QScrollArea;
class QStackedWidget;

namespace bilevel::studio {

class DatasetPage;
class MainWindow;
class StudioDocument;

// The studio's dataset mode (issue 11 §3): open a folder of clean images (or generated ones), see
// them and their split, train the panel's model on them in a DatasetWorker thread with Train,
// Pause, Resume and Stop, watch the training and validation PSNR, the filter bank and the per-image
// PSNR table live, then apply the learned model to the open image (one undoable edit, as File ›
// Apply Learned Model), save it as model.json or load one and train on from it. The dataset
// settings live in the document's configuration (dataset.*, noise.sigma, train.*), so every edit
// of them is a step of its undo stack and a saved session keeps them; a run uses the settings of
// when it started.
//
// The public slots are what the menus and buttons call; tests and --dataset drive the same paths.
class DatasetMode : public QObject {
  Q_OBJECT

 public:
  enum class State { Empty, Opening, Ready, Training, Pausing, Paused, Stopping };

  // Adds its page to `modes` (the window's central stack) beside `images`.
  DatasetMode(MainWindow* window, StudioDocument* document, QStackedWidget* modes, QWidget* images);
  // Stops a run and waits for the worker's thread.
  ~DatasetMode() override;

  // File › Open Dataset, the Dataset menu, View › Dataset Mode.
  void populate(QMenu* file, QMenu* dataset, QMenu* view);

  State state() const { return state_; }
  bool running() const {
    return state_ == State::Training || state_ == State::Pausing || state_ == State::Stopping;
  }
  bool active() const;
  DatasetPage* page() const { return page_; }
  const DatasetListing& listing() const { return listing_; }
  // The model learned (or loaded) last, as model.json's text; empty before any.
  const QString& modelText() const { return model_; }
  // θ of the last step shown (empty before any).
  const Vector& parameters() const { return parameters_; }
  // A model a run learned here that was not saved since (quitting asks to save it).
  bool modelUnsaved() const { return modelUnsaved_; }
  // Asks to save that model (Save / Discard / Cancel, FileActions::askToSave) before `before`
  // ("quitting") would lose it; true when the window may go on.
  bool maybeSaveModel(const QString& before);
  // The steps shown by the current run.
  int lastStep() const { return lastStep_; }
  int totalSteps() const { return totalSteps_; }

 public slots:
  // Shows the dataset page (or the images).
  void setActive(bool active);
  // Lists `folder` (a folder or a generator's "generated:NAME", imageGenerators()) with the
  // document's dataset settings; once it is read, dataset.folder becomes `folder` as one undoable
  // edit. A folder that cannot be used changes nothing and shows the error dialog naming it. False
  // when the open does not start.
  bool openDataset(const QString& folder);
  // A new run of train.steps steps with the document's settings.
  void train();
  void pause();
  // The next run (or the running one) pauses itself once step `step` is done (scripts, tests).
  void pauseAfterStep(int step);
  void resume();
  // Stops the run (or ends a paused one) keeping the θ of its last step.
  void stop();
  // The learned model on the open image (File › Apply Learned Model's path, undoable).
  bool applyToImage();
  // model.json, written atomically; false with the error dialog.
  bool saveModel(const QString& path);
  // A learned model file: shown (filters, ν) and measured on the validation images; Apply and Save
  // then use it. Its model and solver become the document's (one undoable edit, so the settings
  // shown follow it), and the form's "Start from" offers it: Train then starts from its θ
  // (train.initial_model). When "Start from" already names a learned model, the same edit makes it
  // name this one.
  bool loadModel(const QString& path);

 signals:
  void stateChanged();
  void datasetOpened();
  void stepShown(int step);
  // "iteration-limit" (all steps made), "paused", "converged", "cancelled" (Stop), "failed".
  void runFinished(const QString& reason);
  // The per-image table was filled (validation step, end of a run, loaded model).
  void tableFilled();

 private:
  void setState(State state);
  void onOpened(const DatasetListing& listing);
  void onStep(const DatasetStep& step);
  void onStopped(RunEnd end, const QString& message, const QString& model);
  void onEvaluated(const std::vector<ImageQuality>& rows, const FilterBank& bank);
  void onFailed(const QString& title, const QString& message, int exitCode);
  void showTable(const std::vector<ImageQuality>& rows, int step);
  void showBank(const FilterBank& bank);
  // The document's settings changed: the form follows; a dataset whose listing changed (another
  // folder, split or generated images) is listed again.
  void onSettingsChanged();
  // The part of a configuration the image list depends on.
  static nlohmann::json listingKey(const nlohmann::json& configuration);
  void updateActions();
  QString askModelPath(bool save);

  MainWindow* window_;
  StudioDocument* document_;
  QStackedWidget* modes_;
  QWidget* images_;
  DatasetPage* page_ = nullptr;
  QScrollArea* pageArea_ = nullptr;
  QThread thread_;
  DatasetWorker* worker_ = nullptr;
  State state_ = State::Empty;
  DatasetListing listing_;
  nlohmann::json listedWith_;
  // An open from File › Open Dataset: committed to the document once listed.
  std::optional<QString> pendingFolder_;
  QString model_;
  bool modelUnsaved_ = false;
  Vector parameters_;
  int lastStep_ = 0;
  int totalSteps_ = 0;
  double lastValidationPsnr_ = 0.0;

  QAction* open_ = nullptr;
  QAction* train_ = nullptr;
  QAction* pause_ = nullptr;
  QAction* resume_ = nullptr;
  QAction* stop_ = nullptr;
  QAction* apply_ = nullptr;
  QAction* save_ = nullptr;
  QAction* load_ = nullptr;
  QAction* mode_ = nullptr;
};

}  // namespace bilevel::studio
