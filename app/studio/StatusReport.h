#pragma once

#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <functional>
#include <optional>
#include <vector>

#include "CoreTypes.h"
#include "common/Cancellation.h"

class QLabel;
class QProgressBar;
class QStatusBar;

namespace bilevel::studio {

// The window's status bar (issue 10 §5): on the left what the window does or has just done, on
// the right the figures of the last learning step (greyed as stale once the settings or θ
// change), the pixel under the cursor, notices about how the images were read, and a progress
// bar while a run works.
//
// While a learning step runs it shows what the step is doing, polled a few times a second from
// the worker's run control (CancellationFlag::progress): the inner solve's or the adjoint CG's
// iteration and residual against its tolerance, and an estimate of the time left from the run's
// own step times and, inside a long solve, from how fast its residual falls. At the end of a run
// it shows one plain summary line and the reason the run ended, in words.
class StatusReport : public QObject {
  Q_OBJECT

 public:
  using ProgressProbe = std::function<CancellationFlag::Progress()>;
  // What a run's summary is made of: its first and last rows and how it ended.
  struct RunOutcome {
    RunEnd end = RunEnd::Steps;
    QString message;  // the core's detail (the stopping test that held, the error)
    std::optional<Snapshot> first, last;
  };

  // Adds its widgets to `bar`; `probe` reads the running loop's progress (any thread).
  StatusReport(QStatusBar* bar, ProgressProbe probe, QObject* parent = nullptr);

  // The left side: what the window does or has just done.
  void say(const QString& text);
  QString text() const;
  // A message over the left side for `milliseconds` (autosave failures, recovery).
  void flash(const QString& message, int milliseconds);
  void showPixel(const QString& text);
  // How the open images were read: short notes ("colour converted to grey") shown, the whole
  // sentences in the tooltip; empty clears.
  void setNotices(const QStringList& notes, const QStringList& details);
  // Images were opened: their name, size and noisy PSNR, and the notices about how they were read
  // (colour made grey, a data range other than the type's).
  void showOpened(const TrainingPair& pair, int pairCount);
  // A preview solve x*(θ) took `iterations` and `seconds`; its reconstruction's PSNR.
  void showPreview(int iterations, double seconds, double psnr);
  // The window restored an autosave from `savedAt` with `steps` learning steps.
  void announceRecovery(const QDateTime& savedAt, int steps);

  // Reading images: a busy bar.
  void beginLoading();
  // Nothing runs: the bar hides.
  void idle();

  // A learning run of `steps` outer steps begins.
  void beginRun(int steps, const QString& method);
  // A step has been recorded; `stepsDone` of the run's steps are made.
  void stepShown(const Snapshot& row, int stepsDone);
  // The run has ended: the summary line and the reason replace the progress.
  void endRun(const RunOutcome& outcome);
  // The model's parameter blocks: the summary reports the first one (λ of Huber-TV, ν of a filter
  // bank) by its symbol, its median when it has several entries.
  void setParameterLayout(const ParameterLayout& layout) { layout_ = layout; }
  // "λ 0.0200 → 0.1216, PSNR 23.2 → 35.2 dB in 8 steps, 2.6 s" for the last run ("" before any).
  QString summary() const { return summary_; }
  // The ending in words, from the enum (e.g. "converged: ..."); `message` only for Failed, the
  // other endings give the core's detail in the tooltip.
  static QString describe(RunEnd end, const QString& message);

  // The diagnostics: `parts` things to compute (methods, sequences, maps).
  void beginDiagnostics(int parts);
  void advanceDiagnostics(const QString& done);
  void completeDiagnostics();

  // The right side's figures belong to settings, images or θ that are no longer the current ones:
  // greyed and marked stale.
  void markFiguresStale();
  // No figures (new images).
  void clearFigures();
  QString figures() const;
  bool figuresStale() const { return figuresStale_; }

  // What the running step does ("" when no learning step runs); poll() refreshes it, as the
  // timer does every kPollMs while a run works.
  QString progressText() const { return progressText_; }
  void poll();
  // The estimate behind progressText, in seconds (nullopt when there is none yet).
  std::optional<double> secondsLeft() const { return secondsLeft_; }

  static constexpr int kPollMs = 250;

 private:
  void showFigures();
  // Seconds left in the current step from the running loop, or nullopt.
  std::optional<double> loopSecondsLeft(const CancellationFlag::Progress& progress);

  ProgressProbe probe_;
  QStatusBar* bar_;
  QLabel* statusText_;
  QLabel* figuresText_;
  QLabel* pixelText_;
  QLabel* noticeText_;
  QProgressBar* progress_;
  QTimer pollTimer_;

  // The learning run in progress.
  bool learning_ = false;
  int runSteps_ = 0;
  int stepsDone_ = 0;
  QString method_;
  QElapsedTimer runClock_, stepClock_;
  std::vector<double> stepSeconds_;  // the core's time of each step of this run
  // The loop seen at the previous polls: where it was first seen, to measure its rate.
  struct LoopSample {
    const char* loop = nullptr;
    int iteration = 0;
    double logMeasure = 0.0;
    double seconds = 0.0;  // on stepClock_
  };
  std::optional<LoopSample> loopStart_;
  int lastIteration_ = 0;
  QString progressText_;
  std::optional<double> secondsLeft_;
  QString summary_;

  std::optional<Snapshot> figuresRow_;
  bool figuresStale_ = false;
  std::optional<ParameterLayout> layout_;
};

}  // namespace bilevel::studio
