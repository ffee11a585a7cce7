#include "learning/LearnedModel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <sstream>

#include "common/Error.h"
#include "learning/LearningRecords.h"
#include "learning/ModelFactory.h"
#include "registry/Registry.h"

namespace bilevel {
using Json = nlohmann::json;

namespace {
constexpr const char* kFormat = "bilevel-learned-model";

std::string utcNow() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}
}  // namespace

Json learnedModelJson(const Configuration& configuration, const LowerLevel& model,
                      const Vector& theta, Json training) {
  Json layout = Json::array();
  for (const auto& block : model.parameterLayout().blocks()) {
    layout.push_back({{"name", block.name},
                      {"size", block.size},
                      {"rows", block.rows},
                      {"cols", block.cols},
                      {"positive", block.positive}});
  }
  training["date"] = utcNow();
  // Where θ started, when not at the model's defaults: a fine-tuned model names its parent.
  if (const auto initial = initialModelPath(configuration); !initial.empty())
    training["initial_model"] = initial.string();
  return {{"format", kFormat},
          {"version", 1},
          {"model", configuration.json()["model"]},
          {"solver", configuration.json()["solver"]},
          {"layout", layout},
          {"theta", std::vector<double>(theta.data(), theta.data() + theta.size())},
          {"parameters", parametersJson(model.parameterLayout(), theta)},
          {"training", training}};
}

LearnedModel readLearnedModel(const std::filesystem::path& path) {
  const std::string source = "learned model '" + path.string() + "'";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw inputError(source + " cannot be opened");
  std::stringstream buffer;
  buffer << in.rdbuf();
  Json json;
  try {
    json = Json::parse(buffer.str());
  } catch (const Json::exception& e) {
    throw inputError(source + " is not valid JSON: " + e.what());
  }
  if (!json.is_object() || json.value("format", "") != kFormat) {
    throw usageError(source + " is not a learned model (\"format\" is not \"" + kFormat +
                     "\"; bilevel-cli train writes one as model.json)");
  }
  LearnedModel out;
  const auto need = [&](const char* key, bool ok) {
    if (!json.contains(key) || !ok) throw usageError(source + ": '" + key + "' is missing or bad");
  };
  need("model",
       json.contains("model") && json["model"].is_object() && json["model"].contains("type"));
  need("solver", json.contains("solver") && json["solver"].is_object());
  need("layout", json.contains("layout") && json["layout"].is_array());
  need("theta", json.contains("theta") && json["theta"].is_array());
  out.model = json["model"];
  // model.boundary came after the first learned models, whose filters were learned on valid
  // responses (FieldsOfExperts.h): a file without it keeps the boundary it was learned with
  // rather than the newer default.
  if (const registry::ModelEntry* entry = registry::findModel(
          out.model["type"].is_string() ? out.model["type"].get<std::string>() : std::string());
      entry && entry->uses("model.boundary") && !out.model.contains("boundary")) {
    out.model["boundary"] = "valid";
  }
  out.solver = json["solver"];
  out.layout = json["layout"];
  out.training = json.value("training", Json::object());
  std::vector<double> theta;
  for (const Json& v : json["theta"]) {
    if (!v.is_number() || !std::isfinite(v.get<double>())) need("theta", false);
    theta.push_back(v.get<double>());
  }
  out.theta = Eigen::Map<const Vector>(theta.data(), Eigen::Index(theta.size()));
  return out;
}

void LearnedModel::applyTo(Configuration& configuration, const std::string& source) const {
  configuration.merge({{"model", model}, {"solver", solver}}, source);
}

Vector LearnedModel::parametersFor(const LowerLevel& lowerLevel, const std::string& source) const {
  const auto& blocks = lowerLevel.parameterLayout().blocks();
  const std::string misfit =
      source + ": its parameters do not fit model '" + lowerLevel.name() + "' as configured";
  // The first block that differs says what to change (a file from another version or size).
  const auto describe = [](const std::string& name, long long size) {
    return "'" + name + "' of " + std::to_string(size) + " values";
  };
  for (std::size_t i = 0; i < std::max(blocks.size(), layout.size()); ++i) {
    const std::string here =
        i < blocks.size() ? describe(blocks[i].name, blocks[i].size) : std::string("absent");
    const std::string there = i < layout.size()
                                  ? describe(layout[i].value("name", std::string("?")),
                                             layout[i].value("size", Json::number_integer_t(-1)))
                                  : std::string("absent");
    if (there != here) {
      throw usageError(misfit + ": parameter block " + std::to_string(i + 1) + " is " + there +
                       " there and " + here + " here");
    }
  }
  if (theta.size() != lowerLevel.parameterLayout().size()) {
    throw usageError(misfit + " (" + std::to_string(theta.size()) + " values for " +
                     std::to_string(lowerLevel.parameterLayout().size()) + " parameters)");
  }
  for (const auto& block : blocks) {
    if (block.positive && (theta.segment(block.offset, block.size).array() <= 0.0).any()) {
      throw usageError(source + ": '" + block.name + "' must be positive");
    }
  }
  return theta;
}

}  // namespace bilevel
