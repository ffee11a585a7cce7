#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Cancellation.h"
#include "config/Configuration.h"
#include "hypergradients/HypergradientMethod.h"
#include "image/Image.h"
#include "learning/TrainingPair.h"
#include "losses/SquaredError.h"
#include "outer/OuterOptimizer.h"

namespace bilevel {

// How a learning run ended (LearningSession::run; summary.json's "termination"), and the state of
// the run at one snapshot (Snapshot::status).
enum class LearnTermination {
  Running,         // not ended yet
  Converged,       // the optimiser's test held, or no decrease is left
  IterationLimit,  // the requested outer iterations were made
  Cancelled,       // the cancellation flag was raised, or the observer answered Abort
  Stopped,         // the observer answered StopSuccessfully: the session can be continued
};
// "running", "converged", "iteration-limit", "cancelled", "stopped": the text of summary.json, the
// --json lines and session files.
std::string toString(LearnTermination termination);
// The inverse of toString; nullopt for any other text (the caller names the file and key).
std::optional<LearnTermination> parseLearnTermination(std::string_view text);
// The accepted texts, for error messages: "running", "converged", ... quoted and comma separated.
std::string learnTerminationNames();

// What an observer (the window's plots, the CLI's --json lines) receives after every outer step.
struct Snapshot {
  int iteration = 0;               // 0 is the initial evaluation
  double outerLoss = 0.0;          // U(θ) summed over the training pairs
  double psnr = 0.0;               // mean PSNR of the reconstructions, dB
  double hypergradientNorm = 0.0;  // ‖∇_θU‖
  double stepSeconds = 0.0;
  double elapsedSeconds = 0.0;
  int innerIterations = 0;           // lower-level iterations spent in this step, all pairs
  int evaluations = 0;               // U evaluations in this step (line-search trials included)
  Vector parameters;                 // θ
  Vector hypergradient;              // ∇_θU
  Image reconstruction;              // x(θ) of the first pair
  HypergradientSummary diagnostics;  // of the first pair at the accepted point
  LearnTermination status = LearnTermination::Running;
};

struct LearnSummary {
  LearnTermination termination = LearnTermination::Running;
  std::string message;
  int iterations = 0;
  int evaluations = 0;
  double initialOuterLoss = 0.0, initialPsnr = 0.0;
  double finalOuterLoss = 0.0, finalPsnr = 0.0;
  double seconds = 0.0;
};

// A bilevel learning run (DESIGN.md §3): a plain object with step(), an observer and a cancellation
// flag, with no global state, so the studio runs it in a worker thread and the CLI in the
// foreground. Not thread-safe: one thread drives it; only the cancellation flag crosses threads.
//
// Progress and stopping are one mechanism (Ceres' IterationCallback): the observer receives every
// reported iteration and answers whether to go on. The CLI's observer prints the line and answers
// Abort after Ctrl-C; the studio's sends the snapshot to the window and answers StopSuccessfully
// for Pause or when its batch of steps is done, Abort for Stop. The cancellation flag given to
// step()/run() is what interrupts an iteration in progress (within one inner iteration).
class LearningSession {
 public:
  using Observer = std::function<ObserverDecision(const Snapshot&)>;

  // Builds models, losses, solver, method and optimiser from a validated configuration.
  LearningSession(std::vector<TrainingPair> pairs, const Configuration& configuration);
  ~LearningSession();

  void setObserver(Observer observer) { observer_ = std::move(observer); }
  // Starts from θ instead of model.lambda everywhere (continuing a stopped run, a reopened
  // session, a slider setting). Only before the first step; Error(Usage) when θ has the wrong
  // size, is not finite, or is not positive where the parameter layout requires it.
  void setInitialParameters(const Vector& theta);

  // One outer iteration (the first call also evaluates the initial parameters and reports them as
  // iteration 0). Returns the snapshot it sent to the observer. Throws Error(Numerical) when a
  // lower-level solve diverges. An observer's Abort ends the session as Cancelled; its answer is
  // kept in lastDecision().
  Snapshot step(const CancellationFlag* cancel = nullptr);
  // Steps until converged, until iteration() reaches `iterations` (counted from the start of the
  // session, so a continued session makes the remaining ones), cancellation, or the observer
  // answers Abort or StopSuccessfully. Only StopSuccessfully leaves the session unfinished: a later
  // run() continues it with the optimiser's memory intact.
  LearnSummary run(int iterations, const CancellationFlag* cancel = nullptr);
  // The observer's answer to the last snapshot it received (Continue before any).
  ObserverDecision lastDecision() const { return lastDecision_; }

  bool finished() const { return finished_; }
  int iteration() const { return iteration_; }
  const Vector& parameters() const { return theta_; }
  const std::vector<TrainingPair>& pairs() const { return pairs_; }
  const LowerLevel& model(std::size_t pair = 0) const;
  // The current reconstruction of a pair (x at the accepted parameters).
  const Vector& reconstruction(std::size_t pair = 0) const;
  // Scalar history, one entry per reported iteration (no images), for history.csv and plots.
  const std::vector<Snapshot>& history() const { return history_; }
  const LearnSummary& summary() const { return summary_; }

 private:
  class Objective;
  Snapshot makeSnapshot(double stepSeconds, int innerIterations, int evaluations,
                        LearnTermination status) const;

  std::vector<TrainingPair> pairs_;
  // The flag of the step in progress; the objective polls it inside every solve.
  const CancellationFlag* cancel_ = nullptr;
  std::unique_ptr<Objective> objective_;
  std::unique_ptr<OuterOptimizer> optimizer_;
  Vector phi_, theta_;
  OuterEvaluation current_;
  Observer observer_;
  ObserverDecision lastDecision_ = ObserverDecision::Continue;
  std::vector<Snapshot> history_;
  LearnSummary summary_;
  int iteration_ = 0;
  int stalledSteps_ = 0;  // consecutive steps that did not move θ
  bool started_ = false;
  bool finished_ = false;
  double elapsed_ = 0.0;
};

}  // namespace bilevel
