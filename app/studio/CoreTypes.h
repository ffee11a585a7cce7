#pragma once

// Core data that crosses from the worker thread to the window in queued signals. Declared once so
// that every sender and receiver agrees on the metatype.

#include <QList>
#include <QMetaType>

#include "config/Configuration.h"
#include "diagnostics/DerivativeSequence.h"
#include "diagnostics/MethodAgreement.h"
#include "diagnostics/SensitivityMaps.h"
#include "diagnostics/SupportIdentification.h"
#include "image/Image.h"
#include "learning/LearningSession.h"
#include "learning/TrainingPair.h"
#include "models/LowerLevel.h"
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

// What a model shows besides x for one (x, θ) (LowerLevel::views without the reconstruction: the
// λ map of weight maps, the jump set of TV), as images in x's shape, in the model's order. Empty
// when the model shows nothing else, or for a step sent without pictures.
struct ModelView {
  ViewKind kind = ViewKind::WeightMap;
  Image image;
};
using ModelViews = QList<ModelView>;

// What a filter-bank model has learned at one θ (LowerLevel::learnedFilters, responsePenalty):
// empty for models without filters, which is how the window knows to hide its Filters page.
struct FilterBank {
  std::vector<LearnedFilter> filters;
  std::optional<PenaltyKind> penalty;
};

// How a learning run in the studio ended: the core's LearnTermination, with Stopped told apart by
// who asked (Pause, or the end of the batch of steps the window asked for), and Failed for a run
// an error ended (the error dialog says which).
enum class RunEnd { Steps, Paused, Converged, IterationLimit, Cancelled, Failed };
RunEnd runEnd(LearnTermination termination, bool pauseRequested);
// "steps", "paused", "converged", "iteration-limit", "cancelled", "failed": the reason
// MainWindow::learningFinished carries (scripts and tests compare it).
QString toString(RunEnd end);

// Registers the types above for queued connections; call once before connecting across threads.
void registerCoreMetaTypes();
}  // namespace bilevel::studio

Q_DECLARE_METATYPE(bilevel::studio::RunEnd)
Q_DECLARE_METATYPE(bilevel::studio::ModelViews)
Q_DECLARE_METATYPE(bilevel::studio::FilterBank)
