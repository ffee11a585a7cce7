#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "learning/LearningSession.h"

namespace bilevel::cli {

// Creates the output folder (and parents); Error(Usage) when it is an existing file.
void prepareOutputDirectory(const std::filesystem::path& directory);

// Writes what DESIGN.md §4 promises in --out: result images (8-bit PNG, plus 16-bit where the
// input was 16-bit), params.json, history.csv and summary.json. Every file appears atomically.
void writeLearnOutputs(const LearningSession& session, const std::string& modelName,
                       const std::string& method, const std::filesystem::path& directory);

nlohmann::json summaryJson(const LearningSession& session, const std::string& modelName,
                           const std::string& method);

}  // namespace bilevel::cli
