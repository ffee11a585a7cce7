#include "DiagnosticsController.h"

#include "CoreWorker.h"
#include "QueuedCall.h"
#include "StatusReport.h"
#include "StudioDocument.h"
#include "widgets/DiagnosticsPanel.h"

namespace bilevel::studio {

DiagnosticsController::DiagnosticsController(StudioDocument* document, CoreWorker* worker,
                                             widgets::DiagnosticsPanel* panel, StatusReport* status,
                                             QObject* parent)
    : QObject(parent), document_(document), worker_(worker), panel_(panel), status_(status) {
  connect(worker_, &CoreWorker::diagnosticsStarted, this, [this](int methods) {
    panel_->begin(methods);
    status_->beginDiagnostics(methods + 2);  // the methods, the sequences, the maps
  });
  connect(worker_, &CoreWorker::agreementRowReady, this, [this](const MethodAgreementRow& row) {
    panel_->addAgreementRow(row);
    status_->advanceDiagnostics(QString::fromStdString(row.method));
  });
  connect(worker_, &CoreWorker::derivativeSequenceReady, this,
          [this](const DerivativeSequence& sequence) {
            panel_->setDerivativeSequence(sequence);
            status_->advanceDiagnostics({});
          });
  connect(
      worker_, &CoreWorker::supportIdentificationReady, this,
      [this](const SupportIdentification& support) { panel_->setSupportIdentification(support); });
  connect(worker_, &CoreWorker::sensitivityMapsReady, this, [this](const SensitivityMaps& maps) {
    panel_->setSensitivityMaps(maps);
    status_->completeDiagnostics();
  });
  connect(worker_, &CoreWorker::diagnosticsFinished, this,
          [this](const QString& reason, const QString& message) {
            panel_->finish(reason, message);
            status_->idle();
            status_->say(reason == QLatin1String("done") ? tr("Diagnostics finished")
                                                         : tr("Diagnostics %1").arg(reason));
            refreshStale();  // the document may have changed while they ran
            emit finished(reason, message);
          });
  for (auto signal : {&StudioDocument::settingsChanged, &StudioDocument::historyReset,
                      &StudioDocument::pairChanged})
    connect(document_, signal, this, [this] { refreshStale(); });
  connect(document_, &StudioDocument::snapshotAppended, this,
          [this](const Snapshot& row) { refreshStale(&row.parameters); });
}

void DiagnosticsController::run(const Vector& theta, double lambda) {
  configuration_ = document_->configuration();
  theta_ = theta;
  lambda_ = lambda;
  worker_->supersedePreviews();
  worker_->armRun();
  status_->say(tr("Running every hypergradient method…"));
  queueCall(worker_, [w = worker_, theta, lambda] { w->runDiagnostics(theta, lambda); });
}

void DiagnosticsController::refreshStale(const Vector* current) {
  if (!configuration_ || panel_->rowCount() == 0) return;
  const Vector& theta = current ? *current : document_->parameters();
  const bool sameTheta = theta_.size() > 0 ? theta.size() == theta_.size() && theta == theta_
                                           : theta.size() == 0 || (theta.array() == lambda_).all();
  if (document_->configuration().json() != configuration_->json()) {
    panel_->setStale(true, tr("configuration changed"));
  } else if (!sameTheta) {
    panel_->setStale(true, tr("θ changed"));
  } else {
    panel_->setStale(false);
  }
}

}  // namespace bilevel::studio
