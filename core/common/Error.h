#pragma once

#include <stdexcept>
#include <string>

namespace bilevel {

// Errors the core reports to its callers. Each kind maps to one documented exit code of
// bilevel-cli (DESIGN.md §4) and to one kind of dialog in the studio.
enum class ErrorKind {
  Usage = 2,            // a setting or configuration is invalid
  UnreadableInput = 3,  // a file is missing, truncated or not an image
  Numerical = 4,        // a solve diverged or produced NaN
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }
  int exitCode() const { return static_cast<int>(kind_); }

 private:
  ErrorKind kind_;
};

inline Error usageError(const std::string& message) {
  return Error(ErrorKind::Usage, message);
}
inline Error inputError(const std::string& message) {
  return Error(ErrorKind::UnreadableInput, message);
}
inline Error numericalError(const std::string& message) {
  return Error(ErrorKind::Numerical, message);
}

}  // namespace bilevel
