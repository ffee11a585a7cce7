#pragma once

// What the core suites ask of a call that must fail: the Error it throws (common/Error.h), its
// kind, its message. Other exceptions pass through and fail the test as Qt Test reports them.

#include <QString>
#include <functional>
#include <initializer_list>
#include <optional>
#include <utility>

#include "common/Error.h"

namespace bilevel::test {

// Runs `action` and returns the Error it throws; nothing when it throws none.
template <class Action>
std::optional<Error> errorOf(Action&& action) {
  try {
    action();
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

// The Error `action` throws; Error(Numerical, "no error") when it throws none, so that a check of
// the kind or the message fails and shows why.
template <class Action>
Error thrownError(Action&& action) {
  std::optional<Error> error = errorOf(std::forward<Action>(action));
  return error ? *error : Error(ErrorKind::Numerical, "no error");
}

// Whether `action` throws Error(Usage).
inline bool isUsageError(const std::function<void()>& action) {
  const std::optional<Error> error = errorOf(action);
  return error && error->kind() == ErrorKind::Usage;
}

// The message of the Error `action` throws when its kind is one of `kinds`; "wrong kind" or
// "no error" otherwise, so that a comparison with the expected message shows what happened.
inline QString errorMessage(const std::function<void()>& action,
                            std::initializer_list<ErrorKind> kinds = {ErrorKind::Usage}) {
  const std::optional<Error> error = errorOf(action);
  if (!error) return QStringLiteral("no error");
  for (ErrorKind kind : kinds) {
    if (error->kind() == kind) return QString::fromUtf8(error->what());
  }
  return QStringLiteral("wrong kind");
}

}  // namespace bilevel::test
