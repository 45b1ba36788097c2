// Elementwise loops over contiguous memory: unary maps (split over threads), the float math of the
// activation functions (vectorised through Eigen), and the half-precision adapters that run float
// kernels on float16/bfloat16 data.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>

#include "aruntime/data_type.h"
#include "aruntime/float16.h"
#include "aruntime/tensor.h"
#include "kernels/parallel.h"

namespace aruntime::kernels {

template <typename T>
struct TypeTag {
  using type = T;
};

template <typename... Ts>
struct TypeList {};

using FloatTypes = TypeList<float, double, Float16, BFloat16>;
using SignedIntTypes = TypeList<int8_t, int16_t, int32_t, int64_t>;
using IntTypes = TypeList<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>;
using NumericTypes = TypeList<float, double, Float16, BFloat16, int8_t, int16_t, int32_t, int64_t,
                              uint8_t, uint16_t, uint32_t, uint64_t>;
using AllTypes = TypeList<float, double, Float16, BFloat16, int8_t, int16_t, int32_t, int64_t,
                          uint8_t, uint16_t, uint32_t, uint64_t, bool, std::string>;

// Calls fn(TypeTag<T>{}) for the T of the list whose DataType is `dtype`; false when none is.
template <typename... Ts, typename Fn>
bool dispatch_type(TypeList<Ts...>, DataType dtype, Fn&& fn) {
  return ((DataTypeOf<Ts>::value == dtype ? (fn(TypeTag<Ts>{}), true) : false) || ...);
}

template <typename T>
inline constexpr bool is_half_v = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

// The type arithmetic on T is done in: float for the 16-bit floats, T otherwise.
template <typename T>
using compute_type_t = std::conditional_t<is_half_v<T>, float, T>;

template <typename T>
inline compute_type_t<T> to_compute(T v) {
  if constexpr (is_half_v<T>) {
    return v.to_float();
  } else {
    return v;
  }
}

template <typename T>
inline T from_compute(compute_type_t<T> v) {
  if constexpr (is_half_v<T>) {
    return T(v);
  } else {
    return v;
  }
}

// numpy's np.minimum / np.maximum: a NaN in either operand is the result.
template <typename C>
inline C nan_propagating_min(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    return (a != a || a < b) ? a : b;
  } else {
    return a < b ? a : b;
  }
}

template <typename C>
inline C nan_propagating_max(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    return (a != a || a > b) ? a : b;
  } else {
    return a > b ? a : b;
  }
}

// out[i] = op(in[i]) over [0, n), split over threads.
template <typename TI, typename TO, typename Op>
void unary_map(const TI* in, TO* out, int64_t n, int64_t cost, const Op& op) {
  parallel_for(n, cost, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = op(in[i]);
  });
}

// Applies span_op(const C* in, C* out, int64_t n) over [0, n), where C is compute_type_t<T>.
// Half-precision data is converted to float in blocks, so float span kernels serve it too.
template <typename T, typename SpanOp>
void unary_span_map(const T* in, T* out, int64_t n, int64_t cost, const SpanOp& span_op) {
  parallel_for(n, cost, [&](int64_t begin, int64_t end) {
    if constexpr (is_half_v<T>) {
      constexpr int64_t kBlock = 512;
      float in_buf[kBlock];
      float out_buf[kBlock];
      for (int64_t b = begin; b < end; b += kBlock) {
        const int64_t len = std::min(kBlock, end - b);
        for (int64_t i = 0; i < len; ++i) in_buf[i] = in[b + i].to_float();
        span_op(in_buf, out_buf, len);
        for (int64_t i = 0; i < len; ++i) out[b + i] = T(out_buf[i]);
      }
    } else {
      span_op(in + begin, out + begin, end - begin);
    }
  });
}

// Vectorised float math (Eigen packet functions); `in` and `out` may be the same buffer.
void exp_span(const float* in, float* out, int64_t n);
void exp_span(const double* in, double* out, int64_t n);
void log_span(const float* in, float* out, int64_t n);
void log_span(const double* in, double* out, int64_t n);
void sqrt_span(const float* in, float* out, int64_t n);
void sqrt_span(const double* in, double* out, int64_t n);
void tanh_span(const float* in, float* out, int64_t n);
void tanh_span(const double* in, double* out, int64_t n);
void sigmoid_span(const float* in, float* out, int64_t n);
void sigmoid_span(const double* in, double* out, int64_t n);
void erf_span(const float* in, float* out, int64_t n);
void erf_span(const double* in, double* out, int64_t n);
void sin_span(const float* in, float* out, int64_t n);
void sin_span(const double* in, double* out, int64_t n);
void cos_span(const float* in, float* out, int64_t n);
void cos_span(const double* in, double* out, int64_t n);
// Gelu, 0.5 * x * (1 + erf(x / sqrt(2))), and its tanh approximation
// 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))).
void gelu_span(const float* in, float* out, int64_t n);
void gelu_span(const double* in, double* out, int64_t n);
void gelu_tanh_span(const float* in, float* out, int64_t n);
void gelu_tanh_span(const double* in, double* out, int64_t n);

}  // namespace aruntime::kernels
