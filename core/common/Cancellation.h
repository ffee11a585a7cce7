#pragma once

#include <atomic>

namespace bilevel {

// A flag that a user interface (Stop button, Ctrl-C) raises from another thread and that every
// inner loop polls once per iteration. Polling is a relaxed load, so it costs nothing measurable.
// Raising and clearing are sequentially consistent, so that a reset in one thread and a cancel in
// another are ordered with the other sequentially consistent operations around them (the studio
// clears a preview's flag, then checks that no newer request has raised it meanwhile).
//
// The loops that poll the flag also report their progress to it (reportProgress): the flag is the
// one object every loop of a run already receives, and progress and stopping are one mechanism
// (Ceres' IterationCallback). A user interface reads progress() from its own thread while a long
// solve runs, instead of waiting for the step's snapshot.
class CancellationFlag {
 public:
  // What the innermost running loop reported last.
  struct Progress {
    // A string literal naming the loop ("inner solve", "adjoint CG"), null before any report.
    const char* loop = nullptr;
    int iteration = 0;       // iterations made by that loop so far
    double measure = 0.0;    // what its stopping test compares with the tolerance
    double tolerance = 0.0;  // the loop stops when measure ≤ tolerance
    // A loop of known length without a stopping test (a fixed iteration count, unrolled's
    // reverse pass): its number of iterations; measure and tolerance are then 0.
    int total = 0;
  };

  void cancel() { cancelled_.store(true, std::memory_order_seq_cst); }
  void reset() { cancelled_.store(false, std::memory_order_seq_cst); }
  bool isCancelled() const { return cancelled_.load(std::memory_order_relaxed); }

  // Called by a loop once per iteration (relaxed stores: a few nanoseconds). Const because loops
  // hold the flag as const (they may poll it, never raise it); the progress is a sink beside it.
  void reportProgress(const char* loop, int iteration, double measure, double tolerance,
                      int total = 0) const {
    loop_.store(loop, std::memory_order_relaxed);
    iteration_.store(iteration, std::memory_order_relaxed);
    measure_.store(measure, std::memory_order_relaxed);
    tolerance_.store(tolerance, std::memory_order_relaxed);
    total_.store(total, std::memory_order_relaxed);
  }
  // Any thread. The fields are read one by one, so near a change of loop they may mix two
  // reports; a display refreshed a few times a second does not mind.
  Progress progress() const {
    return {loop_.load(std::memory_order_relaxed), iteration_.load(std::memory_order_relaxed),
            measure_.load(std::memory_order_relaxed), tolerance_.load(std::memory_order_relaxed),
            total_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<bool> cancelled_{false};
  mutable std::atomic<const char*> loop_{nullptr};
  mutable std::atomic<int> iteration_{0};
  mutable std::atomic<double> measure_{0.0};
  mutable std::atomic<double> tolerance_{0.0};
  mutable std::atomic<int> total_{0};
};

// What the observer of an iterative run answers after each iteration (Ceres' IterationCallback):
// go on, stop now as cancelled by the user (the run reports Cancelled; the CLI exits 130), or stop
// now as finished (the run reports Stopped; a learning session can be continued later). Progress
// and cancellation are this one answer: the observer that draws the plots or prints the line is
// the one that says whether to go on.
enum class ObserverDecision { Continue, Abort, StopSuccessfully };

// The controls a user interface holds over a run from another thread (the studio's Stop and
// Pause, the CLI's Ctrl-C), read by the run's observer through decision(). Abort also raises the
// flag the inner loops poll, so it interrupts within one inner iteration; a stop request lets the
// current iteration finish (Pause). Everything is an atomic store, so abort() may be called from
// a signal handler.
class RunControl : public CancellationFlag {
 public:
  void abort() { cancel(); }
  void requestStop() { stop_.store(true, std::memory_order_seq_cst); }
  // Clears both requests (before a new run).
  void reset() {
    CancellationFlag::reset();
    stop_.store(false, std::memory_order_seq_cst);
  }
  bool stopRequested() const { return stop_.load(std::memory_order_relaxed); }
  // Abort when aborted, StopSuccessfully when a stop was requested, else Continue.
  ObserverDecision decision() const {
    if (isCancelled()) return ObserverDecision::Abort;
    return stopRequested() ? ObserverDecision::StopSuccessfully : ObserverDecision::Continue;
  }

 private:
  std::atomic<bool> stop_{false};
};

// Loops accept a nullable pointer so that callers without a Stop button pass nothing.
inline bool isCancelled(const CancellationFlag* flag) {
  return flag && flag->isCancelled();
}
inline void reportProgress(const CancellationFlag* flag, const char* loop, int iteration,
                           double measure, double tolerance) {
  if (flag) flag->reportProgress(loop, iteration, measure, tolerance);
}
// A loop of known length: `iteration` of `total`.
inline void reportSteps(const CancellationFlag* flag, const char* loop, int iteration, int total) {
  if (flag) flag->reportProgress(loop, iteration, 0.0, 0.0, total);
}

}  // namespace bilevel
