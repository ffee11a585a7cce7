// Fuzz target: the image header reader (core/image/ImageHeader) alone, the parser that decides
// whether an image may be decoded at all, so it must survive any bytes and never promise an empty
// image.
#include <cstdio>
#include <cstdlib>

#include "FuzzInput.h"
#include "image/ImageHeader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bilevel::fuzz::expectOnlyErrors([&] {
    const bilevel::ImageHeader header = bilevel::readImageHeader({data, size}, "fuzz input");
    if (header.width <= 0 || header.height <= 0 || header.tileWidth <= 0 ||
        header.tileHeight <= 0) {
      std::fprintf(stderr, "finding: readImageHeader accepted %lld×%lld (tiles %lld×%lld)\n",
                   static_cast<long long>(header.width), static_cast<long long>(header.height),
                   static_cast<long long>(header.tileWidth),
                   static_cast<long long>(header.tileHeight));
      std::abort();
    }
  });
  return 0;
}
