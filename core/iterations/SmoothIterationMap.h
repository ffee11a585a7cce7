#pragma once

#include "iterations/IterationMap.h"
#include "models/Model.h"

namespace bilevel {

// An iteration map over the smooth kind of lower level (gradient descent, accelerated gradient):
// its steps and products call the Model's gradient, Hessian-vector and mixed products, so it keeps
// the typed reference; model() returns the Model (hiding IterationMap::model(), which returns the
// same object as a LowerLevel).
class SmoothIterationMap : public IterationMap {
 public:
  SmoothIterationMap(const Model& model, const Vector& theta)
      : IterationMap(model, theta), smooth_(model) {}
  const Model& model() const { return smooth_; }

 private:
  const Model& smooth_;
};

}  // namespace bilevel
