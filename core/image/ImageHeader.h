#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace bilevel {

// The image file formats the core reads (ImageIO.h). Anything else is refused before a decoder
// sees it: OpenCV would also try WebP, JPEG 2000, OpenEXR, Radiance HDR, Sun raster, PAM/PFM and
// GDAL formats, whose sizes we do not check and whose decoders we do not fuzz.
enum class ImageFormat {
  Png,
  Jpeg,
  Tiff,
  Pnm,  // PBM, PGM, PPM (P1–P6)
  Bmp,
};

const char* toString(ImageFormat format);

// What a file's header promises, read without decoding any pixel.
struct ImageHeader {
  ImageFormat format = ImageFormat::Png;
  std::int64_t width = 0;
  std::int64_t height = 0;
  // For tiled TIFF files, the size of one tile (the decoder allocates a whole tile at a time);
  // otherwise equal to width × height.
  std::int64_t tileWidth = 0;
  std::int64_t tileHeight = 0;

  // Sides are at most 2³¹ − 1 (readImageHeader refuses larger ones), so these cannot overflow.
  std::int64_t pixels() const { return width * height; }
  std::int64_t tilePixels() const { return tileWidth * tileHeight; }
};

// Reads the format and the dimensions from the first bytes of an image file: PNG IHDR, the JPEG
// frame header (SOFn), the first IFD of a TIFF or BigTIFF file, the PNM header, the BMP info
// header. Throws Error(UnreadableInput), with `source` (e.g. "image file 'a.png'") leading the
// message, when the format is none of these or the header is truncated, inconsistent or promises
// a side of zero. It never allocates in proportion to the input and reads each byte at most a
// bounded number of times (JPEG and TIFF headers are walked through their segment and entry
// lists, each of which is capped).
ImageHeader readImageHeader(std::span<const unsigned char> bytes, const std::string& source);

}  // namespace bilevel
