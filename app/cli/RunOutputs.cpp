#include "RunOutputs.h"

#include <iomanip>
#include <sstream>

#include "common/Error.h"
#include "image/ImageIO.h"
#include "models/HuberTV.h"

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

json parametersJson(const Model& model, const Vector& theta) {
  json out = json::object();
  for (const auto& block : model.parameterLayout().blocks()) {
    if (block.size == 1) {
      out[block.name] = theta[block.offset];
    } else {
      json rows = json::array();
      for (int r = 0; r < block.rows; ++r) {
        json row = json::array();
        for (int c = 0; c < block.cols; ++c)
          row.push_back(theta[block.offset + r * block.cols + c]);
        rows.push_back(row);
      }
      out[block.name] = rows;
    }
  }
  return out;
}

json snapshotJson(const Snapshot& s) {
  return {{"iter", s.iteration},
          {"outer_loss", s.outerLoss},
          {"psnr", s.psnr},
          {"hypergradient_norm", s.hypergradientNorm},
          {"seconds", s.stepSeconds},
          {"elapsed_seconds", s.elapsedSeconds},
          {"inner_iterations", s.innerIterations},
          {"evaluations", s.evaluations},
          {"parameter_min", s.parameters.size() ? s.parameters.minCoeff() : 0.0},
          {"parameter_max", s.parameters.size() ? s.parameters.maxCoeff() : 0.0},
          {"status", s.status}};
}

json summaryJson(const LearningSession& session, const std::string& modelName,
                 const std::string& method) {
  const LearnSummary& s = session.summary();
  return {{"model", modelName},
          {"method", method},
          {"iterations", s.iterations},
          {"evaluations", s.evaluations},
          {"termination", s.termination},
          {"message", s.message},
          {"initial", {{"outer_loss", s.initialOuterLoss}, {"psnr", s.initialPsnr}}},
          {"final", {{"outer_loss", s.finalOuterLoss}, {"psnr", s.finalPsnr}}},
          {"params", parametersJson(session.model(), session.parameters())},
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
  if (const auto* huber = dynamic_cast<const HuberTV*>(&session.model());
      huber && huber->hasWeightMap()) {
    // The λ map scaled to [0, 1] for viewing; its values are in params.json.
    Image map = session.pairs().front().clean;
    map.pixels = huber->weightMap(session.parameters());
    const double high = map.pixels.maxCoeff();
    if (high > 0.0) map.pixels /= high;
    writeImage(map, directory / "lambda_map.png", 8);
  }
  writeTextFileAtomically(directory / "params.json",
                          parametersJson(session.model(), session.parameters()).dump(2) + "\n");
  std::ostringstream csv;
  csv << std::setprecision(12);
  csv << "iter,outer_loss,psnr,hypergradient_norm,seconds,inner_iterations,evaluations";
  const auto& blocks = session.model().parameterLayout().blocks();
  const bool scalarParameters = session.parameters().size() <= 16;
  if (scalarParameters) {
    for (const auto& block : blocks) {
      for (Eigen::Index k = 0; k < block.size; ++k) {
        csv << "," << block.name << (block.size > 1 ? "_" + std::to_string(k) : "");
      }
    }
  } else {
    csv << ",parameter_min,parameter_median,parameter_max";
  }
  csv << "\n";
  for (const Snapshot& s : session.history()) {
    csv << s.iteration << "," << s.outerLoss << "," << s.psnr << "," << s.hypergradientNorm << ","
        << s.stepSeconds << "," << s.innerIterations << "," << s.evaluations;
    if (scalarParameters) {
      for (Eigen::Index k = 0; k < s.parameters.size(); ++k)
        csv << "," << s.parameters[k];
    } else {
      std::vector<double> sorted(s.parameters.data(), s.parameters.data() + s.parameters.size());
      std::sort(sorted.begin(), sorted.end());
      csv << "," << sorted.front() << "," << sorted[sorted.size() / 2] << "," << sorted.back();
    }
    csv << "\n";
  }
  writeTextFileAtomically(directory / "history.csv", csv.str());
  writeTextFileAtomically(directory / "summary.json",
                          summaryJson(session, modelName, method).dump(2) + "\n");
}

}  // namespace bilevel::cli
