#include "iterations/IterationMap.h"

namespace bilevel {

void IterationMap::tangentProduct(const IterationState& v, const Vector& dtheta,
                                  IterationState& out) const {
  if (tangentScratch_.partCount() == 0) tangentScratch_ = makeState();
  stateProduct(v, out);
  parameterProduct(dtheta, tangentScratch_);
  out += tangentScratch_;
}

}  // namespace bilevel
