#include "CoreTypes.h"

namespace bilevel::studio {

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
}

}  // namespace bilevel::studio
