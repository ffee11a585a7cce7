// Writes the generated part of the fuzz seed corpora (bench/fuzz calls it): small images in every
// format and sample type readImage accepts, and a session file as the studio saves it. Generated
// rather than committed, so the repository holds no binary copies and the seeds follow the
// writers. Usage: fuzz_seeds OUTDIR (writes OUTDIR/image/* and OUTDIR/session/*).
#include <cstdio>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "image/BenchmarkImage.h"
#include "image/ImageIO.h"
#include "learning/SessionFile.h"

namespace fs = std::filesystem;

namespace {

// A 12×16 test pattern (smooth disc and stripes) in the given depth and channel count.
cv::Mat pattern(int depth, int channels) {
  const bilevel::Image base = bilevel::benchmarkImage(16);
  cv::Mat grey(12, 16, CV_64F);
  for (int r = 0; r < grey.rows; ++r)
    for (int c = 0; c < grey.cols; ++c)
      grey.at<double>(r, c) = base.at(r, c);
  const double scale = depth == CV_8U ? 255.0 : depth == CV_16U ? 65535.0 : 1.0;
  cv::Mat converted;
  grey.convertTo(converted, depth, scale);
  if (channels == 1) return converted;
  std::vector<cv::Mat> planes(static_cast<std::size_t>(channels), converted);
  if (channels >= 3) planes[1] = converted * 0.5;
  cv::Mat merged;
  cv::merge(planes, merged);
  return merged;
}

void write(const fs::path& path, const cv::Mat& image, const std::vector<int>& parameters = {}) {
  if (!cv::imwrite(path.string(), image, parameters)) {
    std::fprintf(stderr, "fuzz_seeds: could not write %s\n", path.c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds OUTDIR\n");
    return 2;
  }
  const fs::path out(argv[1]);
  const fs::path images = out / "image";
  const fs::path sessions = out / "session";
  fs::create_directories(images);
  fs::create_directories(sessions);

  write(images / "grey8.png", pattern(CV_8U, 1));
  write(images / "grey16.png", pattern(CV_16U, 1));
  write(images / "colour8.png", pattern(CV_8U, 3));
  write(images / "alpha16.png", pattern(CV_16U, 4));
  write(images / "interlaced-ish.png", pattern(CV_8U, 1), {cv::IMWRITE_PNG_COMPRESSION, 0});
  write(images / "grey8.tif", pattern(CV_8U, 1));
  write(images / "grey16.tif", pattern(CV_16U, 1));
  write(images / "colour16.tif", pattern(CV_16U, 3));
  write(images / "float.tif", pattern(CV_32F, 1));
  write(images / "grey.jpg", pattern(CV_8U, 1));
  write(images / "colour.jpg", pattern(CV_8U, 3));
  write(images / "progressive.jpg", pattern(CV_8U, 3), {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  write(images / "binary8.pgm", pattern(CV_8U, 1));
  write(images / "binary16.pgm", pattern(CV_16U, 1));
  write(images / "ascii.pgm", pattern(CV_8U, 1), {cv::IMWRITE_PXM_BINARY, 0});
  write(images / "colour.ppm", pattern(CV_8U, 3));
  write(images / "grey8.bmp", pattern(CV_8U, 1));
  write(images / "colour.bmp", pattern(CV_8U, 3));

  bilevel::SessionRecord session{
      bilevel::Configuration::fromPreset("tv-weightmap-denoise"), {}, {}};
  session.configuration.set("image=benchmark:16");
  session.parameters = bilevel::Vector::Constant(64, 0.05);
  for (int i = 0; i < 3; ++i) {
    bilevel::Snapshot s;
    s.iteration = i;
    s.outerLoss = 1.0 / (i + 1);
    s.psnr = 25.0 + i;
    s.hypergradientNorm = 0.1 / (i + 1);
    s.stepSeconds = 0.01;
    s.elapsedSeconds = 0.01 * (i + 1);
    s.innerIterations = 100;
    s.evaluations = 1;
    s.parameters = bilevel::Vector::Constant(64, 0.05 + 0.01 * i);
    s.status = i == 2 ? bilevel::LearnTermination::Converged : bilevel::LearnTermination::Running;
    session.history.push_back(s);
  }
  bilevel::writeSessionFile(sessions / "weightmap.json", session);
  return 0;
}
