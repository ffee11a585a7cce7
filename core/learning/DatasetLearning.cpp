#include "learning/DatasetLearning.h"

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <sstream>

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "common/Stopwatch.h"
#include "image/PortableRandom.h"
#include "image/Quality.h"
#include "learning/ModelFactory.h"
#include "learning/ParameterTransform.h"
#include "learning/SingleLoopSaba.h"
#include "learning/SingleLoopSoba.h"
#include "learning/TwoLoopLearning.h"

namespace bilevel {
using Json = nlohmann::json;

namespace {

constexpr std::string_view kCheckpointMagic = "BILEVEL-CHECKPOINT 1\n";
// Consecutive steps without progress after which a run counts as converged (as LearningSession).
constexpr int kMaxStalledSteps = 3;
// Settings that change neither the samples nor the trajectory: a resumed run may change them.
// initial_model sets θ at step 0 only, and the checkpoint holds θ.
constexpr const char* kFreeTrainKeys[] = {"steps", "threads", "checkpoint_every", "validate_every",
                                          "initial_model"};

void flatten(const Json& value, const std::string& prefix, std::map<std::string, Json>& out) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it)
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
  } else {
    out[prefix] = value;
  }
}

// FNV-1a, 64 bit: a checkpoint ends with the hash of everything before it, so a file damaged
// anywhere (a digit of θ in the header, a warm start's bytes) is refused instead of resumed.
std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const unsigned char c : bytes)
    hash = (hash ^ c) * 0x100000001b3ULL;
  return hash;
}
std::string hex(std::uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}
constexpr std::size_t kHashLength = 16;

Json jsonNumber(double value) {
  return std::isfinite(value) ? Json(value) : Json(nullptr);
}
double numberOr(const Json& value, double fallback) {
  return value.is_number() ? value.get<double>() : fallback;
}

std::vector<double> toList(const Vector& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}
Vector fromList(const Json& list) {
  const auto values = list.get<std::vector<double>>();
  return Eigen::Map<const Vector>(values.data(), Eigen::Index(values.size()));
}

}  // namespace

std::string toString(LearningAlgorithmKind kind) {
  switch (kind) {
    case LearningAlgorithmKind::TwoLoop:
      return "two-loop";
    case LearningAlgorithmKind::Soba:
      return "soba";
    case LearningAlgorithmKind::Saba:
      return "saba";
  }
  return "two-loop";
}

const std::vector<LearningAlgorithmKind>& learningAlgorithmKinds() {
  static const std::vector<LearningAlgorithmKind> kinds = {
      LearningAlgorithmKind::TwoLoop, LearningAlgorithmKind::Soba, LearningAlgorithmKind::Saba};
  return kinds;
}

std::optional<LearningAlgorithmKind> parseLearningAlgorithm(std::string_view text) {
  for (const auto kind : learningAlgorithmKinds()) {
    if (toString(kind) == text) return kind;
  }
  return std::nullopt;
}

bool TrainingOptions::isValid(std::string* error) const {
  const auto fail = [&](const std::string& message) {
    if (error) *error = message;
    return false;
  };
  if (steps < 0) return fail("train.steps must be ≥ 0");
  if (checkpointEvery < 0) return fail("train.checkpoint_every must be ≥ 0");
  if (validateEvery < 1) return fail("train.validate_every must be ≥ 1");
  if (threads < 1) return fail("train.threads must be ≥ 1");
  if (batch < 0) return fail("dataset.batch must be ≥ 0");
  if (!(innerStep > 0.0 && innerStep < 2.0)) return fail("train.inner_step must lie in (0, 2)");
  if (!(stepDecay >= 0.0 && std::isfinite(stepDecay)))
    return fail("train.step_decay must be a finite number ≥ 0");
  return true;
}

TrainingOptions TrainingOptions::fromConfiguration(const Configuration& configuration) {
  const Json& t = configuration.json()["train"];
  TrainingOptions options;
  const std::string algorithm = t["algorithm"].get<std::string>();
  const auto kind = parseLearningAlgorithm(algorithm);
  if (!kind) {
    throw usageError(
        "configuration: 'train.algorithm' must be \"two-loop\", \"soba\" or \"saba\" (got \"" +
        algorithm + "\")");
  }
  options.algorithm = *kind;
  options.steps = t["steps"].get<int>();
  options.checkpointEvery = t["checkpoint_every"].get<int>();
  options.validateEvery = t["validate_every"].get<int>();
  options.threads = t["threads"].get<int>();
  options.innerStep = t["inner_step"].get<double>();
  options.stepDecay = t["step_decay"].get<double>();
  options.batch = configuration.json()["dataset"]["batch"].get<int>();
  options.seed = configuration.json()["dataset"]["seed"].get<std::uint64_t>();
  if (std::string error; !options.isValid(&error)) throw usageError("configuration: " + error);
  return options;
}

LearningAlgorithm::LearningAlgorithm(const Dataset& dataset, const Configuration& configuration,
                                     TrainingOptions options)
    : configuration_(configuration), options_(options) {
  if (std::string error; !options_.isValid(&error)) throw usageError(error);
  solveOptions_ = configuration.solveOptions();
  solveOptions_.recordTrace = false;
  for (int slot = 0; slot < options_.threads; ++slot) {
    solvers_.push_back(makeInnerSolver(configuration.solverType()));
    methods_.push_back(
        makeHypergradientMethod(configuration.method(), configuration.hypergradientOptions()));
  }
  const auto build = [&](DatasetSplit split, std::vector<Sample>& out) {
    for (DatasetSample& data : dataset.samples(split)) {
      Sample sample;
      sample.model = makeModel(configuration, data.noisy);
      sample.loss = std::make_unique<SquaredError>(data.clean.pixels);
      sample.x = data.noisy.pixels;
      sample.state.keepAdjoint = true;
      sample.data = std::move(data);
      out.push_back(std::move(sample));
    }
  };
  build(DatasetSplit::Training, training_);
  build(DatasetSplit::Validation, validation_);
  if (training_.empty()) throw usageError("the dataset has no training sample");
  // A method that cannot differentiate this solver or model is a usage error before any work.
  requireSupport(*methods_.front(), {*training_.front().model, *training_.front().loss,
                                     *solvers_.front(), solveOptions_});
  theta_ = startingParameters(configuration, model());
  phi_ = phiFromTheta(model().parameterLayout(), theta_);
  batchGenerator_.seed(options_.seed * 0x9e3779b97f4a7c15ULL + 0xba7c4ULL);
}

LearningAlgorithm::~LearningAlgorithm() = default;

void LearningAlgorithm::forEach(const std::vector<std::size_t>& indices,
                                const std::function<void(std::size_t, int)>& body,
                                bool light) const {
  const int count = int(indices.size());
  int threads = std::max(1, std::min(options_.threads, count));
  if (light) {
    Eigen::Index pixels = 0;
    for (const std::size_t i : indices)
      pixels += training_[i].x.size();
    if (pixels < kParallelPixels) threads = 1;
  }
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  // One sample per iteration, dynamically scheduled (samples differ in cost); each thread uses its
  // own solver and method (slot). The inner loops' own parallel regions run on one thread inside
  // this one (OpenMP's nesting is off by default), so with one thread they keep their team.
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
  for (int k = 0; k < count; ++k) {
    const int slot = omp_in_parallel() ? omp_get_thread_num() : 0;
    if (errors[std::size_t(slot)]) continue;
    try {
      body(indices[std::size_t(k)], slot);
    } catch (...) {
      errors[std::size_t(slot)] = std::current_exception();
    }
  }
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

std::vector<std::size_t> LearningAlgorithm::allTrainingSamples() const {
  std::vector<std::size_t> all(training_.size());
  for (std::size_t i = 0; i < all.size(); ++i)
    all[i] = i;
  return all;
}

bool LearningAlgorithm::fullBatch() const {
  return options_.batch == 0 || std::size_t(options_.batch) >= training_.size();
}

std::vector<std::size_t> LearningAlgorithm::drawBatch() {
  std::vector<std::size_t> order = allTrainingSamples();
  if (fullBatch()) return order;
  // A partial Fisher–Yates shuffle with the portable index (PortableRandom.h): `batch` distinct
  // samples, summed in ascending order.
  const std::size_t n = order.size(), b = std::size_t(options_.batch);
  for (std::size_t i = 0; i < b; ++i)
    std::swap(order[i], order[i + uniformIndex(batchGenerator_, n - i)]);
  order.resize(b);
  std::sort(order.begin(), order.end());
  return order;
}

void LearningAlgorithm::requireUsable(const HypergradientSummary& summary,
                                      const Sample& sample) const {
  if (summary.termination == Termination::Diverged || !std::isfinite(summary.outerLoss)) {
    throw numericalError("the " + summary.method + " evaluation diverged on sample '" +
                         sample.data.name + "' (" + summary.message + ")");
  }
  if (summary.inner.termination == Termination::IterationLimit &&
      solveOptions_.fixedIterations == 0) {
    throw numericalError("the " + solvers_.front()->name() + " inner solve of sample '" +
                         sample.data.name + "' stopped at its iteration cap (" +
                         "solver.max_iterations = " + std::to_string(solveOptions_.maxIterations) +
                         "); raise solver.max_iterations or loosen solver.tolerance");
  }
}

double LearningAlgorithm::validate(const CancellationFlag* cancel) {
  // The solutions change in place below: until this validation completes, none are reported.
  validationPsnrs_.clear();
  if (validation_.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::vector<std::size_t> all(validation_.size());
  for (std::size_t i = 0; i < all.size(); ++i)
    all[i] = i;
  std::vector<double> psnrs(validation_.size(), 0.0);
  std::vector<char> cancelled(validation_.size(), 0);
  forEach(all, [&](std::size_t i, int slot) {
    Sample& sample = validation_[i];
    SolveOptions solve = solveOptions_;
    solve.state = &sample.state;
    const SolveSummary summary =
        solvers_[std::size_t(slot)]->solve(*sample.model, theta_, sample.x, solve, cancel);
    if (summary.termination == Termination::Cancelled) {
      cancelled[i] = 1;
      return;
    }
    if (summary.termination == Termination::Diverged || !sample.x.allFinite()) {
      throw numericalError("the solve of validation sample '" + sample.data.name + "' diverged (" +
                           summary.message + ")");
    }
    psnrs[i] = psnr(sample.x, sample.data.clean.pixels);
  });
  for (const char c : cancelled) {
    if (c) return std::numeric_limits<double>::quiet_NaN();
  }
  double sum = 0.0;
  for (const double p : psnrs)
    sum += p;
  validationPsnrs_ = std::move(psnrs);
  return sum / double(validationPsnrs_.size());
}

std::vector<LearningAlgorithm::ValidatedSample> LearningAlgorithm::lastValidation() const {
  std::vector<ValidatedSample> samples;
  for (std::size_t i = 0; i < validationPsnrs_.size(); ++i)
    samples.push_back({&validation_[i].data, &validation_[i].x, validationPsnrs_[i]});
  return samples;
}

TrainingProgress LearningAlgorithm::makeProgress(const StepReport& report, double stepSeconds,
                                                 bool validated, double validationPsnr,
                                                 LearnTermination status) const {
  TrainingProgress p;
  p.step = step_;
  p.totalSteps = options_.steps;
  p.trainingLoss = report.loss;
  p.trainingPsnr = report.psnr;
  p.validationPsnr = validated ? validationPsnr : std::numeric_limits<double>::quiet_NaN();
  p.hypergradientNorm = report.hypergradientNorm;
  p.stepSeconds = stepSeconds;
  p.elapsedSeconds = elapsed_;
  p.validationSeconds = validationSeconds_;
  const double mean = sessionSteps_ > 0 ? sessionSeconds_ / sessionSteps_ : stepSeconds;
  p.etaSeconds = mean * std::max(0, options_.steps - step_);
  p.innerIterations = report.innerIterations;
  p.adjointIterations = report.adjointIterations;
  p.parameters = theta_;
  p.parameterMin = theta_.minCoeff();
  p.parameterMax = theta_.maxCoeff();
  p.status = status;
  return p;
}

TrainingProgress LearningAlgorithm::step(const CancellationFlag* cancel) {
  if (finished_ && !history_.empty()) return history_.back();
  Stopwatch clock;
  StepReport report;
  LearnTermination status = LearnTermination::Running;
  if (!started_) {
    batch_ = drawBatch();
    report = initialize(batch_, cancel);
  } else {
    report = advance(batch_, cancel);
  }
  if (report.cancelled) {
    finished_ = true;
    summary_.termination = LearnTermination::Cancelled;
    summary_.message = "cancelled during step " + std::to_string(step_ + 1);
    TrainingProgress last = history_.empty() ? TrainingProgress{} : history_.back();
    last.status = LearnTermination::Cancelled;
    return last;
  }
  if (started_) {
    if (report.moved) {
      ++step_;
      stalled_ = 0;
    }
    if (report.converged) {
      finished_ = true;
      status = LearnTermination::Converged;
      summary_.message = report.message;
    } else if (!report.moved && ++stalled_ >= kMaxStalledSteps) {
      finished_ = true;
      status = LearnTermination::Converged;
      summary_.message =
          "no decrease after " + std::to_string(stalled_) + " attempts (" + report.message + ")";
    }
  }
  const bool validating =
      !started_ || step_ % options_.validateEvery == 0 || step_ >= options_.steps || finished_;
  Stopwatch validationClock;
  const double validationPsnr = validating ? validate(cancel) : 0.0;
  validationSeconds_ += validating ? validationClock.seconds() : 0.0;
  const double seconds = clock.seconds();
  elapsed_ += seconds;
  if (started_) {
    sessionSeconds_ += seconds;
    ++sessionSteps_;
  }
  const TrainingProgress progress =
      makeProgress(report, seconds, validating, validationPsnr, status);
  if (!started_) {
    summary_.initialLoss = progress.trainingLoss;
    summary_.initialValidationPsnr = progress.validationPsnr;
  }
  started_ = true;
  if (finished_) summary_.termination = status;
  summary_.steps = step_;
  summary_.finalLoss = progress.trainingLoss;
  if (validating) summary_.finalValidationPsnr = progress.validationPsnr;
  summary_.seconds = elapsed_;
  TrainingProgress light = progress;
  light.parameters = Vector();
  const bool moved = history_.empty() || history_.back().step != light.step;
  if (moved) {
    history_.push_back(light);
  } else {
    history_.back() = light;
  }
  if (observer_ && (moved || finished_)) {
    const ObserverDecision decision = observer_(progress);
    if (decision == ObserverDecision::Abort && !finished_) {
      finished_ = true;
      summary_.termination = LearnTermination::Cancelled;
      summary_.message = "stopped by the observer after step " + std::to_string(step_);
    } else if (decision == ObserverDecision::StopSuccessfully && !finished_) {
      summary_.termination = LearnTermination::Stopped;
      summary_.message = "stopped by the observer after step " + std::to_string(step_);
    }
  }
  return progress;
}

TrainingSummary LearningAlgorithm::run(const CancellationFlag* cancel,
                                       const std::filesystem::path& checkpoint) {
  if (!finished_) summary_.termination = LearnTermination::Running;
  const auto save = [&] {
    if (!checkpoint.empty()) writeCheckpoint(checkpoint);
  };
  while (!finished_ && (!started_ || step_ < options_.steps)) {
    const int before = step_;
    const bool wasStarted = started_;
    step(cancel);
    if (summary_.termination == LearnTermination::Cancelled) return summary_;
    if (wasStarted && step_ != before && options_.checkpointEvery > 0 &&
        step_ % options_.checkpointEvery == 0)
      save();
    if (summary_.termination == LearnTermination::Stopped) {
      save();
      return summary_;
    }
  }
  if (!finished_) {
    finished_ = true;
    summary_.termination = LearnTermination::IterationLimit;
  }
  save();
  return summary_;
}

std::string LearningAlgorithm::fingerprint() const {
  Json c = configuration_.json();
  for (const char* key : kFreeTrainKeys)
    c["train"].erase(key);
  c["outer"].erase("iterations");
  // Checkpoints written before outer.max_step existed resume while it keeps its default.
  if (c["outer"].value("max_step", 0.0) == 0.0) c["outer"].erase("max_step");
  return c.dump();
}

std::string LearningAlgorithm::checkpoint() const {
  Json header;
  header["algorithm"] = name();
  header["configuration"] = Json::parse(fingerprint());
  header["step"] = step_;
  header["started"] = started_;
  header["finished"] = finished_;
  header["termination"] = toString(summary_.termination);
  header["stalled"] = stalled_;
  header["elapsed"] = elapsed_;
  header["validation_seconds"] = validationSeconds_;
  header["phi"] = toList(phi_);
  header["theta"] = toList(theta_);
  header["batch"] = batch_;
  std::ostringstream generator;
  generator << batchGenerator_;
  header["generator"] = generator.str();
  header["algorithm_state"] = algorithmState();
  header["summary"] = {{"initial_loss", jsonNumber(summary_.initialLoss)},
                       {"initial_validation_psnr", jsonNumber(summary_.initialValidationPsnr)},
                       {"final_validation_psnr", jsonNumber(summary_.finalValidationPsnr)}};
  Json history = Json::array();
  for (const TrainingProgress& p : history_) {
    history.push_back({p.step, p.trainingLoss, p.trainingPsnr, jsonNumber(p.validationPsnr),
                       p.hypergradientNorm, p.stepSeconds, p.elapsedSeconds, p.innerIterations,
                       p.adjointIterations, p.parameterMin, p.parameterMax});
  }
  header["history"] = history;
  // The warm starts, as raw doubles after the header: x, the adjoint and the dual of every
  // training sample, then x of every validation sample.
  std::vector<const Vector*> arrays;
  Json names = Json::array(), sizes = Json::array();
  for (const auto* set : {&training_, &validation_}) {
    for (const Sample& s : *set) {
      names.push_back(s.data.name);
      for (const Vector* v : {&s.x, &s.state.adjoint, &s.state.dual}) {
        arrays.push_back(v);
        sizes.push_back(v->size());
      }
    }
  }
  header["samples"] = names;
  header["sizes"] = sizes;
  const std::string text = header.dump();
  std::string bytes(kCheckpointMagic);
  bytes += std::to_string(text.size()) + "\n" + text;
  for (const Vector* v : arrays) {
    // An empty vector's data() may be null, which memcpy must not see even for 0 bytes.
    if (v->size() > 0)
      bytes.append(reinterpret_cast<const char*>(v->data()),
                   std::size_t(v->size()) * sizeof(double));
  }
  bytes += hex(fnv1a(bytes));
  return bytes;
}

void LearningAlgorithm::writeCheckpoint(const std::filesystem::path& path) const {
  writeFileAtomically(path, checkpoint());
}

void LearningAlgorithm::restore(std::string_view bytes, const std::string& source) {
  if (started_) throw usageError("a checkpoint can only be restored before the first step");
  validationPsnrs_.clear();  // the warm starts below replace the solutions
  const auto damaged = [&](const std::string& why) {
    return inputError(source + " is not a checkpoint of bilevel-cli train (" + why + ")");
  };
  if (bytes.substr(0, kCheckpointMagic.size()) != kCheckpointMagic) throw damaged("no header");
  if (bytes.size() < kCheckpointMagic.size() + kHashLength ||
      hex(fnv1a(bytes.substr(0, bytes.size() - kHashLength))) !=
          bytes.substr(bytes.size() - kHashLength)) {
    throw damaged("damaged or truncated: its checksum does not match");
  }
  bytes.remove_suffix(kHashLength);
  std::size_t offset = kCheckpointMagic.size();
  const std::size_t newline = bytes.find('\n', offset);
  if (newline == std::string_view::npos) throw damaged("truncated");
  std::size_t length = 0;
  try {
    length = std::stoull(std::string(bytes.substr(offset, newline - offset)));
  } catch (...) {
    throw damaged("bad header length");
  }
  offset = newline + 1;
  if (length > bytes.size() - offset) throw damaged("truncated header");
  Json header;
  try {
    header = Json::parse(bytes.substr(offset, length));
  } catch (const Json::exception& e) {
    throw damaged(e.what());
  }
  offset += length;
  try {
    if (header.at("algorithm") != name()) {
      throw usageError(source + " was written by train.algorithm \"" +
                       header.at("algorithm").get<std::string>() + "\", this run is \"" + name() +
                       "\"");
    }
    std::map<std::string, Json> saved, now;
    flatten(header.at("configuration"), "", saved);
    flatten(Json::parse(fingerprint()), "", now);
    for (const auto& [key, value] : now) {
      const auto it = saved.find(key);
      if (it == saved.end() || it->second != value) {
        throw usageError(source + " belongs to another configuration: '" + key + "' was " +
                         (it == saved.end() ? std::string("absent") : it->second.dump()) +
                         ", now " + value.dump());
      }
    }
    const Json& names = header.at("samples");
    if (names.size() != training_.size() + validation_.size()) {
      throw usageError(source + " has " + std::to_string(names.size()) +
                       " samples, the dataset now " +
                       std::to_string(training_.size() + validation_.size()));
    }
    std::size_t k = 0, a = 0;
    const Json& sizes = header.at("sizes");
    for (auto* set : {&training_, &validation_}) {
      for (Sample& s : *set) {
        if (names[k++] != s.data.name) {
          throw usageError(source + ": sample " + std::to_string(k - 1) + " was '" +
                           names[k - 1].get<std::string>() + "', the dataset now has '" +
                           s.data.name + "'");
        }
        for (Vector* v : {&s.x, &s.state.adjoint, &s.state.dual}) {
          const auto size = sizes.at(a++).get<std::size_t>();
          if (size > (bytes.size() - offset) / sizeof(double)) throw damaged("truncated arrays");
          v->resize(Eigen::Index(size));
          if (size > 0) std::memcpy(v->data(), bytes.data() + offset, size * sizeof(double));
          offset += size * sizeof(double);
        }
      }
    }
    if (offset != bytes.size()) throw damaged("trailing bytes");
    step_ = header.at("step").get<int>();
    stalled_ = header.at("stalled").get<int>();
    elapsed_ = header.at("elapsed").get<double>();
    validationSeconds_ = header.at("validation_seconds").get<double>();
    phi_ = fromList(header.at("phi"));
    theta_ = fromList(header.at("theta"));
    if (theta_.size() != model().parameterLayout().size() || phi_.size() != theta_.size())
      throw damaged("θ has the wrong size");
    batch_ = header.at("batch").get<std::vector<std::size_t>>();
    for (const std::size_t i : batch_) {
      if (i >= training_.size()) throw damaged("batch index out of range");
    }
    std::istringstream generator(header.at("generator").get<std::string>());
    generator >> batchGenerator_;
    if (!generator) throw damaged("generator state");
    restoreAlgorithmState(header.at("algorithm_state"));
    const Json& summary = header.at("summary");
    summary_.initialLoss = numberOr(summary.at("initial_loss"), 0.0);
    summary_.initialValidationPsnr =
        numberOr(summary.at("initial_validation_psnr"), std::numeric_limits<double>::quiet_NaN());
    summary_.finalValidationPsnr =
        numberOr(summary.at("final_validation_psnr"), std::numeric_limits<double>::quiet_NaN());
    history_.clear();
    for (const Json& row : header.at("history")) {
      TrainingProgress p;
      p.step = row.at(0).get<int>();
      p.trainingLoss = row.at(1).get<double>();
      p.trainingPsnr = row.at(2).get<double>();
      p.validationPsnr = numberOr(row.at(3), std::numeric_limits<double>::quiet_NaN());
      p.hypergradientNorm = row.at(4).get<double>();
      p.stepSeconds = row.at(5).get<double>();
      p.elapsedSeconds = row.at(6).get<double>();
      p.innerIterations = row.at(7).get<int>();
      p.adjointIterations = row.at(8).get<int>();
      p.parameterMin = row.at(9).get<double>();
      p.parameterMax = row.at(10).get<double>();
      p.totalSteps = options_.steps;
      history_.push_back(p);
    }
    started_ = header.at("started").get<bool>();
    // A run that reached its step count may be continued with more steps.
    const auto termination = parseLearnTermination(header.at("termination").get<std::string>());
    if (!termination) throw damaged("unknown termination");
    summary_.termination = *termination;
    // A run that ended at its step count continues when given more steps; a converged one stays
    // finished.
    finished_ = header.at("finished").get<bool>() &&
                !(*termination == LearnTermination::IterationLimit && step_ < options_.steps);
    if (!finished_) summary_.termination = LearnTermination::Running;
    summary_.steps = step_;
    summary_.seconds = elapsed_;
    if (!history_.empty()) summary_.finalLoss = history_.back().trainingLoss;
  } catch (const Json::exception& e) {
    throw damaged(e.what());
  }
}

void LearningAlgorithm::restoreCheckpoint(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw inputError("checkpoint '" + path.string() + "' cannot be opened");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  restore(buffer.str(), "checkpoint '" + path.string() + "'");
}

std::unique_ptr<LearningAlgorithm> makeLearningAlgorithm(const Dataset& dataset,
                                                         const Configuration& configuration) {
  const TrainingOptions options = TrainingOptions::fromConfiguration(configuration);
  if (options.algorithm == LearningAlgorithmKind::Soba)
    return std::make_unique<SingleLoopSoba>(dataset, configuration, options);
  if (options.algorithm == LearningAlgorithmKind::Saba)
    return std::make_unique<SingleLoopSaba>(dataset, configuration, options);
  return std::make_unique<TwoLoopLearning>(dataset, configuration, options);
}

}  // namespace bilevel
