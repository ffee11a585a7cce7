#pragma once

#include "common/Vector.h"
#include "image/IntensityRange.h"

namespace bilevel {

// A grey image of working intensities (0 and 1 at the ends of its data range, see IntensityRange),
// stored row-major as a flat vector so that models and solvers treat it as the vector x of
// DESIGN.md §2.
struct Image {
  int rows = 0;
  int cols = 0;
  Vector pixels;
  // Bit depth of the file the image came from (8 or 16; 32 for floating-point files); outputs are
  // written at this depth as well as in 8 bit.
  int sourceBitDepth = 8;
  // The map between the file's raw values and the working intensities: outputs at the source
  // depth are written back in raw units, the studio's readout shows them.
  IntensityRange range;
  // The file held colour (or grey with alpha) and was converted to grey (ITU-R 601 luma): the CLI
  // and the studio say so.
  bool convertedFromColour = false;

  Image() = default;
  Image(int rowCount, int colCount)
      : rows(rowCount),
        cols(colCount),
        pixels(Vector::Zero(static_cast<Eigen::Index>(rowCount) * colCount)) {}

  Eigen::Index size() const { return pixels.size(); }
  double& at(int r, int c) { return pixels[static_cast<Eigen::Index>(r) * cols + c]; }
  double at(int r, int c) const { return pixels[static_cast<Eigen::Index>(r) * cols + c]; }
};

// a − b pixel by pixel (residuals and removed noise as the window shows them); both the same shape.
// Its range turns a working difference into raw units (IntensityRange::forDifferences).
inline Image difference(const Image& a, const Image& b) {
  Image out(a.rows, a.cols);
  out.pixels = a.pixels - b.pixels;
  out.sourceBitDepth = a.sourceBitDepth;
  out.range = a.range.forDifferences();
  return out;
}

}  // namespace bilevel
