#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/Configuration.h"
#include "image/Image.h"

namespace bilevel {

// One clean/noisy pair the upper-level loss compares against. Several pairs share θ.
struct TrainingPair {
  std::string name;                 // file stem, or "benchmark-N"
  std::filesystem::path cleanPath;  // empty for generated images
  Image clean;
  Image noisy;
};

// Reads (or generates) every pair a configuration names: "benchmark:N" is the benchmark image of
// issue 2; other entries are paths resolved against the configuration's folder, then the sample
// image folder. Without "noisy" images, Gaussian noise of noise.sigma is added with seed
// noise.seed + index. Throws Error(UnreadableInput) naming the file for unreadable images and
// Error(Usage) when a noisy image's size differs from its clean one.
std::vector<TrainingPair> loadTrainingPairs(const Configuration& configuration);

// Resolves one image path from a configuration as loadTrainingPairs does.
std::filesystem::path resolveImagePath(const Configuration& configuration,
                                       const std::string& specification);

// Every image file a configuration reads (clean and noisy, resolved; generated images have none):
// what an output must never overwrite.
std::vector<std::filesystem::path> inputImagePaths(const Configuration& configuration);

}  // namespace bilevel
