#include "config/Configuration.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/Error.h"
#include "models/FieldsOfExperts.h"
#include "models/penalties/Penalty.h"
#include "registry/Registry.h"

namespace bilevel {

const std::map<std::string, std::string>& embeddedPresets();  // generated from resources/presets
using Json = nlohmann::json;

namespace {

// Every setting's default, from the registry (DESIGN.md §4); the schema mergeInto checks keys
// and JSON types against.
const Json& defaults() {
  return registry::defaultConfiguration();
}

// Keys whose value may be a string or a list of strings (or null for "noisy").
bool isImageKey(const std::string& key) {
  return key == "image" || key == "noisy";
}

std::string typeName(const Json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number_integer() || value.is_number_unsigned()) return "an integer";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "a list";
  return "an object";
}

// Whether every string in `value` is UTF-8: the configuration is written back out as JSON
// (sessions, summary.json), and nlohmann::json refuses to write any other bytes.
bool isUtf8(const Json& value) {
  try {
    (void)value.dump();
    return true;
  } catch (const Json::type_error&) {
    return false;
  }
}

// Integer settings are read as int (counts) or uint64 (the seed); beyond this range that
// conversion would be undefined for a double and would wrap for a 64-bit integer.
constexpr double kLargestInteger = 2147483647.0;

void mergeInto(Json& target, const Json& source, const Json& schema, const std::string& prefix,
               const std::string& origin) {
  if (!source.is_object()) {
    throw usageError(origin + ": " + (prefix.empty() ? "the configuration" : "'" + prefix + "'") +
                     " must be a JSON object");
  }
  for (auto it = source.begin(); it != source.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (!schema.contains(it.key())) {
      std::string known;
      for (auto s = schema.begin(); s != schema.end(); ++s) {
        known += (known.empty() ? "" : ", ") + s.key();
      }
      throw usageError(origin + ": unknown configuration key '" + key + "' (known here: " + known +
                       ")");
    }
    const Json& expected = schema.at(it.key());
    const Json& value = it.value();
    if (expected.is_object()) {
      mergeInto(target[it.key()], value, expected, key, origin);
      continue;
    }
    if (!isUtf8(value)) throw usageError(origin + ": '" + key + "' must be UTF-8 text");
    if (isImageKey(key)) {
      const bool ok =
          value.is_string() || (key == "noisy" && value.is_null()) ||
          (value.is_array() && !value.empty() &&
           std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_string(); }));
      if (!ok) {
        throw usageError(origin + ": '" + key + "' must be a path or a non-empty list of paths");
      }
    } else if (expected.is_number()) {
      if (value.is_string()) {
        throw usageError(origin + ": '" + key + "' must be a finite number, not \"" +
                         value.get<std::string>() + "\"");
      }
      if (!value.is_number()) {
        throw usageError(origin + ": '" + key + "' must be a number, not " + typeName(value));
      }
      if (!std::isfinite(value.get<double>())) {
        throw usageError(origin + ": '" + key + "' must be finite");
      }
      if (expected.is_number_integer() &&
          !(value.is_number_integer() || value.is_number_unsigned())) {
        const double d = value.get<double>();
        if (d != std::floor(d)) throw usageError(origin + ": '" + key + "' must be an integer");
      }
      if (expected.is_number_integer() && std::abs(value.get<double>()) > kLargestInteger) {
        throw usageError(origin + ": '" + key + "' must be an integer of at most 2147483647 in " +
                         "magnitude");
      }
    } else if (expected.type() != value.type() && !(expected.is_array() && value.is_array())) {
      throw usageError(origin + ": '" + key + "' must be " + typeName(expected) + ", not " +
                       typeName(value));
    }
    target[it.key()] = value;
  }
}

std::string readText(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw inputError("configuration file '" + path.string() + "' does not exist");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw inputError("configuration file '" + path.string() + "' cannot be opened");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void check(bool ok, const std::string& key, const std::string& requirement, const Json& value) {
  if (!ok) {
    throw usageError("configuration: '" + key + "' " + requirement + " (got " + value.dump() + ")");
  }
}

const Json& valueAt(const Json& config, const std::string& key) {
  const auto dot = key.find('.');
  if (dot == std::string::npos) return config.at(key);
  return config.at(key.substr(0, dot)).at(key.substr(dot + 1));
}

}  // namespace

Configuration::Configuration() : json_(defaults()), baseDirectory_(sampleImageDirectory()) {}

Configuration Configuration::fromPreset(const std::string& name) {
  const auto& presets = embeddedPresets();
  const auto it = presets.find(name);
  if (it == presets.end()) {
    std::string known;
    for (const auto& [n, text] : presets)
      known += (known.empty() ? "" : ", ") + n;
    throw usageError("unknown preset '" + name + "' (available: " + known + ")");
  }
  Configuration config;
  config.merge(Json::parse(it->second), "preset " + name);
  return config;
}

Configuration Configuration::fromFile(const std::filesystem::path& path) {
  const std::string text = readText(path);
  Json parsed;
  try {
    parsed = Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw usageError("configuration file '" + path.string() + "' is not valid JSON: " + e.what());
  }
  Configuration config;
  config.baseDirectory_ = std::filesystem::absolute(path).parent_path();
  config.merge(parsed, path.string());
  return config;
}

Configuration Configuration::fromJson(const Json& json, const std::filesystem::path& baseDirectory,
                                      const std::string& origin) {
  Configuration config;
  config.baseDirectory_ = baseDirectory;
  config.merge(json, origin);
  return config;
}

void Configuration::merge(const Json& overrides, const std::string& origin) {
  Json candidate = json_;
  mergeInto(candidate, overrides, defaults(), "", origin);
  std::swap(json_, candidate);
  try {
    validate();
  } catch (...) {
    std::swap(json_, candidate);  // keep the last valid settings
    throw;
  }
}

void Configuration::set(const std::string& assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw usageError("--set expects key=value, got '" + assignment + "'");
  }
  const std::string key = assignment.substr(0, equals);
  const std::string text = assignment.substr(equals + 1);
  Json value;
  try {
    value = Json::parse(text);
  } catch (const Json::exception&) {  // parse_error, or out_of_range for a number like 1e999
    value = text;                     // a bare word such as a method name
  }
  Json nested = value;
  std::string remaining = key;
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto dot = remaining.find('.', start);
    parts.push_back(remaining.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (it->empty()) throw usageError("--set: malformed key '" + key + "'");
    Json wrapper = Json::object();
    wrapper[*it] = nested;
    nested = wrapper;
  }
  merge(nested, "--set " + key);
}

void Configuration::validate() const {
  const Json& c = json_;
  // The ranges of every number and of the grid's sides, from the registry.
  for (const auto& setting : registry::settings()) {
    const Json& value = valueAt(c, setting.key);
    if (setting.type == registry::Setting::Type::Number ||
        setting.type == registry::Setting::Type::Integer) {
      check(setting.inRange(value.get<double>()), setting.key, setting.requirement(), value);
    } else if (setting.type == registry::Setting::Type::Grid) {
      const auto side = [&](std::size_t i) {  // 64-bit, so that 2³² + 1 does not read as 1
        return value[i].is_number_integer() ? double(value[i].get<std::int64_t>()) : 0.0;
      };
      check(value.size() == 2 && setting.inRange(side(0)) && setting.inRange(side(1)), setting.key,
            "must be [rows, cols] with each side an integer that " + setting.requirement(), value);
    }
  }
  // The names, from the registry; a message lists the valid ones.
  const Json& modelType = c["model"]["type"];
  const registry::ModelEntry* model = registry::findModel(modelType.get<std::string>());
  check(model != nullptr, "model.type", "must be one of " + registry::modelNames(), modelType);
  if (!model->unavailable.empty()) {
    throw usageError("configuration: model.type '" + model->name +
                     "' cannot be learned: " + model->unavailable);
  }
  // The penalty of a filter bank is a name too, checked here rather than when the first image is
  // read.
  if (const Json& penalty = c["model"]["penalty"];
      model->uses("model.penalty") && !parsePenaltyKind(penalty.get<std::string>())) {
    check(false, "model.penalty", "must be one of " + penaltyKindNames(), penalty);
  }
  if (const Json& boundary = c["model"]["boundary"];
      model->uses("model.boundary") && !parseFilterBoundary(boundary.get<std::string>())) {
    check(false, "model.boundary", "must be one of symmetric, valid", boundary);
  }
  const Json& solverType = c["solver"]["type"];
  const registry::SolverEntry* solver = registry::findSolver(solverType.get<std::string>());
  check(solver != nullptr, "solver.type", "must be one of " + registry::solverNames(), solverType);
  if (solver->kind != model->kind) {
    std::string fitting;
    for (const auto& s : registry::solvers()) {
      if (s.kind == model->kind) fitting += (fitting.empty() ? "" : ", ") + s.name;
    }
    throw usageError("configuration: solver.type '" + solver->name + "' solves " +
                     registry::toString(solver->kind) + " models, but model.type '" + model->name +
                     "' is " + registry::toString(model->kind) + ": use " + fitting);
  }
  const Json& methodName = c["hypergradient"]["method"];
  const registry::MethodEntry* method = registry::findMethod(methodName.get<std::string>());
  check(method != nullptr, "hypergradient.method", "must be one of " + registry::methodNames(),
        methodName);
  // The method must be able to differentiate the model's kind (the Hessian methods need a smooth
  // one, implicit-manifold a nonsmooth TV) and the solver (HypergradientMethod::supportsSolver):
  // refused here, before any image is read, rather than substituted or failing mid-run.
  if (std::string why; !registry::methodSupportsModel(*method, *model, &why)) {
    throw usageError("configuration: hypergradient.method '" + method->name +
                     "' with model.type '" + model->name + "': " + why);
  }
  if (std::string why; !registry::methodSupportsSolver(*method, *solver, &why)) {
    throw usageError("configuration: hypergradient.method '" + method->name +
                     "' with solver.type '" + solver->name + "': " + why);
  }
  const Json& optimizer = c["outer"]["optimizer"];
  check(registry::findOptimizer(optimizer.get<std::string>()) != nullptr, "outer.optimizer",
        "must be one of " + registry::optimizerNames(), optimizer);
  std::string error;
  if (!solveOptions().isValid(&error)) throw usageError("configuration: " + error);
  if (!hypergradientOptions().isValid(&error)) throw usageError("configuration: " + error);
  const auto images = imageSpecifications();
  const auto noisy = noisySpecifications();
  if (!noisy.empty() && noisy.size() != images.size()) {
    throw usageError("configuration: 'noisy' lists " + std::to_string(noisy.size()) +
                     " images but 'image' lists " + std::to_string(images.size()));
  }
}

std::string Configuration::modelType() const {
  return json_["model"]["type"].get<std::string>();
}
std::string Configuration::solverType() const {
  return json_["solver"]["type"].get<std::string>();
}
std::string Configuration::method() const {
  return json_["hypergradient"]["method"].get<std::string>();
}

SolveOptions Configuration::solveOptions() const {
  const Json& s = json_["solver"];
  SolveOptions options;
  options.tolerance = s["tolerance"].get<double>();
  options.maxIterations = s["max_iterations"].get<int>();
  options.fixedIterations = s["iterations"].get<int>();
  options.lbfgsMemory = s["memory"].get<int>();
  return options;
}

HypergradientOptions Configuration::hypergradientOptions() const {
  const Json& h = json_["hypergradient"];
  HypergradientOptions options;
  options.tolerance = h["tolerance"].get<double>();
  options.maxIterations = h["max_iterations"].get<int>();
  options.truncation = h["truncation"].get<int>();
  options.checkpointInterval = h["checkpoint_interval"].get<int>();
  options.finiteDifferenceStep = h["fd_step"].get<double>();
  options.finiteDifferenceTolerance = h["fd_tolerance"].get<double>();
  return options;
}

namespace {
std::vector<std::string> listOf(const Json& value) {
  if (value.is_null()) return {};
  if (value.is_string()) return {value.get<std::string>()};
  return value.get<std::vector<std::string>>();
}
}  // namespace

std::vector<std::string> Configuration::imageSpecifications() const {
  return listOf(json_["image"]);
}
std::vector<std::string> Configuration::noisySpecifications() const {
  return listOf(json_["noisy"]);
}

std::vector<std::string> presetNames() {
  std::vector<std::string> names;
  for (const auto& [name, text] : embeddedPresets())
    names.push_back(name);
  return names;
}

std::filesystem::path sampleImageDirectory() {
  if (const char* env = std::getenv("BILEVEL_SAMPLE_DIR"); env && *env) return env;
  std::error_code error;
  const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const std::filesystem::path installed =
        (executable.parent_path() / BILEVEL_INSTALLED_SAMPLE_DIR_FROM_BINDIR).lexically_normal();
    if (std::filesystem::is_directory(installed, error)) return installed;
  }
  return BILEVEL_SOURCE_SAMPLE_DIR;
}

}  // namespace bilevel
