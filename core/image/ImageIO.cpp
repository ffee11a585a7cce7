#include "image/ImageIO.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <set>
#include <sstream>
#include <vector>

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "image/ImageHeader.h"

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
bool pngLooksTruncated(std::span<const unsigned char> bytes) {
  return bytes.size() < 12 || std::memcmp(bytes.data() + bytes.size() - 8, "IEND", 4) != 0;
}

// JPEG files end with the EOI marker FF D9; libjpeg fills a truncated file with grey and only
// warns, which would silently hand the solver a wrong image.
bool jpegLooksTruncated(std::span<const unsigned char> bytes) {
  return bytes.size() < 4 || bytes[bytes.size() - 2] != 0xFF || bytes[bytes.size() - 1] != 0xD9;
}

std::string pixelCount(std::int64_t width, std::int64_t height) {
  return std::to_string(width) + "×" + std::to_string(height) + " pixels";
}

// The most bytes an image within the pixel limit can take on disk: 4 channels of 64-bit floats
// uncompressed, plus room for metadata. Reading stops there, so a huge file, or a device such as
// /dev/zero, cannot fill the memory before its header is even looked at.
std::uintmax_t maximumFileBytes(std::int64_t maximumPixels) {
  return static_cast<std::uintmax_t>(maximumPixels) * 32u + (std::uintmax_t(64) << 20);
}

std::vector<unsigned char> readFileBytes(const fs::path& path, std::uintmax_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw inputError("image file " + quoted(path) + " cannot be opened");
  const auto tooLarge = [&] {
    return inputError("image file " + quoted(path) + " is larger than " +
                      std::to_string(limit >> 20) +
                      " MiB, more than any image within the pixel limit needs");
  };
  // A regular file states its size: refused before reading when too big, else read in one go
  // (asking for one byte more finds the end at once). Devices and pipes have no size and are read
  // in chunks up to the limit.
  std::error_code ec;
  const std::uintmax_t size = fs::is_regular_file(path, ec) ? fs::file_size(path, ec) : 0;
  const bool sized = !ec && size > 0;
  if (sized && size > limit) throw tooLarge();
  std::vector<unsigned char> bytes;
  const std::size_t chunk = sized ? static_cast<std::size_t>(size) + 1 : std::size_t(1) << 16;
  while (in) {
    const std::size_t used = bytes.size();
    if (used > limit) throw tooLarge();
    bytes.resize(used + chunk);
    in.read(reinterpret_cast<char*>(bytes.data() + used), static_cast<std::streamsize>(chunk));
    bytes.resize(used + static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw inputError("image file " + quoted(path) + " could not be read");
  return bytes;
}

}  // namespace

std::int64_t defaultMaximumImagePixels() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long pageSize = sysconf(_SC_PAGESIZE);
  const std::int64_t memory =
      pages > 0 && pageSize > 0 ? std::int64_t(pages) * pageSize : std::int64_t(4) << 30;
  return memory / 2 / kLearningBytesPerPixel;
}

std::int64_t maximumImagePixels() {
  const char* text = std::getenv("BILEVEL_MAX_IMAGE_PIXELS");
  if (!text) return defaultMaximumImagePixels();
  std::int64_t value = 0;
  const char* end = text + std::strlen(text);
  const auto [last, error] = std::from_chars(text, end, value);
  if (error != std::errc() || last != end || value <= 0) {
    throw usageError(std::string("BILEVEL_MAX_IMAGE_PIXELS must be a positive whole number of "
                                 "pixels, not '") +
                     text + "'");
  }
  return value;
}

Image readImage(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw inputError("image file " + quoted(path) + " does not exist");
  if (fs::is_directory(path, ec)) throw inputError(quoted(path) + " is a directory, not an image");
  const std::vector<unsigned char> bytes =
      readFileBytes(path, maximumFileBytes(maximumImagePixels()));
  return decodeImage(bytes, "image file " + quoted(path));
}

Image decodeImage(std::span<const unsigned char> bytes, const std::string& source) {
  if (bytes.empty()) throw inputError(source + " is empty");
  const ImageHeader header = readImageHeader(bytes, source);
  if ((header.format == ImageFormat::Png && pngLooksTruncated(bytes)) ||
      (header.format == ImageFormat::Jpeg && jpegLooksTruncated(bytes))) {
    throw inputError(source + " is truncated (its end marker is missing)");
  }
  // Every size check before the decoder runs: it allocates the whole image (or a whole TIFF tile)
  // as soon as it has read the header.
  if (header.width < kMinimumImageSide || header.height < kMinimumImageSide) {
    throw inputError(source + " is " + pixelCount(header.width, header.height) + "; at least " +
                     std::to_string(kMinimumImageSide) + "×" + std::to_string(kMinimumImageSide) +
                     " is needed");
  }
  const std::int64_t limit = maximumImagePixels();
  if (header.width > kMaximumImageSide || header.height > kMaximumImageSide ||
      header.pixels() > limit) {
    throw inputError(source + " is too large: its " + toString(header.format) +
                     " header promises " + pixelCount(header.width, header.height) + " (" +
                     std::to_string(header.pixels()) + " pixels); the limit is " +
                     std::to_string(limit) + " pixels and " + std::to_string(kMaximumImageSide) +
                     " per side (BILEVEL_MAX_IMAGE_PIXELS sets the pixel limit)");
  }
  if (header.tileWidth > kMaximumImageSide || header.tileHeight > kMaximumImageSide ||
      header.tilePixels() > limit) {
    throw inputError(source + " is refused: its TIFF tiles of " +
                     pixelCount(header.tileWidth, header.tileHeight) + " exceed the limit of " +
                     std::to_string(limit) + " pixels and " + std::to_string(kMaximumImageSide) +
                     " per side");
  }

  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw inputError(source + " is larger than 2 GiB, more than the decoders can take");
  }

  cv::Mat raw;
  try {
    // A header over the bytes, not a copy; imdecode only reads them.
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U,
                         const_cast<unsigned char*>(bytes.data()));
    raw = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw inputError(source + " could not be decoded: " + e.what());
  }
  if (raw.empty()) {
    throw inputError(source + " could not be decoded (corrupt " + toString(header.format) +
                     " data)");
  }
  // TIFF orientations 5–8 transpose the image; anything else must decode to the promised size.
  const bool asPromised = raw.cols == header.width && raw.rows == header.height;
  const bool transposed =
      header.format == ImageFormat::Tiff && raw.cols == header.height && raw.rows == header.width;
  if (!asPromised && !transposed) {
    throw inputError(source + " is inconsistent: its header promises " +
                     pixelCount(header.width, header.height) + " but it decodes to " +
                     pixelCount(raw.cols, raw.rows));
  }

  cv::Mat grey;
  bool colour = false;
  switch (raw.channels()) {
    case 1:
      grey = raw;
      break;
    case 3:
    case 4: {
      cv::cvtColor(raw, grey, raw.channels() == 3 ? cv::COLOR_BGR2GRAY : cv::COLOR_BGRA2GRAY);
      // A grey picture saved as RGB(A) is not a conversion worth a notice: only channels that
      // differ somewhere are colour.
      std::vector<cv::Mat> planes;
      cv::split(raw, planes);
      colour = cv::norm(planes[0], planes[1], cv::NORM_INF) != 0.0 ||
               cv::norm(planes[0], planes[2], cv::NORM_INF) != 0.0;
      break;
    }
    default:
      throw inputError(source + " has " + std::to_string(raw.channels()) +
                       " channels; grey or colour images are supported");
  }

  Image image;
  image.convertedFromColour = colour;
  switch (grey.depth()) {
    case CV_8U:
      image.sourceBitDepth = 8;
      break;
    case CV_16U:
      image.sourceBitDepth = 16;
      break;
    case CV_32F:
    case CV_64F:
      image.sourceBitDepth = 32;
      break;
    default:
      throw inputError(
          source + " has an unsupported sample type (8- or 16-bit unsigned, or float expected)");
  }
  cv::Mat values;
  grey.convertTo(values, CV_64F);  // the raw values, exactly
  // A NaN or an infinity would flow through every solve into every output (issue 8 §3): it is a
  // numerical fault of the input, reported with its first position before anything is computed.
  cv::Point position;
  if (!cv::checkRange(values, true, &position)) {
    throw numericalError(source + " holds NaN or infinite values (the first at row " +
                         std::to_string(position.y) + ", column " + std::to_string(position.x) +
                         ")");
  }
  double minimum = 0.0, maximum = 0.0;
  cv::minMaxLoc(values, &minimum, &maximum);
  if (image.sourceBitDepth == 32 && (minimum < 0.0 || maximum > 1.0 + 1e-12)) {
    throw inputError(source + " holds floating-point values in [" + std::to_string(minimum) + ", " +
                     std::to_string(maximum) + "]; [0, 1] is expected");
  }
  // Working intensities relative to the clean image's data range (IntensityRange.h); a noisy
  // image is re-expressed in its clean image's range by loadTrainingPairs.
  image.range = intensityRangeFor(minimum, maximum, image.sourceBitDepth);
  const double scale = 1.0 / image.range.span();
  cv::Mat asDouble;
  values.convertTo(asDouble, CV_64F, scale, -image.range.low * scale);
  image.rows = asDouble.rows;
  image.cols = asDouble.cols;
  image.pixels.resize(static_cast<Eigen::Index>(image.rows) * image.cols);
  for (int r = 0; r < image.rows; ++r) {
    const double* row = asDouble.ptr<double>(r);
    // v·scale − low·scale is only 0 up to rounding at v = low (fuzz_image_file found −1e-17):
    // every raw value lies in the range, so the working one is clamped to [0, 1] exactly.
    std::transform(row, row + image.cols,
                   image.pixels.data() + static_cast<Eigen::Index>(r) * image.cols,
                   [](double v) { return std::clamp(v, 0.0, 1.0); });
  }
  return image;
}

Image expressedInRangeOf(const Image& image, const Image& reference) {
  if (image.range == reference.range && image.sourceBitDepth == reference.sourceBitDepth)
    return image;
  // raw in image's units → raw in reference's units → reference's working intensities, one
  // affine map x ↦ a·x + b. An image without a file behind it counts as a fraction of its type
  // range.
  const auto rawRange = [](const Image& of) {
    return of.range.hasRawUnits() ? of.range
                                  : IntensityRange{IntensityRange::Kind::TypeRange, 0.0,
                                                   typeMaximum(of.sourceBitDepth)};
  };
  const IntensityRange from = rawRange(image), to = rawRange(reference);
  const double rawScale = typeMaximum(reference.sourceBitDepth) / typeMaximum(image.sourceBitDepth);
  const double a = from.span() * rawScale / to.span();
  const double b = (from.low * rawScale - to.low) / to.span();
  Image out = image;
  out.pixels.array() = a * image.pixels.array() + b;
  out.range = reference.range;
  out.sourceBitDepth = reference.sourceBitDepth;
  return out;
}

void writeImage(const Image& image, const fs::path& path, int bitDepth) {
  if (bitDepth != 8 && bitDepth != 16) {
    throw usageError("writeImage: bit depth must be 8 or 16, not " + std::to_string(bitDepth));
  }
  if (image.rows <= 0 || image.cols <= 0 || image.size() != Eigen::Index(image.rows) * image.cols) {
    throw usageError("writeImage: empty or inconsistent image for " + quoted(path));
  }
  // At the source's depth, raw units (the inverse of the reader's map); at another depth, or for
  // an image with no file behind it, working [0, 1] spans that depth's whole type range (the 8-bit
  // picture of a 16-bit 1000–3000 source shows its data range as 0–255).
  const double top = typeMaximum(bitDepth);
  const bool raw = image.range.hasRawUnits() && image.sourceBitDepth == bitDepth;
  const double gain = raw ? image.range.span() : top;
  const double offset = raw ? image.range.low : 0.0;
  cv::Mat asDouble(image.rows, image.cols, CV_64F, const_cast<double*>(image.pixels.data()));
  cv::Mat clamped = cv::min(cv::max(asDouble * gain + offset, 0.0), top);
  cv::Mat encoded;
  clamped.convertTo(encoded, bitDepth == 8 ? CV_8U : CV_16U);

  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  static const std::set<std::string> kWritable = {".png", ".tif", ".tiff", ".jpg", ".jpeg",
                                                  ".pgm", ".ppm", ".pnm",  ".bmp"};
  if (!kWritable.count(extension)) {
    throw usageError("cannot write image " + quoted(path) + ": the name must end in .png, .tif, " +
                     ".tiff, .jpg, .jpeg, .pgm, .ppm, .pnm or .bmp" +
                     (extension.empty() ? " (it has no extension)" : ""));
  }
  std::vector<uchar> bytes;
  try {
    if (!cv::imencode(extension, encoded, bytes))
      throw inputError("could not encode image " + quoted(path));
  } catch (const cv::Exception& e) {
    throw inputError("could not encode image " + quoted(path) + ": " + e.err);
  }
  writeFileAtomically(path,
                      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void refuseToOverwrite(const fs::path& input, const fs::path& output) {
  std::error_code ec;
  if (fs::exists(output, ec) && fs::exists(input, ec) && fs::equivalent(input, output, ec)) {
    throw usageError("refusing to overwrite the input image " + quoted(input));
  }
}

void writeTextFileAtomically(const fs::path& path, const std::string& text) {
  writeFileAtomically(path, text);
}

}  // namespace bilevel
