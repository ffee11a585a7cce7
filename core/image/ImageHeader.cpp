#include "image/ImageHeader.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/Error.h"

namespace bilevel {

namespace {

// Bounds-checked reads from the file's bytes; every read past the end is a truncated header.
class HeaderBytes {
 public:
  HeaderBytes(std::span<const unsigned char> bytes, const std::string& source, const char* format)
      : bytes_(bytes), source_(source), format_(format) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw inputError(source_ + " is not a valid " + format_ + " image: " + problem);
  }

  std::size_t size() const { return bytes_.size(); }
  bool has(std::uint64_t offset, std::uint64_t count) const {
    return offset <= bytes_.size() && count <= bytes_.size() - offset;
  }
  void need(std::uint64_t offset, std::uint64_t count, const char* what) const {
    if (!has(offset, count)) fail(std::string("the file ends inside its ") + what);
  }
  unsigned byte(std::uint64_t offset, const char* what) const {
    need(offset, 1, what);
    return bytes_[offset];
  }
  // Unsigned integer of `width` bytes (1, 2, 4 or 8), big- or little-endian.
  std::uint64_t integer(std::uint64_t offset, int width, bool bigEndian, const char* what) const {
    need(offset, static_cast<std::uint64_t>(width), what);
    std::uint64_t value = 0;
    for (int i = 0; i < width; ++i) {
      const unsigned b = bytes_[offset + static_cast<std::uint64_t>(bigEndian ? i : width - 1 - i)];
      value = (value << 8) | b;
    }
    return value;
  }

 private:
  std::span<const unsigned char> bytes_;
  const std::string& source_;
  const char* format_;
};

bool startsWith(std::span<const unsigned char> bytes, const char* magic, std::size_t length) {
  return bytes.size() >= length && std::memcmp(bytes.data(), magic, length) == 0;
}

ImageHeader withoutTiles(ImageFormat format, std::int64_t width, std::int64_t height) {
  ImageHeader header;
  header.format = format;
  header.width = header.tileWidth = width;
  header.height = header.tileHeight = height;
  return header;
}

// Sides beyond 2³¹ − 1 fit no decoder (OpenCV's sides are int); refusing them here keeps every
// product of two sides within 64 bits.
constexpr std::int64_t kLargestSide = 2147483647;

void requirePositive(const HeaderBytes& in, std::int64_t width, std::int64_t height) {
  if (width <= 0 || height <= 0 || width > kLargestSide || height > kLargestSide) {
    in.fail("its header promises " + std::to_string(width) + "×" + std::to_string(height) +
            " pixels");
  }
}

// PNG: the 8-byte signature, then the IHDR chunk first (length 13), width and height big-endian
// 32-bit, each in [1, 2³¹ − 1] (PNG specification §11.2.2).
ImageHeader pngHeader(const HeaderBytes& in) {
  if (in.integer(8, 4, true, "IHDR chunk") != 13 ||
      in.integer(12, 4, true, "IHDR chunk") != 0x49484452u /* "IHDR" */) {
    in.fail("its first chunk is not a 13-byte IHDR");
  }
  const auto width = static_cast<std::int64_t>(in.integer(16, 4, true, "IHDR chunk"));
  const auto height = static_cast<std::int64_t>(in.integer(20, 4, true, "IHDR chunk"));
  requirePositive(in, width, height);
  return withoutTiles(ImageFormat::Png, width, height);
}

// JPEG: markers after SOI until the first frame header SOFn, walked as libjpeg walks them (it
// skips stray bytes and 0xFF fill before a marker, and uses the first frame header it meets).
// Each step moves forward by at least one byte, so the walk is linear in the file size.
ImageHeader jpegHeader(const HeaderBytes& in) {
  std::uint64_t pos = 2;
  for (;;) {
    unsigned marker = 0;
    while (marker == 0x00) {  // a stuffed zero byte after 0xFF is not a marker
      while (in.byte(pos, "marker list") != 0xFF)
        ++pos;
      while (in.byte(pos, "marker list") == 0xFF)
        ++pos;
      marker = in.byte(pos, "marker list");
      ++pos;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length field
    if (marker == 0xD8) in.fail("it holds a second start-of-image marker before its frame header");
    if (marker == 0xD9 || marker == 0xDA) in.fail("it has no frame header before its image data");
    const std::uint64_t length = in.integer(pos, 2, true, "marker segment");
    if (length < 2) in.fail("a marker segment has a length below 2");
    const bool frame =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (length < 8) in.fail("its frame header is shorter than 8 bytes");
      const auto height = static_cast<std::int64_t>(in.integer(pos + 3, 2, true, "frame header"));
      const auto width = static_cast<std::int64_t>(in.integer(pos + 5, 2, true, "frame header"));
      if (height == 0) in.fail("its height is given later in a DNL marker, which is unsupported");
      requirePositive(in, width, height);
      return withoutTiles(ImageFormat::Jpeg, width, height);
    }
    pos += length;
  }
}

// TIFF and BigTIFF: the first image file directory (libtiff and OpenCV read only the first page).
// ImageWidth (256) and ImageLength (257) are required; TileWidth (322) and TileLength (323) give
// the unit the decoder allocates at once. A tag that appears twice counts with its larger value,
// so that no reading of the directory can promise more than this header says.
ImageHeader tiffHeader(const HeaderBytes& in, bool bigEndian, bool bigTiff) {
  std::uint64_t directory = 0;
  std::uint64_t entryCount = 0;
  std::uint64_t entrySize = 12;
  std::uint64_t valueSize = 4;
  if (bigTiff) {
    if (in.integer(4, 2, bigEndian, "header") != 8 || in.integer(6, 2, bigEndian, "header") != 0) {
      in.fail("its BigTIFF header does not announce 8-byte offsets");
    }
    directory = in.integer(8, 8, bigEndian, "header");
    entryCount = in.integer(directory, 8, bigEndian, "first directory");
    directory += 8;
    entrySize = 20;
    valueSize = 8;
  } else {
    directory = in.integer(4, 4, bigEndian, "header");
    entryCount = in.integer(directory, 2, bigEndian, "first directory");
    directory += 2;
  }
  // libtiff refuses directories of more than 4096 entries as not being directories at all.
  if (entryCount == 0 || entryCount > 4096) {
    in.fail("its first directory has " + std::to_string(entryCount) + " entries");
  }
  in.need(directory, entryCount * entrySize, "first directory");

  std::optional<std::int64_t> width, height, tileWidth, tileHeight;
  for (std::uint64_t i = 0; i < entryCount; ++i) {
    const std::uint64_t entry = directory + i * entrySize;
    const auto tag = in.integer(entry, 2, bigEndian, "first directory");
    std::optional<std::int64_t>* target = tag == 256   ? &width
                                          : tag == 257 ? &height
                                          : tag == 322 ? &tileWidth
                                          : tag == 323 ? &tileHeight
                                                       : nullptr;
    if (!target) continue;
    const auto type = in.integer(entry + 2, 2, bigEndian, "first directory");
    const auto count = in.integer(entry + 4, static_cast<int>(valueSize), bigEndian, "directory");
    if (count != 1) in.fail("tag " + std::to_string(tag) + " holds more than one value");
    const std::uint64_t field = entry + 4 + valueSize;
    std::int64_t value = 0;
    switch (type) {
      case 1:  // BYTE
        value = static_cast<std::int64_t>(in.integer(field, 1, bigEndian, "directory"));
        break;
      case 6:  // SBYTE
        value = static_cast<std::int8_t>(in.integer(field, 1, bigEndian, "directory"));
        break;
      case 3:  // SHORT
        value = static_cast<std::int64_t>(in.integer(field, 2, bigEndian, "directory"));
        break;
      case 8:  // SSHORT
        value = static_cast<std::int16_t>(in.integer(field, 2, bigEndian, "directory"));
        break;
      case 4:  // LONG
        value = static_cast<std::int64_t>(in.integer(field, 4, bigEndian, "directory"));
        break;
      case 9:  // SLONG
        value = static_cast<std::int32_t>(in.integer(field, 4, bigEndian, "directory"));
        break;
      case 16:    // LONG8
      case 17: {  // SLONG8: inline in BigTIFF, behind an offset in classic TIFF
        const std::uint64_t at = bigTiff ? field : in.integer(field, 4, bigEndian, "directory");
        const std::uint64_t raw = in.integer(at, 8, bigEndian, "directory value");
        // Anything beyond 2⁶² is absurd as a side; keep it positive and far beyond every limit.
        value =
            type == 16 || raw < (std::uint64_t(1) << 63)
                ? static_cast<std::int64_t>(std::min<std::uint64_t>(raw, std::uint64_t(1) << 62))
                : -1;
        break;
      }
      default:
        in.fail("tag " + std::to_string(tag) + " has the non-integer type " + std::to_string(type));
    }
    *target = std::max(target->value_or(value), value);
  }
  if (!width || !height) in.fail("its first directory lacks ImageWidth or ImageLength");
  requirePositive(in, *width, *height);
  ImageHeader header = withoutTiles(ImageFormat::Tiff, *width, *height);
  if (tileWidth || tileHeight) {
    if (!tileWidth || !tileHeight) in.fail("it gives only one of TileWidth and TileLength");
    if (*tileWidth <= 0 || *tileHeight <= 0 || *tileWidth > kLargestSide ||
        *tileHeight > kLargestSide) {
      in.fail("its tiles of " + std::to_string(*tileWidth) + "×" + std::to_string(*tileHeight) +
              " pixels are empty or absurd");
    }
    header.tileWidth = *tileWidth;
    header.tileHeight = *tileHeight;
  }
  return header;
}

// PNM (Netpbm): "P1"–"P6", then width and height as decimal numbers separated by whitespace and
// '#' comments running to the end of the line, as OpenCV's reader parses them.
ImageHeader pnmHeader(const HeaderBytes& in) {
  std::uint64_t pos = 2;
  const auto number = [&](const char* what) -> std::int64_t {
    for (;;) {
      const unsigned c = in.byte(pos, "header");
      if (c == '#') {
        while (in.byte(pos, "header comment") != '\n' && in.byte(pos, "header comment") != '\r')
          ++pos;
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
        ++pos;
      } else {
        break;
      }
    }
    const unsigned first = in.byte(pos, "header");
    if (first < '0' || first > '9') in.fail(std::string("its ") + what + " is not a number");
    std::int64_t value = 0;
    while (pos < in.size()) {
      const unsigned c = in.byte(pos, "header");
      if (c < '0' || c > '9') break;
      // Saturate far beyond any limit rather than overflow.
      value = std::min<std::int64_t>(value * 10 + (c - '0'), std::int64_t(1) << 40);
      ++pos;
    }
    return value;
  };
  const std::int64_t width = number("width");
  const std::int64_t height = number("height");
  requirePositive(in, width, height);
  return withoutTiles(ImageFormat::Pnm, width, height);
}

// BMP: the 14-byte file header, then the info header whose size says its kind: 12 bytes
// (OS/2 1.x, unsigned 16-bit sides) or at least 40 (Windows, signed 32-bit sides; a negative
// height means top-down rows).
ImageHeader bmpHeader(const HeaderBytes& in) {
  const auto infoSize = in.integer(14, 4, false, "info header");
  std::int64_t width = 0;
  std::int64_t height = 0;
  if (infoSize == 12) {
    width = static_cast<std::int64_t>(in.integer(18, 2, false, "info header"));
    height = static_cast<std::int64_t>(in.integer(20, 2, false, "info header"));
  } else if (infoSize >= 40 && infoSize <= 124) {
    width = static_cast<std::int32_t>(in.integer(18, 4, false, "info header"));
    height = static_cast<std::int32_t>(in.integer(22, 4, false, "info header"));
    if (height < 0) height = -height;  // top-down; |INT32_MIN| fits in 64 bits
  } else {
    in.fail("its info header has the unknown size " + std::to_string(infoSize));
  }
  requirePositive(in, width, height);
  return withoutTiles(ImageFormat::Bmp, width, height);
}

}  // namespace

const char* toString(ImageFormat format) {
  switch (format) {
    case ImageFormat::Png:
      return "PNG";
    case ImageFormat::Jpeg:
      return "JPEG";
    case ImageFormat::Tiff:
      return "TIFF";
    case ImageFormat::Pnm:
      return "PNM";
    case ImageFormat::Bmp:
      return "BMP";
  }
  return "unknown";
}

ImageHeader readImageHeader(std::span<const unsigned char> bytes, const std::string& source) {
  static const char kPng[] = "\x89PNG\r\n\x1a\n";
  if (startsWith(bytes, kPng, 8)) return pngHeader(HeaderBytes(bytes, source, "PNG"));
  if (startsWith(bytes, "\xFF\xD8", 2)) return jpegHeader(HeaderBytes(bytes, source, "JPEG"));
  if (startsWith(bytes, "II*\0", 4))
    return tiffHeader(HeaderBytes(bytes, source, "TIFF"), false, false);
  if (startsWith(bytes, "MM\0*", 4))
    return tiffHeader(HeaderBytes(bytes, source, "TIFF"), true, false);
  if (startsWith(bytes, "II+\0", 4))
    return tiffHeader(HeaderBytes(bytes, source, "TIFF"), false, true);
  if (startsWith(bytes, "MM\0+", 4))
    return tiffHeader(HeaderBytes(bytes, source, "TIFF"), true, true);
  if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '6') {
    return pnmHeader(HeaderBytes(bytes, source, "PNM"));
  }
  if (startsWith(bytes, "BM", 2)) return bmpHeader(HeaderBytes(bytes, source, "BMP"));
  throw inputError(source + " could not be decoded (not a PNG, TIFF, JPEG, PGM/PPM or BMP image)");
}

}  // namespace bilevel
