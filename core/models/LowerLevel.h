#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/Vector.h"
#include "models/ParameterLayout.h"
#include "models/penalties/Penalty.h"

namespace bilevel {

// What a lower-level image can show (issue 9 §1: "what a model shows comes from the model"). The
// studio and the CLI pick a widget and a colour map by kind, never by model name.
enum class ViewKind {
  Reconstruction,  // the lower-level solution x itself
  WeightMap,       // the per-pixel regularisation weight λ_i (a λ map)
  JumpSet,         // 0/1 mask of the pixels where ∇x ≠ 0 (the support TV identifies)
};
// Stable lower-case identifier ("reconstruction", "weight-map", "jump-set"): file names, JSON keys.
std::string toString(ViewKind kind);

// One named image a lower level shows for (x, θ): rows()×cols() pixels, row-major like x.
struct LowerLevelView {
  ViewKind kind = ViewKind::Reconstruction;
  std::string displayName;  // what a view list shows ("Reconstruction", "λ map", "Jump set")
  Vector pixels;
};

// One filter of a learned filter bank (Fields of Experts, DESIGN.md §2): the kernel k_k as an
// image (rows×cols, row-major) and the weight ν_k of its penalty term.
struct LearnedFilter {
  int rows = 0;
  int cols = 0;
  Vector kernel;
  double weight = 0.0;
};

// What every lower-level energy E(x, θ) of DESIGN.md §2–§3 has, whatever its kind: a name, a
// parameter layout, the shape of x, the energy, its default parameters and the images it can show.
// The two kinds derive from it: Model (smooth: gradient, Hessian-vector and mixed products) and
// PrimalDualModel (a linear operator K, the prox of the data term, the prox of the regulariser's
// conjugate with its conservative Jacobian). Code that only needs this part (iteration maps,
// views, the CLI's outputs) takes a `const LowerLevel&`.
//
// A lower level is bound to its data (the noisy image y of one training pair). Thread safety:
// const methods may use internal scratch buffers; one instance is used by one thread at a time.
class LowerLevel {
 public:
  virtual ~LowerLevel() = default;

  // Command-line name ("quadratic", "huber-tv", "huber-tv-map", "tv", "tv-map").
  virtual std::string name() const = 0;
  virtual const ParameterLayout& parameterLayout() const = 0;
  Eigen::Index parameterCount() const { return parameterLayout().size(); }

  // Shape of the variable x (an image).
  virtual int rows() const = 0;
  virtual int cols() const = 0;
  Eigen::Index variableCount() const { return Eigen::Index(rows()) * cols(); }

  // Where solvers start without a warm start (for denoising: the noisy image y); for smooth models
  // also the point whose gradient norm scales the relative stopping test.
  virtual const Vector& initialPoint() const = 0;

  virtual double energy(const Vector& x, const Vector& theta) const = 0;

  // The default parameters a configuration starts from.
  virtual Vector defaultParameters() const = 0;

  // Models with a spatially varying weight (a λ map) report it per pixel, so the window and the
  // CLI's lambda_map.png show it without knowing the model. Others return false / an empty vector.
  virtual bool hasWeightMap() const { return false; }
  virtual Vector weightMap(const Vector& /*theta*/) const { return {}; }

  // The images this lower level shows at (x, θ), in display order. The default: the
  // reconstruction x, then the weight map when hasWeightMap(). Models with more to show (TV's jump
  // set) extend the list. Allocates (a view is for display, not for solver loops).
  virtual std::vector<LowerLevelView> views(const Vector& x, const Vector& theta) const;

  // Models with a learned filter bank (Fields of Experts) report its filters at θ and the penalty
  // ρ applied to each filter's responses, so the studio shows the bank as tiles and ρ, ρ' as
  // curves without knowing the model. Others return an empty list / nothing. Allocates.
  virtual std::vector<LearnedFilter> learnedFilters(const Vector& /*theta*/) const { return {}; }
  virtual std::optional<PenaltyKind> responsePenalty() const { return std::nullopt; }
};

}  // namespace bilevel
