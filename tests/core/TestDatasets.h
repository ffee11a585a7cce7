#pragma once

// The dataset-learning suites' problem: six generated 32² dead-leaves images, two 16² patches each
// (a quarter of the images, two, held out for validation: eight training patches), noise σ = 0.1,
// small enough that a step takes milliseconds. Each suite adds its model, steps and schedule.

#include <string>

#include "config/Configuration.h"

namespace bilevel::test {

// `algorithm` (train.algorithm) on minibatches of `batch` patches (0: the full batch), without
// checkpoints.
inline Configuration deadLeavesPatches(const std::string& algorithm, int batch) {
  Configuration c;
  c.set("dataset.folder=generated:dead-leaves");
  c.set("dataset.count=6");
  c.set("dataset.size=32");
  c.set("dataset.patch_size=16");
  c.set("dataset.patches=2");
  c.set("dataset.batch=" + std::to_string(batch));
  c.set("noise.sigma=0.1");
  c.set("train.algorithm=" + algorithm);
  c.set("train.checkpoint_every=0");
  return c;
}

}  // namespace bilevel::test
