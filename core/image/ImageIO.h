#pragma once

#include <filesystem>

#include "image/Image.h"

namespace bilevel {

// Smallest and largest image side the core accepts: a 1×n strip has no 2-D gradient worth
// regularising, and a side beyond 2^15 would need tens of GiB of solver state.
constexpr int kMinimumImageSide = 4;
constexpr int kMaximumImageSide = 32768;

// Reads PNG, TIFF, JPEG, PGM/PPM and BMP (8 or 16 bit, grey or colour; colour is converted to grey)
// into [0, 1]. Throws Error(UnreadableInput) naming the file for a missing, truncated or
// undecodable file and for images outside [kMinimumImageSide, kMaximumImageSide].
Image readImage(const std::filesystem::path& path);

// Writes `image` clamped to [0, 1] at `bitDepth` (8 or 16) in the format the extension names.
// The file appears atomically: it is written under a temporary name beside the target and renamed.
void writeImage(const Image& image, const std::filesystem::path& path, int bitDepth = 8);

// Throws Error(Usage) when `output` is the same file as `input`, so no command ever replaces the
// user's own image.
void refuseToOverwrite(const std::filesystem::path& input, const std::filesystem::path& output);

// Writes `text` to `path` atomically (temporary file and rename).
void writeTextFileAtomically(const std::filesystem::path& path, const std::string& text);

}  // namespace bilevel
