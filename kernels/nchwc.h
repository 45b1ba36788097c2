// The blocked channel layout ("NCHWc") of 2-D float32 feature maps, and the convolutions and
// pools that run on it. A blocked tensor of C channels is [N, ceil(C/16), H, W, 16]: the channels
// of one pixel sit in blocks of 16, so one vector register holds a pixel's block and a
// convolution accumulates 16 output channels per FMA without im2col. Channels past C in the last
// block are padding: the reorders write them as 0 and the packed weights are 0 there, so their
// values (finite, whatever the activations made of them) never reach a real channel.
// Docs: docs/optimizer.md (level 3, the layout pass that rewrites graphs into these ops).
#pragma once

#include <cstdint>

#include "kernels/activation.h"

namespace aruntime::kernels::nchwc {

inline constexpr int64_t kBlock = 16;

inline constexpr int64_t blocks(int64_t channels) {
  return (channels + kBlock - 1) / kBlock;
}
inline constexpr int64_t padded(int64_t channels) {
  return blocks(channels) * kBlock;
}

// x: NCHW [batch, channels, spatial] -> y: blocked [batch, blocks(channels), spatial, 16], padded
// lanes 0.
void reorder_to_blocked(const float* x, float* y, int64_t batch, int64_t channels, int64_t spatial);
// The inverse: the padded lanes are dropped.
void reorder_from_blocked(const float* x, float* y, int64_t batch, int64_t channels,
                          int64_t spatial);

struct Conv2dGeometry {
  int64_t batch = 0;
  int64_t in_channels = 0;   // C (unpadded)
  int64_t out_channels = 0;  // M (unpadded)
  int64_t in_h = 0, in_w = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;  // the bottom/right pads only shape out_h/out_w
};

enum class ConvKind {
  kDense,      // group 1, x blocked
  kDepthwise,  // group == C == M, x blocked
  kNchwInput,  // group 1, x plain NCHW [N, C, H, W] (the network's first convolution, C small)
};

// Elements of the packed weights of a convolution of this kind and geometry.
int64_t packed_weights_size(ConvKind kind, const Conv2dGeometry& geometry);

// w: ONNX OIHW [M, C/group, KH, KW] -> packed (zero in padded channels):
//  kDense:     [blocks(M), blocks(C), KH, KW, 16 (input channel), 16 (output channel)]
//  kDepthwise: [blocks(C), KH, KW, 16]
//  kNchwInput: [blocks(M), C, KH, KW, 16 (output channel)]
void pack_weights(ConvKind kind, const Conv2dGeometry& geometry, const float* w, float* packed);

// bias: [M] or nullptr -> packed [padded(M)] (zero when bias is nullptr or past M).
void pack_bias(const float* bias, int64_t out_channels, float* packed);

// Elements of scratch conv() needs: a zero-bordered copy of the input when the convolution pads
// (so that no tile checks bounds), else 0.
int64_t conv_scratch_size(ConvKind kind, const Conv2dGeometry& geometry);

// y (blocked, [N, blocks(M), out_h, out_w, 16]) = activation(conv(x, w) + bias + residual).
// packed_w from pack_weights, packed_bias from pack_bias (never null), residual blocked like y or
// nullptr, scratch of conv_scratch_size elements (run memory, so that warm runs allocate
// nothing). The activation runs on each output block while it is in registers or cache. Parallel
// over images, output channel blocks and output rows (kernels/parallel.h).
void conv(ConvKind kind, const Conv2dGeometry& geometry, const float* x, const float* packed_w,
          const float* packed_bias, const float* residual, const Activation& activation, float* y,
          float* scratch);

struct Pool2dGeometry {
  int64_t batch = 0;
  int64_t channels = 0;  // unpadded
  int64_t in_h = 0, in_w = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;  // MaxPool only; AveragePool uses 1
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
};

// ONNX MaxPool (padding never wins; a window with no in-image tap gives -inf... never happens for
// valid ONNX geometry) and AveragePool (divisor: in-image taps, or with count_include_pad every tap
// inside [-pad, size + pad_end)) over blocked x and y.
void max_pool(const Pool2dGeometry& geometry, const float* x, float* y);
void average_pool(const Pool2dGeometry& geometry, bool count_include_pad, const float* x, float* y);

// y [N, blocks(C), 1, 1, 16] = mean / max over the spatial positions of blocked x.
void global_average_pool(const float* x, float* y, int64_t batch, int64_t channels,
                         int64_t spatial);
void global_max_pool(const float* x, float* y, int64_t batch, int64_t channels, int64_t spatial);

}  // namespace aruntime::kernels::nchwc
