#include "QueuedCall.h"

#include <QtGlobal>

#if defined(__SANITIZE_THREAD__)
#include <mutex>
#endif

namespace bilevel::studio {

#if defined(__SANITIZE_THREAD__)

namespace {

// Recursive: a thread may post from inside a delivery (a slot queueing the next call).
std::recursive_mutex& handoverMutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

// QInternal::EventNotifyCallback: runs in the receiving thread before every event is delivered.
// Taking the mutex once orders the delivery after every post that completed before it.
bool beforeDelivery(void**) {
  const std::lock_guard lock(handoverMutex());
  return false;  // deliver as usual
}

}  // namespace

void annotateQueuedCalls() {
  static const bool registered = [] {
    return QInternal::registerCallback(QInternal::EventNotifyCallback, beforeDelivery);
  }();
  Q_UNUSED(registered);
}

QueuedCallScope::QueuedCallScope() {
  handoverMutex().lock();
}

QueuedCallScope::~QueuedCallScope() {
  handoverMutex().unlock();
}

#else

void annotateQueuedCalls() {}
QueuedCallScope::QueuedCallScope() = default;
QueuedCallScope::~QueuedCallScope() = default;

#endif

}  // namespace bilevel::studio
