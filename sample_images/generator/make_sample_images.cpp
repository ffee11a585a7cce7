// make-sample-images: writes the deterministic grey test images kept in sample_images/.
//
//   make-sample-images OUTDIR [--size N]
//
// Everything is computed in double precision on [0,1] and quantised only when writing, so the
// 8-bit and 16-bit files of one image are the same picture at two bit depths.

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace {

namespace fs = std::filesystem;

constexpr int kDefaultSize = 256;
constexpr int kMinSize = 64;
constexpr int kMaxSize = 8192;

// Exit codes: 2 for command-line misuse (matches common CLI convention), 1 for runtime failure.
constexpr int kExitRuntimeError = 1;
constexpr int kExitUsage = 2;

// std::uniform_real_distribution is implementation-defined, so the same seed could give different
// images with another standard library; the top 53 bits of mt19937_64 (whose output sequence is
// fixed by the standard) give a portable uniform double in [0,1).
double Uniform01(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// ---------------------------------------------------------------------------------------------
// Shepp–Logan phantom
// ---------------------------------------------------------------------------------------------

struct Ellipse {
  double intensity;  // Additive grey value inside the ellipse.
  double a;          // Semi-axis along x before rotation.
  double b;          // Semi-axis along y before rotation.
  double x0;
  double y0;
  double phi_deg;  // Counter-clockwise rotation of the a-axis from the x-axis.
};

// Modified Shepp–Logan phantom on [-1,1]^2 with y pointing up. The geometry is that of
// L. A. Shepp and B. F. Logan, "The Fourier reconstruction of a head section", IEEE Trans. Nucl.
// Sci. 21(3):21-43, 1974; the intensities are the higher-contrast values of P. A. Toft, "The Radon
// Transform: Theory and Implementation", PhD thesis, DTU, 1996 (also MATLAB's
// phantom('Modified Shepp-Logan')), whose partial sums already lie in [0,1]. The original 1974
// values (2, -0.98, -0.02, 0.01) leave the interior features within 2% contrast, which is
// invisible at 8 bits.
constexpr std::array<Ellipse, 10> kModifiedSheppLogan = {{
    {1.0, 0.6900, 0.9200, 0.00, 0.0000, 0.0},
    {-0.8, 0.6624, 0.8740, 0.00, -0.0184, 0.0},
    {-0.2, 0.1100, 0.3100, 0.22, 0.0000, -18.0},
    {-0.2, 0.1600, 0.4100, -0.22, 0.0000, 18.0},
    {0.1, 0.2100, 0.2500, 0.00, 0.3500, 0.0},
    {0.1, 0.0460, 0.0460, 0.00, 0.1000, 0.0},
    {0.1, 0.0460, 0.0460, 0.00, -0.1000, 0.0},
    {0.1, 0.0460, 0.0230, -0.08, -0.6050, 0.0},
    {0.1, 0.0230, 0.0230, 0.00, -0.6060, 0.0},
    {0.1, 0.0230, 0.0460, 0.06, -0.6050, 0.0},
}};

// 4x4 supersampling: enough to soften the staircase on the thin skull and small ellipses without
// visibly blurring edges, which would bias edge-preserving regularisers learned on this image.
constexpr int kPhantomSupersampling = 4;

cv::Mat1d RenderPhantom(int n) {
  constexpr int kS = kPhantomSupersampling;
  cv::Mat1d sum(n, n, 0.0);
  // Pixel (row, col) covers [-1 + 2 col/n, -1 + 2 (col+1)/n] in x, and y decreases with row.
  const double pixel = 2.0 / n;
  for (const Ellipse& e : kModifiedSheppLogan) {
    const double phi = e.phi_deg * std::numbers::pi / 180.0;
    const double c = std::cos(phi);
    const double s = std::sin(phi);
    // Axis-aligned half-extents of the rotated ellipse bound the pixels that need testing.
    const double ex = std::hypot(e.a * c, e.b * s);
    const double ey = std::hypot(e.a * s, e.b * c);
    const int col0 = std::max(0, static_cast<int>(std::floor((e.x0 - ex + 1.0) / pixel)));
    const int col1 = std::min(n - 1, static_cast<int>(std::floor((e.x0 + ex + 1.0) / pixel)));
    const int row0 = std::max(0, static_cast<int>(std::floor((1.0 - (e.y0 + ey)) / pixel)));
    const int row1 = std::min(n - 1, static_cast<int>(std::floor((1.0 - (e.y0 - ey)) / pixel)));
    for (int row = row0; row <= row1; ++row) {
      for (int col = col0; col <= col1; ++col) {
        int hits = 0;
        for (int sy = 0; sy < kS; ++sy) {
          const double y = 1.0 - (row + (sy + 0.5) / kS) * pixel - e.y0;
          for (int sx = 0; sx < kS; ++sx) {
            const double x = -1.0 + (col + (sx + 0.5) / kS) * pixel - e.x0;
            const double u = (x * c + y * s) / e.a;
            const double v = (-x * s + y * c) / e.b;
            if (u * u + v * v <= 1.0) ++hits;
          }
        }
        sum(row, col) += e.intensity * hits;
      }
    }
  }
  cv::Mat1d image(n, n);
  for (int row = 0; row < n; ++row) {
    for (int col = 0; col < n; ++col) {
      // The Toft sums are exactly in [0,1]; clamping only removes round-off such as 1-0.8-0.2 < 0.
      image(row, col) = std::clamp(sum(row, col) / (kS * kS), 0.0, 1.0);
    }
  }
  return image;
}

// ---------------------------------------------------------------------------------------------
// Piecewise-smooth shapes with ground-truth mask
// ---------------------------------------------------------------------------------------------

struct ShapesImage {
  cv::Mat1d image;
  cv::Mat1b mask;  // 255 on the shapes, 0 on the background.
};

// The [0.05,0.95] band keeps every value away from the clipping limits so additive noise on this
// image stays unbiased after quantisation to 8 or 16 bits.
constexpr double kShapesLo = 0.05;
constexpr double kShapesHi = 0.95;

// Edges are deliberately not anti-aliased: each pixel belongs wholly to one region, so the jumps in
// the image coincide exactly with the mask, which is what segmentation and edge losses assume.
// Geometry is in units of the image side so the picture is the same at every size.
ShapesImage RenderShapes(int n) {
  ShapesImage out{cv::Mat1d(n, n), cv::Mat1b(n, n, std::uint8_t{0})};

  // Disc: bright dome, brightest at the centre.
  constexpr double kDiscX = 0.28, kDiscY = 0.28, kDiscR = 0.17;
  // Rectangle rotated by 20 degrees: ramp along its long axis.
  constexpr double kRectX = 0.73, kRectY = 0.27, kRectHalfW = 0.15, kRectHalfH = 0.10;
  const double rect_c = std::cos(20.0 * std::numbers::pi / 180.0);
  const double rect_s = std::sin(20.0 * std::numbers::pi / 180.0);
  // Triangle: darker than the background, so both edge polarities occur in the image.
  constexpr std::array<std::array<double, 2>, 3> kTri = {
      {{0.10, 0.90}, {0.46, 0.90}, {0.30, 0.55}}};
  // Ring (annulus): intensity varies smoothly with the angle.
  constexpr double kRingX = 0.72, kRingY = 0.72, kRingOuter = 0.20, kRingInner = 0.11;

  // Signed area test; the sign is the same for all three edges exactly inside the triangle.
  const auto edge = [](const std::array<double, 2>& p, const std::array<double, 2>& q, double x,
                       double y) {
    return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  };

  for (int row = 0; row < n; ++row) {
    const double y = (row + 0.5) / n;
    for (int col = 0; col < n; ++col) {
      const double x = (col + 0.5) / n;
      // Diagonal background ramp 0.25..0.45.
      double v = 0.25 + 0.10 * (x + y);
      bool inside = false;

      const double ddx = x - kDiscX, ddy = y - kDiscY;
      const double rd2 = (ddx * ddx + ddy * ddy) / (kDiscR * kDiscR);
      if (rd2 <= 1.0) {
        v = 0.90 - 0.20 * rd2;
        inside = true;
      }

      const double rx = x - kRectX, ry = y - kRectY;
      const double ru = rx * rect_c + ry * rect_s;
      const double rv = -rx * rect_s + ry * rect_c;
      if (std::abs(ru) <= kRectHalfW && std::abs(rv) <= kRectHalfH) {
        v = 0.55 + 0.30 * (ru + kRectHalfW) / (2.0 * kRectHalfW);
        inside = true;
      }

      const double e0 = edge(kTri[0], kTri[1], x, y);
      const double e1 = edge(kTri[1], kTri[2], x, y);
      const double e2 = edge(kTri[2], kTri[0], x, y);
      if ((e0 >= 0 && e1 >= 0 && e2 >= 0) || (e0 <= 0 && e1 <= 0 && e2 <= 0)) {
        v = 0.08 + 0.12 * (y - 0.55) / 0.35;
        inside = true;
      }

      const double gx = x - kRingX, gy = y - kRingY;
      const double rg = std::hypot(gx, gy);
      if (rg <= kRingOuter && rg >= kRingInner) {
        // cos of the polar angle avoids the seam that a linear ramp in atan2 would create.
        v = 0.75 + 0.15 * gx / rg;
        inside = true;
      }

      out.image(row, col) = std::clamp(v, kShapesLo, kShapesHi);
      out.mask(row, col) = inside ? 255 : 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dead leaves
// ---------------------------------------------------------------------------------------------

// The r^-3 radius density is the scale-invariant case (Lee, Mumford & Huang, "Occlusion models for
// natural images", IJCV 41, 2001): it reproduces the ~1/f^2 power spectrum of natural images.
constexpr double kLeafMinRadius = 2.0;
constexpr std::uint64_t kDeadLeavesSeed = 0x5eed'dead'1eaf'0001ULL;

// Inverse CDF of p(r) ∝ r^-3 on [rmin, rmax]: F(r) = (rmin^-2 - r^-2) / (rmin^-2 - rmax^-2).
double SampleLeafRadius(std::mt19937_64& rng, double rmin, double rmax) {
  const double lo = 1.0 / (rmin * rmin);
  const double hi = 1.0 / (rmax * rmax);
  return 1.0 / std::sqrt(lo - Uniform01(rng) * (lo - hi));
}

cv::Mat1d RenderDeadLeaves(int n) {
  std::mt19937_64 rng(kDeadLeavesSeed);
  const double rmax = n / 4.0;
  cv::Mat1d image(n, n, 0.0);
  cv::Mat1b covered(n, n, std::uint8_t{0});
  std::int64_t uncovered = static_cast<std::int64_t>(n) * n;

  // Leaves are generated front to back, each new one lying beneath all earlier ones, so it only
  // paints pixels still uncovered. Stopping once the canvas is covered then gives an exact sample
  // of the stationary model (Kendall & Thönnes, "Perfect simulation in stochastic geometry",
  // Pattern Recognition 32, 1999), not an approximation that depends on how many leaves were
  // dropped. Centres range over the canvas grown by rmax so leaves cut by the border are as likely
  // as interior ones. Every pixel is hit with positive probability, so the loop terminates.
  while (uncovered > 0) {
    const double cx = -rmax + Uniform01(rng) * (n + 2.0 * rmax);
    const double cy = -rmax + Uniform01(rng) * (n + 2.0 * rmax);
    const double r = SampleLeafRadius(rng, kLeafMinRadius, rmax);
    const double grey = Uniform01(rng);

    const int row0 = std::max(0, static_cast<int>(std::floor(cy - r)));
    const int row1 = std::min(n - 1, static_cast<int>(std::ceil(cy + r)));
    const int col0 = std::max(0, static_cast<int>(std::floor(cx - r)));
    const int col1 = std::min(n - 1, static_cast<int>(std::ceil(cx + r)));
    for (int row = row0; row <= row1; ++row) {
      const double dy = row + 0.5 - cy;
      for (int col = col0; col <= col1; ++col) {
        if (covered(row, col)) continue;
        const double dx = col + 0.5 - cx;
        if (dx * dx + dy * dy <= r * r) {
          image(row, col) = grey;
          covered(row, col) = 1;
          --uncovered;
        }
      }
    }
  }
  return image;
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

template <typename T>
cv::Mat Quantise(const cv::Mat1d& image, double full_scale) {
  cv::Mat_<T> out(image.rows, image.cols);
  for (int row = 0; row < image.rows; ++row) {
    for (int col = 0; col < image.cols; ++col) {
      const double v = std::clamp(image(row, col), 0.0, 1.0);
      out(row, col) = static_cast<T>(std::lround(full_scale * v));
    }
  }
  return out;
}

// Writes to a hidden temporary in the same directory and renames it into place, so a crash or a
// concurrent reader never sees a half-written PNG. The temporary keeps the .png extension because
// cv::imwrite chooses the encoder from it.
void WriteAtomically(const fs::path& dir, const std::string& name, const cv::Mat& image) {
  const fs::path target = dir / name;
  const fs::path temp = dir / (".tmp-" + name);
  try {
    if (!cv::imwrite(temp.string(), image)) {
      throw std::runtime_error("cv::imwrite failed for " + temp.string());
    }
    fs::rename(temp, target);
  } catch (...) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw;
  }
  std::cout << "wrote " << target.string() << " (" << image.cols << "x" << image.rows << ", "
            << (image.depth() == CV_16U ? 16 : 8) << "-bit)\n";
}

void WriteGrey(const fs::path& dir, const std::string& stem, const cv::Mat1d& image) {
  WriteAtomically(dir, stem + ".png", Quantise<std::uint8_t>(image, 255.0));
  WriteAtomically(dir, stem + "_16.png", Quantise<std::uint16_t>(image, 65535.0));
}

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

struct Options {
  fs::path out_dir;
  int size = kDefaultSize;
};

constexpr std::string_view kUsage =
    "usage: make-sample-images OUTDIR [--size N]\n"
    "  Writes phantom, shapes (+ shapes_mask) and dead_leaves PNGs (8- and 16-bit) to OUTDIR.\n"
    "  --size N  image side in pixels, 64..8192 (default 256)\n";

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

int ParseSize(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    throw UsageError("--size expects an integer, got '" + std::string(text) + "'");
  }
  if (value < kMinSize || value > kMaxSize) {
    throw UsageError("--size must be between " + std::to_string(kMinSize) + " and " +
                     std::to_string(kMaxSize) + ", got " + std::to_string(value));
  }
  return value;
}

// Returns false when --help was requested.
bool ParseArgs(int argc, char** argv, Options& options) {
  bool have_dir = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") return false;
    if (arg == "--size") {
      if (i + 1 >= argc) throw UsageError("--size needs a value");
      options.size = ParseSize(argv[++i]);
    } else if (arg.starts_with("--size=")) {
      options.size = ParseSize(arg.substr(7));
    } else if (arg.starts_with("-") && arg.size() > 1) {
      throw UsageError("unknown option '" + std::string(arg) + "'");
    } else if (have_dir) {
      throw UsageError("more than one OUTDIR given");
    } else {
      options.out_dir = arg;
      have_dir = true;
    }
  }
  if (!have_dir) throw UsageError("missing OUTDIR");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    if (!ParseArgs(argc, argv, options)) {
      std::cout << kUsage;
      return 0;
    }
  } catch (const UsageError& e) {
    std::cerr << "make-sample-images: " << e.what() << "\n" << kUsage;
    return kExitUsage;
  }

  try {
    fs::create_directories(options.out_dir);
    const int n = options.size;

    WriteGrey(options.out_dir, "phantom", RenderPhantom(n));

    const ShapesImage shapes = RenderShapes(n);
    WriteGrey(options.out_dir, "shapes", shapes.image);
    WriteAtomically(options.out_dir, "shapes_mask.png", shapes.mask);

    WriteGrey(options.out_dir, "dead_leaves", RenderDeadLeaves(n));
  } catch (const std::exception& e) {
    std::cerr << "make-sample-images: " << e.what() << "\n";
    return kExitRuntimeError;
  }
  return 0;
}
