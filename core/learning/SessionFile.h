#pragma once

#include <filesystem>
#include <vector>

#include "config/Configuration.h"
#include "learning/LearningSession.h"

namespace bilevel {

// A saved studio session: everything needed to reopen the window in the same state and to
// reproduce the run. The configuration is complete (defaults included) and its noise is seeded,
// so learning again from model.lambda repeats the run exactly; `parameters` and `history` are where
// the saved run had got to.
struct SessionRecord {
  Configuration configuration;
  Vector parameters;
  std::vector<Snapshot> history;  // scalars and θ per outer iteration; no images
};

// Writes the session as JSON ({"format": "bilevel-studio-session", "version": 1, ...}) atomically.
// Image paths are stored absolute, so the file can be moved away from the images it names.
void writeSessionFile(const std::filesystem::path& path, const SessionRecord& session);

// Reads and validates a session file. Error(UnreadableInput) when the file is missing or not JSON;
// Error(Usage) naming the key when its content is not a valid session (wrong format tag or
// version, an invalid configuration, non-finite parameters, a malformed history row).
SessionRecord readSessionFile(const std::filesystem::path& path);

}  // namespace bilevel
