#include "iterations/IterationMap.h"

namespace bilevel {

void IterationMap::tangentProduct(const IterationState& v, const Vector& dtheta,
                                  IterationState& out) const {
  if (tangentScratch_.partCount() == 0) tangentScratch_ = makeState();
  stateProduct(v, out);
  parameterProduct(dtheta, tangentScratch_);
  out += tangentScratch_;
}

void IterationMap::cotangentProduct(const IterationState& w, IterationState& out,
                                    Vector& thetaBar) const {
  stateTransposeProduct(w, out);
  parameterTransposeProduct(w, thetaBar);
}

double IterationMap::advance(int k, IterationState& z, double threshold) const {
  if (stepScratch_.partCount() == 0) stepScratch_ = makeState();
  const double measure = step(k, z, stepScratch_);
  if (measure > threshold) z.swap(stepScratch_);
  return measure;
}

}  // namespace bilevel
