#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hypergradients/HypergradientMethod.h"
#include "image/Image.h"
#include "models/Model.h"
#include "models/PrimalDualModel.h"
#include "outer/OuterOptimizer.h"
#include "solvers/InnerSolver.h"

// One registry of what a configuration can name (issue 9 §1, DESIGN.md §3): the lower-level models,
// the inner solvers, the hypergradient methods and the outer optimisers, each with its name, a
// label and a description for people, the settings it reads and what it can do; and every setting
// of the configuration with its default, its range and what it means. The configuration's
// defaults and validator, bilevel-cli's help and `list`, and the studio's panels and tooltips all
// read these tables, so a name or a default is written once, here. No Qt.
namespace bilevel::registry {

// The two kinds of lower level (DESIGN.md §3): smooth energies (gradient, Hessian-vector and mixed
// products; solved by gradient methods) and primal–dual ones (K, prox of the data term, prox of
// the regulariser's conjugate; solved by a primal–dual method).
enum class LowerLevelKind { Smooth, PrimalDual };
std::string toString(LowerLevelKind kind);

// One setting of the configuration (DESIGN.md §4).
struct Setting {
  enum class Type {
    Number,   // a finite double
    Integer,  // a whole number of at most 2³¹ − 1 in magnitude
    Choice,   // the name of an entry of one of the tables below (model.type, solver.type, ...)
    Grid,     // [rows, cols], each side in [minimum, maximum]
    Images,   // a path or a non-empty list of paths ("noisy" may also be null)
  };
  std::string key;  // dotted: "model.epsilon"
  Type type = Type::Number;
  nlohmann::json defaultValue;
  // The valid range of a Number or Integer (of each side of a Grid); unset bounds are unbounded.
  std::optional<double> minimum, maximum;
  bool minimumIncluded = true, maximumIncluded = true;
  std::string label;        // a few words for a form ("Huber ε")
  std::string description;  // what it does, for tooltips and `bilevel-cli list`

  bool inRange(double value) const;
  // "must lie in (0, 1]", "must be > 0", "must be ≥ 0", "must lie in [1, 256]"; empty if unbounded.
  std::string requirement() const;
};

// A lower-level model (model.type).
struct ModelEntry {
  std::string name;     // "huber-tv": what configurations and the command line say
  std::string label;    // "Huber-TV"
  std::string formula;  // "½‖x − y‖² + λ Σ h_ε(|∇x|)"
  std::string description;
  LowerLevelKind kind = LowerLevelKind::Smooth;
  // The model.* keys it reads besides model.type (the panel enables only these).
  std::vector<std::string> settings;
  // A spatially varying weight (λ on a control grid) that the window shows as the λ-map view.
  bool hasWeightMap = false;
  // Until a learning session can run this model: one sentence saying so. The configuration refuses
  // it with this reason, the studio lists it disabled with it as the tooltip. Empty when usable.
  std::string unavailable;
  // Build the model on one noisy image from the "model" section of a validated configuration; the
  // one that fits `kind` is set.
  std::function<std::unique_ptr<Model>(const Image& noisy, const nlohmann::json& model)> makeSmooth;
  std::function<std::unique_ptr<PrimalDualModel>(const Image& noisy, const nlohmann::json& model)>
      makePrimalDual;

  bool uses(const std::string& key) const;
  // Whichever of makeSmooth and makePrimalDual fits `kind`, as the common base.
  std::unique_ptr<LowerLevel> make(const Image& noisy, const nlohmann::json& model) const;
};

// An inner (lower-level) solver (solver.type).
struct SolverEntry {
  std::string name;
  std::string label;
  std::string description;
  LowerLevelKind kind = LowerLevelKind::Smooth;  // the kind of model it solves
  std::vector<std::string> settings;             // the solver.* keys it reads
  // A new instance (InnerSolver::supportsModel refuses a model of the other kind).
  std::function<std::unique_ptr<InnerSolver>()> make;
};

// A hypergradient method (hypergradient.method). The label and settings are here; the description
// is the method's own (HypergradientMethod::description), read once when the table is built.
struct MethodEntry {
  std::string name;
  std::string label;
  std::string description;
  std::vector<std::string> settings;  // the hypergradient.* and solver.* keys it reads
  // The kinds of lower level it differentiates (HypergradientMethod::supports refuses the others).
  std::vector<LowerLevelKind> modelKinds{LowerLevelKind::Smooth, LowerLevelKind::PrimalDual};
  // For a method of one kind only: what it needs, completing "<name> …; <model> is <kind>"
  // ("uses the Hessian of a smooth lower level").
  std::string modelRequirement;
  // The reference every other method is checked against (bilevel-cli check, the studio's
  // diagnostics table): exactly one entry has it (referenceMethod()).
  bool reference = false;
  std::function<std::unique_ptr<HypergradientMethod>(const HypergradientOptions&)> make;

  bool differentiates(LowerLevelKind kind) const;
};

// An outer optimiser (outer.optimizer).
struct OptimizerEntry {
  std::string name;
  std::string label;
  std::string description;
  std::vector<std::string> settings;  // the outer.* keys it reads
  std::function<std::unique_ptr<OuterOptimizer>(const OuterOptions&)> make;
};

// The tables, in the order people see them (DESIGN.md §2 for the methods).
const std::vector<ModelEntry>& models();
const std::vector<SolverEntry>& solvers();
const std::vector<MethodEntry>& methods();
const std::vector<OptimizerEntry>& optimizers();
const std::vector<Setting>& settings();

// Lookups: null when unknown.
const ModelEntry* findModel(const std::string& name);
const SolverEntry* findSolver(const std::string& name);
const MethodEntry* findMethod(const std::string& name);
const OptimizerEntry* findOptimizer(const std::string& name);
const Setting* findSetting(const std::string& key);
// Lookups that throw Error(Usage) naming the unknown entry and listing the known ones:
// "unknown model 'fft' (known: quadratic, huber-tv, huber-tv-map, tv, tv-map)".
const ModelEntry& model(const std::string& name);
const SolverEntry& solver(const std::string& name);
const MethodEntry& method(const std::string& name);
const OptimizerEntry& optimizer(const std::string& name);

// The names of the models of `kind`, of the methods that differentiate a lower level of `kind`,
// and of the solvers that solve it, comma-separated in table order: what a refusal offers instead.
std::string modelNamesFor(LowerLevelKind kind);
std::string methodNamesFor(LowerLevelKind kind);
std::string solverNamesFor(LowerLevelKind kind);

// The method with MethodEntry::reference (finite differences of tightly solved lower levels).
const MethodEntry& referenceMethod();

// The names of a table, comma-separated: "quadratic, huber-tv, huber-tv-map, tv, tv-map".
std::string modelNames();
std::string solverNames();
std::string methodNames();
std::string optimizerNames();

// Whether `method` can differentiate what `solver` computes, judged from the two alone (before any
// image is read: HypergradientMethod::supportsSolver); if not, one sentence naming both in `why`.
bool methodSupportsSolver(const MethodEntry& method, const SolverEntry& solver,
                          std::string* why = nullptr);

// Whether `method` can differentiate a lower level of `model`'s kind, judged from the two entries
// alone (before any image is read); if not, one sentence naming both and the methods that can in
// `why`: "implicit-cg uses the Hessian of a smooth lower level; tv is primal–dual: use …".
bool methodSupportsModel(const MethodEntry& method, const ModelEntry& model,
                         std::string* why = nullptr);

// The configuration every other one is laid over: each setting's default (DESIGN.md §4).
const nlohmann::json& defaultConfiguration();

}  // namespace bilevel::registry
