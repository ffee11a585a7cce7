// Fuzz target: readImage, the loader of every image the user opens (PNG, TIFF, JPEG, PGM/PPM, BMP;
// 8 and 16 bit, grey and colour), through its real path-based entry point: header, size limits,
// OpenCV's decoders, conversion to grey doubles in [0, 1].
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "FuzzInput.h"
#include "image/ImageIO.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // 2²⁰ pixels (1024², the size of the largest sample image): within it every decoder path is
  // reachable, and an input cannot spend seconds decoding a legitimately huge image. The limit
  // check itself is the same code at any limit. Set BILEVEL_MAX_IMAGE_PIXELS to override.
  setenv("BILEVEL_MAX_IMAGE_PIXELS", "1048576", 0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static bilevel::fuzz::MemoryFile file("fuzz-image");
  const std::filesystem::path& path = file.write(data, size);
  bilevel::fuzz::expectOnlyErrors([&] {
    const bilevel::Image image = bilevel::readImage(path);
    // What readImage promises its callers.
    const bool shapeOk = image.rows >= bilevel::kMinimumImageSide &&
                         image.cols >= bilevel::kMinimumImageSide &&
                         image.size() == Eigen::Index(image.rows) * image.cols;
    const bool valuesOk = image.pixels.allFinite() && image.pixels.minCoeff() >= 0.0 &&
                          image.pixels.maxCoeff() <= 1.0 + 1e-12;
    const bool depthOk =
        image.sourceBitDepth == 8 || image.sourceBitDepth == 16 || image.sourceBitDepth == 32;
    // The map back to raw units (IntensityRange): finite, never a zero span.
    const bool rangeOk = image.range.hasRawUnits() && std::isfinite(image.range.low) &&
                         std::isfinite(image.range.high) && image.range.high > image.range.low;
    if (!shapeOk || !valuesOk || !depthOk || !rangeOk) {
      std::fprintf(stderr, "finding: readImage returned a %d×%d image (%lld values, depth %d)%s\n",
                   image.cols, image.rows, static_cast<long long>(image.size()),
                   image.sourceBitDepth,
                   !valuesOk  ? " with values outside [0, 1]"
                   : !rangeOk ? " with a degenerate intensity range"
                              : "");
      std::abort();
    }
  });
  return 0;
}
