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
  // The iterations at which a segment of the history after the first begins (an edit was made
  // between the rows before and from there; the studio marks them on its plots). Increasing,
  // each the iteration of a history row after the first. Written as "segments" only when there
  // are any; the journal marks the rows that begin one instead.
  std::vector<int> segmentStarts = {};
};

// Writes the session as JSON ({"format": "bilevel-studio-session", "version": 1, ...}) atomically.
// Image paths are stored absolute, so the file can be moved away from the images it names.
void writeSessionFile(const std::filesystem::path& path, const SessionRecord& session);

// The studio's recovery journal (issue 8 §3 and §4): the same session as JSON lines, so that it
// grows by appending. The first line is the header
//   {"format":"bilevel-studio-session-journal","version":1,"configuration":{...},"parameters":[...]}
// and every later line an update: {"row":{...}} adds a history row (the fields of a session
// file's history rows), {"parameters":[...]} replaces the parameters, and a line may hold both; a
// row that begins a segment of the history (SessionRecord::segmentStarts) has "segment":true.
// The autosave after a learning step then writes that step's row, not the whole history: a
// rewrite costs the window a copy of the history and the writer the text of the whole file
// (about 0.9 KiB a row), and a few of those per second after a few thousand steps keep megabytes
// of transients in the allocator (measured with bench/soak studio).
//
// Written atomically (a temporary file renamed into place, as writeSessionFile).
void writeSessionJournal(const std::filesystem::path& path, const SessionRecord& session);
// Appends one line per row (the last one carries `parameters` when given; only `parameters` when
// there are no rows; a row whose iteration is in `segmentStarts` is marked as a segment's first)
// with a single write, then flushes it to the disk (fdatasync). A crash or a
// power cut can therefore tear only the last line, which readSessionFile ignores. A journal that
// does not exist is not created (it would lack its header), and a failed write is cut off again:
// Error(UnreadableInput) naming the file and the system's reason; the journal then holds what it
// held before, unless even the cut failed (the caller rewrites it then, see RecoveryStore).
void appendToSessionJournal(const std::filesystem::path& path, const std::vector<Snapshot>& rows,
                            const Vector* parameters, const std::vector<int>& segmentStarts = {});

// Reads and validates a session file or journal (told apart by the journal's header line).
// Error(UnreadableInput) when the file is missing or not JSON; Error(Usage) naming the key (and,
// in a journal, the line) when its content is not a valid session (wrong format tag or version,
// an invalid configuration, non-finite parameters, a malformed history row). A journal's last
// line is ignored when it is incomplete (no newline) or not JSON: what a crash during an append
// leaves; any other line that is not JSON is an error.
SessionRecord readSessionFile(const std::filesystem::path& path);

}  // namespace bilevel
