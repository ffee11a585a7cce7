#include "registry/Registry.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "common/Error.h"

namespace bilevel::registry {

std::string toString(LowerLevelKind kind) {
  return kind == LowerLevelKind::Smooth ? "smooth" : "primal–dual";
}

bool Setting::inRange(double value) const {
  if (minimum && (minimumIncluded ? value < *minimum : value <= *minimum)) return false;
  if (maximum && (maximumIncluded ? value > *maximum : value >= *maximum)) return false;
  return true;
}

namespace {

// Bounds as people write them: 0.1, 1e-08 → 1e-8, 2147483647.
std::string bound(double value) {
  std::ostringstream out;
  out << value;
  std::string text = out.str();
  const auto e = text.find("e-0");
  if (e != std::string::npos) text.erase(e + 2, 1);
  return text;
}

}  // namespace

std::string Setting::requirement() const {
  if (minimum && maximum) {
    return "must lie in " + std::string(minimumIncluded ? "[" : "(") + bound(*minimum) + ", " +
           bound(*maximum) + (maximumIncluded ? "]" : ")");
  }
  if (minimum) return "must be " + std::string(minimumIncluded ? "≥ " : "> ") + bound(*minimum);
  if (maximum) return "must be " + std::string(maximumIncluded ? "≤ " : "< ") + bound(*maximum);
  return {};
}

bool ModelEntry::uses(const std::string& key) const {
  return std::find(settings.begin(), settings.end(), key) != settings.end();
}

std::unique_ptr<LowerLevel> ModelEntry::make(const Image& noisy,
                                             const nlohmann::json& model) const {
  if (kind == LowerLevelKind::Smooth) return makeSmooth(noisy, model);
  return makePrimalDual(noisy, model);
}

namespace {

template <typename Entry>
const Entry* find(const std::vector<Entry>& table, const std::string& name) {
  for (const auto& entry : table) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

template <typename Entry>
std::string names(const std::vector<Entry>& table) {
  std::string out;
  for (const auto& entry : table)
    out += (out.empty() ? "" : ", ") + entry.name;
  return out;
}

template <typename Entry>
const Entry& require(const std::vector<Entry>& table, const std::string& name,
                     const std::string& what) {
  if (const Entry* entry = find(table, name)) return *entry;
  throw usageError("unknown " + what + " '" + name + "' (known: " + names(table) + ")");
}

}  // namespace

const ModelEntry* findModel(const std::string& name) {
  return find(models(), name);
}
const SolverEntry* findSolver(const std::string& name) {
  return find(solvers(), name);
}
const MethodEntry* findMethod(const std::string& name) {
  return find(methods(), name);
}
const OptimizerEntry* findOptimizer(const std::string& name) {
  return find(optimizers(), name);
}
const Setting* findSetting(const std::string& key) {
  for (const auto& setting : settings()) {
    if (setting.key == key) return &setting;
  }
  return nullptr;
}

const ModelEntry& model(const std::string& name) {
  return require(models(), name, "model");
}
const SolverEntry& solver(const std::string& name) {
  return require(solvers(), name, "solver");
}
const MethodEntry& method(const std::string& name) {
  return require(methods(), name, "hypergradient method");
}
const OptimizerEntry& optimizer(const std::string& name) {
  return require(optimizers(), name, "outer optimizer");
}

std::string modelNamesFor(LowerLevelKind kind) {
  std::string out;
  for (const auto& entry : models()) {
    if (entry.kind == kind) out += (out.empty() ? "" : ", ") + entry.name;
  }
  return out;
}

std::string methodNamesFor(LowerLevelKind kind) {
  std::string out;
  for (const auto& entry : methods()) {
    if (entry.differentiates(kind)) out += (out.empty() ? "" : ", ") + entry.name;
  }
  return out;
}

std::string solverNamesFor(LowerLevelKind kind) {
  std::string out;
  for (const auto& entry : solvers()) {
    if (entry.kind == kind) out += (out.empty() ? "" : ", ") + entry.name;
  }
  return out;
}

const MethodEntry& referenceMethod() {
  static const MethodEntry& entry = []() -> const MethodEntry& {
    const auto& table = methods();
    const auto it =
        std::find_if(table.begin(), table.end(), [](const MethodEntry& m) { return m.reference; });
    if (it == table.end() || std::count_if(table.begin(), table.end(),
                                           [](const MethodEntry& m) { return m.reference; }) != 1) {
      throw std::logic_error("the method registry must mark exactly one reference method");
    }
    return *it;
  }();
  return entry;
}

std::string modelNames() {
  return names(models());
}
std::string solverNames() {
  return names(solvers());
}
std::string methodNames() {
  return names(methods());
}
std::string optimizerNames() {
  return names(optimizers());
}

bool methodSupportsSolver(const MethodEntry& method, const SolverEntry& solver, std::string* why) {
  if (!solver.make) return true;  // nothing to judge by
  return method.make({})->supportsSolver(*solver.make(), why);
}

bool MethodEntry::differentiates(LowerLevelKind kind) const {
  return std::find(modelKinds.begin(), modelKinds.end(), kind) != modelKinds.end();
}

bool methodSupportsModel(const MethodEntry& method, const ModelEntry& model, std::string* why) {
  if (method.differentiates(model.kind)) return true;
  if (why) {
    *why = method.name + " " + method.modelRequirement + "; " + model.name + " is " +
           toString(model.kind) + ": use " + methodNamesFor(model.kind);
  }
  return false;
}

const nlohmann::json& defaultConfiguration() {
  static const nlohmann::json value = [] {
    nlohmann::json json = nlohmann::json::object();
    for (const auto& setting : settings()) {
      const auto dot = setting.key.find('.');
      if (dot == std::string::npos) {
        json[setting.key] = setting.defaultValue;
      } else {
        json[setting.key.substr(0, dot)][setting.key.substr(dot + 1)] = setting.defaultValue;
      }
    }
    return json;
  }();
  return value;
}

}  // namespace bilevel::registry
