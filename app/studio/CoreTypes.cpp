#include "CoreTypes.h"

namespace bilevel::studio {

RunEnd runEnd(LearnTermination termination, bool pauseRequested) {
  switch (termination) {
    case LearnTermination::Converged:
      return RunEnd::Converged;
    case LearnTermination::IterationLimit:
      return RunEnd::IterationLimit;
    case LearnTermination::Cancelled:
      return RunEnd::Cancelled;
    case LearnTermination::Stopped:
      return pauseRequested ? RunEnd::Paused : RunEnd::Steps;
    case LearnTermination::Running:
      break;
  }
  return RunEnd::Failed;  // a run that returned without an ending
}

QString toString(RunEnd end) {
  switch (end) {
    case RunEnd::Steps:
      return QStringLiteral("steps");
    case RunEnd::Paused:
      return QStringLiteral("paused");
    case RunEnd::Converged:
      return QStringLiteral("converged");
    case RunEnd::IterationLimit:
      return QStringLiteral("iteration-limit");
    case RunEnd::Cancelled:
      return QStringLiteral("cancelled");
    case RunEnd::Failed:
      return QStringLiteral("failed");
  }
  return {};
}

void registerCoreMetaTypes() {
  qRegisterMetaType<bilevel::Image>();
  qRegisterMetaType<bilevel::Vector>();
  qRegisterMetaType<bilevel::Snapshot>();
  qRegisterMetaType<bilevel::LearnSummary>();
  qRegisterMetaType<bilevel::Configuration>();
  qRegisterMetaType<bilevel::TrainingPair>();
  qRegisterMetaType<bilevel::MethodAgreementRow>();
  qRegisterMetaType<bilevel::DerivativeSequence>();
  qRegisterMetaType<bilevel::SensitivityMaps>();
  qRegisterMetaType<bilevel::SupportIdentification>();
  qRegisterMetaType<bilevel::ParameterLayout>();
  qRegisterMetaType<bilevel::studio::RunEnd>();
  qRegisterMetaType<bilevel::studio::ModelViews>();
  qRegisterMetaType<bilevel::studio::FilterBank>();
}

}  // namespace bilevel::studio
