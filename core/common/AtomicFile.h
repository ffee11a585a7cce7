#pragma once

#include <filesystem>
#include <string_view>

namespace bilevel {

// Writes `bytes` to `path` so that readers see either the previous file or the complete new one,
// never a part: the bytes go to a temporary file beside the target (same file system, so the
// rename is atomic), are flushed to the disk (fsync), and the temporary file is renamed over the
// target. Every step is checked: a full disk (ENOSPC), a file-size limit (EFBIG, `ulimit -f`) or
// an unwritable folder throws Error(UnreadableInput) naming the target and the system's reason,
// removes the temporary file and leaves the previous file at `path` untouched.
void writeFileAtomically(const std::filesystem::path& path, std::string_view bytes);

// Makes writes beyond a file-size limit (`ulimit -f`) fail with EFBIG instead of killing the
// process with SIGXFSZ, so that writeFileAtomically can report them. Programs call it once at
// start.
void reportFileSizeLimitAsError();

}  // namespace bilevel
