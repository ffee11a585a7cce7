#pragma once

// Core data that crosses from the worker thread to the window in queued signals. Declared once so
// that every sender and receiver agrees on the metatype.

#include <QMetaType>

#include "config/Configuration.h"
#include "diagnostics/DerivativeSequence.h"
#include "diagnostics/MethodAgreement.h"
#include "diagnostics/SensitivityMaps.h"
#include "diagnostics/SupportIdentification.h"
#include "image/Image.h"
#include "learning/LearningSession.h"
#include "learning/TrainingPair.h"
#include "models/ParameterLayout.h"

Q_DECLARE_METATYPE(bilevel::Image)
Q_DECLARE_METATYPE(bilevel::Vector)
Q_DECLARE_METATYPE(bilevel::Snapshot)
Q_DECLARE_METATYPE(bilevel::LearnSummary)
Q_DECLARE_METATYPE(bilevel::Configuration)
Q_DECLARE_METATYPE(bilevel::TrainingPair)
Q_DECLARE_METATYPE(bilevel::MethodAgreementRow)
Q_DECLARE_METATYPE(bilevel::DerivativeSequence)
Q_DECLARE_METATYPE(bilevel::SensitivityMaps)
Q_DECLARE_METATYPE(bilevel::SupportIdentification)
Q_DECLARE_METATYPE(bilevel::ParameterLayout)

namespace bilevel::studio {
// Registers the types above for queued connections; call once before connecting across threads.
void registerCoreMetaTypes();
}  // namespace bilevel::studio
