#include "models/LowerLevel.h"

namespace bilevel {

std::string toString(ViewKind kind) {
  switch (kind) {
    case ViewKind::Reconstruction:
      return "reconstruction";
    case ViewKind::WeightMap:
      return "weight-map";
    case ViewKind::JumpSet:
      return "jump-set";
  }
  return "unknown";
}

std::vector<LowerLevelView> LowerLevel::views(const Vector& x, const Vector& theta) const {
  std::vector<LowerLevelView> result;
  result.push_back({ViewKind::Reconstruction, "Reconstruction", x});
  if (hasWeightMap()) result.push_back({ViewKind::WeightMap, "λ map", weightMap(theta)});
  return result;
}

}  // namespace bilevel
