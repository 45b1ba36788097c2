#include "aruntime/float4.h"

#include <cmath>
#include <string>

#include "aruntime/status.h"

namespace aruntime {

uint8_t float_to_float4e2m1_bits(float value) {
  if (std::isnan(value)) return 0x7;  // no NaN code: +6, as onnx's reference gives
  const uint8_t sign = std::signbit(value) ? 0x8 : 0x0;
  const float magnitude = std::fabs(value);
  // The magnitude codes 0..7 are ordered like their values {0, 0.5, 1, 1.5, 2, 3, 4, 6}; these are
  // the midpoints between neighbours, all exact in float32. A magnitude on a midpoint goes to the
  // even code (round half to even); past the last one it saturates to 7 (6.0), infinity included.
  static constexpr float kMidpoints[7] = {0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5.0f};
  uint8_t code = 0;
  while (code < 7) {
    const float midpoint = kMidpoints[code];
    if (magnitude < midpoint || (magnitude == midpoint && code % 2 == 0)) break;
    ++code;
  }
  return static_cast<uint8_t>(sign | code);
}

float float4e2m1_bits_to_float(uint8_t bits) {
  const bool negative = (bits & 0x8) != 0;
  const int exponent = (bits >> 1) & 0x3;
  const int mantissa = bits & 0x1;
  // Subnormal (exponent 0): mantissa * 2^-1; normal: (1 + mantissa / 2) * 2^(exponent - 1).
  const float magnitude = exponent == 0
                              ? std::ldexp(static_cast<float>(mantissa), -1)
                              : std::ldexp(static_cast<float>(2 + mantissa), exponent - 2);
  return negative ? -magnitude : magnitude;
}

void pack_4bit(const void* unpacked, int64_t count, uint8_t* packed) {
  const auto* in = static_cast<const uint8_t*>(unpacked);
  for (int64_t i = 0; i + 1 < count; i += 2) {
    packed[i / 2] = static_cast<uint8_t>((in[i] & 0x0F) | ((in[i + 1] & 0x0F) << 4));
  }
  if (count % 2 != 0) packed[count / 2] = in[count - 1] & 0x0F;
}

void unpack_4bit(const uint8_t* packed, int64_t count, DataType type, void* unpacked) {
  if (!is_4bit(type)) {
    throw_error(ErrorCode::kInvalidArgument,
                "unpack_4bit: " + std::string(data_type_name(type)) + " is not a 4-bit type");
  }
  auto* out = static_cast<uint8_t*>(unpacked);
  const bool sign_extend = type == DataType::kInt4;
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t byte = packed[i / 2];
    const uint8_t code = i % 2 == 0 ? (byte & 0x0F) : (byte >> 4);
    // int4 is stored as its int8_t value: the byte image of the sign-extended code.
    out[i] = sign_extend ? static_cast<uint8_t>(Int4::from_bits(code).value) : code;
  }
}

}  // namespace aruntime
