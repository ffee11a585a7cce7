#include "data/Dataset.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "common/Error.h"
#include "image/DeadLeaves.h"
#include "image/ImageIO.h"
#include "image/Noise.h"
#include "image/PortableRandom.h"
#include "image/Shapes.h"

namespace bilevel {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kNoisySuffix = "_noisy";

// SplitMix64 (Steele, Lea & Flood 2014): decorrelates the streams of consecutive seeds, so image
// k + 1 of seed s is not image k of seed s + 1.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool isImageFile(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  static const std::set<std::string> kExtensions = {".png", ".tif", ".tiff", ".jpg", ".jpeg",
                                                    ".pgm", ".ppm", ".pnm",  ".pbm", ".bmp"};
  return kExtensions.count(ext) > 0;
}

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() > suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Image crop(const Image& image, int row, int col, int side) {
  Image out(side, side);
  for (int r = 0; r < side; ++r) {
    out.pixels.segment(Eigen::Index(r) * side, side) =
        image.pixels.segment(Eigen::Index(row + r) * image.cols + col, side);
  }
  out.sourceBitDepth = image.sourceBitDepth;
  out.range = image.range;
  out.convertedFromColour = image.convertedFromColour;
  return out;
}

}  // namespace

const std::vector<ImageGenerator>& imageGenerators() {
  static const std::vector<ImageGenerator> kGenerators = {
      {GeneratedImages::DeadLeaves, "dead-leaves", "Dead leaves",
       "Occluding discs of uniform grey with scale-invariant radii: the statistics of natural "
       "images' edges and textures (Lee, Mumford & Huang 2001)."},
      {GeneratedImages::Shapes, "shapes", "Shapes",
       "A ramp background with 2 to 5 domes, ramped rectangles, triangles and rings: piecewise "
       "smooth pictures with sharp edges."},
  };
  return kGenerators;
}

std::string toString(GeneratedImages kind) {
  for (const ImageGenerator& generator : imageGenerators()) {
    if (generator.kind == kind) return generator.name;
  }
  return "?";
}

std::string generatedFolder(GeneratedImages kind) {
  return std::string(kGeneratedFolderPrefix) + toString(kind);
}

bool isGeneratedFolder(std::string_view folder) {
  return folder.substr(0, kGeneratedFolderPrefix.size()) == kGeneratedFolderPrefix;
}

namespace {

// "generated:dead-leaves or generated:shapes", for messages.
std::string generatedFolderList() {
  std::string text;
  const std::vector<ImageGenerator>& generators = imageGenerators();
  for (std::size_t i = 0; i < generators.size(); ++i) {
    if (i > 0) text += i + 1 == generators.size() ? " or " : ", ";
    text += generatedFolder(generators[i].kind);
  }
  return text;
}

}  // namespace

bool DatasetOptions::isValid(std::string* error) const {
  const auto fail = [&](const std::string& message) {
    if (error) *error = message;
    return false;
  };
  if (!generated && folder.empty()) return fail("dataset.folder: no folder given");
  if (generated && generatedCount < 1) return fail("dataset.count must be at least 1");
  if (generated && generatedSide < 8) return fail("dataset.size must be at least 8");
  if (patchSize != 0 && patchSize < kMinimumImageSide) {
    return fail("dataset.patch_size must be 0 (whole images) or at least " +
                std::to_string(kMinimumImageSide));
  }
  if (patchesPerImage < 1) return fail("dataset.patches must be at least 1");
  if (!(validationFraction >= 0.0 && validationFraction < 1.0)) {
    return fail("dataset.validation must lie in [0, 1)");
  }
  if (!(sigma >= 0.0 && sigma <= 1.0)) return fail("noise.sigma must lie in [0, 1]");
  return true;
}

DatasetOptions DatasetOptions::fromConfiguration(const Configuration& configuration) {
  const auto& d = configuration.json()["dataset"];
  DatasetOptions options;
  const std::string folder = d["folder"].get<std::string>();
  if (folder.empty()) {
    throw usageError(
        "configuration: 'dataset.folder' is empty: name a folder of clean images, or " +
        generatedFolderList());
  }
  if (isGeneratedFolder(folder)) {
    const std::string name = folder.substr(kGeneratedFolderPrefix.size());
    for (const ImageGenerator& generator : imageGenerators()) {
      if (generator.name == name) options.generated = generator.kind;
    }
    if (!options.generated) {
      throw usageError("configuration: 'dataset.folder' \"" + folder + "\": generated images are " +
                       generatedFolderList());
    }
  } else {
    const fs::path path(folder);
    options.folder = path.is_absolute() ? path : configuration.baseDirectory() / path;
  }
  options.generatedCount = d["count"].get<int>();
  options.generatedSide = d["size"].get<int>();
  options.patchSize = d["patch_size"].get<int>();
  options.patchesPerImage = d["patches"].get<int>();
  options.validationFraction = d["validation"].get<double>();
  for (const auto& name : d["validation_images"]) {
    if (!name.is_string() || name.get<std::string>().empty()) {
      throw usageError(
          "configuration: 'dataset.validation_images' must list image names (file "
          "stems), got " +
          name.dump());
    }
    options.validationNames.push_back(name.get<std::string>());
  }
  options.seed = d["seed"].get<std::uint64_t>();
  options.sigma = configuration.json()["noise"]["sigma"].get<double>();
  options.noiseSeed = configuration.json()["noise"]["seed"].get<std::uint64_t>();
  if (std::string error; !options.isValid(&error)) throw usageError("configuration: " + error);
  return options;
}

Dataset::Dataset(DatasetOptions options) : options_(std::move(options)) {
  if (std::string error; !options_.isValid(&error)) throw usageError(error);
  if (options_.generated) {
    for (int k = 0; k < options_.generatedCount; ++k) {
      std::string number = std::to_string(k);
      number.insert(0, number.size() < 3 ? 3 - number.size() : 0, '0');
      entries_.push_back({toString(*options_.generated) + "-" + number, {}, {}, std::nullopt});
    }
  } else {
    std::error_code ec;
    if (!fs::is_directory(options_.folder, ec)) {
      throw usageError("dataset folder '" + options_.folder.string() +
                       "' does not exist or is "
                       "not a folder");
    }
    std::map<std::string, fs::path> clean, noisy;
    for (const auto& item : fs::directory_iterator(options_.folder, ec)) {
      const fs::path& path = item.path();
      const std::string file = path.filename().string();
      if (file.empty() || file.front() == '.' || !item.is_regular_file(ec) || !isImageFile(path))
        continue;
      const std::string stem = path.stem().string();
      auto& target = endsWith(stem, kNoisySuffix) ? noisy : clean;
      const std::string key =
          endsWith(stem, kNoisySuffix) ? stem.substr(0, stem.size() - kNoisySuffix.size()) : stem;
      if (target.count(key)) {
        throw usageError("dataset folder '" + options_.folder.string() + "': '" +
                         target[key].filename().string() + "' and '" + file +
                         "' have the same name; keep one");
      }
      target[key] = path;
    }
    if (ec) {
      throw inputError("dataset folder '" + options_.folder.string() +
                       "' cannot be read: " + ec.message());
    }
    for (const auto& [name, path] : noisy) {
      if (!clean.count(name)) {
        throw usageError("dataset folder '" + options_.folder.string() + "': noisy image '" +
                         path.filename().string() + "' has no clean image '" + name + ".*'");
      }
    }
    if (clean.empty()) {
      throw usageError("dataset folder '" + options_.folder.string() +
                       "' holds no image (PNG, TIFF, JPEG, PGM/PPM or BMP)");
    }
    for (const auto& [name, path] : clean) {
      const auto partner = noisy.find(name);
      entries_.push_back(
          {name, path, partner == noisy.end() ? fs::path() : partner->second, std::nullopt});
    }
  }

  // The split, by image, so that no validation image is ever seen in training.
  const std::size_t n = entries_.size();
  std::vector<bool> held(n, false);
  if (!options_.validationNames.empty()) {
    for (const std::string& name : options_.validationNames) {
      const auto it = std::find_if(entries_.begin(), entries_.end(),
                                   [&](const Entry& e) { return e.name == name; });
      if (it == entries_.end()) {
        throw usageError("dataset.validation_images: no image '" + name + "' in the dataset");
      }
      held[std::size_t(it - entries_.begin())] = true;
    }
  } else if (options_.validationFraction > 0.0 && n >= 2) {
    const auto count = std::clamp<std::size_t>(
        std::size_t(std::llround(options_.validationFraction * double(n))), 1, n - 1);
    // Fisher–Yates with the portable index (PortableRandom.h): std::shuffle is
    // implementation-defined.
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i)
      order[i] = i;
    std::mt19937_64 generator(mix(options_.seed ^ 0x5b117ULL));
    for (std::size_t i = n - 1; i > 0; --i)
      std::swap(order[i], order[uniformIndex(generator, i + 1)]);
    for (std::size_t i = 0; i < count; ++i)
      held[order[i]] = true;
  }
  for (std::size_t i = 0; i < n; ++i)
    (held[i] ? validation_ : training_).push_back(i);
  if (training_.empty()) {
    throw usageError(
        "dataset.validation_images: every image is held out; none is left for "
        "training");
  }
}

const Image& Dataset::cleanImage(std::size_t i) const {
  const Entry& entry = entries_.at(i);
  if (!entry.image) {
    if (options_.generated == GeneratedImages::DeadLeaves) {
      entry.image = deadLeavesImage(options_.generatedSide, mix(options_.seed) + i);
    } else if (options_.generated == GeneratedImages::Shapes) {
      entry.image = randomShapesImage(options_.generatedSide, mix(options_.seed) + i).image;
    } else {
      entry.image = readImage(entry.clean);
    }
  }
  return *entry.image;
}

const std::vector<std::size_t>& Dataset::images(DatasetSplit split) const {
  return split == DatasetSplit::Training ? training_ : validation_;
}

std::vector<DatasetSample> Dataset::samples(DatasetSplit split) const {
  std::vector<DatasetSample> out;
  const int patches = options_.patchSize > 0 ? options_.patchesPerImage : 1;
  for (const std::size_t i : images(split)) {
    const Image& clean = cleanImage(i);
    std::optional<Image> noisy;
    if (!entries_[i].noisy.empty()) {
      noisy = readImage(entries_[i].noisy);
      if (noisy->rows != clean.rows || noisy->cols != clean.cols) {
        throw usageError("noisy image '" + entries_[i].noisy.string() + "' is " +
                         std::to_string(noisy->cols) + "×" + std::to_string(noisy->rows) +
                         " but its clean image is " + std::to_string(clean.cols) + "×" +
                         std::to_string(clean.rows));
      }
      noisy = expressedInRangeOf(*noisy, clean);
    }
    const int side = options_.patchSize;
    if (side > 0 && (side > clean.rows || side > clean.cols)) {
      throw usageError("dataset.patch_size = " + std::to_string(side) + " is larger than image '" +
                       (entries_[i].clean.empty() ? entries_[i].name : entries_[i].clean.string()) +
                       "' (" + std::to_string(clean.cols) + "×" + std::to_string(clean.rows) + ")");
    }
    // Each image has its own stream of positions, so adding an image does not move the patches
    // of the others.
    std::mt19937_64 positions(mix(mix(options_.seed) ^ (0x9a7c4ULL + i)));
    for (int p = 0; p < patches; ++p) {
      DatasetSample sample;
      sample.image = i;
      if (side > 0) {
        sample.row = int(uniformIndex(positions, std::uint64_t(clean.rows - side + 1)));
        sample.col = int(uniformIndex(positions, std::uint64_t(clean.cols - side + 1)));
        sample.clean = crop(clean, sample.row, sample.col, side);
        sample.name =
            entries_[i].name + "@" + std::to_string(sample.row) + "," + std::to_string(sample.col);
      } else {
        sample.clean = clean;
        sample.name = entries_[i].name;
      }
      if (noisy) {
        sample.noisy = side > 0 ? crop(*noisy, sample.row, sample.col, side) : *noisy;
      } else {
        // Sample k of the image has the noise stream noiseSeed + (i·patches + p), the same
        // whatever the split.
        sample.noisy = addGaussianNoise(sample.clean, options_.sigma,
                                        options_.noiseSeed + std::uint64_t(i) * patches + p);
      }
      out.push_back(std::move(sample));
    }
  }
  return out;
}

std::string Dataset::describe() const {
  std::string text = std::to_string(entries_.size()) + " image" + (entries_.size() == 1 ? "" : "s");
  if (options_.generated) {
    text += " of " + toString(*options_.generated) + " (" + std::to_string(options_.generatedSide) +
            "×" + std::to_string(options_.generatedSide) + ")";
  } else {
    text += " from '" + options_.folder.string() + "'";
  }
  text += ", " + std::to_string(training_.size()) + " training, " +
          std::to_string(validation_.size()) + " validation";
  if (options_.patchSize > 0) {
    text += ", " + std::to_string(options_.patchesPerImage) + " patch(es) of " +
            std::to_string(options_.patchSize) + "² per image";
  }
  return text;
}

}  // namespace bilevel
