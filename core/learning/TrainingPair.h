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
  std::filesystem::path noisyPath;  // empty when the noise is generated
  Image clean;
  Image noisy;  // in the clean image's intensity range (expressedInRangeOf)
};

// Reads (or generates) every pair a configuration names: "benchmark:N" is the benchmark image of
// issue 2; other entries are paths resolved against the configuration's folder, then the sample
// image folder. Without "noisy" images, Gaussian noise of noise.sigma is added with seed
// noise.seed + index. Intensities are relative to each clean image's range (IntensityRange.h): a
// noisy file is read in its clean image's range, generated noise of σ is σ·(high − low) raw units.
// Throws Error(UnreadableInput) naming the file for unreadable images and
// Error(Usage) when a noisy image's size differs from its clean one.
std::vector<TrainingPair> loadTrainingPairs(const Configuration& configuration);

// What a person should know about how the pair's files were read, one sentence each: a colour
// file converted to grey, and a data range other than the type range (then σ and PSNR are relative
// to it). Empty for grey files that fill their type range. The CLI prints these on stderr and the
// studio in its status bar.
std::vector<std::string> inputNotices(const TrainingPair& pair);

// Resolves one image path from a configuration as loadTrainingPairs does.
std::filesystem::path resolveImagePath(const Configuration& configuration,
                                       const std::string& specification);

// Every image file a configuration reads (clean and noisy, resolved; generated images have none):
// what an output must never overwrite.
std::vector<std::filesystem::path> inputImagePaths(const Configuration& configuration);

}  // namespace bilevel
