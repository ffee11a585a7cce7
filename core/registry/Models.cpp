// The lower-level models a configuration can name (model.type), DESIGN.md §2.
#include "common/Error.h"
#include "models/FieldsOfExperts.h"
#include "models/HuberTV.h"
#include "models/Quadratic.h"
#include "models/TotalVariation.h"
#include "registry/Registry.h"

namespace bilevel::registry {

namespace {

using Json = nlohmann::json;

HuberTV::Options huberOptions(const Json& model, bool map) {
  HuberTV::Options options;
  options.lambda = model.at("lambda").get<double>();
  options.epsilon = model.at("epsilon").get<double>();
  if (map) {
    options.gridRows = model.at("grid").at(0).get<int>();
    options.gridCols = model.at("grid").at(1).get<int>();
  }
  return options;
}

TotalVariation::Options tvOptions(const Json& model, bool map) {
  TotalVariation::Options options;
  options.lambda = model.at("lambda").get<double>();
  if (map) {
    options.gridRows = model.at("grid").at(0).get<int>();
    options.gridCols = model.at("grid").at(1).get<int>();
  }
  return options;
}

FieldsOfExperts::Options foeOptions(const Json& model) {
  FieldsOfExperts::Options options;
  options.filters = model.at("filters").get<int>();
  options.filterSize = model.at("filter_size").get<int>();
  options.nu = model.at("nu").get<double>();
  const std::string penalty = model.at("penalty").get<std::string>();
  const auto kind = parsePenaltyKind(penalty);
  if (!kind) {
    throw usageError("configuration: 'model.penalty' must be one of " + penaltyKindNames() +
                     " (got \"" + penalty + "\")");
  }
  options.penalty = *kind;
  const std::string boundary = model.at("boundary").get<std::string>();
  const auto where = parseFilterBoundary(boundary);
  if (!where) {
    throw usageError("configuration: 'model.boundary' must be one of symmetric, valid (got \"" +
                     boundary + "\")");
  }
  options.boundary = *where;
  return options;
}

}  // namespace

const std::vector<ModelEntry>& models() {
  static const std::vector<ModelEntry> table = [] {
    std::vector<ModelEntry> t;
    ModelEntry quadratic;
    quadratic.name = "quadratic";
    quadratic.label = "Quadratic (Tikhonov)";
    quadratic.formula = "E(x) = ½‖x − y‖² + (λ/2)‖∇x‖²";
    quadratic.description =
        "Smooth H¹ regularisation; its solution has a closed form by the DCT, the reference "
        "every hypergradient method is checked against.";
    quadratic.settings = {"model.lambda"};
    quadratic.makeSmooth = [](const Image& noisy, const Json& model) -> std::unique_ptr<Model> {
      return std::make_unique<Quadratic>(noisy, model.at("lambda").get<double>());
    };
    t.push_back(std::move(quadratic));

    ModelEntry huber;
    huber.name = "huber-tv";
    huber.label = "Huber-TV";
    huber.formula = "E(x) = ½‖x − y‖² + λ Σ h_ε(|∇x|)";
    huber.description =
        "Edge-preserving total variation, smoothed by the Huber function (quadratic below ε, "
        "linear above); one scalar weight λ.";
    huber.settings = {"model.lambda", "model.epsilon"};
    huber.makeSmooth = [](const Image& noisy, const Json& model) -> std::unique_ptr<Model> {
      return std::make_unique<HuberTV>(noisy, huberOptions(model, false));
    };
    t.push_back(std::move(huber));

    ModelEntry huberMap;
    huberMap.name = "huber-tv-map";
    huberMap.label = "Huber-TV weight map";
    huberMap.formula = "E(x) = ½‖x − y‖² + Σ_i λ_i h_ε(|(∇x)_i|)";
    huberMap.description =
        "Huber-TV with a spatial weight λ(x), bilinear on a coarse control grid: one learned "
        "weight per grid node.";
    huberMap.settings = {"model.lambda", "model.epsilon", "model.grid"};
    huberMap.hasWeightMap = true;
    huberMap.makeSmooth = [](const Image& noisy, const Json& model) -> std::unique_ptr<Model> {
      return std::make_unique<HuberTV>(noisy, huberOptions(model, true));
    };
    t.push_back(std::move(huberMap));

    ModelEntry foe;
    foe.name = "foe";
    foe.label = "Fields of Experts";
    foe.formula = "E(x) = ½‖x − y‖² + Σ_k ν_k Σ_i ρ((k_k ⋆ x)_i),  k_k = Σ_l ϑ_kl K_l";
    foe.description =
        "Learned filters (Roth & Black; Chen, Ranftl & Pock): K filters of s×s in the DCT basis "
        "without the constant atom, each with a weight ν_k, under a Student-t (non-convex) or "
        "Charbonnier (convex) penalty; K·s² parameters.";
    foe.settings = {"model.filters", "model.filter_size", "model.penalty", "model.nu",
                    "model.boundary"};
    foe.makeSmooth = [](const Image& noisy, const Json& model) -> std::unique_ptr<Model> {
      return std::make_unique<FieldsOfExperts>(noisy, foeOptions(model));
    };
    t.push_back(std::move(foe));

    ModelEntry tv;
    tv.name = "tv";
    tv.label = "TV";
    tv.formula = "E(x) = ½‖x − y‖² + λ Σ |(∇x)_i|₂";
    tv.description =
        "Nonsmooth isotropic total variation (ℓ2,1, the ROF model), solved by a primal–dual "
        "method and differentiated through its iterations.";
    tv.kind = LowerLevelKind::PrimalDual;
    tv.settings = {"model.lambda"};
    tv.makePrimalDual = [](const Image& noisy,
                           const Json& model) -> std::unique_ptr<PrimalDualModel> {
      return std::make_unique<TotalVariation>(noisy, tvOptions(model, false));
    };
    t.push_back(std::move(tv));

    ModelEntry tvMap;
    tvMap.name = "tv-map";
    tvMap.label = "TV weight map";
    tvMap.formula = "E(x) = ½‖x − y‖² + Σ_i λ_i |(∇x)_i|₂";
    tvMap.description =
        "Nonsmooth total variation with a spatial weight λ(x), bilinear on a coarse control "
        "grid.";
    tvMap.kind = LowerLevelKind::PrimalDual;
    tvMap.settings = {"model.lambda", "model.grid"};
    tvMap.hasWeightMap = true;
    tvMap.makePrimalDual = [](const Image& noisy,
                              const Json& model) -> std::unique_ptr<PrimalDualModel> {
      return std::make_unique<TotalVariation>(noisy, tvOptions(model, true));
    };
    t.push_back(std::move(tvMap));
    return t;
  }();
  return table;
}

}  // namespace bilevel::registry
