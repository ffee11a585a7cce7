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
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "image/DeadLeaves.h"
#include "image/Shapes.h"

namespace {

namespace fs = std::filesystem;

constexpr int kDefaultSize = 256;
constexpr int kMinSize = 64;
constexpr int kMaxSize = 8192;

// Exit codes: 2 for command-line misuse (matches common CLI convention), 1 for runtime failure.
constexpr int kExitRuntimeError = 1;
constexpr int kExitUsage = 2;

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
// Shapes and dead leaves: the core's generators (core/image/Shapes.h, DeadLeaves.h), shared with
// the generated datasets of core/data.
// ---------------------------------------------------------------------------------------------

cv::Mat1d ToMat(const bilevel::Image& image, double scale = 1.0) {
  cv::Mat1d out(image.rows, image.cols);
  for (int row = 0; row < image.rows; ++row) {
    for (int col = 0; col < image.cols; ++col)
      out(row, col) = scale * image.at(row, col);
  }
  return out;
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

    const bilevel::ShapesImage shapes = bilevel::shapesImage(n);
    WriteGrey(options.out_dir, "shapes", ToMat(shapes.image));
    cv::Mat1b mask;
    ToMat(shapes.mask, 255.0).convertTo(mask, CV_8U);
    WriteAtomically(options.out_dir, "shapes_mask.png", mask);

    WriteGrey(options.out_dir, "dead_leaves", ToMat(bilevel::deadLeavesImage(n)));
  } catch (const std::exception& e) {
    std::cerr << "make-sample-images: " << e.what() << "\n";
    return kExitRuntimeError;
  }
  return 0;
}
