#include "kernels/quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "aruntime/float16.h"
#include "kernels/parallel.h"

namespace aruntime::kernels {
namespace {

double load(float v) {
  return v;
}
double load(Float16 v) {
  return v.to_float();
}
double load(BFloat16 v) {
  return v.to_float();
}
double load(int32_t v) {
  return v;
}

template <typename Y>
Y store(float v);
template <>
float store<float>(float v) {
  return v;
}
template <>
Float16 store<Float16>(float v) {
  return Float16(v);
}
template <>
BFloat16 store<BFloat16>(float v) {
  return BFloat16(v);
}

// Calls row_fn(first, param, step) for every row of `inner` elements along the axis, where
// first = row * inner is the row's first element and param + j * step indexes the parameter of
// its element j (blocked layouts keep one parameter per inner position, the others one per row).
template <typename RowFn>
void for_each_parameter_row(const QuantizationLayout& layout, const RowFn& row_fn) {
  const int64_t rows = layout.outer * layout.axis_dim;
  parallel_for(rows, std::max<int64_t>(layout.inner, 1) * 4, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t o = row / layout.axis_dim, a = row % layout.axis_dim;
      switch (layout.granularity) {
        case QuantizationLayout::Granularity::kPerTensor:
          row_fn(row * layout.inner, int64_t{0}, int64_t{0});
          break;
        case QuantizationLayout::Granularity::kPerAxis:
          row_fn(row * layout.inner, a, int64_t{0});
          break;
        case QuantizationLayout::Granularity::kBlocked:
          row_fn(row * layout.inner,
                 (o * layout.scale_axis_dim + a / layout.block_size) * layout.inner, int64_t{1});
          break;
      }
    }
  });
}

}  // namespace

double round_to_precision(double value, RoundingPrecision precision) {
  switch (precision) {
    case RoundingPrecision::kFloat64:
      return value;
    case RoundingPrecision::kFloat32:
      return static_cast<float>(value);
    case RoundingPrecision::kFloat16:
      // Through float: a float32 intermediate has more than twice the bits of a half, so the
      // double rounding gives the correctly rounded half for quotients and products of halves.
      return Float16(static_cast<float>(value)).to_float();
    case RoundingPrecision::kBFloat16:
      return BFloat16(static_cast<float>(value)).to_float();
  }
  return value;
}

template <typename Q>
Q saturate_round(double value) {
  if constexpr (is_integer4_v<Q>) {
    return Q(value);  // Int4 and UInt4 round half to even and saturate themselves
  } else {
    if (std::isnan(value)) return Q(0);
    const double rounded = std::nearbyint(value);  // the default rounding mode: half to even
    const double lo = static_cast<double>(std::numeric_limits<Q>::min());
    const double hi = static_cast<double>(std::numeric_limits<Q>::max());
    return static_cast<Q>(std::clamp(rounded, lo, hi));
  }
}

template <typename X, typename Q>
void quantize_linear(const QuantizationLayout& layout, const X* x, const double* scales,
                     const int32_t* zero_points, RoundingPrecision precision, Q* y) {
  const int64_t inner = layout.inner;
  for_each_parameter_row(layout, [&](int64_t first, int64_t param, int64_t step) {
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t p = param + j * step;
      const double scale = round_to_precision(scales[p], precision);
      const double value = round_to_precision(load(x[first + j]), precision);
      double quotient = round_to_precision(value / scale, precision);
      if (std::isnan(quotient)) quotient = 0.0;  // NaN has no quantized value; use the zero point
      const double zero_point = zero_points != nullptr ? zero_points[p] : 0.0;
      y[first + j] = saturate_round<Q>(std::nearbyint(quotient) + zero_point);
    }
  });
}

template <typename Q, typename Y>
void dequantize_linear(const QuantizationLayout& layout, const Q* x, const double* scales,
                       const int32_t* zero_points, Y* y) {
  const int64_t inner = layout.inner;
  for_each_parameter_row(layout, [&](int64_t first, int64_t param, int64_t step) {
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t p = param + j * step;
      const int64_t zero_point = zero_points != nullptr ? zero_points[p] : 0;
      const double difference =
          static_cast<double>(static_cast<int64_t>(x[first + j]) - zero_point);
      y[first + j] = store<Y>(static_cast<float>(difference * scales[p]));
    }
  });
}

template <typename X>
void quantize_linear_float8(const QuantizationLayout& layout, const X* x, const double* scales,
                            const float* zero_points, RoundingPrecision precision,
                            Float8Format format, bool saturate, uint8_t* y) {
  const int64_t inner = layout.inner;
  for_each_parameter_row(layout, [&](int64_t first, int64_t param, int64_t step) {
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t p = param + j * step;
      const double scale = round_to_precision(scales[p], precision);
      const double value = round_to_precision(load(x[first + j]), precision);
      auto quotient = static_cast<float>(round_to_precision(value / scale, precision));
      // A zero zero point is skipped so that -0 stays -0 where the format has it.
      if (zero_points != nullptr && zero_points[p] != 0.0f) quotient += zero_points[p];
      y[first + j] = float_to_float8_bits(quotient, format, saturate);
    }
  });
}

template <typename Y>
void dequantize_linear_float8(const QuantizationLayout& layout, const uint8_t* x,
                              Float8Format format, const double* scales, const float* zero_points,
                              Y* y) {
  const int64_t inner = layout.inner;
  for_each_parameter_row(layout, [&](int64_t first, int64_t param, int64_t step) {
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t p = param + j * step;
      double difference = float8_bits_to_float(x[first + j], format);
      if (zero_points != nullptr) difference -= zero_points[p];
      y[first + j] = store<Y>(static_cast<float>(difference * scales[p]));
    }
  });
}

template <typename X>
void quantize_linear_float4e2m1(const QuantizationLayout& layout, const X* x, const double* scales,
                                const float* zero_points, RoundingPrecision precision, uint8_t* y) {
  const int64_t inner = layout.inner;
  for_each_parameter_row(layout, [&](int64_t first, int64_t param, int64_t step) {
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t p = param + j * step;
      const double scale = round_to_precision(scales[p], precision);
      const double value = round_to_precision(load(x[first + j]), precision);
      const auto quotient = static_cast<float>(round_to_precision(value / scale, precision));
      const float zero_point = zero_points != nullptr ? zero_points[p] : 0.0f;
      y[first + j] = float_to_float4e2m1_bits(quotient + zero_point);
    }
  });
}

template <typename Y>
void dequantize_linear_float4e2m1(const QuantizationLayout& layout, const uint8_t* x,
                                  const double* scales, const float* zero_points, Y* y) {
  const int64_t inner = layout.inner;
  for_each_parameter_row(layout, [&](int64_t first, int64_t param, int64_t step) {
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t p = param + j * step;
      double difference = float4e2m1_bits_to_float(x[first + j]);
      if (zero_points != nullptr) difference -= zero_points[p];
      y[first + j] = store<Y>(static_cast<float>(difference * scales[p]));
    }
  });
}

DynamicQuantization dynamic_quantize_uint8(const float* x, int64_t n, uint8_t* y) {
  float lo = 0.0f, hi = 0.0f;  // the range always includes 0
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(x[i])) continue;
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  DynamicQuantization q;
  q.scale = (hi == lo ? 1.0f : hi - lo) / 255.0f;
  const float initial_zero_point = 0.0f - lo / q.scale;
  const float zero_point = std::nearbyint(std::clamp(initial_zero_point, 0.0f, 255.0f));
  q.zero_point = static_cast<uint8_t>(zero_point);
  const float scale = q.scale;
  parallel_for(n, 8, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float quotient = std::isnan(x[i]) ? 0.0f : x[i] / scale;
      y[i] = saturate_round<uint8_t>(static_cast<double>(std::nearbyint(quotient) + zero_point));
    }
  });
  return q;
}

template <typename Q>
void requantize(const int32_t* acc, int64_t n, const double* multipliers, int64_t multiplier_stride,
                int32_t zero_point, Q* y) {
  for (int64_t i = 0; i < n; ++i) {
    y[i] = saturate_round<Q>(static_cast<double>(acc[i]) * multipliers[i * multiplier_stride] +
                             zero_point);
  }
}

#define ARUNTIME_QUANTIZE(X, Q)                                                           \
  template void quantize_linear<X, Q>(const QuantizationLayout&, const X*, const double*, \
                                      const int32_t*, RoundingPrecision, Q*);
#define ARUNTIME_QUANTIZE_ALL_INPUTS(Q) \
  ARUNTIME_QUANTIZE(float, Q)           \
  ARUNTIME_QUANTIZE(Float16, Q)         \
  ARUNTIME_QUANTIZE(BFloat16, Q)        \
  ARUNTIME_QUANTIZE(int32_t, Q)
ARUNTIME_QUANTIZE_ALL_INPUTS(int8_t)
ARUNTIME_QUANTIZE_ALL_INPUTS(uint8_t)
ARUNTIME_QUANTIZE_ALL_INPUTS(int16_t)
ARUNTIME_QUANTIZE_ALL_INPUTS(uint16_t)
ARUNTIME_QUANTIZE_ALL_INPUTS(Int4)
ARUNTIME_QUANTIZE_ALL_INPUTS(UInt4)

#define ARUNTIME_DEQUANTIZE(Q, Y)                                                           \
  template void dequantize_linear<Q, Y>(const QuantizationLayout&, const Q*, const double*, \
                                        const int32_t*, Y*);
#define ARUNTIME_DEQUANTIZE_ALL_OUTPUTS(Q) \
  ARUNTIME_DEQUANTIZE(Q, float)            \
  ARUNTIME_DEQUANTIZE(Q, Float16)          \
  ARUNTIME_DEQUANTIZE(Q, BFloat16)
ARUNTIME_DEQUANTIZE_ALL_OUTPUTS(int8_t)
ARUNTIME_DEQUANTIZE_ALL_OUTPUTS(uint8_t)
ARUNTIME_DEQUANTIZE_ALL_OUTPUTS(int16_t)
ARUNTIME_DEQUANTIZE_ALL_OUTPUTS(uint16_t)
ARUNTIME_DEQUANTIZE_ALL_OUTPUTS(int32_t)
ARUNTIME_DEQUANTIZE_ALL_OUTPUTS(Int4)
ARUNTIME_DEQUANTIZE_ALL_OUTPUTS(UInt4)

template void quantize_linear_float8<float>(const QuantizationLayout&, const float*, const double*,
                                            const float*, RoundingPrecision, Float8Format, bool,
                                            uint8_t*);
template void quantize_linear_float8<Float16>(const QuantizationLayout&, const Float16*,
                                              const double*, const float*, RoundingPrecision,
                                              Float8Format, bool, uint8_t*);
template void quantize_linear_float8<BFloat16>(const QuantizationLayout&, const BFloat16*,
                                               const double*, const float*, RoundingPrecision,
                                               Float8Format, bool, uint8_t*);
template void quantize_linear_float8<int32_t>(const QuantizationLayout&, const int32_t*,
                                              const double*, const float*, RoundingPrecision,
                                              Float8Format, bool, uint8_t*);
template void dequantize_linear_float8<float>(const QuantizationLayout&, const uint8_t*,
                                              Float8Format, const double*, const float*, float*);
template void dequantize_linear_float8<Float16>(const QuantizationLayout&, const uint8_t*,
                                                Float8Format, const double*, const float*,
                                                Float16*);
template void dequantize_linear_float8<BFloat16>(const QuantizationLayout&, const uint8_t*,
                                                 Float8Format, const double*, const float*,
                                                 BFloat16*);

template void quantize_linear_float4e2m1<float>(const QuantizationLayout&, const float*,
                                                const double*, const float*, RoundingPrecision,
                                                uint8_t*);
template void quantize_linear_float4e2m1<Float16>(const QuantizationLayout&, const Float16*,
                                                  const double*, const float*, RoundingPrecision,
                                                  uint8_t*);
template void quantize_linear_float4e2m1<BFloat16>(const QuantizationLayout&, const BFloat16*,
                                                   const double*, const float*, RoundingPrecision,
                                                   uint8_t*);
template void quantize_linear_float4e2m1<int32_t>(const QuantizationLayout&, const int32_t*,
                                                  const double*, const float*, RoundingPrecision,
                                                  uint8_t*);
template void dequantize_linear_float4e2m1<float>(const QuantizationLayout&, const uint8_t*,
                                                  const double*, const float*, float*);
template void dequantize_linear_float4e2m1<Float16>(const QuantizationLayout&, const uint8_t*,
                                                    const double*, const float*, Float16*);
template void dequantize_linear_float4e2m1<BFloat16>(const QuantizationLayout&, const uint8_t*,
                                                     const double*, const float*, BFloat16*);

template int8_t saturate_round<int8_t>(double);
template uint8_t saturate_round<uint8_t>(double);
template int16_t saturate_round<int16_t>(double);
template uint16_t saturate_round<uint16_t>(double);
template int32_t saturate_round<int32_t>(double);
template Int4 saturate_round<Int4>(double);
template UInt4 saturate_round<UInt4>(double);
template void requantize<int8_t>(const int32_t*, int64_t, const double*, int64_t, int32_t, int8_t*);
template void requantize<uint8_t>(const int32_t*, int64_t, const double*, int64_t, int32_t,
                                  uint8_t*);

#undef ARUNTIME_QUANTIZE
#undef ARUNTIME_QUANTIZE_ALL_INPUTS
#undef ARUNTIME_DEQUANTIZE
#undef ARUNTIME_DEQUANTIZE_ALL_OUTPUTS

}  // namespace aruntime::kernels
