#include "aruntime/float8.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "aruntime/status.h"

namespace aruntime {
namespace {

struct FormatTraits {
  int mantissa_bits;
  int bias;
  uint32_t max_magnitude;  // the largest finite value's 7-bit magnitude code
  bool has_infinity;       // E5M2 only: 0x7C is infinity
  bool unsigned_zero;      // FNUZ: 0x80 is the only NaN, zero has no sign
};

// E4M3FN: 0x7F is NaN, so 0x7E (448) is the largest value. E5M2: IEEE-like, 0x7B (57344) is the
// largest finite value. FNUZ: the exponent bias is one larger and all of 0x01..0x7F are finite.
constexpr FormatTraits traits_of(Float8Format format) {
  switch (format) {
    case Float8Format::kE4M3FN:
      return {3, 7, 0x7E, false, false};
    case Float8Format::kE4M3FNUZ:
      return {3, 8, 0x7F, false, true};
    case Float8Format::kE5M2:
      return {2, 15, 0x7B, true, false};
    case Float8Format::kE5M2FNUZ:
      return {2, 16, 0x7F, false, true};
  }
  return {3, 7, 0x7E, false, false};
}

uint8_t nan_bits(const FormatTraits& t, uint8_t sign) {
  return t.unsigned_zero ? uint8_t{0x80} : static_cast<uint8_t>(sign | 0x7F);
}

// What a magnitude beyond the largest finite value becomes (infinities included).
uint8_t overflow_bits(const FormatTraits& t, uint8_t sign, bool saturate) {
  if (saturate) return static_cast<uint8_t>(sign | t.max_magnitude);
  if (t.has_infinity) return static_cast<uint8_t>(sign | 0x7C);
  return nan_bits(t, sign);
}

}  // namespace

uint8_t float_to_float8_bits(float value, Float8Format format, bool saturate) {
  const FormatTraits t = traits_of(format);
  uint32_t u;
  std::memcpy(&u, &value, sizeof(u));
  const auto sign = static_cast<uint8_t>((u >> 24) & 0x80u);
  const uint32_t magnitude = u & 0x7FFFFFFFu;
  if (magnitude > 0x7F800000u) return nan_bits(t, sign);
  if (magnitude == 0x7F800000u) return overflow_bits(t, sign, saturate);

  // Float32 fields: subnormals have no implicit bit and the exponent of the smallest normal.
  const uint32_t float_exponent = magnitude >> 23;
  const uint64_t significand =
      float_exponent == 0 ? (magnitude & 0x7FFFFFu) : ((magnitude & 0x7FFFFFu) | 0x800000u);
  const int exponent = float_exponent == 0 ? -126 : static_cast<int>(float_exponent) - 127;

  // The float8 magnitude codes are ordered like their values, and a code is its significand
  // (implicit bit included for normals) plus its biased exponent shifted above the mantissa. So
  // the code is the significand shifted right to keep `mantissa_bits` bits after the point,
  // plus the exponent field; rounding carries from the mantissa into the exponent as it should.
  const int min_normal_exponent = 1 - t.bias;
  uint64_t code;
  int shift;
  if (exponent >= min_normal_exponent) {
    shift = 23 - t.mantissa_bits;
    code = (significand >> shift) - (uint64_t{1} << t.mantissa_bits) +
           (static_cast<uint64_t>(exponent + t.bias) << t.mantissa_bits);
  } else {
    // Subnormal: multiples of 2^(min_normal_exponent - mantissa_bits).
    shift = 23 - t.mantissa_bits + (min_normal_exponent - exponent);
    code = shift >= 40 ? 0 : significand >> shift;
  }
  if (shift < 40) {
    const uint64_t remainder = significand & ((uint64_t{1} << shift) - 1);
    const uint64_t half = uint64_t{1} << (shift - 1);
    if (remainder > half || (remainder == half && (code & 1u) != 0)) ++code;
  }
  if (code > t.max_magnitude) return overflow_bits(t, sign, saturate);
  if (code == 0 && t.unsigned_zero) return 0;
  return static_cast<uint8_t>(sign | code);
}

float float8_bits_to_float(uint8_t bits, Float8Format format) {
  const FormatTraits t = traits_of(format);
  const bool negative = (bits & 0x80u) != 0;
  const uint32_t magnitude = bits & 0x7Fu;
  if (t.unsigned_zero && bits == 0x80) return std::numeric_limits<float>::quiet_NaN();
  if (!t.unsigned_zero && !t.has_infinity && magnitude == 0x7F) {
    return std::numeric_limits<float>::quiet_NaN();
  }
  if (t.has_infinity && magnitude >= 0x7C) {
    if (magnitude > 0x7C) return std::numeric_limits<float>::quiet_NaN();
    return negative ? -std::numeric_limits<float>::infinity()
                    : std::numeric_limits<float>::infinity();
  }
  const uint32_t exponent_field = magnitude >> t.mantissa_bits;
  const uint32_t mantissa = magnitude & ((1u << t.mantissa_bits) - 1);
  const float value = exponent_field == 0
                          ? std::ldexp(static_cast<float>(mantissa), 1 - t.bias - t.mantissa_bits)
                          : std::ldexp(static_cast<float>(mantissa | (1u << t.mantissa_bits)),
                                       static_cast<int>(exponent_field) - t.bias - t.mantissa_bits);
  return negative ? -value : value;
}

bool is_float8(DataType type) {
  return type == DataType::kFloat8E4M3FN || type == DataType::kFloat8E4M3FNUZ ||
         type == DataType::kFloat8E5M2 || type == DataType::kFloat8E5M2FNUZ;
}

Float8Format float8_format(DataType type) {
  switch (type) {
    case DataType::kFloat8E4M3FN:
      return Float8Format::kE4M3FN;
    case DataType::kFloat8E4M3FNUZ:
      return Float8Format::kE4M3FNUZ;
    case DataType::kFloat8E5M2:
      return Float8Format::kE5M2;
    case DataType::kFloat8E5M2FNUZ:
      return Float8Format::kE5M2FNUZ;
    default:
      break;
  }
  throw_error(ErrorCode::kInvalidArgument,
              "float8_format: " + std::string(data_type_name(type)) + " is not a float8 type");
}

}  // namespace aruntime
