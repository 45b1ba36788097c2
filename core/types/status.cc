#include "aruntime/status.h"

namespace aruntime {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kInvalidModel: return "invalid model";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotImplemented: return "not implemented";
    case ErrorCode::kOutOfMemory: return "out of memory";
    case ErrorCode::kRuntimeError: return "runtime error";
    case ErrorCode::kIoError: return "i/o error";
    case ErrorCode::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(error_code_name(code_)) + ": " + message_;
}

Error Error::with_context(std::string_view context) const {
  return Error(code_, std::string(context) + ": " + what());
}

void throw_error(ErrorCode code, const std::string& message) { throw Error(code, message); }

}  // namespace aruntime
