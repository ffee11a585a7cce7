// Every setting of a configuration: key, default, range and meaning (DESIGN.md §4). The defaults
// here are the configuration's defaults; the ranges are what Configuration's validator enforces.
#include <limits>

#include "registry/Registry.h"

namespace bilevel::registry {

namespace {

using Type = Setting::Type;
using Json = nlohmann::json;

Setting make(std::string key, Type type, Json defaultValue, std::string label,
             std::string description, std::optional<double> minimum = {},
             bool minimumIncluded = true, std::optional<double> maximum = {},
             bool maximumIncluded = true) {
  Setting s;
  s.key = std::move(key);
  s.type = type;
  s.defaultValue = std::move(defaultValue);
  s.label = std::move(label);
  s.description = std::move(description);
  s.minimum = minimum;
  s.minimumIncluded = minimumIncluded;
  s.maximum = maximum;
  s.maximumIncluded = maximumIncluded;
  return s;
}

constexpr bool kOpen = false, kClosed = true;

}  // namespace

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      make("image", Type::Images, "shapes.png", "Clean image",
           "Clean image(s): a path, a list of paths, or \"benchmark:N\" for the N×N benchmark "
           "image. Relative paths resolve against the configuration file's folder, then the "
           "sample images."),
      make("noisy", Type::Images, nullptr, "Noisy image",
           "Optional noisy image(s) matching \"image\" one to one; when null, Gaussian noise of "
           "noise.sigma is added to the clean images."),
      make("noise.sigma", Type::Number, 0.1, "Noise σ",
           "Standard deviation of the Gaussian noise added to the clean image, as a fraction of "
           "its data range (core/image/IntensityRange.h: 0–255 for an 8-bit picture, min–max "
           "for data that fills less than half of its type). Ignored when noisy images are "
           "given.",
           0.0, kClosed, 1.0, kClosed),
      make("noise.seed", Type::Integer, 1, "Noise seed",
           "Seed of the noise, so that a run can be repeated exactly.", 0.0, kClosed),
      make("model.type", Type::Choice, "huber-tv", "Model", "The lower-level energy E(x, θ)."),
      make("model.lambda", Type::Number, 0.05, "λ",
           "Regularisation weight λ the run starts from (every control point of a weight map).",
           0.0, kOpen),
      make("model.epsilon", Type::Number, 0.01, "Huber ε",
           "Huber parameter ε: below it the penalty on |∇x| is quadratic (smooth), above it "
           "linear (edges).",
           0.0, kOpen, 1.0, kClosed),
      make("model.grid", Type::Grid, Json::array({8, 8}), "Map grid",
           "Control grid of a weight map, [rows, cols]: one learned weight per node, bilinear in "
           "between.",
           1.0, kClosed, 256.0, kClosed),
      make("model.filters", Type::Integer, 8, "Filters",
           "Fields of Experts: the number K of learned filters.", 1.0, kClosed, 1000.0, kClosed),
      make("model.filter_size", Type::Integer, 3, "Filter size",
           "Fields of Experts: the side s of every filter (s² − 1 DCT coefficients each).", 2.0,
           kClosed, 15.0, kClosed),
      make("model.penalty", Type::Choice, "student-t", "Penalty ρ",
           "Fields of Experts: the penalty of the filter responses, \"student-t\" log(1 + z²) "
           "(non-convex) or \"charbonnier\" √(1 + z²) − 1 (convex)."),
      make("model.nu", Type::Number, 0.0015, "Filter weight ν",
           "Fields of Experts: the weight ν_k every filter starts from.", 0.0, kOpen),
      make("model.boundary", Type::Choice, "symmetric", "Filter boundary",
           "Fields of Experts: \"symmetric\" filters the picture mirrored at its edges, so "
           "border pixels are regularised like the others; \"valid\" keeps only the responses "
           "where a filter fits inside the picture (a band of s − 1 pixels stays nearly as noisy "
           "as the input)."),
      make("solver.type", Type::Choice, "accelerated-gradient", "Solver",
           "The inner solver of the lower-level problem."),
      make("solver.tolerance", Type::Number, 1e-8, "Tolerance",
           "Stop the inner solve when ‖∂ₓE‖ falls below this fraction of its value at the noisy "
           "image (primal–dual solvers: the gap, relative to the same scale).",
           0.0, kOpen, 1.0, kOpen),
      make("solver.max_iterations", Type::Integer, 10000, "Max iterations",
           "Iteration cap of an inner solve that stops on the tolerance; reaching it first is a "
           "numerical failure.",
           1.0, kClosed),
      make("solver.iterations", Type::Integer, 0, "Unrolled K",
           "When > 0, run exactly this many inner iterations and ignore the tolerance: the fixed "
           "map that unrolled and forward-mode differentiation run through.",
           0.0, kClosed),
      make("solver.memory", Type::Integer, 10, "L-BFGS memory",
           "Number of (s, y) pairs L-BFGS keeps; also what SHINE reuses.", 1.0, kClosed, 200.0,
           kClosed),
      make("hypergradient.method", Type::Choice, "implicit-cg", "Hypergradient",
           "How ∇U(θ) is computed."),
      make("hypergradient.tolerance", Type::Number, 1e-8, "Adjoint tolerance",
           "implicit-cg, implicit-neumann, fpad: stop when the relative residual of the adjoint "
           "system (or the next series term) falls below this.",
           0.0, kOpen, 1.0, kOpen),
      make("hypergradient.max_iterations", Type::Integer, 5000, "Adjoint iterations",
           "implicit-cg: CG iterations; implicit-neumann: series terms; fpad: recursion steps.",
           1.0, kClosed),
      make("hypergradient.truncation", Type::Integer, 0, "Truncation",
           "unrolled: differentiate only the last T inner iterations (0: all of them).", 0.0,
           kClosed),
      make("hypergradient.checkpoint_interval", Type::Integer, 0, "Checkpoint interval",
           "unrolled: keep every c-th iterate and recompute the others (0: c = ⌈√K⌉).", 0.0,
           kClosed),
      make("hypergradient.fd_step", Type::Number, 1e-5, "FD step",
           "finite-difference: relative step h_j = step · max(|θ_j|, 1e-3) of the central "
           "difference.",
           0.0, kOpen, 0.1, kOpen),
      make("hypergradient.fd_tolerance", Type::Number, 1e-12, "FD inner tolerance",
           "finite-difference: inner tolerance of every solve it makes.", 0.0, kOpen, 1.0, kOpen),
      make("outer.optimizer", Type::Choice, "lbfgs", "Optimiser",
           "The outer optimiser, on log λ so that weights stay positive."),
      make("outer.iterations", Type::Integer, 30, "Iterations",
           "Outer iterations a run makes at most (bilevel-cli learn, one press of Learn).", 0.0,
           kClosed),
      make("outer.step", Type::Number, 0.5, "Step",
           "Length of the first step in log λ (gradient descent, L-BFGS), or Adam's learning rate.",
           0.0, kOpen, 10.0, kClosed),
      make("outer.max_step", Type::Number, 0.0, "Max step",
           "gradient descent, L-BFGS: the largest change of any one coordinate of log λ (of φ: "
           "log of a positive weight, else the parameter) in one step; the first line-search "
           "trial is shortened to it. 0: unbounded.",
           0.0, kClosed),
      make("outer.tolerance", Type::Number, 1e-6, "Outer tolerance",
           "Stop when ‖∇U‖ (in log λ) falls below this fraction of its value at the first iterate.",
           0.0, kClosed, 1.0, kOpen),
      // Dataset learning (bilevel-cli train; core/data/Dataset.h, core/learning/DatasetLearning.h).
      make("dataset.folder", Type::Images, "", "Dataset",
           "bilevel-cli train: a folder of clean images (NAME.png; a noisy version, when there is "
           "one, is NAME_noisy.png beside it, else noise of noise.sigma is added), or "
           "generated:dead-leaves or generated:shapes for dataset.count generated images of "
           "dataset.size² pixels. A relative folder resolves against the configuration file's."),
      make("dataset.count", Type::Integer, 8, "Generated images",
           "Number of generated images (dataset.folder generated:...).", 1.0, kClosed, 100000.0,
           kClosed),
      make("dataset.size", Type::Integer, 32, "Generated side",
           "Side in pixels of generated images (dataset.folder generated:...).", 8.0, kClosed,
           8192.0, kClosed),
      make("dataset.patch_size", Type::Integer, 0, "Patch size",
           "Side of the square patches cut from each image at seeded positions; 0 uses whole "
           "images.",
           0.0, kClosed, 8192.0, kClosed),
      make("dataset.patches", Type::Integer, 1, "Patches per image",
           "Patches cut from each image (with dataset.patch_size > 0).", 1.0, kClosed, 100000.0,
           kClosed),
      make("dataset.validation", Type::Number, 0.25, "Validation fraction",
           "Fraction of the images held out for validation, chosen by a seeded permutation (at "
           "least one when > 0, and at least one left for training).",
           0.0, kClosed, 1.0, kOpen),
      make("dataset.validation_images", Type::Images, Json::array(), "Validation images",
           "Validation images by name (file stem); when not empty, replaces "
           "dataset.validation."),
      make("dataset.batch", Type::Integer, 0, "Minibatch",
           "Training samples per step, drawn by a seeded generator; 0 uses all of them (full "
           "batch). The objective is the mean loss over the batch.",
           0.0, kClosed),
      make("dataset.seed", Type::Integer, 1, "Dataset seed",
           "Seed of the split, the patch positions, the generated images and the minibatches.", 0.0,
           kClosed),
      make("train.algorithm", Type::Choice, "two-loop", "Learning algorithm",
           "two-loop: outer.optimizer on the mean hypergradient (hypergradient.method) of each "
           "batch, every sample's lower-level solution and adjoint kept as warm starts; soba: "
           "one inner step on x, one on the adjoint v and one on θ per step (Dagréou et al. "
           "2022); saba: soba with a SAGA memory of every sample's θ direction (variance "
           "reduced, constant steps; each sample keeps its own x and v)."),
      make("train.steps", Type::Integer, 50, "Steps",
           "Learning steps of bilevel-cli train (counted from the start of the run, so a "
           "resumed run makes the remaining ones).",
           0.0, kClosed),
      make("train.checkpoint_every", Type::Integer, 10, "Checkpoint every",
           "Write a checkpoint (checkpoint.bin in --out) every this many steps; 0 writes none.",
           0.0, kClosed),
      make("train.validate_every", Type::Integer, 5, "Validate every",
           "Solve the validation samples and report their mean PSNR every this many steps.", 1.0,
           kClosed),
      make("train.threads", Type::Integer, 2, "Threads",
           "Samples solved at once (each on its own thread).", 1.0, kClosed, 256.0, kClosed),
      make("train.inner_step", Type::Number, 1.0, "SOBA inner step",
           "soba: the step on x and on the adjoint v, in units of 1/L (L the Lipschitz bound of "
           "∂ₓE).",
           0.0, kOpen, 2.0, kOpen),
      make("train.step_decay", Type::Number, 100.0, "SOBA step decay",
           "soba: at step k the θ step is outer.step·(1 + k/τ)^(−3/5) (the exponent of SOBA's "
           "convergence theorem), τ this many steps, while x and v keep train.inner_step; 0 "
           "keeps it constant. saba keeps constant steps.",
           0.0, kClosed),
      make("train.initial_model", Type::Images, "", "Start from",
           "Dataset learning (bilevel-cli train, the studio's dataset mode): a learned model.json "
           "(what bilevel-cli train writes) whose θ the run starts from instead of the model's "
           "default parameters; its model must be the configured one (the same type and every "
           "model setting the model uses but model.lambda and model.nu, which only set the "
           "default θ). A relative path resolves against the configuration file's folder. Empty: "
           "the default parameters. A resumed run continues from its checkpoint's θ and does not "
           "read the file."),
  };
  return table;
}

}  // namespace bilevel::registry
