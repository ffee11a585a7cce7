#pragma once

#include <string>

namespace bilevel {

// How an image's working intensities relate to the values stored in its file (issue 10 §4).
//
// Models, solvers, the noise level noise.sigma and PSNR all see working intensities
//   x = (raw − low) / (high − low),
// 0 at `low` and 1 at `high`, so σ and PSNR (peak 1) are relative to the data range [low, high].
// The range is that of the clean image (intensityRangeFor) and a noisy image of the same pair is
// expressed in it (expressedInRangeOf), so noise beyond the clean image's extremes stays visible.
struct IntensityRange {
  enum class Kind {
    // No file behind the values (a generated image, a difference, a weight map): working values
    // are fractions of whatever type range an output is written at.
    Working,
    // [0, 2^b − 1] of a b-bit file ([0, 1] of a floating-point one).
    TypeRange,
    // The clean image's own [min, max].
    DataRange,
  };
  Kind kind = Kind::Working;
  double low = 0.0;   // raw value at working intensity 0
  double high = 1.0;  // raw value at working intensity 1; high > low always

  bool hasRawUnits() const { return kind != Kind::Working; }
  double span() const { return high - low; }
  double toRaw(double working) const { return low + working * (high - low); }
  // (raw − low)·(1/span) rather than a division: for the type range (low = 0) this is the
  // raw·(1/255) the reader always computed, bit for bit, so no learned value moves.
  double toWorking(double raw) const { return (raw - low) * (1.0 / (high - low)); }
  // The range of a difference of two images in this range: a working difference d is d·span raw
  // units, which toRaw gives with low = 0.
  IntensityRange forDifferences() const { return {kind, 0.0, high - low}; }

  bool operator==(const IntensityRange&) const = default;
};

// The largest value of a file's sample type: 255 for 8 bit, 65535 for 16 bit, 1 for
// floating-point files (bitDepth 32), whose values are read as working intensities in [0, 1].
double typeMaximum(int bitDepth);

// The range of a clean image whose smallest and largest values are `minimum` and `maximum` (raw,
// finite, within the type range of `bitDepth`):
//  - the type range [0, typeMaximum] when the values span at least half of it (maximum − minimum
//    ≥ typeMaximum / 2): an ordinary 8-bit picture, and every file written from intensities in
//    [0, 1] (all sample images, 8 and 16 bit, and every output of ours). Their working values are
//    raw / typeMaximum as before this range existed, so learned values and the tests' numbers do
//    not move (tv-denoise still learns λ = 0.1216 on shapes.png, whose values span 13–242).
//  - otherwise the clean image's own [minimum, maximum]: a camera's or microscope's 16-bit file
//    that fills 1000–3000 of 0–65535, or 12-bit data in a 16-bit file. The same picture saved as
//    8-bit 0–255 and as 16-bit 1000–3000 then has the same working image (up to quantisation), so
//    the same σ and λ denoise both alike. Minimum and maximum rather than percentiles: the clean
//    image is the noise-free reference, its extremes are data, and every clean pixel then lies in
//    [0, 1] with 0 and 1 taken by real pixels.
//  - a constant image (minimum == maximum) has no spread to measure: it keeps the type range, so
//    the working value is finite and the value a file of that constant always had.
// Half is the threshold because an image that fills less than half of its type is evidently not
// exposed for it (data recorded with fewer bits than stored, or a narrow band of a sensor's
// range), while stretching one that fills more would change working values by less than 2× and
// move every existing result for nothing.
IntensityRange intensityRangeFor(double minimum, double maximum, int bitDepth);

// "the data range 1000–3000 of the 16-bit file", "the 8-bit range 0–255", "[0, 1]": what σ and
// PSNR are relative to, for messages and the studio's panel.
std::string describe(const IntensityRange& range, int bitDepth);

}  // namespace bilevel
