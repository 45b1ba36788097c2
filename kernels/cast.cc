#include "kernels/cast.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "aruntime/float4.h"
#include "aruntime/float8.h"
#include "aruntime/status.h"
#include "kernels/elementwise.h"

namespace aruntime::kernels {
namespace {

// numpy's str() of a float scalar: the shortest digits that round-trip, positional for zero and
// magnitudes in [1e-4, cutoff) (with a trailing ".0" on whole numbers), scientific otherwise. The
// cutoff is 1e16 for float64, 1e6 for float32 and 1e3 for float16 (numpy 2.x); the magnitude
// test uses the exact value, so float32(0.0001) = 9.99999975e-05 prints as "1e-04".
template <typename F>
std::string format_float(F value, double exact_magnitude, double cutoff) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  const bool positional =
      exact_magnitude == 0 || (exact_magnitude >= 1e-4 && exact_magnitude < cutoff);
  char buf[64];
  const auto result =
      std::to_chars(buf, buf + sizeof(buf), value,
                    positional ? std::chars_format::fixed : std::chars_format::scientific);
  std::string text(buf, result.ptr);
  if (positional && text.find('.') == std::string::npos) text += ".0";
  return text;
}

// The shortest decimal that converts back to the same 16-bit float, printed like numpy.
template <typename H>
std::string half_to_text(H value) {
  const float f = value.to_float();
  const double magnitude = std::fabs(static_cast<double>(f));
  if (!std::isfinite(f)) return format_float(f, magnitude, 1e3);
  char buf[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*g", digits, static_cast<double>(f));
    const float back = std::strtof(buf, nullptr);
    // `back` has at most 5 significant digits, so its shortest float form is those digits.
    if (H(back).bits == value.bits) return format_float(back, magnitude, 1e3);
  }
  return format_float(f, magnitude, 1e3);
}

}  // namespace

std::string float_to_text(float value) {
  return format_float(value, std::fabs(static_cast<double>(value)), 1e6);
}
std::string double_to_text(double value) {
  return format_float(value, std::fabs(value), 1e16);
}

namespace {

[[noreturn]] void throw_unparsable(const std::string& text, DataType to) {
  throw_error(ErrorCode::kInvalidArgument, "cannot convert string \"" + text + "\" to " +
                                               std::string(data_type_name(to)) + ": not a number");
}

bool equals_ignoring_case(const std::string& text, const char* word) {
  const size_t n = std::strlen(word);
  if (text.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != word[i]) return false;
  }
  return true;
}

bool only_spaces(const char* p) {
  while (*p != '\0') {
    if (!std::isspace(static_cast<unsigned char>(*p))) return false;
    ++p;
  }
  return true;
}

// Parses the whole string as a float or double (strtod accepts "inf", "+INF", "NaN"...).
template <typename F>
F parse_float(const std::string& text, DataType to) {
  const char* begin = text.c_str();
  char* end = nullptr;
  F value;
  if constexpr (std::is_same_v<F, float>) {
    value = std::strtof(begin, &end);
  } else {
    value = std::strtod(begin, &end);
  }
  if (end == begin || !only_spaces(end)) throw_unparsable(text, to);
  return value;
}

// float -> integer: truncate toward zero; NaN -> 0; beyond int64 saturate; then wrap into I.
template <typename I>
I float_to_integer(double value) {
  if (std::isnan(value)) return 0;
  constexpr double kTwo63 = 9223372036854775808.0;
  if (value >= kTwo63) {
    if constexpr (std::is_same_v<I, uint64_t>) {
      if (value < 2 * kTwo63) return static_cast<uint64_t>(value);
    }
    return std::numeric_limits<I>::max();
  }
  if (value < -kTwo63) return std::numeric_limits<I>::lowest();
  return static_cast<I>(static_cast<int64_t>(value));
}

template <typename I>
I parse_integer(const std::string& text, DataType to) {
  const char* begin = text.c_str();
  char* end = nullptr;
  if constexpr (std::is_unsigned_v<I>) {
    // strtoull accepts "-1" as a wrapped value; a sign goes through the float path instead.
    if (text.find('-') == std::string::npos) {
      const unsigned long long v = std::strtoull(begin, &end, 10);
      if (end != begin && only_spaces(end)) return static_cast<I>(v);
    }
  } else {
    const long long v = std::strtoll(begin, &end, 10);
    if (end != begin && only_spaces(end)) return static_cast<I>(v);
  }
  // "100.5", "1e3": parse as a number and truncate like a float -> integer cast.
  return float_to_integer<I>(parse_float<double>(text, to));
}

// Every element type Cast handles.
using CastTypes = TypeList<float, double, Float16, BFloat16, int8_t, int16_t, int32_t, int64_t,
                           uint8_t, uint16_t, uint32_t, uint64_t, bool, std::string, Float8E4M3FN,
                           Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ, UInt4, Int4, Float4E2M1>;

// `saturate` only matters for float8 destinations (see aruntime/float8.h).
template <typename D, typename S>
D convert(const S& value, BFloat16Rounding rounding, bool saturate) {
  if constexpr (std::is_same_v<S, D>) {
    return value;
  } else if constexpr (is_integer4_v<S>) {
    // A 4-bit integer converts like the int8_t / uint8_t that holds its value.
    return convert<D>(value.value, rounding, saturate);
  } else if constexpr (is_float4_v<S>) {
    // Every float4e2m1 value is exactly a float32 (-0 included).
    return convert<D>(value.to_float(), rounding, saturate);
  } else if constexpr (std::is_same_v<D, std::string>) {
    if constexpr (std::is_same_v<S, bool>) {
      return value ? "True" : "False";
    } else if constexpr (std::is_same_v<S, float>) {
      return float_to_text(value);
    } else if constexpr (std::is_same_v<S, double>) {
      return double_to_text(value);
    } else if constexpr (is_half_v<S> || is_float8_v<S>) {
      return half_to_text(value);
    } else {
      return std::to_string(value);
    }
  } else if constexpr (std::is_same_v<S, std::string>) {
    constexpr DataType to = DataTypeOf<D>::value;
    if constexpr (std::is_same_v<D, bool>) {
      if (equals_ignoring_case(value, "true")) return true;
      if (equals_ignoring_case(value, "false")) return false;
      return parse_float<double>(value, to) != 0;
    } else if constexpr (std::is_same_v<D, double>) {
      return parse_float<double>(value, to);
    } else if constexpr (std::is_same_v<D, float> || is_half_v<D> || is_float8_v<D> ||
                         is_float4_v<D> || is_integer4_v<D>) {
      // The 4-bit destinations round and saturate a float, as ONNX's reference does via float32.
      return convert<D>(parse_float<float>(value, to), rounding, saturate);
    } else {
      return parse_integer<D>(value, to);
    }
  } else if constexpr (is_float8_v<S>) {
    // Every float8 value is exactly a float32; the rest of the conversion is float32's.
    return convert<D>(value.to_float(), rounding, saturate);
  } else if constexpr (std::is_same_v<D, bool>) {
    return to_compute(value) != 0;
  } else if constexpr (std::is_same_v<S, bool>) {
    return convert<D>(static_cast<uint8_t>(value ? 1 : 0), rounding, saturate);
  } else if constexpr (is_float8_v<D>) {
    // Wider floats go through float32 first, as ONNX's reference Cast does.
    return D(static_cast<float>(to_compute(value)), saturate);
  } else if constexpr (is_float4_v<D>) {
    // Through float32 like float8, always saturating (see aruntime/float4.h).
    return D(static_cast<float>(to_compute(value)));
  } else if constexpr (is_integer4_v<D>) {
    // Round half to even and saturate, from integers too (aruntime/float4.h says why). Half types
    // are exact in double; 64-bit integers beyond 2^53 are far outside the range either way.
    return D(static_cast<double>(to_compute(value)));
  } else if constexpr (std::is_same_v<D, BFloat16>) {
    const float f = static_cast<float>(to_compute(value));
    if (rounding == BFloat16Rounding::kTruncate && !std::isnan(f)) {
      uint32_t bits;
      std::memcpy(&bits, &f, sizeof(bits));
      return BFloat16::from_bits(static_cast<uint16_t>(bits >> 16));
    }
    return BFloat16(f);
  } else if constexpr (std::is_same_v<D, Float16>) {
    return Float16(static_cast<float>(to_compute(value)));
  } else if constexpr (std::is_floating_point_v<D>) {
    return static_cast<D>(to_compute(value));
  } else if constexpr (std::is_floating_point_v<S> || is_half_v<S>) {
    return float_to_integer<D>(static_cast<double>(to_compute(value)));
  } else {
    return static_cast<D>(value);  // integer -> integer: modular, as C++20 defines it
  }
}

}  // namespace

int64_t double_to_int64(double value) {
  return float_to_integer<int64_t>(value);
}

void cast(DataType src_type, const void* src, DataType dst_type, void* dst, int64_t count,
          BFloat16Rounding bfloat16_rounding, bool saturate) {
  const bool handled = dispatch_type(CastTypes{}, src_type, [&](auto src_tag) {
    using S = typename decltype(src_tag)::type;
    const bool dst_handled = dispatch_type(CastTypes{}, dst_type, [&](auto dst_tag) {
      using D = typename decltype(dst_tag)::type;
      const S* in = static_cast<const S*>(src);
      D* out = static_cast<D*>(dst);
      constexpr bool kText = std::is_same_v<S, std::string> || std::is_same_v<D, std::string>;
      parallel_for(count, kText ? 64 : 2, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          out[i] = convert<D>(in[i], bfloat16_rounding, saturate);
        }
      });
    });
    if (!dst_handled) {
      throw_error(ErrorCode::kNotImplemented,
                  "cast to " + std::string(data_type_name(dst_type)) + " is not supported");
    }
  });
  if (!handled) {
    throw_error(ErrorCode::kNotImplemented,
                "cast from " + std::string(data_type_name(src_type)) + " is not supported");
  }
}

}  // namespace aruntime::kernels
