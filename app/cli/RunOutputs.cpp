#include "RunOutputs.h"

#include <algorithm>

#include "common/Error.h"
#include "image/ImageIO.h"
#include "learning/LearningRecords.h"
#include "models/LowerLevel.h"

namespace bilevel::cli {
namespace fs = std::filesystem;
using nlohmann::json;

void prepareOutputDirectory(const fs::path& directory) {
  std::error_code ec;
  if (fs::exists(directory, ec) && !fs::is_directory(directory, ec)) {
    throw usageError("--out '" + directory.string() + "' exists and is not a folder");
  }
  fs::create_directories(directory, ec);
  if (ec)
    throw inputError("cannot create output folder '" + directory.string() + "': " + ec.message());
}

json summaryJson(const LearningSession& session, const std::string& modelName,
                 const std::string& method) {
  const LearnSummary& s = session.summary();
  return {{"model", modelName},
          {"method", method},
          {"iterations", s.iterations},
          {"evaluations", s.evaluations},
          {"termination", toString(s.termination)},
          {"message", s.message},
          {"initial", {{"outer_loss", s.initialOuterLoss}, {"psnr", s.initialPsnr}}},
          {"final", {{"outer_loss", s.finalOuterLoss}, {"psnr", s.finalPsnr}}},
          {"params", parametersJson(session.model().parameterLayout(), session.parameters())},
          {"seconds", s.seconds}};
}

void writeLearnOutputs(const LearningSession& session, const std::string& modelName,
                       const std::string& method, const fs::path& directory) {
  for (std::size_t i = 0; i < session.pairs().size(); ++i) {
    const TrainingPair& pair = session.pairs()[i];
    const std::string prefix = session.pairs().size() == 1 ? "" : pair.name + "_";
    Image result = pair.clean;
    result.pixels = session.reconstruction(i);
    if (!pair.cleanPath.empty())
      refuseToOverwrite(pair.cleanPath, directory / (prefix + "reconstruction.png"));
    writeImage(result, directory / (prefix + "reconstruction.png"), 8);
    if (pair.clean.sourceBitDepth == 16) {
      writeImage(result, directory / (prefix + "reconstruction_16.png"), 16);
    }
    writeImage(pair.noisy, directory / (prefix + "noisy.png"), 8);
  }
  // Every view the model shows besides the reconstruction (LowerLevel::views: the λ map, TV's
  // jump set), scaled to [0, 1] for viewing, named by its kind: lambda_map.png (kept from before
  // the views; its values are in params.json), jump_set.png, ...
  for (const LowerLevelView& view :
       session.model().views(session.reconstruction(), session.parameters())) {
    if (view.kind == ViewKind::Reconstruction) continue;
    Image image = session.pairs().front().clean;
    image.pixels = view.pixels;
    image.range = {};  // not the clean image's intensities: [0, 1] spans the 8-bit range
    const double high = image.pixels.maxCoeff();
    if (high > 0.0) image.pixels /= high;
    std::string name = view.kind == ViewKind::WeightMap ? "lambda-map" : toString(view.kind);
    std::replace(name.begin(), name.end(), '-', '_');
    writeImage(image, directory / (name + ".png"), 8);
  }
  writeTextFileAtomically(
      directory / "params.json",
      parametersJson(session.model().parameterLayout(), session.parameters()).dump(2) + "\n");
  writeTextFileAtomically(directory / "history.csv",
                          historyCsv(session.model().parameterLayout(), session.history()));
  writeTextFileAtomically(directory / "summary.json",
                          summaryJson(session, modelName, method).dump(2) + "\n");
}

}  // namespace bilevel::cli
