// The ONNX window attributes of Conv, ConvTranspose and the pools (kernel_shape, strides,
// dilations, pads, auto_pad, ceil_mode) and the output geometry they define. Every provider
// interprets them the same way, so they are read and resolved here, once, with the errors naming
// the node.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aruntime/shape.h"
#include "graph/ir.h"

namespace aruntime {

// "[1,2,3]"
std::string ints_to_string(const std::vector<int64_t>& values);

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// kernel_shape / strides / dilations / pads / auto_pad of Conv and the pools, validated for
// values (positive kernel, strides and dilations; non-negative pads, an even count of them;
// consistent counts). Empty vectors mean "not given". Throws Error(kInvalidModel) naming the node.
struct WindowAttributes {
  std::vector<int64_t> kernel_shape;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads;
  AutoPad auto_pad = AutoPad::kNotSet;
};
WindowAttributes read_window_attributes(const Node& node, bool kernel_shape_required);

// The per-axis geometry of a sliding window over an input's spatial axes (Dims: resolving it for
// ordinary ranks does not allocate, so kernels may do so on every run).
struct WindowGeometry {
  Dims kernel, strides, dilations, pads_begin, pads_end, output;
};

// Output sizes and effective pads by the ONNX formulas: auto_pad SAME_UPPER/SAME_LOWER (output
// ceil(in / stride), the smaller half of the total pad first for SAME_UPPER) and VALID, explicit
// pads with optional ceil_mode (where a last window starting in the end padding is dropped).
// Throws Error(kInvalidArgument) naming the node when the attribute counts do not match the
// input's spatial rank or the input is smaller than the window.
WindowGeometry resolve_window(const Node& node, const WindowAttributes& attrs,
                              const Dims& input_spatial, const Dims& kernel, bool ceil_mode);

// Checks that input X of a pool has rank 2 + the number of kernel_shape axes; throws
// Error(kInvalidArgument) naming the node otherwise.
void check_window_input_rank(const Node& node, const WindowAttributes& attrs, const Shape& x);

// `values` when given (checked to have `count` entries, else Error(kInvalidArgument) naming the
// node and the attribute `name`), else `count` copies of `fallback`.
std::vector<int64_t> per_axis(const Node& node, const std::vector<int64_t>& values, size_t count,
                              int64_t fallback, const char* name);

// The `group` attribute of Conv and ConvTranspose (default 1); throws Error(kInvalidModel) naming
// the node when it is not positive.
int64_t read_conv_group(const Node& node);

// Checks Conv's weight W [M, C/group, k1, ...] against the window attributes and `group` and,
// when in_channels >= 0, against the input's channel count. Throws naming the node:
// Error(kInvalidModel) for a constant weight checked at load (in_channels < 0), else
// Error(kInvalidArgument).
void check_conv_weight(const Node& node, const WindowAttributes& attrs, int64_t group,
                       const Shape& w, int64_t in_channels);

// Checks ConvTranspose's X [N, C, D1, ...], W [C, M/group, k1, ...] (same rank, C divisible by
// group, spatial dims matching kernel_shape when given) and optional bias B [M]; throws
// Error(kInvalidArgument) naming the node otherwise.
void check_conv_transpose_inputs(const Node& node, const WindowAttributes& attrs, int64_t group,
                                 const Shape& x, const Shape& w, const Shape* bias);

// The geometry of ConvTranspose over input spatial sizes `input_spatial` and kernel `kernel`:
// the output size and the begin pad cropped from the full result per axis, by the ONNX formulas
// (explicit output_shape or auto_pad SAME_*: the pads split the difference, the smaller half
// first for SAME_UPPER; VALID: no pads; else the explicit pads).
struct TransposedWindow {
  std::vector<int64_t> strides, dilations, output_padding, output, pads_begin;
};
// `output_shape` is the attribute as given (its spatial sizes, or empty). Throws
// Error(kInvalidArgument) naming the node on counts that do not match the rank or a negative
// output size.
TransposedWindow resolve_transposed_window(const Node& node, const WindowAttributes& attrs,
                                           const std::vector<int64_t>& input_spatial,
                                           const std::vector<int64_t>& kernel,
                                           const std::vector<int64_t>& output_padding,
                                           const std::vector<int64_t>& output_shape);

}  // namespace aruntime
