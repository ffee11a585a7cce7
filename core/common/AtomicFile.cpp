#include "common/AtomicFile.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <random>
#include <string>

#include "common/Error.h"

namespace bilevel {
namespace fs = std::filesystem;

namespace {

std::string quoted(const fs::path& path) {
  std::string text(1, '\'');
  text += path.string();
  text += '\'';
  return text;
}

// A name no other writer picks: two programs exporting to one folder must not share it.
fs::path temporarySibling(const fs::path& target) {
  std::random_device device;
  // Built by appending: GCC 12 warns falsely (-Wrestrict, bug 105329) on "." + std::string.
  std::string name(1, '.');
  name += target.filename().string();
  name += '.';
  name += std::to_string(device());
  name += std::to_string(::getpid());
  name += ".tmp";
  return target.parent_path() / name;
}

[[noreturn]] void fail(const fs::path& target, const fs::path& temporary, const char* what,
                       int error) {
  std::error_code ignored;
  if (!temporary.empty()) fs::remove(temporary, ignored);
  throw inputError("could not " + std::string(what) + " " + quoted(target) + ": " +
                   std::strerror(error) +
                   (error == ENOSPC || error == EFBIG || error == EDQUOT
                        ? " (the previous file, if any, is unchanged)"
                        : ""));
}

}  // namespace

void writeFileAtomically(const fs::path& path, std::string_view bytes) {
  const fs::path temporary = temporarySibling(path);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, {}, "create a file beside", errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      fail(path, temporary, "write", error);
    }
    done += std::size_t(n);
  }
  // Without fsync a crash soon after the rename can leave an empty file under the final name
  // (ext4 delayed allocation), which is exactly the loss the rename is meant to prevent.
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    fail(path, temporary, "write", error);
  }
  if (::close(fd) != 0) fail(path, temporary, "write", errno);
  if (::rename(temporary.c_str(), path.c_str()) != 0)
    fail(path, temporary, "move the finished file into place at", errno);
}

void reportFileSizeLimitAsError() {
  std::signal(SIGXFSZ, SIG_IGN);
}

}  // namespace bilevel
