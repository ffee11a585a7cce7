#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "image/Image.h"

namespace bilevel {

// Smallest and largest image side the core accepts: a 1×n strip has no 2-D gradient worth
// regularising, and a side beyond 2^15 would need tens of GiB of solver state.
constexpr int kMinimumImageSide = 4;
constexpr int kMaximumImageSide = 32768;

// The largest image, in pixels, that readImage decodes: the environment variable
// BILEVEL_MAX_IMAGE_PIXELS when it is set (a positive whole number, e.g.
// BILEVEL_MAX_IMAGE_PIXELS=100000000; anything else is Error(Usage) naming the variable), else
// defaultMaximumImagePixels(). The size comes from the file's header (ImageHeader.h), so an
// oversized image is refused before any pixel memory is allocated, with a message that gives its
// size and this limit.
std::int64_t maximumImagePixels();

// Half of the machine's physical memory divided by kLearningBytesPerPixel: learning on the
// largest image then leaves the other half to the rest of the system. The per-pixel cost was
// measured with `bilevel-cli bench --model huber-tv --method implicit-cg` at 512² and 1024² (peak
// RSS 79 MB and 175 MB: 128 bytes, i.e. 16 double vectors, per extra pixel); learning adds the
// clean and noisy images, the optimiser's memory and the studio's snapshots, so the budget is twice
// that. On a 24 GiB machine this is 50,331,648 pixels (about 7100²); 4 GiB is assumed when the
// physical memory cannot be queried.
constexpr std::int64_t kLearningBytesPerPixel = 256;
std::int64_t defaultMaximumImagePixels();

// OpenCV has a limit of its own (OPENCV_IO_MAX_IMAGE_PIXELS, 2³⁰ by default, read once when the
// library loads, so it cannot be set from here); kMaximumImageSide² equals it, so ours is always
// the one that speaks first.

// Reads PNG, TIFF, JPEG, PGM/PPM and BMP (8 or 16 bit, grey or colour; colour is converted to grey
// and Image::convertedFromColour says so) as working intensities in [0, 1] relative to the image's
// own range (intensityRangeFor: the type range, or [min, max] for data that fills less than half
// of it), kept in Image::range. Floating-point files must hold values in [0, 1]. Throws
// Error(UnreadableInput) naming the file for a missing, truncated or undecodable file (other
// formats are refused), for images outside [kMinimumImageSide, kMaximumImageSide] and for images
// beyond maximumImagePixels().
Image readImage(const std::filesystem::path& path);

// readImage on the bytes of a file already in memory (readImage itself reads the file and calls
// this); `source` names the file in messages, e.g. "image file 'a.png'".
Image decodeImage(std::span<const unsigned char> bytes, const std::string& source);

// The same raw values as `image` in the working intensities of `reference`'s range: how a noisy
// image is read in its clean image's range (a pair shares one map, so noise beyond the clean
// extremes stays outside [0, 1] rather than being stretched away). Files of different depths are
// compared as fractions of their type ranges (a float noisy image of an 8-bit clean one: raw/1 ≡
// raw·255/255). Returns `image` unchanged when the two already share a map.
Image expressedInRangeOf(const Image& image, const Image& reference);

// Writes `image` at `bitDepth` (8 or 16) in the format the extension names: at the image's source
// depth in its raw units (Image::range mapped back, so a 16-bit 1000–3000 input gives a 16-bit
// output around 1000–3000), otherwise with working [0, 1] across the whole type range; values
// beyond the type range are clamped.
// The file appears atomically: it is written under a temporary name beside the target and renamed.
void writeImage(const Image& image, const std::filesystem::path& path, int bitDepth = 8);

// Throws Error(Usage) when `output` is the same file as `input`, so no command ever replaces the
// user's own image.
void refuseToOverwrite(const std::filesystem::path& input, const std::filesystem::path& output);

// Writes `text` to `path` atomically (temporary file and rename).
void writeTextFileAtomically(const std::filesystem::path& path, const std::string& text);

}  // namespace bilevel
