// N-D convolution (ONNX Conv semantics, NCHW layout) on raw memory. Three algorithms:
//  - pointwise: 1x1 kernel, stride 1, no padding: each group is one GEMM over the input as is;
//  - depthwise: one input channel per group (rank <= 2): a direct sliding-window kernel;
//  - im2col + GEMM for everything else, one column tile at a time so the scratch stays small.
// Work is split over (batch, group, output column tile, output channel block) tasks.
#pragma once

#include <cstdint>
#include <vector>

#include "aruntime/shape.h"
#include "kernels/gemm.h"

namespace aruntime::kernels {

struct ConvGeometry {
  int64_t batch = 0;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t group = 1;
  Dims input_spatial;   // D1..Dn of X
  Dims output_spatial;  // D1..Dn of Y
  Dims kernel;          // k1..kn
  Dims strides;
  Dims dilations;
  Dims pads_begin;  // the end pads only shape the output, already resolved
};

enum class ConvAlgorithm { kPointwise, kDepthwise, kIm2col };

struct ConvPlan {
  ConvAlgorithm algorithm = ConvAlgorithm::kIm2col;
  int64_t tile_columns = 0;  // output positions per task
  int64_t column_tiles = 0;  // tiles per (image, group)
  int64_t row_blocks = 1;    // output-channel blocks per group
  int64_t tasks = 0;
  int64_t slots = 0;  // scratch buffers, one per concurrently running task
  // One column tile per image and group but several channel blocks: the im2col matrices are
  // built once, in parallel, and shared by the blocks instead of rebuilt by each.
  bool shared_columns = false;
  int64_t scratch_elements = 0;  // total scratch the caller must provide (elements of T)
};

// Chooses the algorithm and the task split; `scratch_elements` tells the caller how much scratch
// memory conv() needs. The geometry must be consistent (output sizes from the ONNX formula).
ConvPlan plan_conv(const ConvGeometry& geometry);

// Y = conv(X, W) + bias. x: [N, C, D...], w: [M, C/group, k...], bias: [M] or nullptr,
// y: [N, M, O...], scratch: plan.scratch_elements elements. A non-empty `epilogue` runs on every
// finished block of Y (bias added; rows are output channels of one image, `block - y` locates the
// block in Y), so fused work touches each output while it is in cache. Instantiated for float and
// double.
template <typename T>
void conv(const ConvGeometry& geometry, const ConvPlan& plan, const T* x, const T* w, const T* bias,
          T* y, T* scratch, const BlockEpilogue<T>& epilogue = {});

}  // namespace aruntime::kernels
