// Element types. The numeric values are ONNX's TensorProto.DataType values so that conversion from
// a model is a range check, not a table.
//
// In memory every element takes whole bytes (element_size). The 4-bit types are no exception:
// each element has a byte of its own, unpacked, so that kernels index them like any 8-bit type:
//  - kUInt4: a uint8_t in [0, 15];
//  - kInt4: an int8_t in [-8, 7] (the 4-bit two's complement value, sign-extended);
//  - kFloat4E2M1: a uint8_t holding the 4-bit code (sign, 2 exponent bits, 1 mantissa bit) in the
//    low nibble, the high nibble zero.
// ONNX (and onnxruntime) pack two 4-bit elements per byte; aruntime packs them only at the file
// boundary, in graph/tensor_proto.cc (TensorProto raw_data, int32_data and external data). See
// aruntime/float4.h for their value types and the pack/unpack helpers.
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
  // 4-bit types, one element per byte in memory (see above and aruntime/float4.h).
  kUInt4 = 21,
  kInt4 = 22,
  kFloat4E2M1 = 23,
};

// Size in bytes of one element; sizeof(std::string) for kString, 0 for kUndefined.
size_t element_size(DataType type);
// "float32", "int64", ... as the CLI and error messages print them.
std::string_view data_type_name(DataType type);
// Parses the names above (and ONNX's "float", "double", "int64"...). Returns kUndefined if unknown.
DataType data_type_from_name(std::string_view name);
// Maps an ONNX TensorProto.DataType value; kUndefined for types this runtime does not support.
DataType data_type_from_onnx(int32_t onnx_type);
bool is_floating_point(DataType type);  // float8 and float4e2m1 included
// Signed or unsigned, excluding bool and the 4-bit integers: int4 and uint4 are storage types that
// only Cast, Quantize/DequantizeLinear and the data-movement ops take (see is_4bit).
bool is_integer(DataType type);
bool is_signed_integer(DataType type);  // int8..int64
// uint4, int4 and float4e2m1.
bool is_4bit(DataType type);

// Maps C++ element types to DataType (float -> kFloat32, ...).
template <typename T>
struct DataTypeOf;

}  // namespace aruntime
