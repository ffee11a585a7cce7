#pragma once

// Helpers shared by the fuzz targets: an in-memory file that carries each input to the loaders'
// real, path-based entry points, and the rule that decides what counts as a finding.

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "common/Error.h"

namespace bilevel::fuzz {

// A file in memory (memfd): readImage, Configuration::fromFile and readSessionFile take a path,
// and /proc/self/fd/N is one, so each input goes through exactly the code a user's file does,
// without touching the disk. One per process, rewritten for every input.
class MemoryFile {
 public:
  explicit MemoryFile(const char* name) : fd_(memfd_create(name, 0)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  const std::filesystem::path& write(const std::uint8_t* data, std::size_t size) {
    if (ftruncate(fd_, 0) != 0) std::abort();
    std::size_t written = 0;
    while (written < size) {
      const ssize_t n = pwrite(fd_, data + written, size - written, static_cast<off_t>(written));
      if (n <= 0) std::abort();
      written += static_cast<std::size_t>(n);
    }
    return path_;
  }

 private:
  int fd_;
  std::filesystem::path path_;
};

// Runs `action` on one input. Error is how the core refuses bad input, so it is expected; any
// other exception escaping is a finding, reported and turned into a crash so libFuzzer saves the
// input.
template <class Action>
void expectOnlyErrors(Action&& action) {
  try {
    action();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "finding: a %s escaped instead of bilevel::Error: %s\n", typeid(e).name(),
                 e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "finding: a non-standard exception escaped\n");
    std::abort();
  }
}

// Splits `text` at NUL bytes (JSON text never holds one, so NUL can separate a document from the
// `--set` assignments that follow it).
inline std::vector<std::string_view> splitAtNul(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto nul = text.find('\0', start);
    parts.push_back(text.substr(start, nul == std::string_view::npos ? nul : nul - start));
    if (nul == std::string_view::npos) return parts;
    start = nul + 1;
  }
}

}  // namespace bilevel::fuzz
