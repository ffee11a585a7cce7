#include "image/ImageIO.h"

#include <cstring>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <sstream>

#include "common/Error.h"

namespace bilevel {
namespace fs = std::filesystem;

namespace {

// Built by appending: GCC 12 warns falsely (-Wrestrict, bug 105329) on "'" + std::string.
std::string quoted(const fs::path& path) {
  std::string text(1, '\'');
  text += path.string();
  text += '\'';
  return text;
}

// libpng reports a truncated file only as a warning in some code paths and OpenCV then returns
// a partially decoded image; a complete PNG always ends with the 12-byte IEND chunk, so its
// absence is a reliable sign of truncation.
bool pngLooksTruncated(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char signature[8] = {};
  if (!in.read(signature, 8)) return true;
  static const unsigned char kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (std::memcmp(signature, kPngSignature, 8) != 0) return false;  // not a PNG: let OpenCV decide
  in.seekg(-12, std::ios::end);
  char tail[12] = {};
  if (!in.read(tail, 12)) return true;
  return std::memcmp(tail + 4, "IEND", 4) != 0;
}

// JPEG files end with the EOI marker FF D9; libjpeg fills a truncated file with grey and only
// warns, which would silently hand the solver a wrong image.
bool jpegLooksTruncated(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char head[2] = {};
  if (!in.read(reinterpret_cast<char*>(head), 2)) return true;
  if (head[0] != 0xFF || head[1] != 0xD8) return false;  // not a JPEG
  in.seekg(-2, std::ios::end);
  unsigned char tail[2] = {};
  if (!in.read(reinterpret_cast<char*>(tail), 2)) return true;
  return !(tail[0] == 0xFF && tail[1] == 0xD9);
}

fs::path temporarySibling(const fs::path& target) {
  std::random_device device;
  // Hidden, unique, and with the target's extension so that OpenCV picks the same encoder.
  std::string name = ".";
  name += target.stem().string();
  name += ".tmp";
  name += std::to_string(device() % 1000000);
  name += target.extension().string();
  fs::path tmp = target;
  tmp.replace_filename(name);
  return tmp;
}

}  // namespace

Image readImage(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw inputError("image file " + quoted(path) + " does not exist");
  if (fs::is_directory(path, ec)) throw inputError(quoted(path) + " is a directory, not an image");
  if (fs::file_size(path, ec) == 0) throw inputError("image file " + quoted(path) + " is empty");
  if (pngLooksTruncated(path) || jpegLooksTruncated(path)) {
    throw inputError("image file " + quoted(path) + " is truncated (its end marker is missing)");
  }

  cv::Mat raw;
  try {
    raw = cv::imread(path.string(), cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw inputError("image file " + quoted(path) + " could not be decoded: " + e.what());
  }
  if (raw.empty()) {
    throw inputError("image file " + quoted(path) +
                     " could not be decoded (not a PNG, TIFF, JPEG, PGM or BMP image, or corrupt)");
  }
  if (raw.rows < kMinimumImageSide || raw.cols < kMinimumImageSide) {
    throw inputError("image file " + quoted(path) + " is " + std::to_string(raw.cols) + "×" +
                     std::to_string(raw.rows) + " pixels; at least " +
                     std::to_string(kMinimumImageSide) + "×" + std::to_string(kMinimumImageSide) +
                     " is needed");
  }
  if (raw.rows > kMaximumImageSide || raw.cols > kMaximumImageSide) {
    throw inputError("image file " + quoted(path) + " is too large (" + std::to_string(raw.cols) +
                     "×" + std::to_string(raw.rows) + "); the limit is " +
                     std::to_string(kMaximumImageSide) + " per side");
  }

  cv::Mat grey;
  switch (raw.channels()) {
    case 1:
      grey = raw;
      break;
    case 3:
      cv::cvtColor(raw, grey, cv::COLOR_BGR2GRAY);
      break;
    case 4:
      cv::cvtColor(raw, grey, cv::COLOR_BGRA2GRAY);
      break;
    default:
      throw inputError("image file " + quoted(path) + " has " + std::to_string(raw.channels()) +
                       " channels; grey or colour images are supported");
  }

  Image image;
  double scale = 1.0;
  switch (grey.depth()) {
    case CV_8U:
      scale = 1.0 / 255.0;
      image.sourceBitDepth = 8;
      break;
    case CV_16U:
      scale = 1.0 / 65535.0;
      image.sourceBitDepth = 16;
      break;
    case CV_32F:
    case CV_64F:
      scale = 1.0;
      image.sourceBitDepth = 32;
      break;
    default:
      throw inputError(
          "image file " + quoted(path) +
          " has an unsupported sample type (8- or 16-bit unsigned, or float expected)");
  }
  cv::Mat asDouble;
  grey.convertTo(asDouble, CV_64F, scale);
  if (!cv::checkRange(asDouble, true, nullptr, 0.0, 1.0 + 1e-12)) {
    throw inputError("image file " + quoted(path) +
                     " holds floating-point values outside [0, 1] or NaN");
  }
  image.rows = asDouble.rows;
  image.cols = asDouble.cols;
  image.pixels.resize(static_cast<Eigen::Index>(image.rows) * image.cols);
  for (int r = 0; r < image.rows; ++r) {
    const double* row = asDouble.ptr<double>(r);
    std::copy(row, row + image.cols,
              image.pixels.data() + static_cast<Eigen::Index>(r) * image.cols);
  }
  return image;
}

void writeImage(const Image& image, const fs::path& path, int bitDepth) {
  if (bitDepth != 8 && bitDepth != 16) {
    throw usageError("writeImage: bit depth must be 8 or 16, not " + std::to_string(bitDepth));
  }
  if (image.rows <= 0 || image.cols <= 0 || image.size() != Eigen::Index(image.rows) * image.cols) {
    throw usageError("writeImage: empty or inconsistent image for " + quoted(path));
  }
  cv::Mat asDouble(image.rows, image.cols, CV_64F, const_cast<double*>(image.pixels.data()));
  cv::Mat clamped = cv::min(cv::max(asDouble, 0.0), 1.0);
  cv::Mat encoded;
  if (bitDepth == 8) {
    clamped.convertTo(encoded, CV_8U, 255.0);
  } else {
    clamped.convertTo(encoded, CV_16U, 65535.0);
  }

  const fs::path tmp = temporarySibling(path);
  bool written = false;
  try {
    written = cv::imwrite(tmp.string(), encoded);
  } catch (const cv::Exception& e) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw inputError("could not write image " + quoted(path) + ": " + e.what());
  }
  if (!written) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw inputError("could not write image " + quoted(path) +
                     " (unknown extension or unwritable folder)");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw inputError("could not move the finished image into place at " + quoted(path));
  }
}

void refuseToOverwrite(const fs::path& input, const fs::path& output) {
  std::error_code ec;
  if (fs::exists(output, ec) && fs::exists(input, ec) && fs::equivalent(input, output, ec)) {
    throw usageError("refusing to overwrite the input image " + quoted(input));
  }
}

void writeTextFileAtomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = temporarySibling(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw inputError("could not create " + quoted(path));
    out << text;
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw inputError("could not write " + quoted(path) + " (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw inputError("could not move the finished file into place at " + quoted(path));
  }
}

}  // namespace bilevel
