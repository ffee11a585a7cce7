#include "learning/SingleLoopSaba.h"

#include <cstring>

#include "common/Error.h"

namespace bilevel {
using Json = nlohmann::json;

namespace {

// A table row as the hex digits of its doubles' bytes (this machine's byte order, as the
// checkpoint's warm starts): restored bit for bit, which decimal text guarantees only through
// the formatter's round-trip.
std::string toHex(const Vector& v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const auto* bytes = reinterpret_cast<const unsigned char*>(v.data());
  const std::size_t count = std::size_t(v.size()) * sizeof(double);
  std::string text(2 * count, '0');
  for (std::size_t i = 0; i < count; ++i) {
    text[2 * i] = kDigits[bytes[i] >> 4];
    text[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return text;
}

Vector fromHex(const std::string& text, Eigen::Index size) {
  if (text.size() != std::size_t(size) * sizeof(double) * 2)
    throw usageError("the checkpoint's saba memory does not have θ's size");
  const auto digit = [](char c) -> unsigned {
    if (c >= '0' && c <= '9') return unsigned(c - '0');
    if (c >= 'a' && c <= 'f') return unsigned(c - 'a' + 10);
    throw usageError("the checkpoint's saba memory is not hexadecimal");
  };
  std::vector<unsigned char> bytes(text.size() / 2);
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<unsigned char>(digit(text[2 * i]) << 4 | digit(text[2 * i + 1]));
  Vector v(size);
  if (size > 0) std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

}  // namespace

SingleLoopSaba::SingleLoopSaba(const Dataset& dataset, const Configuration& configuration,
                               TrainingOptions options)
    : SingleLoopSoba(dataset, configuration, options, LearningAlgorithmKind::Saba),
      memoryTheta_(training_.size(), Vector::Zero(theta_.size())) {}

Vector SingleLoopSaba::thetaOffset(bool move) const {
  if (!move) return {};
  // Before this step's replacements, summed in index order.
  Vector memoryMean = Vector::Zero(theta_.size());
  for (const Vector& m : memoryTheta_)
    memoryMean += m;
  memoryMean /= double(memoryTheta_.size());
  return memoryMean;
}

Vector SingleLoopSaba::thetaTerm(std::size_t i, Vector directionTheta, bool move) {
  if (!move) return directionTheta;
  Vector correction = directionTheta - memoryTheta_[i];
  memoryTheta_[i] = std::move(directionTheta);
  return correction;
}

Json SingleLoopSaba::algorithmState() const {
  Json theta = Json::array();
  for (const Vector& m : memoryTheta_)
    theta.push_back(toHex(m));
  return {{"memory_theta", theta}};
}

void SingleLoopSaba::restoreAlgorithmState(const Json& state) {
  const Json& theta = state.at("memory_theta");
  if (theta.size() != training_.size())
    throw usageError("the checkpoint's saba memory does not have the training samples' count");
  for (std::size_t i = 0; i < training_.size(); ++i)
    memoryTheta_[i] = fromHex(theta[i].get<std::string>(), theta_.size());
}

}  // namespace bilevel
