#pragma once

#include <QImage>
#include <QRgb>
#include <QString>
#include <optional>
#include <vector>

#include "image/Image.h"

namespace bilevel::widgets {

// Colour maps for scalar images. Viridis and Magma are perceptually uniform (matplotlib's CC0
// maps); Diverging runs blue–white–red and is meant for signed data shown on a range symmetric
// about 0 (residuals, sensitivity maps), so that 0 is white.
enum class Colormap { Grey, Viridis, Magma, Diverging };

// All maps in menu order.
const std::vector<Colormap>& allColormaps();

// "Grey", "Viridis", "Magma", "Diverging".
QString colormapName(Colormap map);
// Inverse of colormapName, case-insensitive; also accepts "gray".
std::optional<Colormap> colormapFromName(const QString& name);

// Colour of t in [0, 1] (clamped); t = 0 is the first colour of the map and t = 1 the last.
QRgb colormapColor(Colormap map, double t);

// Colour given to NaN pixels; no map contains it, so missing values stand out.
constexpr QRgb kNanColor = 0xffff00ffu;  // magenta

// Maps each pixel v of `image` through [lo, hi] → [0, 1] → `map` into an RGB32 image of the same
// size (column = x, row = y). Values outside [lo, hi] (and ±inf) clamp to the end colours, NaN
// becomes kNanColor. With hi <= lo the map is a step at lo: values below it take the first colour,
// values above it the last and lo itself the middle one.
QImage renderImage(const bilevel::Image& image, double lo, double hi, Colormap map);

// A horizontal ramp of `map`, first colour on the left, for colour bars.
QImage colorbar(Colormap map, int width, int height);

}  // namespace bilevel::widgets
