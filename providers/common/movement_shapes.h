// What the data-movement ops (Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat, Split,
// Slice, Pad, Expand, Tile, DepthToSpace, SpaceToDepth) mean, independent of where their data
// lives: attribute and shape-input interpretation, output shapes and their validation, with the
// errors every provider reports (kRuntimeError for what only run time shows, kInvalidModel for
// attributes). Each provider reads the values (host memory) and moves the elements its own way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "graph/ir.h"
#include "kernels/resize.h"
#include "kernels/shape_ops.h"

namespace aruntime::movement {

// Normalises a possibly negative axis against `rank`, naming the node and the attribute or input
// the axis came from.
int64_t checked_axis(const Node& node, int64_t axis, int64_t rank, const char* what);

// The values of integer input `index` (shape, axes, pads...), `t`, which must be an int64 or
// int32 tensor of rank <= 1.
std::vector<int64_t> int_list_values(const Node& node, const Tensor& t, size_t index,
                                     const char* what);

// Transpose's `perm` attribute, checked to be a permutation (kInvalidModel).
std::vector<int64_t> checked_perm(const Node& node, std::vector<int64_t> perm);
// The permutation a Transpose applies to `input`: `perm` when given (its length must be the rank),
// else the reversed dims.
std::vector<int64_t> transpose_perm(const Node& node, bool has_perm,
                                    const std::vector<int64_t>& perm, const Shape& input);

// Reshape's output dims: 0 copies the input dim (a real 0 when `allow_zero`), -1 is inferred.
std::vector<int64_t> reshape_dims(const Node& node, const Shape& input,
                                  const std::vector<int64_t>& requested, bool allow_zero);
// Flatten's 2-D output shape; `axis` may equal the rank.
Shape flatten_shape(const Node& node, const Shape& input, int64_t axis);
// Squeeze's output dims: `axes` (every unit dim when empty) removed.
std::vector<int64_t> squeeze_dims(const Node& node, const Shape& input,
                                  const std::vector<int64_t>& axes);
// Unsqueeze's output dims: unit dims inserted at `axes` of the output (required).
std::vector<int64_t> unsqueeze_dims(const Node& node, const Shape& input,
                                    const std::vector<int64_t>& axes);

// Concat's normalised axis and output dims over the node's inputs (all required, of one type and
// equal outside the axis).
struct ConcatPlan {
  int64_t axis;
  std::vector<int64_t> out_dims;
};
ConcatPlan concat_plan(const KernelContext& ctx, int64_t axis_attr);

// Split's num_outputs attribute (opset 18+) against the node's outputs (kInvalidModel).
void check_split_outputs(const Node& node, int64_t opset, size_t num_outputs);
// Split's part sizes along `axis` (normalised) of `input` into `parts` outputs: `sizes` when
// given, else even parts (from opset 18, ceil(dim / parts) with a smaller last part).
std::vector<int64_t> split_sizes(const Node& node, int64_t opset, const Shape& input, int64_t axis,
                                 int64_t parts, std::vector<int64_t> sizes);

// Slice's per-axis selection of `input` (every dim of it, untouched axes whole). `axes` defaults
// to 0..n-1 and `steps` to ones when empty.
std::vector<kernels::AxisSlice> slice_plan(const Node& node, const Shape& input,
                                           const std::vector<int64_t>& starts,
                                           const std::vector<int64_t>& ends,
                                           std::vector<int64_t> axes, std::vector<int64_t> steps);

// Gather / GatherElements: int32 or int64 `indices` into `data` of rank >= 1.
void check_gather_inputs(const Node& node, const Tensor& data, const Tensor& indices);
// Gather's index values (flat, of `indices_shape`) within [-dim, dim) of `axis` (normalised).
void check_gather_indices(const Node& node, const std::vector<int64_t>& indices,
                          const Shape& indices_shape, const Shape& data, int64_t axis);
// Gather's output dims: data's dims with `axis` replaced by the indices' dims.
std::vector<int64_t> gather_output_dims(const Shape& data, const Shape& indices, int64_t axis);

using kernels::PadMode;
// Pad's `mode` attribute ("wrap" from opset 19; kInvalidModel otherwise).
PadMode read_pad_mode(const Node& node, int64_t opset);
// One axis of a Pad: `crop_begin` input elements dropped, `kept` read, the output `pad_begin` +
// kept + `pad_end` long.
struct PadAxis {
  int64_t crop_begin;
  int64_t kept;
  int64_t pad_begin;
  int64_t pad_end;
  int64_t output_size() const { return pad_begin + kept + pad_end; }
};
// Pad's per-axis plan for `input` from `pads` (begin values, then end values) over `axes` (the
// raw input 3, opset 18+), or over every axis when `axes` is null.
std::vector<PadAxis> pad_plan(const Node& node, const Shape& input, PadMode mode,
                              const std::vector<int64_t>& pads, const std::vector<int64_t>* axes);

// Expand's output: `input` and `requested` (non-negative) broadcast against each other.
Shape expand_shape(const Node& node, const Shape& input, const std::vector<int64_t>& requested);
// Tile's repeats: one non-negative value per input dim whose products with the dims fit int64.
void check_tile_repeats(const Node& node, const Shape& input, const std::vector<int64_t>& repeats);

// DepthToSpace / SpaceToDepth: the positive `blocksize` attribute (kInvalidModel), DepthToSpace's
// mode (true for CRD), and the 4-D output shapes of `input`.
int64_t read_blocksize(const Node& node);
bool depth_to_space_is_crd(const Node& node, int64_t opset);
Shape depth_to_space_shape(const Node& node, const Shape& input, int64_t blocksize);
Shape space_to_depth_shape(const Node& node, const Shape& input, int64_t blocksize);

// Resize's attributes as the ONNX spec defines them per opset (kInvalidModel for unknown values):
// mode, coordinate transformation and nearest rounding (Resize-10: asymmetric and its own
// rounding), cubic coefficient, exclude_outside, extrapolation value, and from opset 18 axes,
// antialias and the aspect-ratio policy. A provider declines what it does not do before this.
enum class AspectPolicy { kStretch, kNotLarger, kNotSmaller };
struct ResizeAttributes {
  kernels::ResizeOptions options;
  float extrapolation_value = 0.0f;
  std::vector<int64_t> axes;  // as given; empty for every axis
  AspectPolicy policy = AspectPolicy::kStretch;
};
ResizeAttributes read_resize_attributes(const Node& node, int64_t opset);

// The input axes Resize's scales, sizes and roi values apply to (kInvalidArgument when `axes` is
// out of range or repeats one).
std::vector<size_t> resize_axes(const Node& node, const Shape& input,
                                const std::vector<int64_t>& axes);
// Whether Resize resizes by scales (true) or by sizes (false): exactly one of them must be given
// and non-empty (kInvalidArgument otherwise).
bool resize_by_scales(const Node& node, const Tensor* scales, const Tensor* sizes);
// Per dim of `input`: input and output size and coordinate scale (roi left whole), from the
// `scales` values or the int64 `sizes` tensor (under `policy`) for `axes`.
std::vector<kernels::ResizeAxis> resize_from_scales(const Node& node, const Shape& input,
                                                    const std::vector<size_t>& axes,
                                                    const std::vector<double>& scales);
// Resize cannot make a non-empty `output` from an empty `input` (kInvalidArgument).
void check_resize_source(const Node& node, const Shape& input, const Shape& output);
std::vector<kernels::ResizeAxis> resize_from_sizes(const Node& node, const Shape& input,
                                                   const std::vector<size_t>& axes,
                                                   AspectPolicy policy, const Tensor& sizes);

// Input i of a kernel that reads it in host memory (a device kernel's reads_input_on_host(), or
// any host kernel), or nullptr when the node omits it. A tensor in device memory here would be a
// placement bug, reported before the host reads device memory.
const Tensor* host_input(const KernelContext& ctx, size_t i, const char* what);
// The values of integer input i (shape, axes, pads...) read on the host; nullopt when omitted.
std::optional<std::vector<int64_t>> host_ints(const KernelContext& ctx, size_t i, const char* what);
// As host_ints, for an input the op requires (Error naming the node when it is omitted).
std::vector<int64_t> required_host_ints(const KernelContext& ctx, size_t i, const char* what);

// Squeeze/Unsqueeze axes: the `axes` attribute before opset 13, input 1 (read on the host at
// every run) from 13. Empty when not given.
class AxesSource {
 public:
  explicit AxesSource(const KernelInfo& info);
  bool from_input() const { return from_input_; }
  std::vector<int64_t> axes(const KernelContext& ctx) const;

 private:
  bool from_input_;
  std::vector<int64_t> attr_axes_;
};

}  // namespace aruntime::movement
