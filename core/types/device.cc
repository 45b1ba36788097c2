#include "aruntime/device.h"

namespace aruntime {

std::string Device::to_string() const {
  switch (type) {
    case DeviceType::kCpu: return "cpu";
    case DeviceType::kGpu: return "gpu:" + std::to_string(id);
    case DeviceType::kNpu: return "npu:" + std::to_string(id);
  }
  return "unknown";
}

}  // namespace aruntime
