#include "image/IntensityRange.h"

#include <cmath>
#include <sstream>

namespace bilevel {

namespace {

// Whole numbers as such (raw values of integer files), others with six significant digits.
std::string formatRaw(double value) {
  std::ostringstream out;
  if (std::abs(value) < 1e15 && value == std::round(value)) {
    out << static_cast<long long>(value);
  } else {
    out.precision(6);
    out << value;
  }
  return out.str();
}

std::string depthName(int bitDepth) {
  return bitDepth == 32 ? std::string("floating-point") : std::to_string(bitDepth) + "-bit";
}

}  // namespace

double typeMaximum(int bitDepth) {
  switch (bitDepth) {
    case 8:
      return 255.0;
    case 16:
      return 65535.0;
    default:
      return 1.0;
  }
}

IntensityRange intensityRangeFor(double minimum, double maximum, int bitDepth) {
  const double top = typeMaximum(bitDepth);
  if (!(maximum > minimum) || maximum - minimum >= 0.5 * top) {
    return {IntensityRange::Kind::TypeRange, 0.0, top};
  }
  return {IntensityRange::Kind::DataRange, minimum, maximum};
}

std::string describe(const IntensityRange& range, int bitDepth) {
  const std::string values = formatRaw(range.low) + "–" + formatRaw(range.high);
  switch (range.kind) {
    case IntensityRange::Kind::TypeRange:
      return "the " + depthName(bitDepth) + " range " + values;
    case IntensityRange::Kind::DataRange:
      return "the data range " + values + " of the " + depthName(bitDepth) + " file";
    case IntensityRange::Kind::Working:
      break;
  }
  return "[0, 1]";
}

}  // namespace bilevel
