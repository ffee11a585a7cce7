// Intensities in the data's units (issue 10 §4): the map between a file's raw values and the
// working intensities, decided once in the core for bilevel-cli and the studio alike.
#include <QTemporaryDir>
#include <QtTest>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/Error.h"
#include "config/Configuration.h"
#include "image/ImageIO.h"
#include "image/Quality.h"
#include "learning/LearningSession.h"
#include "learning/TrainingPair.h"

using namespace bilevel;
namespace fs = std::filesystem;

namespace {

// The 16-bit file holds 1000 + round(2000·v/255) for the 8-bit file's v: its working values differ
// from v/255 by its quantisation, at most half a step of the 2000 between 1000 and 3000.
constexpr double kSixteenBitQuantisation = 0.5 / 2000.0;

// The phantom (it fills 0–255) at 48×48: small enough to learn on in a second.
cv::Mat phantom48() {
  cv::Mat full = cv::imread(BILEVEL_SOURCE_DIR "/sample_images/phantom.png", cv::IMREAD_UNCHANGED);
  cv::Mat small;
  cv::resize(full, small, cv::Size(48, 48), 0, 0, cv::INTER_NEAREST);
  return small;
}

cv::Mat toSixteenBit1000To3000(const cv::Mat& eightBit) {
  cv::Mat scaled, out;
  eightBit.convertTo(scaled, CV_64F, 2000.0 / 255.0, 1000.0);
  scaled.convertTo(out, CV_16U);  // rounds
  return out;
}

LearnSummary learnOn(const fs::path& image, int steps) {
  Configuration config = Configuration::fromPreset("tv-denoise");
  config.merge({{"image", image.string()}}, "the test");
  config.set("outer.iterations=" + std::to_string(steps));
  LearningSession session(loadTrainingPairs(config), config);
  LearnSummary summary = session.run(steps);
  summary.message = std::to_string(session.parameters()[0]);  // the learned λ, for the report
  return summary;
}

}  // namespace

class TestIntensityRange : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  fs::path path(const char* name) const { return fs::path(dir_.path().toStdString()) / name; }

 private slots:
  void theRangeRule_data() {
    QTest::addColumn<double>("minimum");
    QTest::addColumn<double>("maximum");
    QTest::addColumn<int>("depth");
    QTest::addColumn<bool>("dataRange");
    QTest::newRow("8-bit shapes.png, 13–242") << 13.0 << 242.0 << 8 << false;
    QTest::newRow("8-bit, exactly half") << 100.0 << 227.5 << 8 << false;
    QTest::newRow("8-bit, less than half") << 100.0 << 227.0 << 8 << true;
    QTest::newRow("16-bit written from [0.05, 0.95]") << 3277.0 << 62258.0 << 16 << false;
    QTest::newRow("16-bit 1000–3000") << 1000.0 << 3000.0 << 16 << true;
    QTest::newRow("12-bit data in 16 bits") << 0.0 << 4095.0 << 16 << true;
    QTest::newRow("float [0.4, 0.6]") << 0.4 << 0.6 << 32 << true;
    QTest::newRow("constant 16-bit") << 1500.0 << 1500.0 << 16 << false;
    QTest::newRow("constant 8-bit") << 0.0 << 0.0 << 8 << false;
  }
  void theRangeRule() {
    QFETCH(double, minimum);
    QFETCH(double, maximum);
    QFETCH(int, depth);
    QFETCH(bool, dataRange);
    const IntensityRange range = intensityRangeFor(minimum, maximum, depth);
    QVERIFY(range.high > range.low);  // never a zero span: no NaN downstream
    if (dataRange) {
      QCOMPARE(range.kind, IntensityRange::Kind::DataRange);
      QCOMPARE(range.low, minimum);
      QCOMPARE(range.high, maximum);
    } else {
      QCOMPARE(range.kind, IntensityRange::Kind::TypeRange);
      QCOMPARE(range.low, 0.0);
      QCOMPARE(range.high, typeMaximum(depth));
    }
  }

  // The same picture as 8-bit 0–255 and as 16-bit 1000–3000 gives the same working image, and
  // both ranges are reported; before, the 16-bit one read as [0.015, 0.046].
  void eightAndSixteenBitFilesOfOnePictureReadAlike() {
    const cv::Mat eight = phantom48();
    double lo = 0, hi = 0;
    cv::minMaxLoc(eight, &lo, &hi);
    QCOMPARE(lo, 0.0);
    QCOMPARE(hi, 255.0);
    QVERIFY(cv::imwrite(path("p8.png").string(), eight));
    QVERIFY(cv::imwrite(path("p16.tif").string(), toSixteenBit1000To3000(eight)));

    const Image a = readImage(path("p8.png")), b = readImage(path("p16.tif"));
    QCOMPARE(a.range.kind, IntensityRange::Kind::TypeRange);
    QCOMPARE(b.range.kind, IntensityRange::Kind::DataRange);
    QCOMPARE(b.range.low, 1000.0);
    QCOMPARE(b.range.high, 3000.0);
    QCOMPARE(b.sourceBitDepth, 16);
    const double difference = (a.pixels - b.pixels).cwiseAbs().maxCoeff();
    QVERIFY2(difference <= kSixteenBitQuantisation + 1e-12,
             qPrintable(QString::number(difference)));
    QCOMPARE(describe(b.range, b.sourceBitDepth),
             std::string("the data range 1000–3000 of the 16-bit file"));
    QCOMPARE(describe(a.range, a.sourceBitDepth), std::string("the 8-bit range 0–255"));
  }

  // ... and so learns the same λ to the same PSNR (σ and PSNR relative to the data range).
  void eightAndSixteenBitFilesLearnAlike() {
    const cv::Mat eight = phantom48();
    QVERIFY(cv::imwrite(path("l8.png").string(), eight));
    QVERIFY(cv::imwrite(path("l16.tif").string(), toSixteenBit1000To3000(eight)));
    const LearnSummary a = learnOn(path("l8.png"), 4), b = learnOn(path("l16.tif"), 4);
    const double lambdaA = std::stod(a.message), lambdaB = std::stod(b.message);
    qInfo("8-bit: λ %.6f, PSNR %.4f → %.4f dB; 16-bit 1000–3000: λ %.6f, PSNR %.4f → %.4f dB",
          lambdaA, a.initialPsnr, a.finalPsnr, lambdaB, b.initialPsnr, b.finalPsnr);
    QVERIFY(lambdaA != 0.02);  // it learned something (model.lambda starts at 0.02)
    QVERIFY2(std::abs(lambdaA - lambdaB) <= 1e-3 * lambdaA, qPrintable(QString::number(lambdaB)));
    QVERIFY(std::abs(a.initialPsnr - b.initialPsnr) <= 0.01);
    QVERIFY(std::abs(a.finalPsnr - b.finalPsnr) <= 0.01);
    QVERIFY(a.finalPsnr > a.initialPsnr + 3.0);
  }

  // Outputs at the source depth are in raw units: written, then read by OpenCV, they hold
  // low + x·span rounded; read back by readImage they give the same raw values.
  void outputsRoundTripInRawUnits() {
    QVERIFY(cv::imwrite(path("r16.tif").string(), toSixteenBit1000To3000(phantom48())));
    Image image = readImage(path("r16.tif"));
    image.pixels.array() = 0.9 * image.pixels.array() + 0.03;  // a "reconstruction"
    image.pixels[0] = -0.1;                                    // below the data range: 800
    writeImage(image, path("out16.png"), 16);
    writeImage(image, path("out8.png"), 8);

    const cv::Mat written = cv::imread(path("out16.png").string(), cv::IMREAD_UNCHANGED);
    QCOMPARE(written.depth(), CV_16U);
    double maxError = 0.0;
    for (int r = 0; r < image.rows; ++r) {
      for (int c = 0; c < image.cols; ++c) {
        const double expected = std::max(0.0, image.range.toRaw(image.at(r, c)));
        maxError = std::max(maxError, std::abs(written.at<std::uint16_t>(r, c) - expected));
      }
    }
    QVERIFY2(maxError <= 0.5 + 1e-9, qPrintable(QString::number(maxError)));  // rounding only
    QCOMPARE(written.at<std::uint16_t>(0, 0), std::uint16_t(800));
    const Image back = readImage(path("out16.png"));
    for (Eigen::Index i = 0; i < image.size(); ++i) {
      QVERIFY(std::abs(back.range.toRaw(back.pixels[i]) - image.range.toRaw(image.pixels[i])) <=
              0.5 + 1e-9);
    }
    // At another depth the data range spans the type range: the 8-bit picture of the output.
    const cv::Mat picture = cv::imread(path("out8.png").string(), cv::IMREAD_UNCHANGED);
    QCOMPARE(picture.depth(), CV_8U);
    QCOMPARE(int(picture.at<std::uint8_t>(0, 1)),
             int(std::lround(std::clamp(image.at(0, 1), 0.0, 1.0) * 255.0)));
  }

  // A noisy/clean pair shares the clean image's range: the noisy file's own extremes do not
  // stretch it, and its noise beyond the clean range stays outside [0, 1].
  void aNoisyFileIsReadInItsCleanImagesRange() {
    const cv::Mat clean = toSixteenBit1000To3000(phantom48());
    cv::Mat noisy = clean.clone();
    noisy.at<std::uint16_t>(3, 4) = 3400;
    noisy.at<std::uint16_t>(5, 6) = 600;
    QVERIFY(cv::imwrite(path("c16.tif").string(), clean));
    QVERIFY(cv::imwrite(path("n16.tif").string(), noisy));
    Configuration config = Configuration::fromPreset("tv-denoise");
    config.merge({{"image", path("c16.tif").string()}, {"noisy", path("n16.tif").string()}},
                 "the test");
    const TrainingPair pair = loadTrainingPairs(config).front();
    QCOMPARE(pair.noisy.range, pair.clean.range);
    QVERIFY(std::abs(pair.noisy.at(3, 4) - 1.2) <= 1e-12);
    QVERIFY(std::abs(pair.noisy.at(5, 6) + 0.2) <= 1e-12);
    QVERIFY(std::abs(pair.noisy.at(10, 10) - pair.clean.at(10, 10)) <= 1e-12);
    // A float noisy image of an 8-bit clean one: fractions of the type ranges.
    Image eightBitClean(4, 4);
    eightBitClean.range = {IntensityRange::Kind::TypeRange, 0.0, 255.0};
    Image floatNoisy(4, 4);
    floatNoisy.sourceBitDepth = 32;
    floatNoisy.range = {IntensityRange::Kind::DataRange, 0.25, 0.75};
    floatNoisy.pixels.setConstant(0.5);  // raw 0.5 of 1 = 127.5 of 255
    QVERIFY(std::abs(expressedInRangeOf(floatNoisy, eightBitClean).pixels[0] - 0.5) <= 1e-12);
    // With generated noise, σ is relative to the data range: σ = 0.1 is 200 raw units.
    config.merge({{"noisy", nullptr}}, "the test");
    const TrainingPair generated = loadTrainingPairs(config).front();
    const double sigma = (generated.noisy.pixels - generated.clean.pixels).norm() /
                         std::sqrt(double(generated.clean.size()));
    QVERIFY(std::abs(sigma * generated.clean.range.span() - 200.0) <= 20.0);
  }

  // A constant image has no spread: it keeps the type range, every value finite, and learning
  // and PSNR on it stay finite.
  void aConstantImageGetsTheTypeRangeNeverNaN() {
    QVERIFY(cv::imwrite(path("flat16.png").string(), cv::Mat(16, 16, CV_16U, cv::Scalar(1500))));
    QVERIFY(cv::imwrite(path("flatf.tiff").string(), cv::Mat(16, 16, CV_32F, cv::Scalar(0.25))));
    const Image flat = readImage(path("flat16.png"));
    QCOMPARE(flat.range.kind, IntensityRange::Kind::TypeRange);
    QVERIFY(flat.pixels.allFinite());
    QVERIFY(std::abs(flat.pixels[0] - 1500.0 / 65535.0) <= 1e-15);
    const Image flatFloat = readImage(path("flatf.tiff"));
    QVERIFY(flatFloat.pixels.allFinite());
    QCOMPARE(flatFloat.pixels[0], 0.25);
    Configuration config = Configuration::fromPreset("tv-denoise");
    config.merge({{"image", path("flat16.png").string()}}, "the test");
    const TrainingPair pair = loadTrainingPairs(config).front();
    QVERIFY(std::isfinite(psnr(pair.noisy.pixels, pair.clean.pixels)));
    QVERIFY(inputNotices(pair).empty());
  }

  void colourIsReportedAndGreyAsRgbIsNot() {
    cv::Mat colour(8, 8, CV_8UC3, cv::Scalar(40, 90, 200));
    colour.at<cv::Vec3b>(0, 0) = {0, 0, 0};
    colour.at<cv::Vec3b>(1, 1) = {255, 255, 255};  // fills 0–255: no data-range notice
    QVERIFY(cv::imwrite(path("colour.png").string(), colour));
    cv::Mat greyRgb(8, 8, CV_8UC3, cv::Scalar(120, 120, 120));
    greyRgb.at<cv::Vec3b>(0, 0) = {250, 250, 250};
    QVERIFY(cv::imwrite(path("grey-rgb.png").string(), greyRgb));
    QVERIFY(readImage(path("colour.png")).convertedFromColour);
    QVERIFY(!readImage(path("grey-rgb.png")).convertedFromColour);

    Configuration config = Configuration::fromPreset("tv-denoise");
    config.merge({{"image", path("colour.png").string()}}, "the test");
    const auto notices = inputNotices(loadTrainingPairs(config).front());
    QCOMPARE(notices.size(), std::size_t(1));
    QVERIFY(notices.front().find("converted to grey") != std::string::npos);
    QVERIFY(notices.front().find("colour.png") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestIntensityRange)
#include "tst_intensity_range.moc"
