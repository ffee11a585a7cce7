#include "widgets/Colormap.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <span>

namespace bilevel::widgets {

namespace {

struct ControlPoint {
  double r, g, b;
};

// Viridis and Magma sampled at 16 equally spaced points (entries 0, 17, …, 255 of matplotlib's
// 256-entry definitions, CC0); linear interpolation between them stays within about 1/255 of the
// full table.
constexpr std::array<ControlPoint, 16> kViridis{{
    {0.267004, 0.004874, 0.329415},
    {0.282656, 0.100196, 0.422160},
    {0.277134, 0.185228, 0.489898},
    {0.253935, 0.265254, 0.529983},
    {0.221989, 0.339161, 0.548752},
    {0.190631, 0.407061, 0.556089},
    {0.163625, 0.471133, 0.558148},
    {0.139147, 0.533812, 0.555298},
    {0.120565, 0.596422, 0.543611},
    {0.134692, 0.658636, 0.517649},
    {0.208030, 0.718701, 0.472873},
    {0.327796, 0.773980, 0.406640},
    {0.477504, 0.821444, 0.318195},
    {0.647257, 0.858400, 0.209861},
    {0.824940, 0.884720, 0.106217},
    {0.993248, 0.906157, 0.143936},
}};

constexpr std::array<ControlPoint, 16> kMagma{{
    {0.001462, 0.000466, 0.013866},
    {0.043830, 0.033830, 0.141886},
    {0.123833, 0.067295, 0.295879},
    {0.232077, 0.059889, 0.437695},
    {0.341482, 0.080564, 0.492631},
    {0.445163, 0.122724, 0.506901},
    {0.550287, 0.161158, 0.505719},
    {0.658483, 0.196027, 0.490253},
    {0.767398, 0.233705, 0.457755},
    {0.868793, 0.287728, 0.409303},
    {0.944006, 0.377643, 0.365136},
    {0.981000, 0.498428, 0.369734},
    {0.994738, 0.624350, 0.427397},
    {0.997228, 0.747981, 0.516859},
    {0.993170, 0.870024, 0.626189},
    {0.987053, 0.991438, 0.749504},
}};

// Blue–white–red after ColorBrewer's RdBu, with a pure white centre so that a zero residual is
// white.
constexpr std::array<ControlPoint, 11> kDiverging{{
    {0x05 / 255.0, 0x30 / 255.0, 0x61 / 255.0},
    {0x21 / 255.0, 0x66 / 255.0, 0xac / 255.0},
    {0x43 / 255.0, 0x93 / 255.0, 0xc3 / 255.0},
    {0x92 / 255.0, 0xc5 / 255.0, 0xde / 255.0},
    {0xd1 / 255.0, 0xe5 / 255.0, 0xf0 / 255.0},
    {1.0, 1.0, 1.0},
    {0xfd / 255.0, 0xdb / 255.0, 0xc7 / 255.0},
    {0xf4 / 255.0, 0xa5 / 255.0, 0x82 / 255.0},
    {0xd6 / 255.0, 0x60 / 255.0, 0x4d / 255.0},
    {0xb2 / 255.0, 0x18 / 255.0, 0x2b / 255.0},
    {0x67 / 255.0, 0x00 / 255.0, 0x1f / 255.0},
}};

constexpr std::array<ControlPoint, 2> kGrey{{{0.0, 0.0, 0.0}, {1.0, 1.0, 1.0}}};

std::span<const ControlPoint> controlPoints(Colormap map) {
  switch (map) {
    case Colormap::Viridis:
      return kViridis;
    case Colormap::Magma:
      return kMagma;
    case Colormap::Diverging:
      return kDiverging;
    case Colormap::Grey:
      break;
  }
  return kGrey;
}

QRgb interpolate(std::span<const ControlPoint> points, double t) {
  t = std::clamp(t, 0.0, 1.0);
  const double position = t * static_cast<double>(points.size() - 1);
  const std::size_t i = std::min(static_cast<std::size_t>(position), points.size() - 2);
  const double w = position - static_cast<double>(i);
  const ControlPoint& a = points[i];
  const ControlPoint& b = points[i + 1];
  auto channel = [w](double x, double y) {
    return static_cast<int>(std::lround(255.0 * ((1.0 - w) * x + w * y)));
  };
  return qRgb(channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b));
}

// Rendering goes through a lookup table: one multiply-add and a load per pixel instead of an
// interpolation, which keeps a 512² frame around a millisecond.
constexpr int kLutSize = 1024;
using Lut = std::array<QRgb, kLutSize>;

const Lut& lut(Colormap map) {
  static const std::array<Lut, 4> tables = [] {
    std::array<Lut, 4> result{};
    for (Colormap m : allColormaps()) {
      Lut& table = result[static_cast<std::size_t>(m)];
      for (int i = 0; i < kLutSize; ++i) {
        table[static_cast<std::size_t>(i)] =
            interpolate(controlPoints(m), i / double(kLutSize - 1));
      }
    }
    return result;
  }();
  return tables[static_cast<std::size_t>(map)];
}

}  // namespace

const std::vector<Colormap>& allColormaps() {
  static const std::vector<Colormap> maps{Colormap::Grey, Colormap::Viridis, Colormap::Magma,
                                          Colormap::Diverging};
  return maps;
}

QString colormapName(Colormap map) {
  switch (map) {
    case Colormap::Grey:
      return QStringLiteral("Grey");
    case Colormap::Viridis:
      return QStringLiteral("Viridis");
    case Colormap::Magma:
      return QStringLiteral("Magma");
    case Colormap::Diverging:
      return QStringLiteral("Diverging");
  }
  return {};
}

std::optional<Colormap> colormapFromName(const QString& name) {
  const QString wanted = name.trimmed();
  if (wanted.compare(QStringLiteral("gray"), Qt::CaseInsensitive) == 0) return Colormap::Grey;
  for (Colormap map : allColormaps()) {
    if (wanted.compare(colormapName(map), Qt::CaseInsensitive) == 0) return map;
  }
  return std::nullopt;
}

QRgb colormapColor(Colormap map, double t) {
  if (std::isnan(t)) return kNanColor;
  return interpolate(controlPoints(map), t);
}

QImage renderImage(const bilevel::Image& image, double lo, double hi, Colormap map) {
  if (image.rows <= 0 || image.cols <= 0 || image.size() != Eigen::Index(image.rows) * image.cols) {
    return {};
  }
  QImage out(image.cols, image.rows, QImage::Format_RGB32);
  const Lut& table = lut(map);
  const QRgb first = table.front();
  const QRgb last = table.back();
  const QRgb middle = table[kLutSize / 2];
  const bool degenerate = !(hi > lo);
  const double scale = degenerate ? 0.0 : (kLutSize - 1) / (hi - lo);
  const double* pixel = image.pixels.data();
  for (int r = 0; r < image.rows; ++r) {
    auto* line = reinterpret_cast<QRgb*>(out.scanLine(r));
    for (int c = 0; c < image.cols; ++c, ++pixel) {
      const double v = *pixel;
      QRgb colour;
      if (std::isnan(v)) {
        colour = kNanColor;
      } else if (v <= lo) {
        colour = (degenerate && v == lo) ? middle : first;
      } else if (v >= hi) {
        colour = last;
      } else {
        // lo < v < hi, so the index is in [0, kLutSize - 1] after rounding.
        colour = table[static_cast<std::size_t>((v - lo) * scale + 0.5)];
      }
      line[c] = colour;
    }
  }
  return out;
}

QImage colorbar(Colormap map, int width, int height) {
  if (width <= 0 || height <= 0) return {};
  QImage out(width, height, QImage::Format_RGB32);
  auto* firstLine = reinterpret_cast<QRgb*>(out.scanLine(0));
  for (int x = 0; x < width; ++x) {
    firstLine[x] = colormapColor(map, width == 1 ? 0.0 : x / double(width - 1));
  }
  for (int y = 1; y < height; ++y) {
    std::copy_n(firstLine, width, reinterpret_cast<QRgb*>(out.scanLine(y)));
  }
  return out;
}

}  // namespace bilevel::widgets
