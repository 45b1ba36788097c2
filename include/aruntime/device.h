// Where memory lives. Every Tensor and Allocator names its Device, so copies between memories are
// explicit decisions of the session, never accidents.
#pragma once

#include <string>

namespace aruntime {

enum class DeviceType { kCpu = 0, kGpu = 1, kNpu = 2 };

struct Device {
  DeviceType type = DeviceType::kCpu;
  int id = 0;

  static Device cpu() { return {}; }
  bool is_cpu() const { return type == DeviceType::kCpu; }
  bool operator==(const Device&) const = default;
  std::string to_string() const;  // "cpu", "gpu:0", "npu:0"
};

}  // namespace aruntime
