#include "config/Configuration.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "common/Error.h"
#include "learning/ModelFactory.h"

namespace bilevel {

const std::map<std::string, std::string>& embeddedPresets();  // generated from resources/presets
using Json = nlohmann::json;

namespace {

const Json& defaults() {
  static const Json value = Json::parse(R"({
    "image": "shapes.png",
    "noisy": null,
    "noise": {"sigma": 0.1, "seed": 1},
    "model": {"type": "huber-tv", "lambda": 0.05, "epsilon": 0.01, "grid": [8, 8]},
    "solver": {"type": "accelerated-gradient", "tolerance": 1e-8, "max_iterations": 10000,
               "iterations": 0, "memory": 10},
    "hypergradient": {"method": "implicit-cg", "tolerance": 1e-8, "max_iterations": 5000,
                      "truncation": 0, "checkpoint_interval": 0, "fd_step": 1e-5,
                      "fd_tolerance": 1e-12},
    "outer": {"optimizer": "lbfgs", "iterations": 30, "step": 0.5, "tolerance": 1e-6}
  })");
  return value;
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

double number(const Json& config, const std::string& section, const std::string& key) {
  return config.at(section).at(key).get<double>();
}

void check(bool ok, const std::string& key, const std::string& requirement, const Json& value) {
  if (!ok) {
    throw usageError("configuration: '" + key + "' " + requirement + " (got " + value.dump() + ")");
  }
}

const std::set<std::string> kModels = {"quadratic", "huber-tv", "huber-tv-map"};
const std::set<std::string> kSolvers = {"accelerated-gradient", "gradient-descent", "lbfgs"};
const std::set<std::string> kOptimizers = {"lbfgs", "adam", "gradient-descent"};

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
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
  check(number(c, "noise", "sigma") >= 0.0 && number(c, "noise", "sigma") <= 1.0, "noise.sigma",
        "must lie in [0, 1]", c["noise"]["sigma"]);
  check(number(c, "noise", "seed") >= 0.0, "noise.seed", "must be a non-negative integer",
        c["noise"]["seed"]);
  const Json& model = c["model"];
  check(kModels.count(model["type"].get<std::string>()) > 0, "model.type",
        "must be one of " + joined(kModels), model["type"]);
  check(number(c, "model", "lambda") > 0.0, "model.lambda", "must be > 0", model["lambda"]);
  check(number(c, "model", "epsilon") > 0.0 && number(c, "model", "epsilon") <= 1.0,
        "model.epsilon", "must lie in (0, 1]", model["epsilon"]);
  const Json& grid = model["grid"];
  const auto gridSide = [&](std::size_t i) {  // 64-bit, so that 2³² + 1 does not read as 1
    return grid[i].is_number_integer() ? grid[i].get<std::int64_t>() : std::int64_t(0);
  };
  check(grid.size() == 2 && gridSide(0) >= 1 && gridSide(1) >= 1 && gridSide(0) <= 256 &&
            gridSide(1) <= 256,
        "model.grid", "must be [rows, cols] with 1 ≤ rows, cols ≤ 256", grid);
  check(kSolvers.count(c["solver"]["type"].get<std::string>()) > 0, "solver.type",
        "must be one of " + joined(kSolvers), c["solver"]["type"]);
  check(number(c, "outer", "iterations") >= 0, "outer.iterations", "must be ≥ 0",
        c["outer"]["iterations"]);
  check(number(c, "outer", "step") > 0.0 && number(c, "outer", "step") <= 10.0, "outer.step",
        "must lie in (0, 10]", c["outer"]["step"]);
  check(number(c, "outer", "tolerance") >= 0.0 && number(c, "outer", "tolerance") < 1.0,
        "outer.tolerance", "must lie in [0, 1)", c["outer"]["tolerance"]);
  check(kOptimizers.count(c["outer"]["optimizer"].get<std::string>()) > 0, "outer.optimizer",
        "must be one of " + joined(kOptimizers), c["outer"]["optimizer"]);
  const auto& methods = hypergradientMethodNames();
  const std::string method = c["hypergradient"]["method"].get<std::string>();
  check(std::find(methods.begin(), methods.end(), method) != methods.end(), "hypergradient.method",
        "must be a known method (see bilevel-cli check)", c["hypergradient"]["method"]);
  // The method must be able to differentiate the solver (HypergradientMethod::supportsSolver):
  // refused here, before any image is read, rather than substituted or failing mid-run.
  if (std::string why;
      !makeHypergradientMethod(method, {})
           ->supportsSolver(*makeInnerSolver(c["solver"]["type"].get<std::string>()), &why)) {
    throw usageError("configuration: hypergradient.method '" + method + "' with solver.type '" +
                     c["solver"]["type"].get<std::string>() + "': " + why);
  }
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
