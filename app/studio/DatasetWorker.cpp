#include "DatasetWorker.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "QueuedCall.h"
#include "common/Error.h"
#include "data/Dataset.h"
#include "image/Quality.h"
#include "learning/LearnedModel.h"
#include "learning/ReconstructionPreview.h"

namespace bilevel::studio {

namespace {

int exitCodeOf(const std::exception& e) {
  const auto* error = dynamic_cast<const Error*>(&e);
  return error ? error->exitCode() : 1;
}

// A box-averaged copy whose longer side is at most `side` pixels (each output pixel the mean of
// the input block it covers).
Image thumbnailOf(const Image& image, int side) {
  const int longer = std::max(image.rows, image.cols);
  if (longer <= side) return image;
  const double scale = double(longer) / side;
  const int rows = std::max(1, int(std::lround(image.rows / scale)));
  const int cols = std::max(1, int(std::lround(image.cols / scale)));
  Image out(rows, cols);
  for (int r = 0; r < rows; ++r) {
    const int r0 = r * image.rows / rows, r1 = std::max(r0 + 1, (r + 1) * image.rows / rows);
    for (int c = 0; c < cols; ++c) {
      const int c0 = c * image.cols / cols, c1 = std::max(c0 + 1, (c + 1) * image.cols / cols);
      double sum = 0.0;
      for (int i = r0; i < r1; ++i) {
        for (int j = c0; j < c1; ++j)
          sum += image.at(i, j);
      }
      out.at(r, c) = sum / double((r1 - r0) * (c1 - c0));
    }
  }
  out.range = image.range;
  out.sourceBitDepth = image.sourceBitDepth;
  return out;
}

nlohmann::json numberOrNull(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

DatasetWorker::DatasetWorker() {
  qRegisterMetaType<bilevel::studio::DatasetListing>();
  qRegisterMetaType<bilevel::studio::DatasetStep>();
  qRegisterMetaType<std::vector<bilevel::studio::ImageQuality>>();
  annotateQueuedCalls();
}

DatasetWorker::~DatasetWorker() = default;

void DatasetWorker::armRun() {
  control_.reset();
  const QueuedCallScope publish;
}

void DatasetWorker::requestPause() {
  control_.requestStop();
  const QueuedCallScope publish;
}

void DatasetWorker::requestStop() {
  control_.abort();
  const QueuedCallScope publish;
}

void DatasetWorker::requestQuit() {
  quitting_ = true;
  requestStop();
}

void DatasetWorker::yieldToInterface() {
  // As CoreWorker's: the window's thread wins the CPU whenever it has an event to serve.
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  setpriority(PRIO_PROCESS, tid, getpriority(PRIO_PROCESS, tid) + 10);
}

void DatasetWorker::open(const Configuration& configuration) {
  try {
    const Dataset dataset(DatasetOptions::fromConfiguration(configuration));
    DatasetListing listing;
    listing.folder =
        QString::fromStdString(configuration.json()["dataset"]["folder"].get<std::string>());
    listing.description = QString::fromStdString(dataset.describe());
    const std::vector<std::size_t>& held = dataset.images(DatasetSplit::Validation);
    for (std::size_t i = 0; i < dataset.imageCount(); ++i) {
      const Image& clean = dataset.cleanImage(i);  // names the file it cannot read
      DatasetImage image;
      image.name = QString::fromStdString(dataset.imageName(i));
      image.rows = clean.rows;
      image.cols = clean.cols;
      image.thumbnail = thumbnailOf(clean, kThumbnailSide);
      image.validation = std::find(held.begin(), held.end(), i) != held.end();
      listing.images.push_back(std::move(image));
    }
    handOver([&] { emit opened(listing); });
  } catch (const std::exception& e) {
    handOver([&] {
      emit failed(QStringLiteral("Cannot open the dataset"), QString::fromStdString(e.what()),
                  exitCodeOf(e));
    });
  }
}

void DatasetWorker::buildPreviews(const Configuration& configuration) {
  previews_.clear();
  for (DatasetSample& sample : dataset_->samples(DatasetSplit::Validation)) {
    Assessed assessed;
    assessed.image = sample.image;
    assessed.noisyPsnr = psnr(sample.noisy.pixels, sample.clean.pixels);
    const TrainingPair pair{sample.name, {}, {}, sample.clean, sample.noisy};
    assessed.preview = std::make_unique<ReconstructionPreview>(pair, configuration);
    assessed.clean = std::move(sample.clean.pixels);
    previews_.push_back(std::move(assessed));
  }
}

std::vector<ImageQuality> DatasetWorker::assess(const Vector& theta,
                                                const CancellationFlag* cancel) {
  std::vector<SampleQuality> samples;
  for (Assessed& assessed : previews_) {
    const SolveSummary summary = assessed.preview->solve(theta, cancel);
    if (summary.termination == Termination::Cancelled) return {};
    if (summary.termination == Termination::Diverged) {
      throw numericalError("the solve of a validation sample of image '" +
                           dataset_->imageName(assessed.image) + "' diverged (" + summary.message +
                           ")");
    }
    samples.push_back({assessed.image, assessed.noisyPsnr,
                       psnr(assessed.preview->reconstruction().pixels, assessed.clean)});
  }
  return tabulate(samples);
}

void DatasetWorker::startPreviewsFromLastValidation() {
  const std::vector<LearningAlgorithm::ValidatedSample> validated = learning_->lastValidation();
  // Both list the validation samples in the dataset's order; anything else is not the same set.
  if (validated.size() != previews_.size()) return;
  for (std::size_t i = 0; i < validated.size(); ++i) {
    if (validated[i].sample->image != previews_[i].image ||
        validated[i].reconstruction->size() != previews_[i].clean.size())
      return;
  }
  for (std::size_t i = 0; i < validated.size(); ++i)
    previews_[i].preview->startFrom(*validated[i].reconstruction);
}

std::vector<ImageQuality> DatasetWorker::lastValidationQuality() const {
  std::vector<SampleQuality> samples;
  for (const LearningAlgorithm::ValidatedSample& s : learning_->lastValidation()) {
    samples.push_back(
        {s.sample->image, psnr(s.sample->noisy.pixels, s.sample->clean.pixels), s.psnr});
  }
  return tabulate(samples);
}

std::vector<ImageQuality> DatasetWorker::tabulate(const std::vector<SampleQuality>& samples) const {
  // Image index → (samples, Σ noisy PSNR, Σ reconstructed PSNR), in the dataset's order.
  std::map<std::size_t, ImageQuality> byImage;
  for (const SampleQuality& sample : samples) {
    ImageQuality& row = byImage[sample.image];
    row.name = QString::fromStdString(dataset_->imageName(sample.image));
    ++row.samples;
    row.noisyPsnr += sample.noisyPsnr;
    row.reconstructedPsnr += sample.reconstructedPsnr;
  }
  std::vector<ImageQuality> rows;
  for (auto& [image, row] : byImage) {
    row.noisyPsnr /= row.samples;
    row.reconstructedPsnr /= row.samples;
    rows.push_back(row);
  }
  return rows;
}

QString DatasetWorker::modelJson(const Vector& theta) const {
  const TrainingSummary& s = learning_->summary();
  const nlohmann::json& c = configuration_->json();
  const nlohmann::json training = {{"dataset", dataset_->describe()},
                                   {"folder", c["dataset"]["folder"]},
                                   {"patch_size", c["dataset"]["patch_size"]},
                                   {"patches", c["dataset"]["patches"]},
                                   {"batch", c["dataset"]["batch"]},
                                   {"sigma", c["noise"]["sigma"]},
                                   {"noise_seed", c["noise"]["seed"]},
                                   {"steps", learning_->stepCount()},
                                   {"algorithm", learning_->name()},
                                   {"method", configuration_->method()},
                                   {"optimizer", c["outer"]["optimizer"]},
                                   {"seconds", s.seconds},
                                   {"validation_psnr", numberOrNull(s.finalValidationPsnr)},
                                   {"termination", toString(s.termination)},
                                   {"source", "bilevel-studio"}};
  return QString::fromStdString(
      learnedModelJson(*configuration_, learning_->model(), theta, training).dump(1) + "\n");
}

void DatasetWorker::train(const Configuration& configuration) {
  learning_.reset();
  lastTheta_ = Vector();
  try {
    configuration_ = configuration;
    dataset_ = std::make_unique<Dataset>(DatasetOptions::fromConfiguration(configuration));
    learning_ = makeLearningAlgorithm(*dataset_, configuration);
    buildPreviews(configuration);
  } catch (const std::exception& e) {
    learning_.reset();
    handOver([&] {
      emit failed(QStringLiteral("Cannot train on the dataset"), QString::fromStdString(e.what()),
                  exitCodeOf(e));
    });
    handOver(
        [&] { emit trainingStopped(RunEnd::Failed, QString::fromStdString(e.what()), QString()); });
    return;
  }
  handOver([&] {
    emit trainingStarted(int(learning_->trainingSampleCount()),
                         int(learning_->validationSampleCount()));
  });
  run();
}

void DatasetWorker::resume() {
  if (!learning_ || learning_->finished()) {
    handOver([&] {
      emit trainingStopped(RunEnd::Failed, QStringLiteral("there is no paused run"), QString());
    });
    return;
  }
  run();
}

void DatasetWorker::run() {
  try {
    learning_->setObserver([this](const TrainingProgress& p) {
      lastTheta_ = p.parameters;
      if (const int after = pauseAfter_.load(); after >= 0 && p.step >= after) {
        pauseAfter_ = -1;
        control_.requestStop();
      }
      DatasetStep step;
      step.progress = p;
      const bool validated = std::isfinite(p.validationPsnr);
      const bool last = learning_->finished() || p.step >= p.totalSteps ||
                        control_.stopRequested() || control_.isCancelled();
      step.pictured = validated || last || stepsInFlight_.load() < kMaxStepsInFlight;
      if (step.pictured) {
        // Whatever the model, it says what it can show: filters, or none.
        step.bank.filters = learning_->model().learnedFilters(p.parameters);
        step.bank.penalty = learning_->model().responsePenalty();
      } else {
        step.progress.parameters = Vector();
      }
      // The samples the algorithm has just solved at θ for p.validationPsnr: not solved again.
      if (validated) step.validation = lastValidationQuality();
      ++stepsInFlight_;
      handOver([&] { emit stepReady(step); });
      return control_.decision();
    });
    // A Pause or Stop pressed between queueing and here comes before any step.
    const bool early = control_.stopRequested() || control_.isCancelled();
    const TrainingSummary summary = early ? learning_->summary() : learning_->run(&control_);
    learning_->setObserver({});
    const LearnTermination termination = !early                   ? summary.termination
                                         : control_.isCancelled() ? LearnTermination::Cancelled
                                                                  : LearnTermination::Stopped;
    const RunEnd end = runEnd(termination, control_.stopRequested());
    // A run that ended between validations still shows the table of the θ it reached.
    const bool validatedLast =
        !learning_->history().empty() && std::isfinite(learning_->history().back().validationPsnr);
    if (lastTheta_.size() > 0 && !validatedLast && !quitting_) {
      // From the last validation's solutions, a few steps' θ away: a cold solve from the noisy
      // images would keep Pause and Stop waiting for the whole solve of every validation sample.
      startPreviewsFromLastValidation();
      const std::vector<ImageQuality> rows = assess(lastTheta_, nullptr);
      FilterBank bank{learning_->model().learnedFilters(lastTheta_),
                      learning_->model().responsePenalty()};
      handOver([&] { emit evaluated(rows, bank); });
    }
    const QString model = lastTheta_.size() > 0 ? modelJson(lastTheta_) : QString();
    if (end != RunEnd::Paused) learning_.reset();
    const QString message = end == RunEnd::Converged || end == RunEnd::Failed
                                ? QString::fromStdString(summary.message)
                                : QString();
    handOver([&] { emit trainingStopped(end, message, model); });
  } catch (const std::exception& e) {
    // The last completed step's θ, unless writing it is what failed: nothing may escape the
    // worker's slot.
    QString model;
    try {
      if (lastTheta_.size() > 0 && learning_) model = modelJson(lastTheta_);
    } catch (const std::exception&) {
      model.clear();
    }
    learning_.reset();
    handOver([&] {
      emit failed(QStringLiteral("Training stopped"), QString::fromStdString(e.what()),
                  exitCodeOf(e));
    });
    handOver(
        [&] { emit trainingStopped(RunEnd::Failed, QString::fromStdString(e.what()), model); });
  }
}

void DatasetWorker::evaluate(const Configuration& configuration, const Vector& theta) {
  learning_.reset();  // a loaded model replaces the paused run
  try {
    configuration_ = configuration;
    dataset_ = std::make_unique<Dataset>(DatasetOptions::fromConfiguration(configuration));
    buildPreviews(configuration);
    FilterBank bank;
    std::vector<ImageQuality> rows;
    if (!previews_.empty()) {
      const LowerLevel& model = previews_.front().preview->model();
      if (theta.size() != model.parameterCount()) {
        throw usageError("the learned model has " + std::to_string(theta.size()) +
                         " parameters, the model of these settings " +
                         std::to_string(model.parameterCount()));
      }
      bank = {model.learnedFilters(theta), model.responsePenalty()};
      rows = assess(theta, &control_);
    }
    handOver([&] { emit evaluated(rows, bank); });
  } catch (const std::exception& e) {
    handOver([&] {
      emit failed(QStringLiteral("Cannot evaluate the learned model"),
                  QString::fromStdString(e.what()), exitCodeOf(e));
    });
  }
}

}  // namespace bilevel::studio
