#pragma once

#include <QObject>
#include <QString>
#include <optional>

#include "CoreTypes.h"

namespace bilevel::widgets {
class DiagnosticsPanel;
}

namespace bilevel::studio {

class CoreWorker;
class StatusReport;
class StudioDocument;

// Runs the Jacobian diagnostics for the window (every hypergradient method against finite
// differences, the derivative sequences, the sensitivity and adjoint maps) on the worker and
// fills the panel as the parts arrive, with their progress in the status bar. It remembers the
// configuration and θ the results were computed for, and marks them stale in the panel while the
// document's differ (an edit, a learning run, other images), fresh again if an undo returns to
// them (issue 10 §6).
class DiagnosticsController : public QObject {
  Q_OBJECT

 public:
  DiagnosticsController(StudioDocument* document, CoreWorker* worker,
                        widgets::DiagnosticsPanel* panel, StatusReport* status,
                        QObject* parent = nullptr);

  // A run at θ (empty: λ in every entry); the caller has checked that nothing else runs.
  void run(const Vector& theta, double lambda);
  // Compares the document's configuration and θ (or `theta`, a learning step's, when given) with
  // what the shown results were computed for; the window calls it when it sets a new result.
  void refreshStale(const Vector* theta = nullptr);

 signals:
  // reason: "done", "cancelled" or "failed".
  void finished(const QString& reason, const QString& message);

 private:
  StudioDocument* document_;
  CoreWorker* worker_;
  widgets::DiagnosticsPanel* panel_;
  StatusReport* status_;
  // What the shown results belong to (set when a run starts).
  std::optional<Configuration> configuration_;
  Vector theta_;
  double lambda_ = 0.0;
};

}  // namespace bilevel::studio
