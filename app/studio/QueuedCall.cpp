#include "QueuedCall.h"

#include <QtGlobal>

// GCC says -fsanitize=thread with __SANITIZE_THREAD__, clang with __has_feature.
#if defined(__SANITIZE_THREAD__)
#define BILEVEL_THREAD_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BILEVEL_THREAD_SANITIZER 1
#endif
#endif

#if defined(BILEVEL_THREAD_SANITIZER)
#include <mutex>
#endif

namespace bilevel::studio {

#if defined(BILEVEL_THREAD_SANITIZER)

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
