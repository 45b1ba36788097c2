// Calls a generic lambda with a value of the C++ element type behind a DataType, so code that
// walks tensor elements is written once for all types.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "aruntime/data_type.h"
#include "aruntime/float16.h"
#include "aruntime/float4.h"
#include "aruntime/status.h"

namespace aruntime::cli {

template <typename T>
struct TypeTag {
  using type = T;
};

// `fn(TypeTag<T>{})` for every defined element type, including strings and bool.
template <typename Fn>
decltype(auto) dispatch_dtype(DataType dtype, Fn&& fn) {
  switch (dtype) {
    case DataType::kFloat32:
      return fn(TypeTag<float>{});
    case DataType::kFloat64:
      return fn(TypeTag<double>{});
    case DataType::kFloat16:
      return fn(TypeTag<Float16>{});
    case DataType::kBFloat16:
      return fn(TypeTag<BFloat16>{});
    case DataType::kInt8:
      return fn(TypeTag<int8_t>{});
    case DataType::kInt16:
      return fn(TypeTag<int16_t>{});
    case DataType::kInt32:
      return fn(TypeTag<int32_t>{});
    case DataType::kInt64:
      return fn(TypeTag<int64_t>{});
    case DataType::kUInt8:
      return fn(TypeTag<uint8_t>{});
    case DataType::kUInt16:
      return fn(TypeTag<uint16_t>{});
    case DataType::kUInt32:
      return fn(TypeTag<uint32_t>{});
    case DataType::kUInt64:
      return fn(TypeTag<uint64_t>{});
    case DataType::kBool:
      return fn(TypeTag<bool>{});
    case DataType::kString:
      return fn(TypeTag<std::string>{});
    case DataType::kUInt4:
      return fn(TypeTag<UInt4>{});
    case DataType::kInt4:
      return fn(TypeTag<Int4>{});
    case DataType::kFloat4E2M1:
      return fn(TypeTag<Float4E2M1>{});
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ:
    case DataType::kUndefined:
      break;
  }
  throw_error(ErrorCode::kInvalidArgument,
              "element type " + std::string(data_type_name(dtype)) + " is not supported here");
}

// Floating-point types stored as the bits of a narrower float and read through to_float(): the
// 16-bit halves, and float4e2m1, which generic code treats the same way. (Int4 and UInt4 need no
// such care: they widen implicitly to int8_t and uint8_t like any narrow integer.)
template <typename T>
inline constexpr bool kIsHalf =
    std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16> || std::is_same_v<T, Float4E2M1>;

// Floating-point element value widened to double (half types and float4e2m1 through float).
template <typename T>
double widen_float(const T& value) {
  if constexpr (kIsHalf<T>) {
    return static_cast<double>(value.to_float());
  } else {
    return static_cast<double>(value);
  }
}

}  // namespace aruntime::cli
