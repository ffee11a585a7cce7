#include "StallMonitor.h"

#include <algorithm>

namespace bilevel::studio {

StallMonitor::StallMonitor(int intervalMs, QObject* parent)
    : QObject(parent), intervalMs_(intervalMs) {
  timer_.setTimerType(Qt::PreciseTimer);
  timer_.setInterval(intervalMs);
  connect(&timer_, &QTimer::timeout, this, &StallMonitor::tick);
}

void StallMonitor::start() {
  ticks_ = 0;
  totalMs_ = longestStallMs_ = 0.0;
  clock_.start();
  lastNs_ = 0;
  timer_.start();
}

void StallMonitor::stop() {
  timer_.stop();
}

void StallMonitor::tick() {
  const qint64 now = clock_.nsecsElapsed();
  const double gapMs = double(now - lastNs_) * 1e-6;
  lastNs_ = now;
  ++ticks_;
  totalMs_ += gapMs;
  longestStallMs_ = std::max(longestStallMs_, gapMs - intervalMs_);
}

}  // namespace bilevel::studio
