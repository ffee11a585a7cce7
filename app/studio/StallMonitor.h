#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace bilevel::studio {

// Measures how long the GUI thread goes without serving its event loop: a timer asks to fire
// every `intervalMs`, and the longest gap between two firings beyond that interval is the longest
// stall a person would feel (a frozen slider, a button that does not press). On a loaded machine
// that gap is mostly time the thread waited for a core, so the monitor also reads the thread's
// own CPU clock at each firing: the most CPU time spent between two firings is the window's work
// (the slots and the painting of the events in between), whatever the load.
class StallMonitor : public QObject {
  Q_OBJECT

 public:
  explicit StallMonitor(int intervalMs = 2, QObject* parent = nullptr);

  void start();
  void stop();
  double longestStallMs() const { return longestStallMs_; }
  double meanGapMs() const { return ticks_ > 0 ? totalMs_ / ticks_ : 0.0; }
  int ticks() const { return ticks_; }
  // The most CPU time the GUI thread spent between two firings, and its total since start(), ms.
  double longestBusyCpuMs() const { return longestBusyCpuMs_; }
  double totalCpuMs() const { return totalCpuMs_; }

 private:
  void tick();

  QTimer timer_;
  QElapsedTimer clock_;
  qint64 lastNs_ = 0;
  int intervalMs_;
  int ticks_ = 0;
  double totalMs_ = 0.0;
  double longestStallMs_ = 0.0;
  qint64 lastCpuNs_ = 0;
  double longestBusyCpuMs_ = 0.0;
  double totalCpuMs_ = 0.0;
};

}  // namespace bilevel::studio
