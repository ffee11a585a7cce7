#pragma once

#include <QObject>
#include <QThread>
#include <optional>

#include "CoreTypes.h"

namespace bilevel::studio {

class CoreWorker;
class StudioDocument;

// Runs learning against the document: owns the CoreWorker and its thread, starts a run from the
// document's θ (or λ), and records each step the worker sends in the document's history, as a
// continuation of the last row or, after an edit, as the first row of a new segment; the end of
// a run is one undoable step of the document. The window shows what it records.
class LearningController : public QObject {
  Q_OBJECT

 public:
  explicit LearningController(StudioDocument* document, QObject* parent = nullptr);
  // Stops what runs and waits for the worker thread to end.
  ~LearningController() override;

  CoreWorker* worker() const { return worker_; }
  // `steps` outer iterations (0: the configuration's outer.iterations) from the document's θ,
  // or from `lambda` when it has none. Returns the number of steps asked for.
  int learn(int steps, double lambda);
  // A solve x*(θ) of the document's θ, or of `lambda` when it has none; it supersedes the
  // previews still queued (the worker answers with previewReady).
  void preview(double lambda);
  void pause();
  void stop();
  // The iteration the current run started from.
  int batchStart() const { return batchStart_; }
  // A step from the worker into the document; returns the iteration now last in the history.
  int record(const Snapshot& snapshot);
  // The run has stopped: one undo step of the document (when it learned anything).
  void finish();
  // The row the current (or last) run started from: the row it continued, or its first row;
  // nullopt before it recorded any.
  std::optional<Snapshot> runStartRow() const;

 signals:
  // A new segment of the history begins at `iteration` (an edit was made since the last run).
  void segmentStarted(int iteration);

 private:
  StudioDocument* document_;
  QThread thread_;
  CoreWorker* worker_ = nullptr;
  int iterationOffset_ = 0;
  double elapsedOffset_ = 0.0;
  int batchStart_ = 0;
  std::size_t runFirstRow_ = 0;  // index in the document's history
};

}  // namespace bilevel::studio
