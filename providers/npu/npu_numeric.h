// The device's number formats on the host: conversions between float32 and the storage formats
// of npu_program.h, and the symmetric int8 quantization of the int8 precision.
#pragma once

#include <cstdint>

#include "aruntime/tensor.h"
#include "providers/npu/npu_program.h"

namespace aruntime::npu {

// dst[i] = src[i] stored in `format` (F16: IEEE half, round to nearest even; F32: as is).
// Float formats only.
void store_floats(const float* src, int64_t n, BufferFormat format, void* dst);
// dst[i] = the value of element i of a buffer in `format` (any format).
void load_floats(const void* src, int64_t n, BufferFormat format, float* dst);
// x rounded to IEEE half and widened back.
float round_to_half(float x);

// Values of a host tensor (float32, float16, float64, 8/16/32/64-bit integers) as float32.
void tensor_to_floats(const Tensor& tensor, float* dst);
// Values of a small host tensor as doubles / int32 (scales, zero points).
std::vector<double> tensor_to_doubles(const Tensor& tensor);

// Symmetric int8 quantization of n values: scale = max|x| / 127 (1 when all are zero),
// q = clamp(round_half_even(x / scale), -127, 127). Returns the scale.
float quantize_symmetric(const float* x, int64_t n, int8_t* q);

}  // namespace aruntime::npu
