// Max and average pooling over the trailing 1 to 3 spatial axes of [planes, D...] tensors (ONNX
// MaxPool / AveragePool / Global*Pool semantics), parallel over planes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "aruntime/shape.h"

namespace aruntime::kernels {

struct PoolGeometry {
  int64_t planes = 0;  // N * C
  Dims input_spatial;
  Dims output_spatial;
  Dims kernel;
  Dims strides;
  Dims dilations;
  Dims pads_begin;
  Dims pads_end;
};

// Largest spatial rank the window kernels support.
inline constexpr size_t kMaxPoolRank = 3;

// y = max over each window (padding never wins). When `indices` is non-null it receives the flat
// index into x of each maximum (first one on ties), with the spatial part in row-major order, or
// column-major when `column_major_indices`. Instantiated for float, double, int8_t and uint8_t.
template <typename T>
void max_pool(const PoolGeometry& geometry, const T* x, T* y, int64_t* indices,
              bool column_major_indices);

// y = mean over each window. The divisor counts the in-image taps, or with `count_include_pad`
// every tap inside the padded extent [-pads_begin, size + pads_end). Float and double.
template <typename T>
void average_pool(const PoolGeometry& geometry, const T* x, T* y, bool count_include_pad);

// Mean / max of each of `planes` contiguous planes of `plane_size` elements.
template <typename T>
void global_average_pool(const T* x, T* y, int64_t planes, int64_t plane_size);
template <typename T>
void global_max_pool(const T* x, T* y, int64_t planes, int64_t plane_size);

}  // namespace aruntime::kernels
