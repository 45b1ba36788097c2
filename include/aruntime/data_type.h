// Element types. The numeric values are ONNX's TensorProto.DataType values so that conversion from
// a model is a range check, not a table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aruntime {

enum class DataType : int32_t {
  kUndefined = 0,
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kBFloat16 = 16,
  // 8-bit floats (see aruntime/float8.h).
  kFloat8E4M3FN = 17,
  kFloat8E4M3FNUZ = 18,
  kFloat8E5M2 = 19,
  kFloat8E5M2FNUZ = 20,
};

// Size in bytes of one element; sizeof(std::string) for kString, 0 for kUndefined.
size_t element_size(DataType type);
// "float32", "int64", ... as the CLI and error messages print them.
std::string_view data_type_name(DataType type);
// Parses the names above (and ONNX's "float", "double", "int64"...). Returns kUndefined if unknown.
DataType data_type_from_name(std::string_view name);
// Maps an ONNX TensorProto.DataType value; kUndefined for types this runtime does not support.
DataType data_type_from_onnx(int32_t onnx_type);
bool is_floating_point(DataType type);  // float8 types included
bool is_integer(DataType type);  // signed or unsigned, excluding bool
bool is_signed_integer(DataType type);

// Maps C++ element types to DataType (float -> kFloat32, ...).
template <typename T>
struct DataTypeOf;

}  // namespace aruntime
