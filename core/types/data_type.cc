#include <string>

#include "aruntime/data_type.h"

namespace aruntime {

size_t element_size(DataType type) {
  switch (type) {
    case DataType::kFloat32: return 4;
    case DataType::kUInt8: return 1;
    case DataType::kInt8: return 1;
    case DataType::kUInt16: return 2;
    case DataType::kInt16: return 2;
    case DataType::kInt32: return 4;
    case DataType::kInt64: return 8;
    case DataType::kString: return sizeof(std::string);
    case DataType::kBool: return 1;
    case DataType::kFloat16: return 2;
    case DataType::kFloat64: return 8;
    case DataType::kUInt32: return 4;
    case DataType::kUInt64: return 8;
    case DataType::kBFloat16: return 2;
    case DataType::kFloat8E4M3FN: return 1;
    case DataType::kFloat8E4M3FNUZ: return 1;
    case DataType::kFloat8E5M2: return 1;
    case DataType::kFloat8E5M2FNUZ: return 1;
    // One byte per element in memory; packed two per byte only in files (see data_type.h).
    case DataType::kUInt4: return 1;
    case DataType::kInt4: return 1;
    case DataType::kFloat4E2M1: return 1;
    case DataType::kUndefined: return 0;
  }
  return 0;
}

std::string_view data_type_name(DataType type) {
  switch (type) {
    case DataType::kFloat32: return "float32";
    case DataType::kUInt8: return "uint8";
    case DataType::kInt8: return "int8";
    case DataType::kUInt16: return "uint16";
    case DataType::kInt16: return "int16";
    case DataType::kInt32: return "int32";
    case DataType::kInt64: return "int64";
    case DataType::kString: return "string";
    case DataType::kBool: return "bool";
    case DataType::kFloat16: return "float16";
    case DataType::kFloat64: return "float64";
    case DataType::kUInt32: return "uint32";
    case DataType::kUInt64: return "uint64";
    case DataType::kBFloat16: return "bfloat16";
    case DataType::kFloat8E4M3FN: return "float8e4m3fn";
    case DataType::kFloat8E4M3FNUZ: return "float8e4m3fnuz";
    case DataType::kFloat8E5M2: return "float8e5m2";
    case DataType::kFloat8E5M2FNUZ: return "float8e5m2fnuz";
    case DataType::kUInt4: return "uint4";
    case DataType::kInt4: return "int4";
    case DataType::kFloat4E2M1: return "float4e2m1";
    case DataType::kUndefined: return "undefined";
  }
  return "undefined";
}

DataType data_type_from_name(std::string_view name) {
  static constexpr DataType kAll[] = {
      DataType::kFloat32, DataType::kUInt8,  DataType::kInt8,    DataType::kUInt16,
      DataType::kInt16,   DataType::kInt32,  DataType::kInt64,   DataType::kString,
      DataType::kBool,    DataType::kFloat16, DataType::kFloat64, DataType::kUInt32,
      DataType::kUInt64,  DataType::kBFloat16, DataType::kFloat8E4M3FN, DataType::kFloat8E4M3FNUZ,
      DataType::kFloat8E5M2, DataType::kFloat8E5M2FNUZ, DataType::kUInt4, DataType::kInt4,
      DataType::kFloat4E2M1};
  for (DataType t : kAll) {
    if (data_type_name(t) == name) return t;
  }
  if (name == "float") return DataType::kFloat32;
  if (name == "double") return DataType::kFloat64;
  if (name == "half") return DataType::kFloat16;
  return DataType::kUndefined;
}

DataType data_type_from_onnx(int32_t onnx_type) {
  switch (onnx_type) {
    case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9: case 10: case 11:
    case 12: case 13: case 16: case 17: case 18: case 19: case 20: case 21: case 22: case 23:
      return static_cast<DataType>(onnx_type);
    default:
      return DataType::kUndefined;
  }
}

bool is_floating_point(DataType type) {
  return type == DataType::kFloat32 || type == DataType::kFloat64 || type == DataType::kFloat16 ||
         type == DataType::kBFloat16 || type == DataType::kFloat8E4M3FN ||
         type == DataType::kFloat8E4M3FNUZ || type == DataType::kFloat8E5M2 ||
         type == DataType::kFloat8E5M2FNUZ || type == DataType::kFloat4E2M1;
}

bool is_signed_integer(DataType type) {
  return type == DataType::kInt8 || type == DataType::kInt16 || type == DataType::kInt32 ||
         type == DataType::kInt64;
}

bool is_integer(DataType type) {
  return is_signed_integer(type) || type == DataType::kUInt8 || type == DataType::kUInt16 ||
         type == DataType::kUInt32 || type == DataType::kUInt64;
}

bool is_4bit(DataType type) {
  return type == DataType::kUInt4 || type == DataType::kInt4 || type == DataType::kFloat4E2M1;
}

}  // namespace aruntime
