#include "models/penalties/Penalty.h"

#include "models/penalties/Charbonnier.h"
#include "models/penalties/StudentT.h"

namespace bilevel {

std::string toString(PenaltyKind kind) {
  switch (kind) {
    case PenaltyKind::StudentT:
      return "student-t";
    case PenaltyKind::Charbonnier:
      return "charbonnier";
  }
  return "unknown";
}

std::optional<PenaltyKind> parsePenaltyKind(const std::string& text) {
  for (PenaltyKind kind : {PenaltyKind::StudentT, PenaltyKind::Charbonnier}) {
    if (toString(kind) == text) return kind;
  }
  return std::nullopt;
}

std::string penaltyKindNames() {
  return toString(PenaltyKind::StudentT) + ", " + toString(PenaltyKind::Charbonnier);
}

double penaltyCurvatureMaximum(PenaltyKind kind) {
  return kind == PenaltyKind::StudentT ? StudentT::kCurvatureMaximum
                                       : Charbonnier::kCurvatureMaximum;
}

double penaltyCurvatureMinimum(PenaltyKind kind) {
  return kind == PenaltyKind::StudentT ? StudentT::kCurvatureMinimum
                                       : Charbonnier::kCurvatureMinimum;
}

double penaltyValue(PenaltyKind kind, double z) {
  return kind == PenaltyKind::StudentT ? StudentT::value(z) : Charbonnier::value(z);
}

double penaltyDerivative(PenaltyKind kind, double z) {
  return kind == PenaltyKind::StudentT ? StudentT::first(z) : Charbonnier::first(z);
}

}  // namespace bilevel
