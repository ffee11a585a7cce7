#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "learning/LearningSession.h"
#include "models/ParameterLayout.h"

namespace bilevel {

// The record formats a learning run is saved in, shared by bilevel-cli's --out folder and the
// studio's File > Save (DESIGN.md §4), so both write the same params.json and history.csv.

// The spread of a long θ (a weight map, a filter bank) as plots and history.csv show it.
struct ParameterRange {
  double min = 0.0, median = 0.0, max = 0.0;  // median: mean of the two middle values for even n
};
// Requires a non-empty θ.
ParameterRange parameterRange(const Vector& theta);

// θ by block name: a number for a scalar block, rows of numbers for a map or filter.
nlohmann::json parametersJson(const ParameterLayout& layout, const Vector& theta);

// One JSON object per outer iteration (the --json lines).
nlohmann::json snapshotJson(const Snapshot& snapshot);

// history.csv: one row per outer iteration; every θ entry as a column when θ is small, otherwise
// its min/median/max.
std::string historyCsv(const ParameterLayout& layout, const std::vector<Snapshot>& history);

}  // namespace bilevel
