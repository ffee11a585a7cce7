#include "operators/Dct.h"

#include <opencv2/core.hpp>

#include "common/Error.h"

namespace bilevel {
namespace {

Vector transform(const Vector& in, int rows, int cols, int flags) {
  if (in.size() != Eigen::Index(rows) * cols) throw usageError("dct2: size mismatch");
  if ((rows % 2 != 0 && rows != 1) || (cols % 2 != 0 && cols != 1)) {
    throw usageError("the DCT needs even image sides; got " + std::to_string(cols) + "×" +
                     std::to_string(rows));
  }
  Vector out(in.size());
  const cv::Mat src(rows, cols, CV_64F, const_cast<double*>(in.data()));
  cv::Mat dst(rows, cols, CV_64F, out.data());
  cv::dct(src, dst, flags);
  return out;
}

}  // namespace

Vector dct2(const Vector& image, int rows, int cols) {
  return transform(image, rows, cols, 0);
}

Vector idct2(const Vector& coefficients, int rows, int cols) {
  return transform(coefficients, rows, cols, cv::DCT_INVERSE);
}

}  // namespace bilevel
