#include "providers/gpu/gpu_options.h"

#include <charconv>

#include "aruntime/status.h"

namespace aruntime::gpu {
namespace {

constexpr const char* kValidKeys = "valid keys: device_id=N (N >= 0)";
// More devices than any machine has; keeps the value an int.
constexpr int kMaxDeviceId = 1023;

[[noreturn]] void bad_option(const std::string& what) {
  throw_error(ErrorCode::kInvalidArgument, "gpu provider option " + what + " (" + kValidKeys + ")");
}

}  // namespace

GpuOptions parse_gpu_options(const std::map<std::string, std::string>& settings) {
  GpuOptions options;
  for (const auto& [key, value] : settings) {
    if (key == "device_id") {
      int id = -1;
      const char* end = value.data() + value.size();
      auto [ptr, ec] = std::from_chars(value.data(), end, id);
      if (value.empty() || ec != std::errc() || ptr != end || id < 0 || id > kMaxDeviceId) {
        bad_option("device_id='" + value + "' is not an integer in [0, " +
                   std::to_string(kMaxDeviceId) + "]");
      }
      options.device_id = id;
    } else {
      bad_option("'" + key + "' is not known");
    }
  }
  return options;
}

}  // namespace aruntime::gpu
