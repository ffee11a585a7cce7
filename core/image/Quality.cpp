#include "image/Quality.h"

#include <cmath>
#include <limits>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "common/Error.h"

namespace bilevel {

double psnrFromSquaredErrorLoss(double halfSquaredError, Eigen::Index pixelCount) {
  const double mse = 2.0 * halfSquaredError / static_cast<double>(pixelCount);
  if (mse <= 0.0) return std::numeric_limits<double>::infinity();
  return -10.0 * std::log10(mse);
}

double psnr(const Vector& image, const Vector& reference) {
  if (image.size() != reference.size() || image.size() == 0) {
    throw usageError("psnr: images differ in size or are empty");
  }
  return psnrFromSquaredErrorLoss(0.5 * (image - reference).squaredNorm(), image.size());
}

double ssim(const Image& image, const Image& reference) {
  if (image.rows != reference.rows || image.cols != reference.cols || image.size() == 0) {
    throw usageError("ssim: images differ in size or are empty");
  }
  constexpr double kC1 = 0.01 * 0.01;
  constexpr double kC2 = 0.03 * 0.03;
  const cv::Mat x(image.rows, image.cols, CV_64F, const_cast<double*>(image.pixels.data()));
  const cv::Mat y(reference.rows, reference.cols, CV_64F,
                  const_cast<double*>(reference.pixels.data()));
  auto blur = [](const cv::Mat& in) {
    cv::Mat out;
    cv::GaussianBlur(in, out, cv::Size(11, 11), 1.5, 1.5, cv::BORDER_REFLECT);
    return out;
  };
  const cv::Mat muX = blur(x), muY = blur(y);
  const cv::Mat muXX = muX.mul(muX), muYY = muY.mul(muY), muXY = muX.mul(muY);
  const cv::Mat sigmaXX = blur(x.mul(x)) - muXX;
  const cv::Mat sigmaYY = blur(y.mul(y)) - muYY;
  const cv::Mat sigmaXY = blur(x.mul(y)) - muXY;
  cv::Mat numerator = (2 * muXY + kC1).mul(2 * sigmaXY + kC2);
  cv::Mat denominator = (muXX + muYY + kC1).mul(sigmaXX + sigmaYY + kC2);
  cv::Mat map;
  cv::divide(numerator, denominator, map);
  return cv::mean(map)[0];
}

}  // namespace bilevel
