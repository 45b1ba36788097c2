#include "providers/npu/npu_options.h"

#include <charconv>
#include <limits>

#include "aruntime/status.h"

namespace aruntime::npu {
namespace {

constexpr const char* kValidKeys =
    "valid keys: precision=fp16|fp32|int8, memory_budget_bytes=N (N >= 1), "
    "min_group_size=N (N >= 1), fusion=on|off";

[[noreturn]] void bad_option(const std::string& what) {
  throw_error(ErrorCode::kInvalidArgument, "npu provider option " + what + " (" + kValidKeys + ")");
}

uint64_t parse_positive(const std::string& key, const std::string& text, uint64_t max) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 1 || value > max) {
    bad_option(key + "='" + text + "' is not an integer in [1, " + std::to_string(max) + "]");
  }
  return value;
}

}  // namespace

std::string_view precision_name(Precision precision) {
  switch (precision) {
    case Precision::kFp16:
      return "fp16";
    case Precision::kFp32:
      return "fp32";
    case Precision::kInt8:
      return "int8";
  }
  return "?";
}

NpuOptions parse_npu_options(const std::map<std::string, std::string>& settings) {
  NpuOptions options;
  for (const auto& [key, value] : settings) {
    if (key == "precision") {
      if (value == "fp16") {
        options.precision = Precision::kFp16;
      } else if (value == "fp32") {
        options.precision = Precision::kFp32;
      } else if (value == "int8") {
        options.precision = Precision::kInt8;
      } else {
        bad_option("precision='" + value + "' is not fp16, fp32 or int8");
      }
    } else if (key == "memory_budget_bytes") {
      options.memory_budget_bytes =
          parse_positive(key, value, std::numeric_limits<uint64_t>::max() >> 2);
    } else if (key == "min_group_size") {
      options.min_group_size = static_cast<int64_t>(parse_positive(key, value, 1'000'000));
    } else if (key == "fusion") {
      if (value != "on" && value != "off") bad_option("fusion='" + value + "' is not on or off");
      options.fusion = value == "on";
    } else {
      bad_option("'" + key + "' is not known");
    }
  }
  return options;
}

}  // namespace aruntime::npu
