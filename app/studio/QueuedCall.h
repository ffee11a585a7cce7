#pragma once

#include <QMetaObject>
#include <utility>

namespace bilevel::studio {

// Queued calls between the window and its worker thread that ThreadSanitizer can follow.
//
// Qt hands a queued call or a queued signal's arguments to the receiving thread through a QMutex
// (a raw futex on Linux) and atomic reference counts inside libQt6Core. Qt is not built with
// TSan, so TSan sees the arguments written in one thread and read or freed in the other with
// nothing in between, and reports every handover as a race. In TSan builds these helpers add the
// synchronisation TSan can see: the sender posts while holding a mutex, and every event is
// delivered (in any thread) only after taking the same mutex once, so the sender's writes happen
// before the receiver's reads, as Qt's own mutex guarantees. In other builds they are plain Qt.

// Once, before the first cross-thread call: registers the delivery hook (TSan builds only).
void annotateQueuedCalls();

// Held while a thread posts a queued call or emits a signal with queued receivers.
class QueuedCallScope {
 public:
  QueuedCallScope();
  ~QueuedCallScope();
  QueuedCallScope(const QueuedCallScope&) = delete;
  QueuedCallScope& operator=(const QueuedCallScope&) = delete;
};

// QMetaObject::invokeMethod(receiver, function, Qt::QueuedConnection), followed by TSan.
template <typename Receiver, typename Function>
void queueCall(Receiver* receiver, Function&& function) {
  const QueuedCallScope scope;
  QMetaObject::invokeMethod(receiver, std::forward<Function>(function), Qt::QueuedConnection);
}

// Runs `emitting` (an emit of signals whose receivers are in other threads) inside the scope.
template <typename Emitting>
void handOver(Emitting&& emitting) {
  const QueuedCallScope scope;
  std::forward<Emitting>(emitting)();
}

}  // namespace bilevel::studio
