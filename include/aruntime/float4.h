// The 4-bit element types of ONNX: UINT4 and INT4 (opset 21+) and FLOAT4E2M1 (opset 23+).
//
// Tensors hold them unpacked, one element per byte (see aruntime/data_type.h); the value types
// here give each a C++ type of its own for typed tensor access and type dispatch:
//  - Int4 and UInt4 widen implicitly to int8_t and uint8_t, since every value fits. Numbers
//    become them by rounding half to even and saturating to [-8, 7] and [0, 15], integers
//    included (NaN becomes 0): that is what ONNX's reference Cast and QuantizeLinear do, and
//    what onnxruntime does, although the Cast text speaks of discarding high bits in general.
//  - Float4E2M1 is the OCP MX E2M1 format: a sign bit, two exponent bits (bias 1) and one
//    mantissa bit, with no infinity and no NaN. Its 16 codes stand for +-{0, 0.5, 1, 1.5, 2, 3,
//    4, 6}. Encoding rounds to nearest even and saturates to +-6, infinities included; the sign
//    survives a rounding to zero (-0.1 -> -0). NaN has no code and becomes +6 (0x7), as in onnx's
//    reference (onnx.subbyte). There is no `saturate` choice: ONNX's attribute covers float8 only.
//
// Files store the 4-bit types packed two per byte, the first element of each pair in the low
// nibble; pack_4bit / unpack_4bit convert between that and the in-memory layout.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "aruntime/data_type.h"

namespace aruntime {

// Shared shape of Int4 (kSigned) and UInt4.
template <bool kSigned>
struct Integer4 {
  using Storage = std::conditional_t<kSigned, int8_t, uint8_t>;
  static constexpr Storage kMin = kSigned ? -8 : 0;
  static constexpr Storage kMax = kSigned ? 7 : 15;

  Storage value = 0;

  Integer4() = default;
  // Saturates integers outside [kMin, kMax].
  template <typename I>
  requires std::is_integral_v<I>
  constexpr explicit Integer4(I v) : value(saturate_integer(v)) {}
  // Rounds half to even, then saturates; NaN becomes 0.
  template <typename F>
  requires std::is_floating_point_v<F>
  explicit Integer4(F v) : value(round_and_saturate(static_cast<double>(v))) {}

  // The element whose 4-bit two's complement (int4) or plain (uint4) code is the low nibble of
  // `bits`; the high nibble is ignored.
  static constexpr Integer4 from_bits(uint8_t bits) {
    Integer4 r;
    const int code = bits & 0x0F;
    r.value = static_cast<Storage>(kSigned && code >= 8 ? code - 16 : code);
    return r;
  }
  // The 4-bit code in the low nibble (int4: two's complement).
  constexpr uint8_t bits() const { return static_cast<uint8_t>(value) & 0x0F; }

  constexpr operator Storage() const { return value; }

 private:
  template <typename I>
  static constexpr Storage saturate_integer(I v) {
    if constexpr (std::is_same_v<I, bool>) {
      return v ? 1 : 0;
    } else if constexpr (std::is_signed_v<I>) {
      const auto wide = static_cast<int64_t>(v);
      return static_cast<Storage>(wide < kMin ? kMin : wide > kMax ? kMax : wide);
    } else {
      const auto wide = static_cast<uint64_t>(v);
      return static_cast<Storage>(wide > static_cast<uint64_t>(kMax) ? kMax : wide);
    }
  }
  static Storage round_and_saturate(double v) {
    if (std::isnan(v)) return 0;
    const double rounded = std::nearbyint(v);  // the default rounding mode: half to even
    if (rounded <= kMin) return kMin;
    if (rounded >= kMax) return kMax;
    return static_cast<Storage>(rounded);
  }
};

using Int4 = Integer4<true>;
using UInt4 = Integer4<false>;

// The E2M1 code (low nibble) of `value`, rounded to nearest even and saturated as described above.
uint8_t float_to_float4e2m1_bits(float value);
// The exact value of the E2M1 code in the low nibble of `bits` (the high nibble is ignored).
float float4e2m1_bits_to_float(uint8_t bits);

struct Float4E2M1 {
  uint8_t bits = 0;  // the code, in the low nibble

  Float4E2M1() = default;
  explicit Float4E2M1(float value) : bits(float_to_float4e2m1_bits(value)) {}
  static constexpr Float4E2M1 from_bits(uint8_t b) {
    Float4E2M1 f;
    f.bits = b & 0x0F;
    return f;
  }
  explicit operator float() const { return to_float(); }
  float to_float() const { return float4e2m1_bits_to_float(bits); }
};

template <typename T>
inline constexpr bool is_integer4_v = std::is_same_v<T, Int4> || std::is_same_v<T, UInt4>;
template <typename T>
inline constexpr bool is_float4_v = std::is_same_v<T, Float4E2M1>;

// Bytes that `count` 4-bit elements take packed two per byte.
constexpr uint64_t packed_4bit_bytes(uint64_t count) {
  return count / 2 + count % 2;
}
// Packs `count` in-memory elements of a 4-bit type (one per byte; only the low nibble is kept,
// so a sign-extended int4 packs as its two's complement code) two per byte, element 2k in the
// low nibble of byte k and element 2k+1 in its high nibble. An odd count leaves the high nibble
// of the last byte zero. `packed` has packed_4bit_bytes(count) bytes.
void pack_4bit(const void* unpacked, int64_t count, uint8_t* packed);
// The inverse, into the in-memory form of `type` (kInt4: sign-extended; kUInt4 and kFloat4E2M1:
// the bare code). The high nibble of the last byte of an odd count is ignored. Throws
// Error(kInvalidArgument) when `type` is not a 4-bit type.
void unpack_4bit(const uint8_t* packed, int64_t count, DataType type, void* unpacked);

template <>
struct DataTypeOf<UInt4> {
  static constexpr DataType value = DataType::kUInt4;
};
template <>
struct DataTypeOf<Int4> {
  static constexpr DataType value = DataType::kInt4;
};
template <>
struct DataTypeOf<Float4E2M1> {
  static constexpr DataType value = DataType::kFloat4E2M1;
};

static_assert(sizeof(Int4) == 1 && sizeof(UInt4) == 1 && sizeof(Float4E2M1) == 1,
              "4-bit elements take one byte each in tensors");

}  // namespace aruntime
