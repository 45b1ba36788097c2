// Settings of the NPU provider, read from SessionOptions::provider_options["npu"]. Every key has a
// default, so an empty map is a valid configuration; a key or value the provider does not know is
// an Error(kInvalidArgument) listing the valid ones, on one line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace aruntime::npu {

// The device's numeric format for float groups (quantized ops always run in exact integer
// arithmetic, see README.md).
enum class Precision {
  kFp16,  // activations and weights stored as IEEE half, products accumulated in float32
  kFp32,  // everything in float32
  kInt8,  // MAC instructions quantize activations per tensor at run time and weights per channel
};

std::string_view precision_name(Precision precision);

struct NpuOptions {
  Precision precision = Precision::kFp16;
  // Device memory: resident weights of every program plus the activations in flight.
  uint64_t memory_budget_bytes = uint64_t{256} << 20;
  // Groups with fewer ONNX nodes stay on later providers (a copy in and out may cost more than
  // running a node or two on the host).
  int64_t min_group_size = 1;
  // Fold BatchNormalization into Conv and fuse activations into the instruction before them.
  bool fusion = true;
};

// Reads the provider's settings. Keys: precision (fp16|fp32|int8), memory_budget_bytes (integer
// >= 1), min_group_size (integer >= 1), fusion (on|off).
NpuOptions parse_npu_options(const std::map<std::string, std::string>& settings);

}  // namespace aruntime::npu
