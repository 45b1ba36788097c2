// Conversion between onnx::TensorProto and Tensor, used by the loader (initializers, Constant
// attributes) and by tools reading/writing the ONNX test layout (input_0.pb, output_0.pb).
#pragma once

#include <string>

#include "aruntime/tensor.h"

namespace onnx {
class TensorProto;
}

namespace aruntime {

// Converts a TensorProto (raw_data, typed *_data fields, or external data) into a host Tensor.
// `base_dir` is where external data files are looked up (empty: external data refused); the path
// must stay inside base_dir. `context` prefixes error messages ("model.onnx: initializer 'w'").
// Checks the data size against the shape with overflow-safe arithmetic before allocating.
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& base_dir,
                         const std::string& context);

// Reads a serialized TensorProto file (the ONNX test layout's input_K.pb / output_K.pb).
// `name_out`, when given, receives the proto's name field.
Tensor read_tensor_file(const std::string& path, std::string* name_out = nullptr);

// Host Tensor -> TensorProto (raw_data for numeric types, string_data for strings).
void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto& proto);
void write_tensor_file(const Tensor& tensor, const std::string& name, const std::string& path);

}  // namespace aruntime
