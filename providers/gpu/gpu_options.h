// Settings of the GPU provider, read from SessionOptions::provider_options["gpu"]. Every key has a
// default, so an empty map is a valid configuration; a key or value the provider does not know is
// an Error(kInvalidArgument) listing the valid ones, on one line.
#pragma once

#include <map>
#include <string>

namespace aruntime::gpu {

struct GpuOptions {
  // The CUDA device the session runs on (cudaSetDevice's numbering).
  int device_id = 0;
};

// Keys: device_id (integer >= 0).
GpuOptions parse_gpu_options(const std::map<std::string, std::string>& settings);

}  // namespace aruntime::gpu
