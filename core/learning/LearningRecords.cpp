#include "learning/LearningRecords.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace bilevel {

using nlohmann::json;

ParameterRange parameterRange(const Vector& theta) {
  // nth_element partitions around the median, so min and max are then found in one half each.
  std::vector<double> v(theta.data(), theta.data() + theta.size());
  const std::size_t n = v.size(), mid = n / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  ParameterRange range;
  range.median = v[mid];
  range.max = *std::max_element(v.begin() + mid, v.end());
  range.min = *std::min_element(v.begin(), v.begin() + mid + 1);
  if (n % 2 == 0)
    range.median = 0.5 * (range.median + *std::max_element(v.begin(), v.begin() + mid));
  return range;
}

json parametersJson(const ParameterLayout& layout, const Vector& theta) {
  json out = json::object();
  for (const auto& block : layout.blocks()) {
    if (block.size == 1) {
      out[block.name] = theta[block.offset];
      continue;
    }
    json rows = json::array();
    for (int r = 0; r < block.rows; ++r) {
      json row = json::array();
      for (int c = 0; c < block.cols; ++c)
        row.push_back(theta[block.offset + r * block.cols + c]);
      rows.push_back(row);
    }
    out[block.name] = rows;
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
          {"status", toString(s.status)}};
}

std::string historyCsv(const ParameterLayout& layout, const std::vector<Snapshot>& history) {
  std::ostringstream csv;
  csv << std::setprecision(12);
  csv << "iter,outer_loss,psnr,hypergradient_norm,seconds,inner_iterations,evaluations";
  const bool everyEntry = layout.size() <= 16;
  if (everyEntry) {
    for (const auto& block : layout.blocks()) {
      for (Eigen::Index k = 0; k < block.size; ++k) {
        csv << "," << block.name;
        if (block.size > 1) csv << "_" << k;
      }
    }
  } else {
    csv << ",parameter_min,parameter_median,parameter_max";
  }
  csv << "\n";
  for (const Snapshot& s : history) {
    csv << s.iteration << "," << s.outerLoss << "," << s.psnr << "," << s.hypergradientNorm << ","
        << s.stepSeconds << "," << s.innerIterations << "," << s.evaluations;
    if (everyEntry) {
      for (Eigen::Index k = 0; k < s.parameters.size(); ++k)
        csv << "," << s.parameters[k];
    } else if (s.parameters.size() > 0) {
      const ParameterRange range = parameterRange(s.parameters);
      csv << "," << range.min << "," << range.median << "," << range.max;
    }
    csv << "\n";
  }
  return csv.str();
}

}  // namespace bilevel
