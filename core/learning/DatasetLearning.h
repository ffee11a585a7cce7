#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/Cancellation.h"
#include "config/Configuration.h"
#include "data/Dataset.h"
#include "hypergradients/HypergradientMethod.h"
#include "learning/LearningSession.h"
#include "losses/SquaredError.h"
#include "models/LowerLevel.h"
#include "solvers/SolverState.h"

namespace bilevel {

// The two ways of learning θ on a dataset (DESIGN.md §3, seed 002), one interface.
enum class LearningAlgorithmKind {
  TwoLoop,  // outer optimiser + hypergradient method on the batch's mean loss, warm starts kept
  Soba,     // single loop: one step on x_i, on the adjoint v_i and on θ per step
  Saba,     // single loop with a SAGA memory of every sample's θ direction (variance reduced)
};
std::string toString(LearningAlgorithmKind kind);  // "two-loop", "soba", "saba"
std::optional<LearningAlgorithmKind> parseLearningAlgorithm(std::string_view text);
// Every algorithm, in the order of DESIGN.md §3: what parsing, errors and the studio list.
const std::vector<LearningAlgorithmKind>& learningAlgorithmKinds();

// The train.* and dataset.batch settings of a configuration (core/registry/Settings.cpp).
struct TrainingOptions {
  LearningAlgorithmKind algorithm = LearningAlgorithmKind::TwoLoop;
  int steps = 50;            // steps of run(), counted from the start of the run; ≥ 0
  int checkpointEvery = 10;  // run() writes a checkpoint every this many steps; 0: none
  int validateEvery = 5;     // validation PSNR every this many steps (and at 0 and the end); ≥ 1
  int threads = 2;           // samples solved at once; ≥ 1
  int batch = 0;             // training samples per step; 0 (or ≥ their count): all of them
  double innerStep = 1.0;    // soba, saba: step on x and v in units of 1/L; (0, 2)
  // soba: the θ step decreases as γ_k = γ_0 (1 + k/τ)^(−3/5) at step k (seed 002's exponent for
  // SOBA's theorem), τ = stepDecay steps; 0 keeps it constant (SingleLoopSoba.h: why x and v keep
  // theirs). saba ignores it: its theorem has constant steps. Finite, ≥ 0.
  double stepDecay = 100.0;
  std::uint64_t seed = 1;  // the minibatch stream (dataset.seed)

  bool isValid(std::string* error) const;
  // Error(Usage) naming the key when train.algorithm is unknown or a value is out of range.
  static TrainingOptions fromConfiguration(const Configuration& configuration);
};

// What an observer receives after every step (step 0 is the initial evaluation).
struct TrainingProgress {
  int step = 0;
  int totalSteps = 0;
  double trainingLoss = 0.0;  // mean ½‖x − clean‖² over the step's batch
  double trainingPsnr = 0.0;  // mean PSNR of the batch's current reconstructions, dB
  // Mean PSNR of the validation samples solved at θ; NaN on steps without validation or when the
  // dataset holds no validation image.
  double validationPsnr = std::numeric_limits<double>::quiet_NaN();
  double hypergradientNorm = 0.0;  // ‖∇_θU‖ of the batch (soba: of its θ direction)
  double stepSeconds = 0.0;
  double elapsedSeconds = 0.0;  // since the start of the run, across resumes
  double etaSeconds = 0.0;      // the remaining steps at the mean step time of this session
  // Of elapsedSeconds, the time spent solving validation samples (not learning: benchmarks of
  // learning speed subtract it, as benchmark_bilevel does).
  double validationSeconds = 0.0;
  int innerIterations = 0;    // lower-level iterations in this step, all samples
  int adjointIterations = 0;  // adjoint iterations (CG steps) in this step, all samples
  Vector parameters;          // θ after the step (empty in history())
  double parameterMin = 0.0, parameterMax = 0.0;
  LearnTermination status = LearnTermination::Running;
};

struct TrainingSummary {
  LearnTermination termination = LearnTermination::Running;
  std::string message;
  int steps = 0;
  double initialLoss = 0.0, finalLoss = 0.0;
  double initialValidationPsnr = std::numeric_limits<double>::quiet_NaN();
  double finalValidationPsnr = std::numeric_limits<double>::quiet_NaN();
  double seconds = 0.0;
};

// A learning algorithm on a dataset (DESIGN.md §3): a plain object with step(), an observer and a
// cancellation flag, like LearningSession, that the CLI runs in the foreground and the studio in
// a worker thread. Not thread-safe: one thread drives it (it runs samples on its own threads).
//
// Every training sample keeps its lower-level solution x, its adjoint and its solver state across
// steps (warm starts); each validation sample keeps its own x. The minibatches come from a seeded
// generator whose state is part of the checkpoint, so a resumed run continues exactly: with the
// same θ, optimiser memory, warm starts and generator state, every step computes the same numbers
// (the samples of a batch are solved in parallel but summed in batch order).
class LearningAlgorithm {
 public:
  using Observer = std::function<ObserverDecision(const TrainingProgress&)>;

  virtual ~LearningAlgorithm();
  virtual LearningAlgorithmKind kind() const = 0;
  std::string name() const { return toString(kind()); }

  void setObserver(Observer observer) { observer_ = std::move(observer); }
  // One step (the first call evaluates the initial θ and reports it as step 0). Throws
  // Error(Numerical) when a lower-level solve diverges. An observer's Abort ends the run as
  // Cancelled, StopSuccessfully as Stopped (a later run() continues it).
  TrainingProgress step(const CancellationFlag* cancel = nullptr);
  // Steps until stepCount() reaches options().steps, convergence, cancellation or the observer's
  // stop. With `checkpoint` non-empty, writes it every options().checkpointEvery steps and when
  // the run ends other than cancelled.
  TrainingSummary run(const CancellationFlag* cancel = nullptr,
                      const std::filesystem::path& checkpoint = {});
  bool finished() const { return finished_; }

  int stepCount() const { return step_; }
  const Vector& parameters() const { return theta_; }
  const LowerLevel& model() const { return *training_.front().model; }
  const TrainingOptions& options() const { return options_; }
  void setSteps(int steps) { options_.steps = steps; }
  const std::vector<TrainingProgress>& history() const { return history_; }
  const TrainingSummary& summary() const { return summary_; }
  std::size_t trainingSampleCount() const { return training_.size(); }
  std::size_t validationSampleCount() const { return validation_.size(); }
  // Mean PSNR of the validation samples solved at the current θ (warm from their last solution);
  // NaN without validation samples.
  double validate(const CancellationFlag* cancel = nullptr);
  // One validation sample as the last complete validate() left it.
  struct ValidatedSample {
    const DatasetSample* sample = nullptr;   // its name, image, clean and noisy pixels
    const Vector* reconstruction = nullptr;  // x solved at the θ of that validation
    double psnr = 0.0;                       // PSNR(x, clean) in dB
  };
  // The validation samples of the last complete validate(), in the dataset's order (the mean of
  // their psnr is the validationPsnr it returned), so that a per-image table needs no second solve.
  // Empty before the first validation, after a cancelled or failed one, and after restore(). The
  // pointers live as long as this object and see the next validate()'s solutions.
  std::vector<ValidatedSample> lastValidation() const;

  // The whole state a resumed run needs, as bytes (a small binary container: a JSON header with
  // θ, the optimiser's memory, the generator state, the step count and the history, then the warm
  // starts as raw doubles of this machine's byte order, then an FNV-1a checksum of all that).
  // writeCheckpoint writes it atomically (AtomicFile.h).
  std::string checkpoint() const;
  void writeCheckpoint(const std::filesystem::path& path) const;
  // Restores a checkpoint of a run of the same configuration (train.steps, train.threads,
  // train.checkpoint_every and train.validate_every may differ). Only before the first step.
  // Error(Usage) naming the first setting that differs, Error(UnreadableInput) naming `source`
  // for damaged bytes.
  void restore(std::string_view bytes, const std::string& source = "checkpoint");
  void restoreCheckpoint(const std::filesystem::path& path);

 protected:
  LearningAlgorithm(const Dataset& dataset, const Configuration& configuration,
                    TrainingOptions options);

  struct Sample {
    DatasetSample data;
    std::unique_ptr<LowerLevel> model;
    std::unique_ptr<SquaredError> loss;
    Vector x;           // the accepted lower-level point (the warm start)
    SolverState state;  // its dual (primal–dual solvers) and adjoint
  };
  // What a step measured on its batch.
  struct StepReport {
    double loss = 0.0;  // mean over the batch
    double psnr = 0.0;
    double hypergradientNorm = 0.0;
    int innerIterations = 0, adjointIterations = 0;
    bool moved = true;
    bool converged = false;
    bool cancelled = false;
    std::string message;
  };

  // The first evaluation (step 0) and each later step on `batch` (indices into training_), moving
  // theta_/phi_. Returns the batch's measures.
  virtual StepReport initialize(const std::vector<std::size_t>& batch,
                                const CancellationFlag* cancel) = 0;
  virtual StepReport advance(const std::vector<std::size_t>& batch,
                             const CancellationFlag* cancel) = 0;
  // The algorithm's own memory (the optimiser's), for checkpoints.
  virtual nlohmann::json algorithmState() const = 0;
  virtual void restoreAlgorithmState(const nlohmann::json& state) = 0;

  // Runs body(i, slot) for every index in `indices` on up to options_.threads threads (slot in
  // [0, threads): the per-thread solver and method); rethrows the first exception. `light` work
  // (a single gradient step per sample) runs on one thread unless the samples hold at least
  // kParallelPixels pixels in all: below that a thread team's start and barrier cost more than
  // the work (on a busy machine a descheduled partner stalls the barrier for milliseconds).
  void forEach(const std::vector<std::size_t>& indices,
               const std::function<void(std::size_t index, int slot)>& body,
               bool light = false) const;
  static constexpr Eigen::Index kParallelPixels = 2 * 128 * 128;
  std::vector<std::size_t> allTrainingSamples() const;
  bool fullBatch() const;
  std::vector<std::size_t> drawBatch();
  // Throws Error(Numerical) for a diverged evaluation, naming the sample.
  void requireUsable(const HypergradientSummary& summary, const Sample& sample) const;

  const Configuration configuration_;
  TrainingOptions options_;
  std::vector<Sample> training_, validation_;
  std::vector<std::unique_ptr<InnerSolver>> solvers_;  // one per thread slot
  std::vector<std::unique_ptr<HypergradientMethod>> methods_;
  SolveOptions solveOptions_;
  Vector theta_, phi_;
  std::vector<std::size_t> batch_;  // the batch of the last evaluation
  std::mt19937_64 batchGenerator_;

 private:
  TrainingProgress makeProgress(const StepReport& report, double stepSeconds, bool validated,
                                double validationPsnr, LearnTermination status) const;
  std::string fingerprint() const;

  Observer observer_;
  std::vector<TrainingProgress> history_;
  TrainingSummary summary_;
  int step_ = 0;
  int stalled_ = 0;
  bool started_ = false;
  bool finished_ = false;
  double elapsed_ = 0.0;
  double validationSeconds_ = 0.0;
  // PSNR of each validation sample at the last complete validate(); empty when there is none.
  std::vector<double> validationPsnrs_;
  double sessionSeconds_ = 0.0;  // step time of this process, for the ETA
  int sessionSteps_ = 0;
};

// The algorithm train.algorithm names, on the dataset's samples.
std::unique_ptr<LearningAlgorithm> makeLearningAlgorithm(const Dataset& dataset,
                                                         const Configuration& configuration);

}  // namespace bilevel
