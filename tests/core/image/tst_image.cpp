#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "../TestErrors.h"
#include "../TestProblems.h"
#include "common/Error.h"
#include "image/ImageIO.h"
#include "image/Quality.h"

using namespace bilevel;
namespace fs = std::filesystem;

namespace {
void writeBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}
}  // namespace

class TestImage : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  fs::path path(const char* name) const { return fs::path(dir_.path().toStdString()) / name; }

 private slots:
  void roundTripAtEightAndSixteenBits_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("depth");
    QTest::addColumn<double>("tolerance");
    QTest::newRow("png 8") << "a.png" << 8 << 0.5 / 255;
    QTest::newRow("png 16") << "b.png" << 16 << 0.5 / 65535;
    QTest::newRow("tiff 16") << "c.tif" << 16 << 0.5 / 65535;
    QTest::newRow("pgm 8") << "d.pgm" << 8 << 0.5 / 255;
    QTest::newRow("bmp 8") << "e.bmp" << 8 << 0.5 / 255;
  }
  void roundTripAtEightAndSixteenBits() {
    QFETCH(QString, name);
    QFETCH(int, depth);
    QFETCH(double, tolerance);
    const Image original = benchmarkImage(20);
    const fs::path file = path(qPrintable(name));
    writeImage(original, file, depth);
    const Image back = readImage(file);
    QCOMPARE(back.rows, 20);
    QCOMPARE(back.cols, 20);
    QCOMPARE(back.sourceBitDepth, depth);
    QVERIFY((back.pixels - original.pixels).cwiseAbs().maxCoeff() <= tolerance + 1e-12);
    // No temporary files are left behind by the atomic write.
    int files = 0;
    for (const auto& entry : fs::directory_iterator(file.parent_path())) {
      files += entry.path().filename().string().find(".tmp") != std::string::npos;
    }
    QCOMPARE(files, 0);
  }

  void colourIsConvertedToGrey() {
    cv::Mat colour(8, 8, CV_8UC3, cv::Scalar(0, 0, 255));  // pure red, BGR
    cv::imwrite(path("red.png").string(), colour);
    const Image grey = readImage(path("red.png"));
    QVERIFY(std::abs(grey.pixels[0] - 76.0 / 255.0) <= 1.0 / 255.0);  // ITU-R 601 luma of red
  }

  void badFilesGiveAClearErrorNamingTheFile_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing") << "missing.png"
                             << "does not exist";
    QTest::newRow("text named png") << "text.png"
                                    << "could not be decoded";
    QTest::newRow("truncated png") << "truncated.png"
                                   << "truncated";
    QTest::newRow("truncated jpeg") << "truncated.jpg"
                                    << "truncated";
    QTest::newRow("empty") << "empty.png"
                           << "empty";
    QTest::newRow("0×0 pgm") << "zero.pgm"
                             << "";
    QTest::newRow("1×n strip") << "strip.png"
                               << "at least";
    QTest::newRow("directory") << "folder.png"
                               << "directory";
  }
  void badFilesGiveAClearErrorNamingTheFile() {
    QFETCH(QString, name);
    QFETCH(QString, expected);
    writeBytes(path("text.png"), "this is not an image\n");
    writeBytes(path("empty.png"), "");
    writeBytes(path("zero.pgm"), "P5\n0 0\n255\n");
    fs::create_directories(path("folder.png"));
    cv::imwrite(path("strip.png").string(), cv::Mat(1, 40, CV_8UC1, cv::Scalar(128)));
    writeImage(benchmarkImage(64), path("whole.png"), 8);
    writeImage(benchmarkImage(64), path("whole.jpg"), 8);
    for (const char* stem : {"png", "jpg"}) {
      std::ifstream in(path(stem == std::string("png") ? "whole.png" : "whole.jpg"),
                       std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), {});
      writeBytes(path(stem == std::string("png") ? "truncated.png" : "truncated.jpg"),
                 bytes.substr(0, bytes.size() / 2));
    }
    const auto error = test::errorOf([&] { readImage(path(qPrintable(name))); });
    QVERIFY2(error.has_value(), "no error was raised");
    QCOMPARE(error->kind(), ErrorKind::UnreadableInput);
    const QString message = error->what();
    QVERIFY2(message.contains(name), qPrintable(message));
    QVERIFY2(message.contains(expected), qPrintable(message));
  }

  void outputsNeverReplaceTheInput() {
    writeImage(benchmarkImage(16), path("input.png"), 8);
    const auto error =
        test::errorOf([&] { refuseToOverwrite(path("input.png"), path("input.png")); });
    QVERIFY(error.has_value());
    QCOMPARE(error->kind(), ErrorKind::Usage);
    refuseToOverwrite(path("input.png"), path("other.png"));  // different file: fine
  }

  void psnrAndSsim() {
    const Image clean = benchmarkImage(64);
    QVERIFY(std::isinf(psnr(clean.pixels, clean.pixels)));
    Image shifted = clean;
    shifted.pixels.array() += 0.1;
    QVERIFY(std::abs(psnr(shifted.pixels, clean.pixels) - 20.0) <= 1e-9);  // MSE = 0.01
    QVERIFY(std::abs(ssim(clean, clean) - 1.0) <= 1e-12);
    const auto pair = test::benchmarkPair(64);
    QVERIFY(ssim(pair.noisy, pair.clean) < 0.9);
  }

  void noiseIsSeededAndHasTheRequestedLevel() {
    const Image clean = benchmarkImage(128);
    const Image a = addGaussianNoise(clean, 0.1, 3), b = addGaussianNoise(clean, 0.1, 3);
    QCOMPARE(a.pixels, b.pixels);
    const double sigma = (a.pixels - clean.pixels).norm() / std::sqrt(double(clean.size()));
    QVERIFY(std::abs(sigma - 0.1) < 0.002);
  }
};

QTEST_APPLESS_MAIN(TestImage)
#include "tst_image.moc"
