// bilevel-cli evaluate: a learned model's PSNR and SSIM on every image of a folder (DESIGN.md §4).
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "Commands.h"
#include "RunOutputs.h"
#include "common/Error.h"
#include "config/Configuration.h"
#include "data/Dataset.h"
#include "image/ImageIO.h"
#include "image/Quality.h"
#include "learning/LearnedModel.h"
#include "learning/ModelFactory.h"

namespace bilevel::cli {
namespace fs = std::filesystem;
using nlohmann::json;

int evaluateCommand(const CommandLine& options, const RunControl& control) {
  if (options.params.empty()) throw usageError("--params FILE (a learned model.json) is required");
  if (options.images.empty()) throw usageError("--images DIR is required");
  if (!(options.sigma >= 0.0 && options.sigma <= 1.0)) {
    throw usageError("--sigma must lie in [0, 1] (a fraction of each image's data range)");
  }
  if (options.seed < 0) throw usageError("--seed must be ≥ 0");
  const LearnedModel learned = readLearnedModel(options.params);
  const std::string source = "--params '" + options.params + "'";
  Configuration config;
  // evaluate only solves, but the configuration is validated whole: the default hypergradient
  // method (implicit-cg) refuses a primal–dual model such as tv, so take the method the file was
  // trained with.
  if (learned.training.contains("method") && learned.training["method"].is_string()) {
    config.merge({{"hypergradient", {{"method", learned.training["method"]}}}}, source);
  }
  learned.applyTo(config, source);
  DatasetOptions datasetOptions;
  datasetOptions.folder = options.images;
  datasetOptions.validationFraction = 0.0;
  datasetOptions.sigma = options.sigma;
  datasetOptions.noiseSeed = std::uint64_t(options.seed);
  const Dataset dataset(datasetOptions);
  const auto samples = dataset.samples(DatasetSplit::Training);  // every image: no validation
  if (!options.out.empty()) prepareOutputDirectory(options.out);
  const auto solver = makeInnerSolver(config.solverType());
  const SolveOptions solveOptions = config.solveOptions();

  std::ostringstream csv;
  csv << std::setprecision(10) << "image,psnr_noisy,psnr,ssim_noisy,ssim,iterations,termination\n";
  double psnrSum = 0.0, ssimSum = 0.0, noisyPsnrSum = 0.0, noisySsimSum = 0.0;
  bool failed = false;
  json rows = json::array();
  for (const DatasetSample& sample : samples) {
    const auto model = makeModel(config, sample.noisy);
    const Vector theta = learned.parametersFor(*model, source);
    Vector x = sample.noisy.pixels;
    const SolveSummary summary = solver->solve(*model, theta, x, solveOptions, &control);
    if (summary.termination == Termination::Cancelled) {
      std::cerr << "evaluate cancelled at image '" << sample.name << "'\n";
      return kExitCancelled;
    }
    failed = failed || summary.termination == Termination::Diverged || !x.allFinite();
    Image result = sample.clean;
    result.pixels = x;
    const double p = psnr(x, sample.clean.pixels), s = ssim(result, sample.clean);
    const double pn = psnr(sample.noisy.pixels, sample.clean.pixels),
                 sn = ssim(sample.noisy, sample.clean);
    psnrSum += p;
    ssimSum += s;
    noisyPsnrSum += pn;
    noisySsimSum += sn;
    csv << sample.name << ',' << pn << ',' << p << ',' << sn << ',' << s << ','
        << summary.iterations << ',' << toString(summary.termination) << '\n';
    rows.push_back({{"image", sample.name}, {"psnr", p}, {"ssim", s}});
    if (!options.out.empty()) {
      const fs::path target = fs::path(options.out) / (sample.name + "_denoised.png");
      if (!dataset.imagePath(sample.image).empty())
        refuseToOverwrite(dataset.imagePath(sample.image), target);
      writeImage(result, target, 8);
    }
  }
  const double n = double(samples.size());
  csv << "mean," << noisyPsnrSum / n << ',' << psnrSum / n << ',' << noisySsimSum / n << ','
      << ssimSum / n << ",,\n";
  const json summary = {{"model", learned.model["type"]}, {"params", options.params},
                        {"images", samples.size()},       {"sigma", options.sigma},
                        {"seed", options.seed},           {"mean_psnr_noisy", noisyPsnrSum / n},
                        {"mean_psnr", psnrSum / n},       {"mean_ssim_noisy", noisySsimSum / n},
                        {"mean_ssim", ssimSum / n},       {"per_image", rows}};
  if (!options.out.empty()) {
    writeTextFileAtomically(fs::path(options.out) / "evaluation.csv", csv.str());
    writeTextFileAtomically(fs::path(options.out) / "summary.json", summary.dump(2) + "\n");
  }
  if (options.json) {
    std::cout << summary.dump() << std::endl;
  } else {
    std::cout << csv.str();
  }
  if (failed) throw numericalError("a solve diverged (see the termination column)");
  return 0;
}

}  // namespace bilevel::cli
