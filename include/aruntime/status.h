// The one error type of aruntime: every failure is an `Error` carrying an `ErrorCode` and a
// one-line message that already names what failed and where (file, node, op, input).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace aruntime {

enum class ErrorCode {
  kOk = 0,
  kInvalidModel,     // the model file is malformed or violates the ONNX spec
  kInvalidArgument,  // a caller-supplied value (feed, option, path) is wrong
  kNotImplemented,   // valid ONNX that no provider in this build can run
  kOutOfMemory,      // an allocation was refused (too large or over a budget)
  kRuntimeError,     // a kernel failed while running (e.g. an impossible Reshape)
  kIoError,          // a file could not be read or written
  kCancelled,        // a run was cancelled or timed out
};

std::string_view error_code_name(ErrorCode code);

// Value form of an outcome, for APIs that report rather than throw.
class Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }
  bool is_ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }
  Status status() const { return Status(code_, what()); }
  // The same error with `context` put in front ("node 'conv1' (Conv): " + message).
  Error with_context(std::string_view context) const;

 private:
  ErrorCode code_;
};

[[noreturn]] void throw_error(ErrorCode code, const std::string& message);

}  // namespace aruntime
