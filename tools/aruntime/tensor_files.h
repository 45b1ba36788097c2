// Tensor files the CLI reads and writes: TensorProto .pb (the ONNX test layout) and numpy .npy.
#pragma once

#include <string>
#include <vector>

#include "aruntime/tensor.h"

namespace aruntime::cli {

// Reads a .npy file (recognised by its magic bytes, whatever its extension) or a serialized
// TensorProto. `proto_name`, when given, receives the TensorProto's name field ("" for .npy).
Tensor read_tensor_any(const std::string& path, std::string* proto_name = nullptr);

// Writes outputs[k] to dir/output_K.pb (named names[k]) and, where numpy has the element type,
// dir/output_K.npy. Creates `dir` if needed. Returns the paths written.
std::vector<std::string> write_output_files(const std::string& dir,
                                            const std::vector<std::string>& names,
                                            const std::vector<Tensor>& outputs);

}  // namespace aruntime::cli
