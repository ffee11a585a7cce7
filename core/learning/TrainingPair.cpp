#include "learning/TrainingPair.h"

#include "common/Error.h"
#include "image/BenchmarkImage.h"
#include "image/ImageIO.h"
#include "image/Noise.h"

namespace bilevel {
namespace fs = std::filesystem;

namespace {
constexpr std::string_view kBenchmarkPrefix = "benchmark:";

bool isBenchmark(const std::string& specification) {
  return specification.rfind(kBenchmarkPrefix, 0) == 0;
}

int benchmarkSize(const std::string& specification) {
  const std::string digits = specification.substr(kBenchmarkPrefix.size());
  int n = 0;
  try {
    std::size_t used = 0;
    n = std::stoi(digits, &used);
    if (used != digits.size()) n = 0;
  } catch (...) {
    n = 0;
  }
  if (n < kMinimumImageSide || n > 8192) {
    throw usageError("image '" + specification + "': the benchmark size must be an integer in [" +
                     std::to_string(kMinimumImageSide) + ", 8192]");
  }
  return n;
}
}  // namespace

fs::path resolveImagePath(const Configuration& configuration, const std::string& specification) {
  const fs::path path(specification);
  if (path.is_absolute()) return path;
  std::error_code ec;
  const fs::path besideConfig = configuration.baseDirectory() / path;
  if (fs::exists(besideConfig, ec)) return besideConfig;
  const fs::path sample = sampleImageDirectory() / path;
  if (fs::exists(sample, ec)) return sample;
  if (fs::exists(path, ec)) return fs::absolute(path);
  return besideConfig;  // does not exist: readImage reports it under this name
}

std::vector<fs::path> inputImagePaths(const Configuration& configuration) {
  std::vector<std::string> specifications = configuration.imageSpecifications();
  for (const auto& noisy : configuration.noisySpecifications())
    specifications.push_back(noisy);
  std::vector<fs::path> paths;
  for (const auto& specification : specifications) {
    if (!isBenchmark(specification))
      paths.push_back(resolveImagePath(configuration, specification));
  }
  return paths;
}

std::vector<TrainingPair> loadTrainingPairs(const Configuration& configuration) {
  const auto cleanSpecs = configuration.imageSpecifications();
  const auto noisySpecs = configuration.noisySpecifications();
  const double sigma = configuration.json()["noise"]["sigma"].get<double>();
  const auto seed = configuration.json()["noise"]["seed"].get<std::uint64_t>();
  std::vector<TrainingPair> pairs;
  for (std::size_t i = 0; i < cleanSpecs.size(); ++i) {
    TrainingPair pair;
    if (isBenchmark(cleanSpecs[i])) {
      const int n = benchmarkSize(cleanSpecs[i]);
      pair.clean = benchmarkImage(n);
      pair.name = "benchmark-" + std::to_string(n);
    } else {
      pair.cleanPath = resolveImagePath(configuration, cleanSpecs[i]);
      pair.clean = readImage(pair.cleanPath);
      pair.name = pair.cleanPath.stem().string();
    }
    if (!noisySpecs.empty()) {
      const fs::path noisyPath = resolveImagePath(configuration, noisySpecs[i]);
      pair.noisyPath = noisyPath;
      pair.noisy = readImage(noisyPath);
      if (pair.noisy.rows != pair.clean.rows || pair.noisy.cols != pair.clean.cols) {
        throw usageError("noisy image '" + noisyPath.string() + "' is " +
                         std::to_string(pair.noisy.cols) + "×" + std::to_string(pair.noisy.rows) +
                         " but its clean image is " + std::to_string(pair.clean.cols) + "×" +
                         std::to_string(pair.clean.rows));
      }
      // One map for the pair: the noisy file's own range would stretch its noise to [0, 1] and
      // put clean and noisy on different scales.
      pair.noisy = expressedInRangeOf(pair.noisy, pair.clean);
    } else {
      pair.noisy = addGaussianNoise(pair.clean, sigma, seed + i);
    }
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

std::vector<std::string> inputNotices(const TrainingPair& pair) {
  std::vector<std::string> notices;
  const auto colourNotice = [&](const fs::path& path, const Image& image) {
    if (!path.empty() && image.convertedFromColour) {
      notices.push_back("image '" + path.string() +
                        "' is in colour; it was converted to grey (ITU-R 601 luma)");
    }
  };
  colourNotice(pair.cleanPath, pair.clean);
  colourNotice(pair.noisyPath, pair.noisy);
  if (!pair.cleanPath.empty() && pair.clean.range.kind == IntensityRange::Kind::DataRange) {
    notices.push_back("image '" + pair.cleanPath.string() + "' fills " +
                      describe(pair.clean.range, pair.clean.sourceBitDepth) +
                      "; noise.sigma and PSNR are relative to that range");
  }
  return notices;
}

}  // namespace bilevel
