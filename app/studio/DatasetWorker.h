#pragma once

#include <QMetaType>
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "CoreTypes.h"
#include "common/Cancellation.h"
#include "learning/DatasetLearning.h"

namespace bilevel {
class Dataset;
class ReconstructionPreview;
}  // namespace bilevel

namespace bilevel::studio {

// One image of an opened dataset as the studio lists it.
struct DatasetImage {
  QString name;
  int rows = 0, cols = 0;
  Image thumbnail;  // at most kThumbnailSide pixels a side, box-averaged
  bool validation = false;
};

// What opening a dataset found: its images and split (Dataset::describe for the summary line).
struct DatasetListing {
  QString folder;  // as configured (dataset.folder)
  QString description;
  std::vector<DatasetImage> images;
};

// PSNR of one validation image at θ: the mean over its samples (patches, or the whole image).
struct ImageQuality {
  QString name;
  int samples = 0;
  double noisyPsnr = 0.0;
  double reconstructedPsnr = 0.0;
};

// One step of a dataset run as the window shows it: the core's progress (θ included), the filter
// bank at θ (empty for a model without filters), and, at validation steps and at the end of a
// run, the quality of every validation image.
struct DatasetStep {
  TrainingProgress progress;
  // False for a step sent while the window was behind: it comes without θ and the bank (only the
  // newest is shown anyway; CoreWorker::kMaxPicturesInFlight).
  bool pictured = true;
  FilterBank bank;
  std::vector<ImageQuality> validation;  // empty on steps without validation
};

// The dataset mode's core work on its own thread (DESIGN.md §3), as CoreWorker is the single-image
// mode's: listing and decoding a dataset, and a LearningAlgorithm run whose observer sends every
// step to the window. Pause answers the observer StopSuccessfully: the algorithm is kept, and
// resume() runs it on from where it stopped, with its optimiser memory, warm starts and minibatch
// stream, so the steps are those of an uninterrupted run. Stop aborts within one inner iteration
// and ends the run; the θ of its last completed step is what it learned. Only this object touches
// the core objects, only from its thread; the request* methods set atomic flags from the GUI.
class DatasetWorker : public QObject {
  Q_OBJECT

 public:
  // Thumbnails of the image list: the longer side at most this many pixels.
  static constexpr int kThumbnailSide = 48;

  DatasetWorker();
  ~DatasetWorker() override;

  // GUI thread, before queueing train() or resume(): clears the last run's requests.
  void armRun();
  void requestPause();
  // Any thread: the run pauses itself once step `step` is done (scripts and tests, where a pause
  // pressed from the window could land after a fast run's last step); −1 clears it.
  void requestPauseAfter(int step) { pauseAfter_ = step; }
  void requestStop();
  // GUI thread, when the window closes: stop, and skip the last evaluation.
  void requestQuit();
  CancellationFlag::Progress progress() const { return control_.progress(); }
  // The window has taken a step of stepReady (any thread).
  void stepTaken() { --stepsInFlight_; }
  static constexpr int kMaxStepsInFlight = 2;

 public slots:
  void yieldToInterface();
  // Lists the dataset of configuration's dataset.* keys and decodes every image for its
  // thumbnail; opened() or failed().
  void open(const bilevel::Configuration& configuration);
  // A new run of configuration's train.* on its dataset (the model, solver and method of the
  // configuration too), from the model's initial parameters or train.initial_model's θ.
  void train(const bilevel::Configuration& configuration);
  // Continues the paused run.
  void resume();
  // θ of a learned model on the validation images of configuration's dataset: evaluated().
  void evaluate(const bilevel::Configuration& configuration, const bilevel::Vector& theta);

 signals:
  void opened(const bilevel::studio::DatasetListing& listing);
  void trainingStarted(int trainingSamples, int validationSamples);
  void stepReady(const bilevel::studio::DatasetStep& step);
  // How the run ended (Paused keeps it resumable); `model` is the learned model file's JSON at
  // the θ of the last step (empty when no step was made).
  void trainingStopped(bilevel::studio::RunEnd end, const QString& message, const QString& model);
  void evaluated(const std::vector<bilevel::studio::ImageQuality>& validation,
                 const bilevel::studio::FilterBank& bank);
  void failed(const QString& title, const QString& message, int exitCode);

 private:
  void run();
  // One validation sample's PSNRs, noisy and reconstructed against clean.
  struct SampleQuality {
    std::size_t image = 0;
    double noisyPsnr = 0.0;
    double reconstructedPsnr = 0.0;
  };
  // Every validation image's quality at θ, solved by per-sample previews from where they last
  // were: for a θ the algorithm has not validated (a run that ended between validations, a loaded
  // model). Validation steps do not solve them (the table reads lastValidation()).
  std::vector<ImageQuality> assess(const Vector& theta, const CancellationFlag* cancel);
  // The previews start from the last validation's reconstructions (a few steps' θ away), when
  // there are any and they are the same samples.
  void startPreviewsFromLastValidation();
  // Every validation image's quality as the algorithm's last validation left it.
  std::vector<ImageQuality> lastValidationQuality() const;
  // One row per image in the dataset's order, the means over its samples.
  std::vector<ImageQuality> tabulate(const std::vector<SampleQuality>& samples) const;
  void buildPreviews(const Configuration& configuration);
  QString modelJson(const Vector& theta) const;

  std::optional<Configuration> configuration_;
  std::unique_ptr<Dataset> dataset_;
  std::unique_ptr<LearningAlgorithm> learning_;
  // Validation samples, one preview each, grouped into images for the table.
  struct Assessed {
    std::unique_ptr<ReconstructionPreview> preview;
    std::size_t image = 0;
    Vector clean;
    double noisyPsnr = 0.0;
  };
  std::vector<Assessed> previews_;
  Vector lastTheta_;  // θ of the last completed step
  RunControl control_;
  std::atomic<bool> quitting_{false};
  std::atomic<int> stepsInFlight_{0};
  std::atomic<int> pauseAfter_{-1};
};

}  // namespace bilevel::studio

Q_DECLARE_METATYPE(bilevel::studio::DatasetListing)
Q_DECLARE_METATYPE(bilevel::studio::DatasetStep)
Q_DECLARE_METATYPE(std::vector<bilevel::studio::ImageQuality>)
