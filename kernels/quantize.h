// Linear quantization on raw memory: QuantizeLinear / DequantizeLinear element loops (per-tensor,
// per-axis and blocked parameters), DynamicQuantizeLinear's uint8 range fit, and the
// requantization of int32 accumulators that ends QLinearMatMul and QLinearConv, and the float8
// and float4e2m1 variants of the first two. Scales arrive as doubles and zero points as int32
// (float for the float types), so each loop is instantiated per element-type pair only.
#pragma once

#include <cstdint>

#include "aruntime/float4.h"
#include "aruntime/float8.h"

namespace aruntime::kernels {

// Which scale and zero point apply to an element of x, viewed as [outer, axis_dim, inner].
struct QuantizationLayout {
  enum class Granularity { kPerTensor, kPerAxis, kBlocked };
  Granularity granularity = Granularity::kPerTensor;
  int64_t outer = 1;
  int64_t axis_dim = 1;
  int64_t inner = 1;
  // kBlocked: the parameters have shape [outer, scale_axis_dim, inner] and each one covers
  // block_size consecutive positions along the axis (the last block may be shorter).
  int64_t block_size = 1;
  int64_t scale_axis_dim = 1;
};

// The floating type in which an intermediate quotient or product is rounded before the final
// integer rounding; the ONNX ops define their results in the precision of a given tensor type.
enum class RoundingPrecision { kFloat64, kFloat32, kFloat16, kBFloat16 };

// `value` rounded (to nearest even) to the given precision and widened back.
double round_to_precision(double value, RoundingPrecision precision);

// Rounds half to even and clamps to Q's range ([-8, 7] for Int4, [0, 15] for UInt4); NaN
// becomes 0.
template <typename Q>
Q saturate_round(double value);

// y = saturate(round_half_even(x / scale) + zero_point), where x, scale and the quotient are each
// rounded to `precision` first. `zero_points` may be null (all zero). X is float, Float16,
// BFloat16 or int32_t; Q is int8_t, uint8_t, int16_t, uint16_t, Int4 or UInt4.
template <typename X, typename Q>
void quantize_linear(const QuantizationLayout& layout, const X* x, const double* scales,
                     const int32_t* zero_points, RoundingPrecision precision, Q* y);

// y = (x - zero_point) * scale, the product rounded to float32 and then stored as Y (float,
// Float16 or BFloat16). `zero_points` may be null. Q is int8_t, uint8_t, int16_t, uint16_t,
// int32_t, Int4 or UInt4.
template <typename Q, typename Y>
void dequantize_linear(const QuantizationLayout& layout, const Q* x, const double* scales,
                       const int32_t* zero_points, Y* y);

// Quantization to a float8 type (opset 19+): y = float8(x / scale + zero_point), the quotient
// rounded to `precision` first and the sum rounded to nearest even into `format`, saturating
// out-of-range values when `saturate` (see aruntime/float8.h). `zero_points` holds the zero
// points' float values, or is null (all zero). X is float, Float16, BFloat16 or int32_t.
template <typename X>
void quantize_linear_float8(const QuantizationLayout& layout, const X* x, const double* scales,
                            const float* zero_points, RoundingPrecision precision,
                            Float8Format format, bool saturate, uint8_t* y);

// y = (x - zero_point) * scale for float8 x in `format` (bit patterns), the product rounded to
// float32 and then stored as Y (float, Float16 or BFloat16). `zero_points` may be null.
template <typename Y>
void dequantize_linear_float8(const QuantizationLayout& layout, const uint8_t* x,
                              Float8Format format, const double* scales, const float* zero_points,
                              Y* y);

// Quantization to float4e2m1 (opset 23+): y = float4e2m1(x / scale + zero_point), the quotient
// rounded to `precision` first and the sum (in float32) rounded to nearest even and saturated into
// E2M1 codes (see aruntime/float4.h). The zero point is always added, +0 when `zero_points` is
// null, so a -0 quotient becomes +0 as IEEE addition and ONNX's reference give. `zero_points`
// holds the zero points' float values. X is float, Float16, BFloat16 or int32_t.
template <typename X>
void quantize_linear_float4e2m1(const QuantizationLayout& layout, const X* x, const double* scales,
                                const float* zero_points, RoundingPrecision precision, uint8_t* y);

// y = (x - zero_point) * scale for float4e2m1 codes x, the product rounded to float32 and then
// stored as Y (float, Float16 or BFloat16). `zero_points` (float values) may be null.
template <typename Y>
void dequantize_linear_float4e2m1(const QuantizationLayout& layout, const uint8_t* x,
                                  const double* scales, const float* zero_points, Y* y);

// DynamicQuantizeLinear: fits a uint8 scale and zero point to the range of x extended to include
// 0 (float32 arithmetic throughout, as the ONNX function body specifies) and quantizes x into y.
// NaN elements are ignored for the range. An empty x gets scale 1/255 and zero point 0.
struct DynamicQuantization {
  float scale = 1.0f;
  uint8_t zero_point = 0;
};
DynamicQuantization dynamic_quantize_uint8(const float* x, int64_t n, uint8_t* y);

// y[i] = saturate(round_half_even(acc[i] * multipliers[i * multiplier_stride] + zero_point)) for
// i < n; multiplier_stride is 0 (one multiplier) or 1. Q is int8_t or uint8_t.
template <typename Q>
void requantize(const int32_t* acc, int64_t n, const double* multipliers, int64_t multiplier_stride,
                int32_t zero_point, Q* y);

}  // namespace aruntime::kernels
