// The four 8-bit float element types of ONNX (opset 19+), as one-byte storage with float
// conversion. E4M3FN and E5M2 follow the OCP 8-bit floating point specification; the FNUZ variants
// (Graphcore's) have no infinities, no negative zero and one NaN, 0x80. Encoding rounds to nearest
// even and, with `saturate`, clamps out-of-range values (infinities included) to the largest
// finite value as ONNX Cast-19 specifies; without it they become infinity where the format has
// one (E5M2) and NaN otherwise.
#pragma once

#include <cstdint>
#include <type_traits>

#include "aruntime/data_type.h"

namespace aruntime {

enum class Float8Format { kE4M3FN, kE4M3FNUZ, kE5M2, kE5M2FNUZ };

// The bit pattern of `value` in `format`. NaN inputs give the format's NaN.
uint8_t float_to_float8_bits(float value, Float8Format format, bool saturate = true);
// The exact value of a bit pattern (every float8 value is a float32).
float float8_bits_to_float(uint8_t bits, Float8Format format);

template <Float8Format kFormat>
struct Float8 {
  static constexpr Float8Format format = kFormat;
  uint8_t bits = 0;

  Float8() = default;
  explicit Float8(float value, bool saturate = true)
      : bits(float_to_float8_bits(value, kFormat, saturate)) {}
  static Float8 from_bits(uint8_t b) {
    Float8 f;
    f.bits = b;
    return f;
  }
  explicit operator float() const { return to_float(); }
  float to_float() const { return float8_bits_to_float(bits, kFormat); }
};

using Float8E4M3FN = Float8<Float8Format::kE4M3FN>;
using Float8E4M3FNUZ = Float8<Float8Format::kE4M3FNUZ>;
using Float8E5M2 = Float8<Float8Format::kE5M2>;
using Float8E5M2FNUZ = Float8<Float8Format::kE5M2FNUZ>;

template <typename T>
inline constexpr bool is_float8_v =
    std::is_same_v<T, Float8E4M3FN> || std::is_same_v<T, Float8E4M3FNUZ> ||
    std::is_same_v<T, Float8E5M2> || std::is_same_v<T, Float8E5M2FNUZ>;

bool is_float8(DataType type);
// The storage format of a float8 DataType; throws Error(kInvalidArgument) for other types.
Float8Format float8_format(DataType type);

template <>
struct DataTypeOf<Float8E4M3FN> {
  static constexpr DataType value = DataType::kFloat8E4M3FN;
};
template <>
struct DataTypeOf<Float8E4M3FNUZ> {
  static constexpr DataType value = DataType::kFloat8E4M3FNUZ;
};
template <>
struct DataTypeOf<Float8E5M2> {
  static constexpr DataType value = DataType::kFloat8E5M2;
};
template <>
struct DataTypeOf<Float8E5M2FNUZ> {
  static constexpr DataType value = DataType::kFloat8E5M2FNUZ;
};

}  // namespace aruntime
