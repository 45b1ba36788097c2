// Conversion between onnx::TensorProto and Tensor, used by the loader (initializers, Constant
// attributes) and by tools reading/writing the ONNX test layout (input_0.pb, output_0.pb).
#pragma once

#include <cstdint>
#include <string>

#include "aruntime/tensor.h"
#include "aruntime/value.h"

namespace onnx {
class TensorProto;
class SparseTensorProto;
class SequenceProto;
class MapProto;
}  // namespace onnx

namespace aruntime {

// Converts a TensorProto (raw_data, typed *_data fields, or external data) into a host Tensor.
// `base_dir` is where external data files are looked up (empty: external data refused); the path
// must stay inside base_dir. `context` prefixes error messages ("model.onnx: initializer 'w'").
// Checks the data size against the shape with overflow-safe arithmetic before allocating.
// External data files larger than `max_external_file_bytes` are refused without being read.
// Errors: kInvalidModel (malformed tensor or refused external path), kNotImplemented (an element
// type this runtime does not support, segmented tensors), kIoError (an external file that is
// missing or cannot be read).
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& base_dir,
                         const std::string& context, uint64_t max_external_file_bytes = UINT64_MAX);

// The same for a proto the caller gives up: a large enough raw_data buffer becomes the tensor's
// storage instead of being copied, so loading a model holds each weight once, not twice while it
// is converted. Such a tensor's data is 16-byte aligned (the C++ heap's), not kBufferAlignment;
// the proto's raw_data is left empty.
Tensor tensor_from_proto_taking_bytes(onnx::TensorProto& proto, const std::string& base_dir,
                                      const std::string& context,
                                      uint64_t max_external_file_bytes = UINT64_MAX);

// Densifies a SparseTensorProto (Constant's sparse_value, sparse initializers). A dense result
// above `max_dense_bytes` is refused before anything is allocated, since a few bytes of sparse
// data may describe an arbitrarily large dense tensor.
Tensor tensor_from_sparse_proto(const onnx::SparseTensorProto& proto, const std::string& base_dir,
                                const std::string& context, uint64_t max_dense_bytes,
                                uint64_t max_external_file_bytes = UINT64_MAX);

// ONNX's name of a TensorProto.DataType value ("FLOAT", "COMPLEX64", "FLOAT8E4M3FN", ...), or
// "unknown" for values outside the enum.
std::string onnx_data_type_name(int32_t onnx_type);

// Reads a serialized TensorProto file (the ONNX test layout's input_K.pb / output_K.pb).
// `name_out`, when given, receives the proto's name field.
Tensor read_tensor_file(const std::string& path, std::string* name_out = nullptr);
// Reads a serialized TensorProto, SequenceProto (of tensors or of maps), OptionalProto or MapProto
// file, as `kind` says (the test layout stores sequence, optional and map values that way).
// `element_type` types empty sequences and optionals, and the values of empty maps. Maps need
// int64 or string keys and one-element value tensors; an empty sequence of maps has key type
// kUndefined, since the file does not record it.
Value read_value_file(const std::string& path, ValueKind kind, DataType element_type,
                      std::string* name_out = nullptr);

// Host Tensor -> TensorProto (raw_data for numeric types, string_data for strings).
void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto& proto);
void write_tensor_file(const Tensor& tensor, const std::string& name, const std::string& path);
// Map value -> MapProto (values as a SequenceProto of scalar tensors, like
// onnx.numpy_helper.from_dict); sequence of tensors or of maps -> SequenceProto.
void map_to_proto(const Value& map, const std::string& name, onnx::MapProto& proto);
void sequence_to_proto(const Value& sequence, const std::string& name, onnx::SequenceProto& proto);
// Writes a tensor, sequence, map or optional as the matching proto, the way read_value_file reads
// it.
void write_value_file(const Value& value, const std::string& name, const std::string& path);

}  // namespace aruntime
