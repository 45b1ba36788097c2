// How the CLI fails: argument mistakes are UsageErrors (exit 2); everything the library or a file
// rejects is an aruntime::Error (exit 1). Either way the user sees exactly one stderr line.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace aruntime::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the model, a file or a run failed (or a test failed)
inline constexpr int kExitUsage = 2;    // the command line itself is wrong

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "aruntime: error: <message>" folded onto a single line, so scripts can rely on one stderr line
// per failure even when a message (e.g. from protobuf) carries newlines.
std::string error_line(std::string_view message);

}  // namespace aruntime::cli
