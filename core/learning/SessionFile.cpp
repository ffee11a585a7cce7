#include "learning/SessionFile.h"

#include <cmath>
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

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw usageError("session file '" + path_.string() + "': '" + key + "' " + problem);
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

 private:
  std::filesystem::path path_;
};

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
    const Snapshot& s = session.history[i];
    json row = snapshotJson(s);
    row["parameters"] = vectorJson(s.parameters);
    text += i == 0 ? "\n    " : ",\n    ";
    appendIndented(text, row.dump(2), 4);
  }
  text += session.history.empty() ? "],\n" : "\n  ],\n";
  member("parameters", vectorJson(session.parameters));
  text += "  \"version\": " + std::to_string(kVersion) + "\n}\n";
  writeTextFileAtomically(path, text);
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
  json document;
  try {
    document = json::parse(text.str());
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw inputError("session file '" + path.string() + "' is not valid JSON: " + e.what());
  }
  const SessionReader reader(path);
  if (!document.is_object()) reader.fail("(document)", "must be a JSON object");
  const json& format = reader.field(document, "format", "");
  if (!format.is_string() || format.get<std::string>() != kFormat) {
    reader.fail("format", std::string("must be \"") + kFormat + "\"");
  }
  const json& version = reader.field(document, "version", "");
  if (!version.is_number_integer() || version.get<std::int64_t>() != kVersion) {
    reader.fail("version", "must be " + std::to_string(kVersion) + " (this studio's format)");
  }
  SessionRecord record{Configuration::fromJson(reader.field(document, "configuration", ""),
                                               std::filesystem::absolute(path).parent_path(),
                                               "session file '" + path.string() + "'"),
                       reader.finiteVector(reader.field(document, "parameters", ""), "parameters"),
                       {}};
  const json& history = reader.field(document, "history", "");
  if (!history.is_array()) reader.fail("history", "must be a list");
  for (std::size_t i = 0; i < history.size(); ++i) {
    const std::string where = "history[" + std::to_string(i) + "]";
    const json& row = history[i];
    Snapshot s;
    const auto number = [&](const char* name) {
      return reader.finiteNumber(reader.field(row, name, where), where + "." + name);
    };
    const auto count = [&](const char* name) {
      return reader.count(reader.field(row, name, where), where + "." + name);
    };
    s.iteration = count("iter");
    s.outerLoss = number("outer_loss");
    s.psnr = number("psnr");
    s.hypergradientNorm = number("hypergradient_norm");
    s.stepSeconds = number("seconds");
    s.elapsedSeconds = number("elapsed_seconds");
    s.innerIterations = count("inner_iterations");
    s.evaluations = count("evaluations");
    const json& status = reader.field(row, "status", where);
    if (!status.is_string()) reader.fail(where + ".status", "must be a string");
    s.status = status.get<std::string>();
    s.parameters =
        reader.finiteVector(reader.field(row, "parameters", where), where + ".parameters");
    record.history.push_back(std::move(s));
  }
  return record;
}

}  // namespace bilevel
