#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <atomic>
#include <memory>
#include <optional>

#include "CoreTypes.h"
#include "common/Cancellation.h"

namespace bilevel {
class LearningSession;
class ReconstructionPreview;
}  // namespace bilevel

namespace bilevel::studio {

// What the studio asks of the core, run on one worker thread (DESIGN.md §3): loading images,
// live previews for slider settings, learning steps and the Jacobian diagnostics. It is the only
// object that touches core objects, and it touches them only from its own thread, so the core is
// never used from two threads at once. The window calls its slots through queued connections and
// receives results as queued signals; the request* methods are the exceptions: they only set
// atomic flags and may be called from the GUI thread while a slot runs.
class CoreWorker : public QObject {
  Q_OBJECT

 public:
  // With a small image a learning step takes a millisecond or two, less than the window needs to
  // show one, and queued snapshots with their pictures (32 KiB at 64², 512 KiB at 256²) piled up
  // in the window's event queue: measured, up to 74 of them in a 3,000-step soak at 64² (issue 8
  // §3). Only the newest picture is shown anyway, so beyond this many snapshots waiting for the
  // window the steps are sent without pictures (snapshotReady).
  static constexpr int kMaxPicturesInFlight = 2;

  CoreWorker();
  ~CoreWorker() override;

  // GUI thread, before queueing learn() or runDiagnostics(): clears the stop and pause requests of
  // the last run. The slots themselves never clear them, so a Stop pressed between queueing and
  // the slot starting is not lost.
  void armRun();
  // GUI thread: stop the running learning step or diagnostics within one inner iteration.
  void requestStop();
  // GUI thread: finish the current learning step, then stop stepping (the session is kept, so
  // Learn continues it with the optimiser's memory intact).
  void requestPause();
  // GUI thread: supersede every older preview request and interrupt a preview solve in progress.
  // Returns the id to pass to preview().
  quint64 supersedePreviews();
  // Any thread: what the innermost loop of the running step or diagnostic reported last (the
  // inner solve's or the adjoint CG's iteration and residual against its tolerance).
  CancellationFlag::Progress progress() const { return control_.progress(); }

 public slots:
  // Lowers the calling thread's scheduling weight (Linux nice +10), so that when the solve and its
  // OpenMP team occupy every core, the GUI thread still wins the CPU the moment it has an event
  // to serve. Threads the worker starts (its OpenMP team) inherit the setting.
  void yieldToInterface();
  // Reads the configuration's images (first pair shown), resets session and preview.
  void load(const bilevel::Configuration& configuration);
  // Changes settings that keep the images (model, method, solver, optimiser); resets the session.
  void reconfigure(const bilevel::Configuration& configuration);
  // Solves the lower level for θ, warm-started; dropped when a newer request superseded it.
  void preview(const bilevel::Vector& theta, quint64 requestId);
  // The same for a uniform weight λ (every entry of θ; a slider setting).
  void previewLambda(double lambda, quint64 requestId);
  // Runs up to `steps` outer iterations (≤ 0: the configured count, or until convergence),
  // continuing a paused session or starting one from `theta` (empty: λ in every entry).
  void learn(int steps, const bilevel::Vector& theta, double lambda);
  // The window has taken a snapshot of snapshotReady (any thread).
  void snapshotTaken() { --snapshotsInFlight_; }
  // Forgets a paused session (its θ no longer matches what the window shows).
  void discardSession();
  // Every hypergradient method against finite differences at θ, the derivative sequences and the
  // sensitivity and adjoint maps (DESIGN.md §2, Diagnostics).
  void runDiagnostics(const bilevel::Vector& theta, double lambda);  // empty θ: λ everywhere

 signals:
  void loaded(const bilevel::Configuration& configuration, const bilevel::TrainingPair& pair,
              int pairCount);
  // After load and reconfigure: the parameter blocks of the configured model (for saving θ).
  void modelChanged(const bilevel::ParameterLayout& layout);
  // After load and reconfigure: the kinds of image the model shows (LowerLevel::views, as
  // toString(ViewKind): "reconstruction", "weight-map", ...), so the window picks its views by
  // what the model says, never by its name.
  void viewsChanged(const QStringList& kinds);
  // The model's learned filters and penalty at the θ of the last announce (default parameters),
  // preview or pictured snapshot; after load and reconfigure always (empty: the model has none).
  void filterBankChanged(const bilevel::studio::FilterBank& bank);
  // views: what the model shows besides x (the λ map, the jump set), for this x and θ.
  void previewReady(const bilevel::Image& reconstruction, const bilevel::studio::ModelViews& views,
                    const bilevel::Vector& theta, int iterations, double seconds);
  void learningStarted();
  // Every step's figures; the pictures (reconstruction, model views) only while the window keeps
  // up: a step sent while kMaxPicturesInFlight earlier ones wait for the window comes without
  // them (empty images, no traces). The last step of a run always has them.
  void snapshotReady(const bilevel::Snapshot& snapshot, const bilevel::studio::ModelViews& views);
  // How the run ended; message: the core's detail (why it converged, the error), may be empty.
  void learningStopped(bilevel::studio::RunEnd end, const QString& message);
  void diagnosticsStarted(int methodCount);
  void agreementRowReady(const bilevel::MethodAgreementRow& row);
  void derivativeSequenceReady(const bilevel::DerivativeSequence& sequence);
  void sensitivityMapsReady(const bilevel::SensitivityMaps& maps);
  // TV only, before the derivative sequence.
  void supportIdentificationReady(const bilevel::SupportIdentification& support);
  // reason: "done", "cancelled", "failed".
  void diagnosticsFinished(const QString& reason, const QString& message);
  // A reconfigure the core refused; `effective` is the configuration still in force.
  void reconfigureFailed(const bilevel::Configuration& effective, const QString& message);
  // An error the window shows in a dialog; `title` says what was being done, `exitCode` is the
  // documented exit code of its kind (2 settings, 3 unreadable input, 4 numerical).
  void failed(const QString& title, const QString& message, int exitCode);

 private:
  // The per-pixel λ image of a weight-map model at θ; an empty image for other models.
  ModelViews modelViews(const LowerLevel& model, const Image& x, const Vector& theta) const;
  // θ as given; when it is empty or does not fit, λ in every entry for a model whose parameters
  // are weights set by model.lambda (registry: ModelEntry::settings), the model's default
  // parameters for others (a filter bank has no single weight to set).
  Vector parametersOrUniform(const Vector& theta, double lambda) const;
  // Emits filterBankChanged for `model` at θ when it has filters (always when `evenEmpty`).
  void publishFilterBank(const LowerLevel& model, const Vector& theta, bool evenEmpty);
  // Emits modelChanged and viewsChanged for the preview's model.
  void announceModel();

  std::optional<Configuration> configuration_;
  std::vector<TrainingPair> pairs_;
  std::unique_ptr<LearningSession> session_;
  std::unique_ptr<ReconstructionPreview> preview_;
  // Stop (abort: interrupts within one inner iteration) and Pause (stop after the current step)
  // of learning and diagnostics; the learning session's observer answers with its decision().
  RunControl control_;
  CancellationFlag previewCancel_;
  std::atomic<quint64> latestPreview_{0};
  // Snapshots sent and not yet taken (kMaxPicturesInFlight).
  std::atomic<int> snapshotsInFlight_{0};
};

}  // namespace bilevel::studio
