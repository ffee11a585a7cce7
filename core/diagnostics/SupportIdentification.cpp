#include "diagnostics/SupportIdentification.h"

#include <cstdint>

#include "common/Error.h"

namespace bilevel {

SupportIdentification supportIdentification(const TotalVariation& model, const Vector& theta,
                                            const SupportIdentificationOptions& options,
                                            const CancellationFlag* cancel) {
  if (options.iterations < 1) throw usageError("support identification needs ≥ 1 iteration");
  if (options.interval < 1) throw usageError("support identification needs an interval ≥ 1");
  if (!(options.stopGap >= 0.0)) throw usageError("support identification needs a stop gap ≥ 0");
  if (!(options.jumpTolerance > 0.0)) {
    throw usageError("support identification needs a jump tolerance > 0");
  }
  SupportIdentification result;
  const PrimalDualMap map(model, theta, options.steps);
  IterationState z = map.makeState(), next = map.makeState();
  map.coldStart(z);
  const double reference = map.stoppingReference();
  std::vector<std::uint8_t> previous, current;
  Vector x;
  const auto record = [&](int k, double gap) {
    map.primal(z, x);
    const Eigen::Index size = model.jumpSet(x, current, options.jumpTolerance);
    Eigen::Index changes = 0;
    if (!previous.empty()) {
      for (std::size_t i = 0; i < current.size(); ++i)
        changes += current[i] != previous[i];
    }
    if (changes > 0 || result.iterations.empty()) result.identifiedAt = k;
    result.iterations.push_back(k);
    result.supportSize.push_back(size);
    result.supportChanges.push_back(changes);
    result.relativeGap.push_back(gap / reference);
    previous.swap(current);
  };
  record(0, model.primalDualGap(z.part(0), z.part(2), theta));
  for (int k = 1; k <= options.iterations; ++k) {
    if (isCancelled(cancel)) {
      result.cancelled = true;
      break;
    }
    map.step(k - 1, z, next);
    z.swap(next);
    if (k % options.interval == 0 || k == options.iterations) {
      record(k, model.primalDualGap(z.part(0), z.part(2), theta));
      if (result.relativeGap.back() <= options.stopGap) break;
    }
  }
  // identifiedAt is the last record with a change; "identified" needs at least one quiet record
  // after it.
  if (result.identifiedAt == result.iterations.back() && result.iterations.size() > 1 &&
      result.supportChanges.back() > 0) {
    result.identifiedAt = -1;
  }
  return result;
}

}  // namespace bilevel
