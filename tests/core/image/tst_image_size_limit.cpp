#include <unistd.h>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdint>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "../TestErrors.h"
#include "common/Error.h"
#include "image/BenchmarkImage.h"
#include "image/ImageHeader.h"
#include "image/ImageIO.h"

using namespace bilevel;
namespace fs = std::filesystem;

// Oversized images are refused from their header, before a decoder allocates their pixels, and
// the header reader agrees with the decoders on every format readImage accepts.
namespace {

std::string bigEndian32(std::uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}
std::string littleEndian32(std::uint32_t v) {
  return {char(v), char(v >> 8), char(v >> 16), char(v >> 24)};
}
std::string littleEndian16(std::uint16_t v) {
  return {char(v), char(v >> 8)};
}

// Files that consist of a header promising width × height pixels and no pixel data (just the end
// marker where the format has one, so that only the size can be the reason to refuse them).
std::string pngHeader(std::uint32_t width, std::uint32_t height) {
  std::string bytes("\x89PNG\r\n\x1a\n", 8);
  bytes += bigEndian32(13) + "IHDR" + bigEndian32(width) + bigEndian32(height);
  bytes += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit grey, no interlacing
  bytes += bigEndian32(0);                          // CRC (never reached)
  bytes += bigEndian32(0) + "IEND" + std::string("\xae\x42\x60\x82", 4);
  return bytes;
}
std::string jpegHeader(std::uint16_t width, std::uint16_t height) {
  std::string bytes("\xff\xd8", 2);
  bytes += std::string("\xff\xe0\x00\x04\x00\x00", 6);  // an APP0 segment to step over
  bytes += std::string("\xff\xc0\x00\x0b\x08", 5);      // SOF0, length 11, 8-bit
  bytes += {char(height >> 8), char(height), char(width >> 8), char(width)};
  bytes += std::string("\x01\x01\x11\x00", 4);  // one component
  bytes += std::string("\xff\xd9", 2);
  return bytes;
}
std::string tiffHeader(std::uint32_t width, std::uint32_t height) {
  std::string bytes("II*\0", 4);
  bytes += littleEndian32(8);
  bytes += littleEndian16(3);
  const auto entry = [](std::uint16_t tag, std::uint16_t type, std::uint32_t value) {
    return littleEndian16(tag) + littleEndian16(type) + littleEndian32(1) + littleEndian32(value);
  };
  bytes += entry(256, 4, width) + entry(257, 4, height) + entry(258, 3, 8);
  bytes += littleEndian32(0);  // no next directory
  return bytes;
}
std::string pgmHeader(std::uint32_t width, std::uint32_t height) {
  return "P5\n# made by a test\n" + std::to_string(width) + " " + std::to_string(height) +
         "\n255\n";
}
std::string bmpHeader(std::uint32_t width, std::uint32_t height) {
  std::string bytes = "BM" + littleEndian32(54) + littleEndian32(0) + littleEndian32(54);
  bytes += littleEndian32(40) + littleEndian32(width) + littleEndian32(height);
  bytes += littleEndian16(1) + littleEndian16(8);  // one plane, 8 bits per pixel
  bytes += std::string(24, '\0');
  return bytes;
}

std::string crafted(const QString& format, std::uint32_t width, std::uint32_t height) {
  if (format == "png") return pngHeader(width, height);
  if (format == "jpg") return jpegHeader(std::uint16_t(width), std::uint16_t(height));
  if (format == "tif") return tiffHeader(width, height);
  if (format == "pgm") return pgmHeader(width, height);
  return bmpHeader(width, height);
}

}  // namespace

class TestImageSizeLimit : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  fs::path path(const std::string& name) const {
    return fs::path(dir_.path().toStdString()) / name;
  }
  fs::path write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
    return path(name);
  }
  static void formats() {
    QTest::addColumn<QString>("format");
    QTest::addColumn<int>("side");  // the largest side the format's header can state
    QTest::newRow("png") << "png" << 100000;
    QTest::newRow("tiff") << "tif" << 100000;
    QTest::newRow("pgm") << "pgm" << 100000;
    QTest::newRow("bmp") << "bmp" << 100000;
    QTest::newRow("jpeg") << "jpg" << 65535;  // 16-bit sides
  }

 private slots:
  void init() { qunsetenv("BILEVEL_MAX_IMAGE_PIXELS"); }
  void cleanup() { qunsetenv("BILEVEL_MAX_IMAGE_PIXELS"); }

  // The case: a header that promises 100,000 × 100,000 pixels (10¹⁰, 80 GB as doubles).
  // Only a header check can produce this message: the files hold no pixel data, so a decoder that
  // got to run would report corrupt data (or OpenCV its own limit) instead.
  void hugeHeaderIsRefusedWithItsSizeAndTheLimit_data() { formats(); }
  void hugeHeaderIsRefusedWithItsSizeAndTheLimit() {
    QFETCH(QString, format);
    QFETCH(int, side);
    const fs::path file = write("huge." + format.toStdString(), crafted(format, side, side));
    const auto error = test::errorOf([&] { readImage(file); });
    QVERIFY2(error.has_value(), "the oversized image was accepted");
    QCOMPARE(error->kind(), ErrorKind::UnreadableInput);
    const QString message = error->what();
    const QString size = QString("%1×%1 pixels").arg(side);
    QVERIFY2(message.contains(QString::fromStdString(file.string())), qPrintable(message));
    QVERIFY2(message.contains("too large"), qPrintable(message));
    QVERIFY2(message.contains(size), qPrintable(message));
    QVERIFY2(message.contains(QString::number(defaultMaximumImagePixels())), qPrintable(message));
    QVERIFY2(message.contains("BILEVEL_MAX_IMAGE_PIXELS"), qPrintable(message));
  }

  // Sides within kMaximumImageSide but more pixels than the (overridden) limit: refused by the
  // pixel count alone; below the limit the same header gets through to the decoder, which then
  // finds no pixel data.
  void pixelLimitIsTheEnvironmentVariable_data() { formats(); }
  void pixelLimitIsTheEnvironmentVariable() {
    QFETCH(QString, format);
    const fs::path file = write("large." + format.toStdString(), crafted(format, 2000, 1500));
    qputenv("BILEVEL_MAX_IMAGE_PIXELS", "2999999");
    QCOMPARE(maximumImagePixels(), std::int64_t(2999999));
    auto error = test::errorOf([&] { readImage(file); });
    QVERIFY(error.has_value());
    QString message = error->what();
    QVERIFY2(message.contains("2000×1500 pixels (3000000 pixels)"), qPrintable(message));
    QVERIFY2(message.contains("the limit is 2999999 pixels"), qPrintable(message));

    qputenv("BILEVEL_MAX_IMAGE_PIXELS", "3000000");
    error = test::errorOf([&] { readImage(file); });
    QVERIFY(error.has_value());
    message = error->what();
    QVERIFY2(!message.contains("too large"), qPrintable(message));
    QCOMPARE(error->kind(), ErrorKind::UnreadableInput);
  }

  void limitAppliesToRealImages() {
    writeImage(benchmarkImage(40), path("real.png"), 8);
    qputenv("BILEVEL_MAX_IMAGE_PIXELS", "1599");
    const auto error = test::errorOf([&] { readImage(path("real.png")); });
    QVERIFY(error.has_value());
    QVERIFY2(QString(error->what()).contains("40×40 pixels"), error->what());
    qputenv("BILEVEL_MAX_IMAGE_PIXELS", "1600");
    QCOMPARE(readImage(path("real.png")).rows, 40);
  }

  void malformedLimitNamesTheVariable_data() {
    QTest::addColumn<QByteArray>("value");
    QTest::newRow("word") << QByteArray("lots");
    QTest::newRow("zero") << QByteArray("0");
    QTest::newRow("negative") << QByteArray("-5");
    QTest::newRow("trailing text") << QByteArray("100k");
    QTest::newRow("empty") << QByteArray("");
    QTest::newRow("beyond 64 bits") << QByteArray("99999999999999999999");
  }
  void malformedLimitNamesTheVariable() {
    QFETCH(QByteArray, value);
    qputenv("BILEVEL_MAX_IMAGE_PIXELS", value);
    const auto error = test::errorOf([] { maximumImagePixels(); });
    QVERIFY(error.has_value());
    QCOMPARE(error->kind(), ErrorKind::Usage);
    QVERIFY2(QString(error->what()).contains("BILEVEL_MAX_IMAGE_PIXELS"), error->what());
  }

  void defaultLimitFollowsThePhysicalMemory() {
    QCOMPARE(maximumImagePixels(), defaultMaximumImagePixels());
    const std::int64_t memory =
        std::int64_t(sysconf(_SC_PHYS_PAGES)) * std::int64_t(sysconf(_SC_PAGESIZE));
    QCOMPARE(defaultMaximumImagePixels(), memory / 2 / kLearningBytesPerPixel);
    // Any machine with 2 GiB takes a 2048² image.
    QVERIFY(defaultMaximumImagePixels() >= 2048 * 2048);
  }

  // The header reader agrees with OpenCV's decoders on the size of every kind of file readImage
  // accepts (a non-square size, so that swapped sides show).
  void headerMatchesTheDecoder_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("flag");
    QTest::addColumn<int>("value");
    QTest::newRow("png 8 grey") << "a.png" << CV_8UC1 << 0 << 0;
    QTest::newRow("png 16 colour") << "b.png" << CV_16UC3 << 0 << 0;
    QTest::newRow("tiff 8") << "c.tif" << CV_8UC1 << 0 << 0;
    QTest::newRow("tiff 16 colour") << "d.tif" << CV_16UC3 << 0 << 0;
    QTest::newRow("tiff float") << "e.tif" << CV_32FC1 << 0 << 0;
    QTest::newRow("jpeg") << "f.jpg" << CV_8UC3 << 0 << 0;
    QTest::newRow("jpeg progressive")
        << "g.jpg" << CV_8UC1 << int(cv::IMWRITE_JPEG_PROGRESSIVE) << 1;
    QTest::newRow("pgm binary 16") << "h.pgm" << CV_16UC1 << 0 << 0;
    QTest::newRow("pgm ascii") << "i.pgm" << CV_8UC1 << int(cv::IMWRITE_PXM_BINARY) << 0;
    QTest::newRow("ppm") << "j.ppm" << CV_8UC3 << 0 << 0;
    QTest::newRow("bmp grey") << "k.bmp" << CV_8UC1 << 0 << 0;
    QTest::newRow("bmp colour") << "l.bmp" << CV_8UC3 << 0 << 0;
  }
  void headerMatchesTheDecoder() {
    QFETCH(QString, name);
    QFETCH(int, type);
    QFETCH(int, flag);
    QFETCH(int, value);
    cv::Mat image(23, 37, type, cv::Scalar::all(CV_MAT_DEPTH(type) == CV_32F ? 0.5 : 100));
    const fs::path file = path(name.toStdString());
    std::vector<int> parameters;
    if (flag) parameters = {flag, value};
    QVERIFY(cv::imwrite(file.string(), image, parameters));
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const ImageHeader header = readImageHeader(
        {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()}, "test");
    QCOMPARE(header.width, std::int64_t(37));
    QCOMPARE(header.height, std::int64_t(23));
    const Image decoded = readImage(file);
    QCOMPARE(decoded.cols, 37);
    QCOMPARE(decoded.rows, 23);
  }

  void malformedHeadersAreRefusedByName_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");
    QTest::newRow("png without IHDR")
        << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDX", 16) << "IHDR";
    // Found by fuzz_image_file: 4292935866 × 3305373696 overflowed the 64-bit pixel count.
    QTest::newRow("png with sides beyond 2^31")
        << QByteArray::fromStdString(pngHeader(4292935866u, 3305373696u)) << "4292935866×";
    QTest::newRow("png zero width") << QByteArray::fromStdString(pngHeader(0, 10)) << "0×10";
    QTest::newRow("jpeg without frame header")
        << QByteArray("\xff\xd8\xff\xda\x00\x02\xff\xd9", 8) << "no frame header";
    QTest::newRow("jpeg with DNL height") << QByteArray::fromStdString(jpegHeader(10, 0)) << "DNL";
    QTest::newRow("tiff directory outside the file")
        << QByteArray("II*\0\xff\0\0\0", 8) << "ends inside";
    QTest::newRow("tiff without ImageLength")
        << QByteArray::fromStdString(tiffHeader(10, 10)).replace(22, 1, "\x02") << "ImageLength";
    QTest::newRow("pgm with a word for its width") << QByteArray("P5\nwide 10\n255\n") << "width";
    QTest::newRow("bmp with an unknown info header")
        << QByteArray::fromStdString(bmpHeader(10, 10)).replace(14, 1, "\x07") << "unknown size";
    QTest::newRow("gif") << QByteArray("GIF89a\x10\0\x10\0", 10) << "not a PNG, TIFF";
  }
  void malformedHeadersAreRefusedByName() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    const fs::path file = write("bad.img", bytes.toStdString());
    const auto error = test::errorOf([&] { readImage(file); });
    QVERIFY(error.has_value());
    QCOMPARE(error->kind(), ErrorKind::UnreadableInput);
    QVERIFY2(QString(error->what()).contains(QString::fromStdString(file.string())), error->what());
    QVERIFY2(QString(error->what()).contains(expected), error->what());
  }

  // A file too big for any image within the limit is refused from its size, unread (a sparse
  // 100 MiB file: no disk space, and reading it would take 100 MiB of memory).
  void oversizedFileIsRefusedUnread() {
    qputenv("BILEVEL_MAX_IMAGE_PIXELS", "1000");
    const fs::path file = write("sparse.png", pngHeader(20, 20));
    fs::resize_file(file, std::uintmax_t(100) << 20);
    const auto error = test::errorOf([&] { readImage(file); });
    QVERIFY(error.has_value());
    QCOMPARE(error->kind(), ErrorKind::UnreadableInput);
    QVERIFY2(QString(error->what()).contains("larger than 64 MiB"), error->what());
  }

  // A device is not read to its end either.
  void endlessInputIsNotReadIntoMemory() {
    qputenv("BILEVEL_MAX_IMAGE_PIXELS", "1000");
    const auto error = test::errorOf([] { readImage("/dev/zero"); });
    QVERIFY(error.has_value());
    QCOMPARE(error->kind(), ErrorKind::UnreadableInput);
    QVERIFY2(QString(error->what()).contains("larger than"), error->what());
  }
};

QTEST_GUILESS_MAIN(TestImageSizeLimit)
#include "tst_image_size_limit.moc"
