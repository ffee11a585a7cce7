#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/Configuration.h"
#include "image/Image.h"

namespace bilevel {

// Pictures a dataset can generate instead of reading a folder (for tests and demonstrations).
enum class GeneratedImages {
  DeadLeaves,  // core/image/DeadLeaves.h
  Shapes,      // core/image/Shapes.h, randomShapesImage
};
std::string toString(GeneratedImages kind);  // "dead-leaves", "shapes"

// A generator as the user picks it.
struct ImageGenerator {
  GeneratedImages kind = GeneratedImages::DeadLeaves;
  std::string name;         // toString(kind): dataset.folder "generated:<name>" asks for it
  std::string title;        // "Dead leaves", for menus
  std::string description;  // one sentence: what its pictures hold
};
// Every generator, in the enum's order: what dataset.folder's parsing, its errors and the
// studio's Open Generated Dataset list.
const std::vector<ImageGenerator>& imageGenerators();
// "generated:": the start of a dataset.folder value that names a generator instead of a folder.
inline constexpr std::string_view kGeneratedFolderPrefix = "generated:";
// The dataset.folder value of a generator: "generated:dead-leaves".
std::string generatedFolder(GeneratedImages kind);
// Whether a dataset.folder value names a generator (known or not) rather than a folder.
bool isGeneratedFolder(std::string_view folder);

// Which images a sample comes from.
enum class DatasetSplit { Training, Validation };

// Settings of a dataset (the dataset.* keys of a configuration, core/registry/Settings.cpp).
struct DatasetOptions {
  // The folder of clean images (PNG, TIFF, JPEG, PGM/PPM, BMP; sorted by file name; hidden files
  // and subfolders ignored). A noisy version of NAME.ext, when the user has one, is a file
  // NAME_noisy.ext (any of the extensions) in the same folder; without it the noise is generated.
  // Empty when `generated` is set.
  std::filesystem::path folder;
  // Instead of a folder: `generatedCount` generated images of `generatedSide`² pixels.
  std::optional<GeneratedImages> generated;
  int generatedCount = 8;  // ≥ 1; default 8
  int generatedSide = 32;  // ≥ 8; default 32
  // Side of the square patches cut from each image; 0 uses whole images. Default 0.
  int patchSize = 0;
  // Patches cut from each image at seeded positions (ignored for whole images). ≥ 1; default 1.
  int patchesPerImage = 1;
  // Fraction of the images held out for validation (rounded, at least one image when > 0 and at
  // least one left for training), chosen by a seeded permutation. [0, 1); default 0.25.
  double validationFraction = 0.25;
  // Explicit validation images by name (file stem); when non-empty, replaces the fraction.
  std::vector<std::string> validationNames;
  // Gaussian noise σ relative to each clean image's data range (Noise.h, as TrainingPair does),
  // and its seed: sample k gets the stream noiseSeed + k. [0, 1]; default 0.1 and 1.
  double sigma = 0.1;
  std::uint64_t noiseSeed = 1;
  // Seed of the split, the patch positions and the generated images. Default 1.
  std::uint64_t seed = 1;

  bool isValid(std::string* error) const;
  // From dataset.* and noise.*; a relative folder resolves against the configuration's folder.
  // Error(Usage) naming the key when dataset.folder is empty or its value is not usable.
  static DatasetOptions fromConfiguration(const Configuration& configuration);
};

// One training or validation sample: a clean patch (or image), its noisy version and where it
// came from.
struct DatasetSample {
  std::string name;  // "<image>" or "<image>@row,col" for a patch
  std::size_t image = 0;
  int row = 0, col = 0;
  Image clean;
  Image noisy;  // in the clean image's intensity range
};

// A dataset (DESIGN.md §3 "Samples and datasets"): the images of a folder (or generated ones),
// decoded on first use, split deterministically into training and validation images, and cut into
// seeded noisy patches. Everything depends only on the options, so two runs (or a resumed run)
// see the same samples. Not thread-safe (one thread builds the samples; the learning loops then
// share only the samples).
class Dataset {
 public:
  // Lists the folder without decoding anything. Error(Usage) for invalid options, a folder that
  // does not exist or holds no image, a noisy file without its clean image, an unknown validation
  // name, or a split that leaves no training image.
  explicit Dataset(DatasetOptions options);

  const DatasetOptions& options() const { return options_; }
  std::size_t imageCount() const { return entries_.size(); }
  const std::string& imageName(std::size_t i) const { return entries_.at(i).name; }
  // Empty for generated images.
  const std::filesystem::path& imagePath(std::size_t i) const { return entries_.at(i).clean; }
  const std::filesystem::path& noisyPath(std::size_t i) const { return entries_.at(i).noisy; }
  // The clean image, decoded (or generated) on first use and kept. Error(UnreadableInput) naming
  // the file when it cannot be read.
  const Image& cleanImage(std::size_t i) const;

  // The images of a split, ascending.
  const std::vector<std::size_t>& images(DatasetSplit split) const;
  // The samples of a split: for each of its images, `patchesPerImage` patches (or the image).
  // Error(Usage) naming the image when a patch is larger than it, Error(Usage) when a noisy file's
  // size differs from its clean image.
  std::vector<DatasetSample> samples(DatasetSplit split) const;

  // "8 images of dead-leaves (32×32), 6 training, 2 validation" or "… from 'folder' …".
  std::string describe() const;

 private:
  struct Entry {
    std::string name;
    std::filesystem::path clean, noisy;
    mutable std::optional<Image> image;
  };
  DatasetOptions options_;
  std::vector<Entry> entries_;
  std::vector<std::size_t> training_, validation_;
};

}  // namespace bilevel
