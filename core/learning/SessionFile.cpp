#include "learning/SessionFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/Error.h"
#include "image/ImageIO.h"
#include "learning/LearningRecords.h"
#include "learning/TrainingPair.h"

namespace bilevel {

using nlohmann::json;

namespace {

constexpr const char* kFormat = "bilevel-studio-session";
constexpr const char* kJournalFormat = "bilevel-studio-session-journal";
constexpr int kVersion = 1;

json vectorJson(const Vector& v) {
  return json(std::vector<double>(v.data(), v.data() + v.size()));
}

// Appends `dumped` (a value's dump(2)) as it reads nested `indent` spaces deep. Newlines occur in
// dump's output only between elements (those inside strings are escaped), so each starts a line.
void appendIndented(std::string& text, const std::string& dumped, int indent) {
  for (const char c : dumped) {
    text += c;
    if (c == '\n') text.append(static_cast<std::size_t>(indent), ' ');
  }
}

// Image specifications made absolute, leaving "benchmark:N" alone.
json absoluteImages(const Configuration& configuration, const json& value) {
  if (value.is_null()) return value;
  auto resolve = [&](const std::string& spec) -> json {
    if (spec.rfind("benchmark:", 0) == 0) return spec;
    return std::filesystem::absolute(resolveImagePath(configuration, spec)).string();
  };
  if (value.is_string()) return resolve(value.get<std::string>());
  json list = json::array();
  for (const auto& entry : value)
    list.push_back(resolve(entry.get<std::string>()));
  return list;
}

class SessionReader {
 public:
  explicit SessionReader(std::filesystem::path path) : path_(std::move(path)) {}

  // Errors then also name the journal's line (1 is the header).
  void setLine(std::size_t line) { line_ = line; }

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw usageError("session file '" + path_.string() + "'" +
                     (line_ ? ", line " + std::to_string(line_) : std::string()) + ": '" + key +
                     "' " + problem);
  }

  const json& field(const json& object, const std::string& name, const std::string& where) const {
    const std::string key = where.empty() ? name : where + "." + name;
    if (!object.is_object() || !object.contains(name)) fail(key, "is missing");
    return object.at(name);
  }

  double finiteNumber(const json& value, const std::string& key) const {
    if (!value.is_number() || !std::isfinite(value.get<double>())) {
      fail(key, "must be a finite number");
    }
    return value.get<double>();
  }

  // A count (iteration, iterations, evaluations): a whole number in [0, 10⁹], so that the
  // conversion to int is defined.
  int count(const json& value, const std::string& key) const {
    const double v = finiteNumber(value, key);
    if (v < 0.0 || v > 1e9 || v != std::floor(v)) fail(key, "must be a whole number in [0, 1e9]");
    return static_cast<int>(v);
  }

  Vector finiteVector(const json& value, const std::string& key) const {
    if (!value.is_array()) fail(key, "must be a list of numbers");
    Vector v(static_cast<Eigen::Index>(value.size()));
    for (std::size_t i = 0; i < value.size(); ++i) {
      v[static_cast<Eigen::Index>(i)] = finiteNumber(value[i], key + "[" + std::to_string(i) + "]");
    }
    return v;
  }

  // The header's members: format tag, version, configuration and parameters.
  SessionRecord header(const json& document, const char* format) const {
    if (!document.is_object()) fail("(document)", "must be a JSON object");
    const json& tag = field(document, "format", "");
    if (!tag.is_string() || tag.get<std::string>() != format) {
      fail("format", std::string("must be \"") + format + "\"");
    }
    const json& version = field(document, "version", "");
    if (!version.is_number_integer() || version.get<std::int64_t>() != kVersion) {
      fail("version", "must be " + std::to_string(kVersion) + " (this studio's format)");
    }
    return SessionRecord{Configuration::fromJson(field(document, "configuration", ""),
                                                 std::filesystem::absolute(path_).parent_path(),
                                                 "session file '" + path_.string() + "'"),
                         finiteVector(field(document, "parameters", ""), "parameters"),
                         {}};
  }

  // One history row; `where` names it in errors ("history[3]").
  Snapshot row(const json& value, const std::string& where) const {
    Snapshot s;
    const auto number = [&](const char* name) {
      return finiteNumber(field(value, name, where), where + "." + name);
    };
    const auto whole = [&](const char* name) {
      return count(field(value, name, where), where + "." + name);
    };
    s.iteration = whole("iter");
    s.outerLoss = number("outer_loss");
    s.psnr = number("psnr");
    s.hypergradientNorm = number("hypergradient_norm");
    s.stepSeconds = number("seconds");
    s.elapsedSeconds = number("elapsed_seconds");
    s.innerIterations = whole("inner_iterations");
    s.evaluations = whole("evaluations");
    const json& status = field(value, "status", where);
    if (!status.is_string()) fail(where + ".status", "must be a string");
    const std::optional<LearnTermination> parsed = parseLearnTermination(status.get<std::string>());
    if (!parsed) {
      fail(where + ".status",
           "is \"" + status.get<std::string>() + "\", not one of " + learnTerminationNames());
    }
    s.status = *parsed;
    s.parameters = finiteVector(field(value, "parameters", where), where + ".parameters");
    return s;
  }

 private:
  std::filesystem::path path_;
  std::size_t line_ = 0;
};

json rowJson(const Snapshot& s) {
  json row = snapshotJson(s);
  row["parameters"] = vectorJson(s.parameters);
  return row;
}

// The journal's lines for `rows` and `parameters` (see appendToSessionJournal).
std::string journalLines(const std::vector<Snapshot>& rows, const Vector* parameters,
                         const std::vector<int>& segmentStarts) {
  std::string text;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    json line = {{"row", rowJson(rows[i])}};
    if (std::find(segmentStarts.begin(), segmentStarts.end(), rows[i].iteration) !=
        segmentStarts.end())
      line["segment"] = true;
    if (parameters && i + 1 == rows.size()) line["parameters"] = vectorJson(*parameters);
    text += line.dump();
    text += '\n';
  }
  if (rows.empty() && parameters) {
    text += json{{"parameters", vectorJson(*parameters)}}.dump();
    text += '\n';
  }
  return text;
}

[[noreturn]] void failAppend(const std::filesystem::path& path, int error) {
  throw inputError("could not append to '" + path.string() + "': " + std::strerror(error));
}

// A journal: header, then updates. `text` is the whole file.
SessionRecord readJournal(const std::filesystem::path& path, const std::string& text,
                          const json& header) {
  SessionReader reader(path);
  reader.setLine(1);
  SessionRecord record = reader.header(header, kJournalFormat);
  std::size_t begin = text.find('\n') + 1;  // the header has one: the caller parsed it as a line
  for (std::size_t line = 2; begin < text.size(); ++line) {
    const std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) break;  // torn: the append that wrote it did not finish
    json update;
    try {
      update = json::parse(text.begin() + static_cast<std::ptrdiff_t>(begin),
                           text.begin() + static_cast<std::ptrdiff_t>(end));
    } catch (const json::exception& e) {
      // Only the last line can be torn (a power cut may leave a line of zeros); an unreadable
      // line before it means the file was damaged otherwise.
      if (end + 1 == text.size()) break;
      throw inputError("session file '" + path.string() + "', line " + std::to_string(line) +
                       ": not valid JSON: " + e.what());
    }
    begin = end + 1;
    reader.setLine(line);
    if (!update.is_object() || (!update.contains("row") && !update.contains("parameters")))
      reader.fail("(line)", "must be an object with \"row\" or \"parameters\"");
    if (update.contains("row")) {
      record.history.push_back(
          reader.row(update.at("row"), "history[" + std::to_string(record.history.size()) + "]"));
    }
    if (update.contains("segment")) {
      // As a session file's "segments": a row after the first, later than the last start.
      if (update.at("segment") != json(true) || !update.contains("row"))
        reader.fail("segment", "must be true, on a row");
      const int start = record.history.back().iteration;
      if (record.history.size() < 2 ||
          (!record.segmentStarts.empty() && start <= record.segmentStarts.back()))
        reader.fail("segment", "must mark a row after the first, later than the segment before");
      record.segmentStarts.push_back(start);
    }
    if (update.contains("parameters"))
      record.parameters = reader.finiteVector(update.at("parameters"), "parameters");
  }
  return record;
}

}  // namespace

void writeSessionFile(const std::filesystem::path& path, const SessionRecord& session) {
  json configuration = session.configuration.json();
  configuration["image"] = absoluteImages(session.configuration, configuration["image"]);
  configuration["noisy"] = absoluteImages(session.configuration, configuration["noisy"]);
  // The text nlohmann's dump(2) gives for the whole document (members in its key order), but the
  // history is serialised one row at a time: as one JSON tree, a long history costs several times
  // its text, and the studio autosaves the session after every learning step (issue 8 §3: its
  // memory stays flat).
  std::string text = "{\n";
  const auto member = [&text](const char* key, const json& value) {
    text += "  \"";
    text += key;
    text += "\": ";
    appendIndented(text, value.dump(2), 2);
    text += ",\n";
  };
  member("configuration", configuration);
  member("format", kFormat);
  text += "  \"history\": [";
  for (std::size_t i = 0; i < session.history.size(); ++i) {
    text += i == 0 ? "\n    " : ",\n    ";
    appendIndented(text, rowJson(session.history[i]).dump(2), 4);
  }
  text += session.history.empty() ? "],\n" : "\n  ],\n";
  member("parameters", vectorJson(session.parameters));
  if (!session.segmentStarts.empty()) member("segments", json(session.segmentStarts));
  text += "  \"version\": " + std::to_string(kVersion) + "\n}\n";
  writeTextFileAtomically(path, text);
}

void writeSessionJournal(const std::filesystem::path& path, const SessionRecord& session) {
  json configuration = session.configuration.json();
  configuration["image"] = absoluteImages(session.configuration, configuration["image"]);
  configuration["noisy"] = absoluteImages(session.configuration, configuration["noisy"]);
  // Members in this order, by hand (a json object sorts its keys), so that the format tag leads.
  std::string text = std::string("{\"format\":\"") + kJournalFormat +
                     "\",\"version\":" + std::to_string(kVersion) +
                     ",\"configuration\":" + configuration.dump() +
                     ",\"parameters\":" + vectorJson(session.parameters).dump() + "}\n";
  text += journalLines(session.history, nullptr, session.segmentStarts);
  writeTextFileAtomically(path, text);
}

void appendToSessionJournal(const std::filesystem::path& path, const std::vector<Snapshot>& rows,
                            const Vector* parameters, const std::vector<int>& segmentStarts) {
  const std::string text = journalLines(rows, parameters, segmentStarts);
  if (text.empty()) return;
  // No O_CREAT: a journal that is gone must be rewritten whole, header first.
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) failAppend(path, errno);
  struct stat before {};
  if (::fstat(fd, &before) != 0) {
    const int error = errno;
    ::close(fd);
    failAppend(path, error);
  }
  std::size_t done = 0;
  int error = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    done += std::size_t(n);
  }
  // Durable before the next one: a power cut then loses at most the line being appended.
  if (error == 0 && ::fdatasync(fd) != 0) error = errno;
  if (error != 0) {
    // Cut off what got written (a full disk writes part of a line), so that the next append
    // does not follow a torn line.
    if (::ftruncate(fd, before.st_size) != 0) {
      const int cut = errno;
      ::close(fd);
      throw inputError("could not append to '" + path.string() + "': " + std::strerror(error) +
                       ", nor cut the partial line off again: " + std::strerror(cut));
    }
    ::close(fd);
    failAppend(path, error);
  }
  if (::close(fd) != 0) failAppend(path, errno);
}

SessionRecord readSessionFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw inputError("session file '" + path.string() + "' does not exist");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw inputError("session file '" + path.string() + "' cannot be opened");
  std::stringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  // A journal's first line is a whole JSON object with the journal's format tag; a session
  // file's is not (it starts a multi-line document, or is all of a one-line one).
  const std::size_t firstLine = content.find('\n');
  if (firstLine != std::string::npos) {
    json header;
    try {
      header =
          json::parse(content.begin(), content.begin() + static_cast<std::ptrdiff_t>(firstLine));
    } catch (const json::exception&) {
    }
    if (header.is_object() && header.contains("format") &&
        header["format"] == json(kJournalFormat)) {
      return readJournal(path, content, header);
    }
  }
  json document;
  try {
    document = json::parse(content);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw inputError("session file '" + path.string() + "' is not valid JSON: " + e.what());
  }
  const SessionReader reader(path);
  SessionRecord record = reader.header(document, kFormat);
  const json& history = reader.field(document, "history", "");
  if (!history.is_array()) reader.fail("history", "must be a list");
  for (std::size_t i = 0; i < history.size(); ++i)
    record.history.push_back(reader.row(history[i], "history[" + std::to_string(i) + "]"));
  if (document.contains("segments")) {
    const json& segments = document["segments"];
    if (!segments.is_array()) reader.fail("segments", "must be a list of iterations");
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const std::string where = "segments[" + std::to_string(i) + "]";
      // A segment starts at a row after the first, later than the segment before it.
      const bool known =
          segments[i].is_number_integer() &&
          std::any_of(record.history.begin() + std::min<std::ptrdiff_t>(1, record.history.size()),
                      record.history.end(), [&](const Snapshot& row) {
                        return row.iteration == segments[i].get<std::int64_t>();
                      });
      if (!known) reader.fail(where, "must be the iteration of a history row after the first");
      const int start = segments[i].get<int>();
      if (!record.segmentStarts.empty() && start <= record.segmentStarts.back())
        reader.fail(where, "must be larger than the segment start before it");
      record.segmentStarts.push_back(start);
    }
  }
  return record;
}

}  // namespace bilevel
