#include "StallMonitor.h"

#include <time.h>

#include <algorithm>

namespace bilevel::studio {

namespace {

// CPU time of the calling thread (POSIX CLOCK_THREAD_CPUTIME_ID), ns.
qint64 threadCpuNs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return qint64(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

}  // namespace

StallMonitor::StallMonitor(int intervalMs, QObject* parent)
    : QObject(parent), intervalMs_(intervalMs) {
  timer_.setTimerType(Qt::PreciseTimer);
  timer_.setInterval(intervalMs);
  connect(&timer_, &QTimer::timeout, this, &StallMonitor::tick);
}

void StallMonitor::start() {
  ticks_ = 0;
  totalMs_ = longestStallMs_ = 0.0;
  longestBusyCpuMs_ = totalCpuMs_ = 0.0;
  clock_.start();
  lastNs_ = 0;
  lastCpuNs_ = threadCpuNs();
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
  const qint64 cpu = threadCpuNs();
  const double busyMs = double(cpu - lastCpuNs_) * 1e-6;
  lastCpuNs_ = cpu;
  totalCpuMs_ += busyMs;
  longestBusyCpuMs_ = std::max(longestBusyCpuMs_, busyMs);
}

}  // namespace bilevel::studio
