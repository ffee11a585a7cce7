#pragma once

#include <atomic>

namespace bilevel {

// A flag that a user interface (Stop button, Ctrl-C) raises from another thread and that every
// inner loop polls once per iteration. Polling is a relaxed load, so it costs nothing measurable.
// Raising and clearing are sequentially consistent, so that a reset in one thread and a cancel in
// another are ordered with the other sequentially consistent operations around them (the studio
// clears a preview's flag, then checks that no newer request has raised it meanwhile).
class CancellationFlag {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_seq_cst); }
  void reset() { cancelled_.store(false, std::memory_order_seq_cst); }
  bool isCancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

// Loops accept a nullable pointer so that callers without a Stop button pass nothing.
inline bool isCancelled(const CancellationFlag* flag) {
  return flag && flag->isCancelled();
}

}  // namespace bilevel
