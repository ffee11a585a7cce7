#pragma once

#include <QWidget>
#include <optional>
#include <vector>

#include "models/LowerLevel.h"

QT_BEGIN_NAMESPACE
class QLabel;
class QScrollArea;
QT_END_NAMESPACE

namespace bilevel::widgets {

class FilterBankView;
class SeriesPlot;

// What a filter-bank model has learned (issue 11 §3): the filters as tiles ordered by ν
// (FilterBankView, in a scroll area: 48 tiles do not fit a docked panel) and the penalty ρ applied
// to every filter response with its derivative ρ' (the influence function: where it falls back
// towards 0 the model stops smoothing, which is how a Student-t FoE keeps edges), plotted over
// responses in [−kResponseRange, kResponseRange].
class LearnedFiltersPanel : public QWidget {
  Q_OBJECT

 public:
  static constexpr double kResponseRange = 6.0;
  static constexpr int kCurvePoints = 241;

  explicit LearnedFiltersPanel(QWidget* parent = nullptr);

  // Shows the bank and, when given, the penalty; an empty bank shows a sentence saying the model
  // has no filters. The curves are redrawn only when the penalty changes.
  void setFilters(const std::vector<LearnedFilter>& filters, std::optional<PenaltyKind> penalty);

  FilterBankView* bank() const { return bank_; }
  SeriesPlot* penaltyPlot() const { return penaltyPlot_; }
  std::optional<PenaltyKind> penalty() const { return penalty_; }

 private:
  QLabel* caption_ = nullptr;
  QScrollArea* scroll_ = nullptr;
  FilterBankView* bank_ = nullptr;
  SeriesPlot* penaltyPlot_ = nullptr;
  std::optional<PenaltyKind> penalty_;
};

}  // namespace bilevel::widgets
