// GPU data-movement kernels. Views (Reshape, Flatten, Squeeze, Unsqueeze, Identity, inference
// Dropout) do no device work: the output is the input's buffer under a new shape. Transpose,
// Concat, Split, Slice, Expand, Tile, DepthToSpace and SpaceToDepth are strided copies
// (movement_kernels.h); Gather, GatherElements, Pad and Resize have kernels of their own.
//
// Semantics and validation are the CPU kernels' own, run time errors included: both providers call
// providers/common/movement_shapes.h for attributes and output shapes and kernels/shape_ops.h for
// the index arithmetic. Inputs that decide shapes (Reshape's shape, Slice's starts..., Pad's
// pads, Resize's scales or sizes...) are read in host memory: each kernel names them in
// reads_input_on_host(), so the execution plan keeps them on the CPU (a constant initializer, a
// feed, or a shape computed by host nodes such as Shape -> Gather -> Concat reaches the kernel
// without a copy) and compute() reads their values every run. Data inputs, Pad's constant_value
// included (a tensor of the data's type), stay on the device.
//
// Out-of-range indices: Gather and GatherElements validate their indices on the host, with the CPU
// kernels' errors, when the indices are a constant initializer. Indices computed at run time live
// on the device and are not read back; an index outside [-dim, dim) is never dereferenced and its
// output elements are zero.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/execution_provider.h"
#include "kernels/broadcast.h"
#include "kernels/copy.h"
#include "providers/common/movement_shapes.h"
#include "providers/gpu/ops/movement_kernels.h"
#include "providers/gpu/ops/registrations.h"

namespace aruntime::gpu {
namespace {

constexpr int kMaxOpset = 23;

// Element types of the pure data-movement kernels: only the element size matters to them.
const std::vector<DataType> kMovementTypes = {
    DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16, DataType::kInt64,
    DataType::kInt32,   DataType::kBool,    DataType::kInt8,     DataType::kUInt8};
const std::vector<DataType> kIndexTypes = {DataType::kInt32, DataType::kInt64};
const std::vector<DataType> kInt64Only = {DataType::kInt64};

std::string list_text(const std::vector<int64_t>& v) {
  return Shape(v).to_string();
}

std::string type_text(const Tensor& t) {
  return std::string(data_type_name(t.dtype())) + t.shape().to_string();
}

using movement::checked_axis;

// Ranks beyond what the kernels' fixed-size geometry holds. The support checks decline such nodes
// when the rank is known at load; this catches ranks only known at run time.
void check_rank(const Node& node, size_t rank, const char* what) {
  if (rank > static_cast<size_t>(kMaxMovementRank)) {
    throw_error(ErrorCode::kNotImplemented,
                node.describe() + ": " + what + " has rank " + std::to_string(rank) +
                    ", the GPU kernel takes at most " + std::to_string(kMaxMovementRank));
  }
}

// Device memory of a tensor the kernel hands to device code: a host tensor here would be a bug
// in the session's placement, caught before a kernel dereferences a host pointer.
const void* device_data(const KernelContext& ctx, const Tensor& t, const char* what) {
  if (t.device().type != DeviceType::kGpu) {
    throw_error(ErrorCode::kRuntimeError, ctx.node().describe() + ": " + what + " is in " +
                                              t.device().to_string() +
                                              " memory, the GPU kernel needs it on the device");
  }
  return t.raw_data();
}

const char* element_at(const void* base, int64_t offset, DataType dtype) {
  return static_cast<const char*>(base) + offset * static_cast<int64_t>(element_size(dtype));
}
char* element_at(void* base, int64_t offset, DataType dtype) {
  return static_cast<char*>(base) + offset * static_cast<int64_t>(element_size(dtype));
}

using movement::AxesSource;
using movement::host_input;
using movement::host_ints;
using movement::required_host_ints;

// A strided copy from contiguous `src_dims` read through `src_strides` (one per output dim) into
// a contiguous output of `out_dims`.
StridedCopy copy_into_contiguous(const std::vector<int64_t>& out_dims,
                                 const std::vector<int64_t>& src_strides) {
  StridedCopy c;
  c.rank = static_cast<int>(out_dims.size());
  const std::vector<int64_t> dst_strides = kernels::contiguous_strides(out_dims);
  for (size_t d = 0; d < out_dims.size(); ++d) {
    c.dims[d] = out_dims[d];
    c.src_strides[d] = src_strides[d];
    c.dst_strides[d] = dst_strides[d];
  }
  return c;
}

// ---- Support checks ----------------------------------------------------------------------------

// "" unless input i has a known rank above kMaxMovementRank.
std::string rank_reason(const Node& node, const GraphView& view, size_t i) {
  if (!node.has_input(i)) return "";
  const TypeInfo* type = view.graph().find_type(node.inputs[i]);
  if (type == nullptr || !type->shape || type->shape->size() <= kMaxMovementRank) return "";
  return node.op_type + ": input " + std::to_string(i) + " has rank " +
         std::to_string(type->shape->size()) + "; the GPU kernel takes at most " +
         std::to_string(kMaxMovementRank);
}

SupportCheck rank_check(size_t input = 0) {
  return
      [input](const Node& node, const GraphView& view) { return rank_reason(node, view, input); };
}

// ---- Views -------------------------------------------------------------------------------------

// Reshape: 0 copies the input dim (or is a real 0 with allowzero, opset 14+), -1 is inferred.
class ReshapeKernel final : public GpuKernel {
 public:
  ReshapeKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)),
        allow_zero_(info.opset() >= 14 && info.node().attr_int("allowzero", 0) != 0) {}

  int output_view_of(size_t output) const override { return output == 0 ? 0 : -1; }
  bool reads_input_on_host(size_t input) const override { return input == 1; }
  void compute_on_device(KernelContext& ctx) const override {
    const Tensor& data = ctx.required_input(0);
    const std::vector<int64_t> requested = required_host_ints(ctx, 1, "shape");
    ctx.set_output(0, data.reshaped(Shape(movement::reshape_dims(ctx.node(), data.shape(),
                                                                 requested, allow_zero_))));
  }

 private:
  bool allow_zero_;
};

class FlattenKernel final : public GpuKernel {
 public:
  FlattenKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), axis_(info.node().attr_int("axis", 1)) {}

  int output_view_of(size_t output) const override { return output == 0 ? 0 : -1; }
  void compute_on_device(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    ctx.set_output(0, x.reshaped(movement::flatten_shape(ctx.node(), x.shape(), axis_)));
  }

 private:
  int64_t axis_;
};

// Squeeze and Unsqueeze: views of the input with `kDims` of its shape and the axes.
using AxesDims = std::vector<int64_t> (*)(const Node&, const Shape&, const std::vector<int64_t>&);
template <AxesDims kDims>
class AxesViewKernel final : public GpuKernel {
 public:
  AxesViewKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), axes_(info) {}

  int output_view_of(size_t output) const override { return output == 0 ? 0 : -1; }
  bool reads_input_on_host(size_t input) const override { return axes_.from_input() && input == 1; }
  void compute_on_device(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    ctx.set_output(0, x.reshaped(Shape(kDims(ctx.node(), x.shape(), axes_.axes(ctx)))));
  }

 private:
  AxesSource axes_;
};
using SqueezeKernel = AxesViewKernel<movement::squeeze_dims>;
using UnsqueezeKernel = AxesViewKernel<movement::unsqueeze_dims>;

class IdentityKernel final : public GpuKernel {
 public:
  IdentityKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)) {}

  int output_view_of(size_t output) const override { return output == 0 ? 0 : -1; }
  void compute_on_device(KernelContext& ctx) const override { ctx.set_output(0, ctx.required_input(0)); }
};

// Dropout in inference: Y = X, and the optional mask is all ones (bool from opset 10, X's type
// before). Training (is_test=0 before opset 7, training_mode from 12 unless a constant false)
// stays on the CPU, which draws the mask.
std::string dropout_training_reason(const Node& node, const Graph& graph, int64_t opset) {
  if (opset < 7 && node.attr_int("is_test", 0) == 0) {
    return "Dropout: is_test is 0 (training), which the GPU kernel does not do";
  }
  if (opset >= 12 && node.has_input(2)) {
    const Tensor* mode = graph.constant(node.inputs[2]);
    if (mode == nullptr) {
      return "Dropout: training_mode is not a constant initializer; the GPU kernel does only "
             "inference";
    }
    if (mode->dtype() != DataType::kBool || mode->num_elements() != 1 || mode->data<bool>()[0]) {
      return "Dropout: training_mode is not a constant false; the GPU kernel does only inference";
    }
  }
  return "";
}

class DropoutKernel final : public GpuKernel {
 public:
  DropoutKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), opset_(info.opset()) {
    const std::string reason = dropout_training_reason(info.node(), info.graph(), opset_);
    if (!reason.empty()) {
      throw_error(ErrorCode::kNotImplemented, info.node().describe() + ": " + reason);
    }
  }

  int output_view_of(size_t output) const override { return output == 0 ? 0 : -1; }
  void compute_on_device(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    ctx.set_output(0, x);
    if (!ctx.node().has_output(1) || !ctx.output_requested(1)) return;
    const DataType type = opset_ >= 10 ? DataType::kBool : x.dtype();
    Tensor& mask = ctx.allocate_output(1, x.shape(), type);
    uint64_t one = 0;
    switch (type) {
      case DataType::kBool:
        one = 1;
        break;
      case DataType::kFloat32: {
        const float f = 1.0f;
        std::memcpy(&one, &f, sizeof(f));
        break;
      }
      case DataType::kFloat16:
        one = Float16(1.0f).bits;
        break;
      case DataType::kBFloat16:
        one = BFloat16(1.0f).bits;
        break;
      default:
        throw_error(ErrorCode::kNotImplemented, ctx.node().describe() + ": mask type " +
                                                    std::string(data_type_name(type)) +
                                                    " is not supported");
    }
    ARUNTIME_CUDA_CHECK(
        fill_elements(mask.raw_data(), element_size(type), mask.num_elements(), one, stream()));
  }

 private:
  int64_t opset_;
};

// ---- Transpose ---------------------------------------------------------------------------------

class TransposeKernel final : public GpuKernel {
 public:
  TransposeKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)) {
    const Node& node = info.node();
    if (!node.has_attribute("perm")) return;
    perm_ = movement::checked_perm(node, node.attr_ints("perm"));
    has_perm_ = true;
  }

  // The output always has a buffer of its own: even a transpose that moves no data (only unit
  // dims change places) is a device memcpy, so no view outlives the input's buffer.
  void compute_on_device(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    check_rank(ctx.node(), x.rank(), "input 0");
    const std::vector<int64_t> perm =
        movement::transpose_perm(ctx.node(), has_perm_, perm_, x.shape());
    const std::vector<int64_t> in_strides = kernels::contiguous_strides(x.shape().dims());
    std::vector<int64_t> out_dims(rank), src_strides(rank);
    for (int64_t d = 0; d < rank; ++d) {
      out_dims[d] = x.shape()[perm[d]];
      src_strides[d] = in_strides[perm[d]];
    }
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (out.num_elements() == 0) return;
    ARUNTIME_CUDA_CHECK(copy_strided(device_data(ctx, x, "input 0"), out.raw_data(),
                                     element_size(x.dtype()),
                                     copy_into_contiguous(out_dims, src_strides), stream()));
  }

 private:
  bool has_perm_ = false;
  std::vector<int64_t> perm_;
};

// ---- Concat / Split ----------------------------------------------------------------------------

// Rows of `row` elements, `outer` of them, `src_row` and `dst_row` elements apart.
StridedCopy row_copy(int64_t outer, int64_t row, int64_t src_row, int64_t dst_row) {
  StridedCopy c;
  c.rank = 2;
  c.dims[0] = outer;
  c.dims[1] = row;
  c.src_strides[0] = src_row;
  c.src_strides[1] = 1;
  c.dst_strides[0] = dst_row;
  c.dst_strides[1] = 1;
  return c;
}

class ConcatKernel final : public GpuKernel {
 public:
  ConcatKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), axis_(info.node().attr_int("axis")) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Tensor& first = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(first.rank());
    const auto [axis, out_dims] = movement::concat_plan(ctx, axis_);
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), first.dtype());
    if (out.num_elements() == 0) return;
    const int64_t outer = out.shape().size_from_to(0, axis);
    const int64_t inner = out.shape().size_from_to(axis + 1, rank);
    const int64_t out_row = out_dims[axis] * inner;
    int64_t offset = 0;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& in = *ctx.input(i);
      const int64_t in_row = in.shape()[axis] * inner;
      if (in_row > 0) {
        ARUNTIME_CUDA_CHECK(copy_strided(
            device_data(ctx, in, "an input"), element_at(out.raw_data(), offset, out.dtype()),
            element_size(out.dtype()), row_copy(outer, in_row, in_row, out_row), stream()));
      }
      offset += in_row;
    }
  }

 private:
  int64_t axis_;
};

// Split sizes: the `split` attribute (opset < 13) or input 1 (13+, read on the host every run);
// without them the axis is split evenly, or from opset 18 into num_outputs parts of
// ceil(dim / n) with a smaller last part.
class SplitKernel final : public GpuKernel {
 public:
  SplitKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)),
        opset_(info.opset()),
        axis_(info.node().attr_int("axis", 0)) {
    const Node& node = info.node();
    if (opset_ < 13) split_attr_ = node.attr_ints("split", {});
    movement::check_split_outputs(node, opset_, info.num_outputs());
  }

  bool reads_input_on_host(size_t input) const override { return opset_ >= 13 && input == 1; }
  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t axis = checked_axis(node, axis_, static_cast<int64_t>(x.rank()), "axis");
    const int64_t dim = x.shape()[axis];
    const int64_t n = static_cast<int64_t>(ctx.num_outputs());
    const std::vector<int64_t> sizes = movement::split_sizes(
        node, opset_, x.shape(), axis, n,
        opset_ < 13 ? split_attr_ : host_ints(ctx, 1, "split").value_or(std::vector<int64_t>{}));
    const int64_t outer = x.shape().size_from_to(0, axis);
    const int64_t inner = x.shape().size_from_to(axis + 1, x.rank());
    int64_t offset = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t row = sizes[i] * inner;
      if (ctx.output_requested(i)) {
        std::vector<int64_t> out_dims = x.shape().dims();
        out_dims[axis] = sizes[i];
        Tensor& out = ctx.allocate_output(i, Shape(std::move(out_dims)), x.dtype());
        if (out.num_elements() > 0) {
          ARUNTIME_CUDA_CHECK(copy_strided(
              element_at(device_data(ctx, x, "input 0"), offset, x.dtype()), out.raw_data(),
              element_size(x.dtype()), row_copy(outer, row, dim * inner, row), stream()));
        }
      }
      offset += row;
    }
  }

 private:
  int64_t opset_;
  int64_t axis_;
  std::vector<int64_t> split_attr_;
};

// ---- Slice -------------------------------------------------------------------------------------

// Slice: starts/ends/axes are attributes in opsets 1-9 (no steps), inputs from 10 (read on the
// host every run).
class SliceKernel final : public GpuKernel {
 public:
  SliceKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), from_inputs_(info.opset() >= 10) {
    const Node& node = info.node();
    if (!from_inputs_) {
      starts_ = node.attr_ints("starts");
      ends_ = node.attr_ints("ends");
      axes_ = node.attr_ints("axes", {});
    }
  }

  bool reads_input_on_host(size_t input) const override {
    return from_inputs_ && input >= 1 && input <= 4;
  }
  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    std::vector<int64_t> starts = starts_, ends = ends_, axes = axes_, steps;
    if (from_inputs_) {
      starts = required_host_ints(ctx, 1, "starts");
      ends = required_host_ints(ctx, 2, "ends");
      axes = host_ints(ctx, 3, "axes").value_or(std::vector<int64_t>{});
      steps = host_ints(ctx, 4, "steps").value_or(std::vector<int64_t>{});
    }
    check_rank(node, x.rank(), "input 0");
    const std::vector<kernels::AxisSlice> slices =
        movement::slice_plan(node, x.shape(), starts, ends, std::move(axes), std::move(steps));
    const kernels::StridedView view = kernels::slice_view(x.shape().dims(), slices);
    Tensor& out = ctx.allocate_output(0, Shape(view.dims), x.dtype());
    if (out.num_elements() == 0) return;
    ARUNTIME_CUDA_CHECK(copy_strided(
        element_at(device_data(ctx, x, "input 0"), view.offset, x.dtype()), out.raw_data(),
        element_size(x.dtype()), copy_into_contiguous(view.dims, view.src_strides), stream()));
  }

 private:
  bool from_inputs_;
  std::vector<int64_t> starts_, ends_, axes_;  // the attributes before opset 10
};

// ---- Gather / GatherElements -------------------------------------------------------------------

// The host copy of constant indices, to validate them like the CPU kernels do.
std::optional<std::vector<int64_t>> constant_indices(const KernelInfo& info) {
  const Tensor* t = info.constant_input(1);
  if (t == nullptr || t->num_elements() == 0) return std::nullopt;
  if (t->dtype() != DataType::kInt64 && t->dtype() != DataType::kInt32) return std::nullopt;
  return t->to_int64_vector();
}

class GatherKernel final : public GpuKernel {
 public:
  GatherKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)),
        axis_(info.node().attr_int("axis", 0)),
        constant_indices_(constant_indices(info)) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& data = ctx.required_input(0);
    const Tensor& indices = ctx.required_input(1);
    movement::check_gather_inputs(node, data, indices);
    const int64_t rank = static_cast<int64_t>(data.rank());
    const int64_t axis = checked_axis(node, axis_, rank, "axis");
    const int64_t dim = data.shape()[axis];
    if (constant_indices_) {
      movement::check_gather_indices(node, *constant_indices_, indices.shape(), data.shape(), axis);
    }
    std::vector<int64_t> out_dims =
        movement::gather_output_dims(data.shape(), indices.shape(), axis);
    Tensor& out = ctx.allocate_output(0, Shape(std::move(out_dims)), data.dtype());
    if (out.num_elements() == 0) return;
    ARUNTIME_CUDA_CHECK(gather(device_data(ctx, data, "data"), device_data(ctx, indices, "indices"),
                               indices.dtype() == DataType::kInt64, out.raw_data(),
                               element_size(data.dtype()), data.shape().size_from_to(0, axis), dim,
                               data.shape().size_from_to(axis + 1, data.rank()),
                               indices.num_elements(), stream()));
  }

 private:
  int64_t axis_;
  std::optional<std::vector<int64_t>> constant_indices_;
};

class GatherElementsKernel final : public GpuKernel {
 public:
  GatherElementsKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)),
        axis_(info.node().attr_int("axis", 0)),
        constant_indices_(constant_indices(info)) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& data = ctx.required_input(0);
    const Tensor& indices = ctx.required_input(1);
    movement::check_gather_inputs(node, data, indices);
    const int64_t rank = static_cast<int64_t>(data.rank());
    check_rank(node, data.rank(), "data");
    const int64_t axis = checked_axis(node, axis_, rank, "axis");
    bool fits = indices.rank() == data.rank();
    for (int64_t d = 0; fits && d < rank; ++d) {
      fits = d == axis || indices.shape()[d] <= data.shape()[d];
    }
    if (!fits) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": indices shape " + indices.shape().to_string() +
                      " must have the rank of data shape " + data.shape().to_string() +
                      " and no larger dims outside axis " + std::to_string(axis));
    }
    const int64_t dim = data.shape()[axis];
    if (constant_indices_) {
      for (size_t i = 0; i < constant_indices_->size(); ++i) {
        const int64_t idx = (*constant_indices_)[i];
        if (idx < -dim || idx >= dim) {
          throw_error(ErrorCode::kRuntimeError,
                      node.describe() + ": index value " + std::to_string(idx) +
                          " at flat position " + std::to_string(i) + " is out of range [" +
                          std::to_string(-dim) + ", " + std::to_string(dim - 1) + "] for axis " +
                          std::to_string(axis) + " of data shape " + data.shape().to_string());
        }
      }
    }
    Tensor& out = ctx.allocate_output(0, indices.shape(), data.dtype());
    if (out.num_elements() == 0) return;
    GatherElementsGeometry g;
    g.rank = static_cast<int>(rank);
    g.axis = static_cast<int>(axis);
    g.axis_dim = dim;
    const std::vector<int64_t> strides = kernels::contiguous_strides(data.shape().dims());
    for (int64_t d = 0; d < rank; ++d) {
      g.index_dims[d] = indices.shape()[d];
      g.data_strides[d] = strides[d];
    }
    ARUNTIME_CUDA_CHECK(
        gather_elements(device_data(ctx, data, "data"), device_data(ctx, indices, "indices"),
                        indices.dtype() == DataType::kInt64, out.raw_data(),
                        element_size(data.dtype()), g, out.num_elements(), stream()));
  }

 private:
  int64_t axis_;
  std::optional<std::vector<int64_t>> constant_indices_;
};

// ---- Expand / Tile -----------------------------------------------------------------------------

// Expand broadcasts the input and the requested shape (read on the host every run) against each
// other, then copies with stride 0 along the broadcast dims.
class ExpandKernel final : public GpuKernel {
 public:
  ExpandKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)) {}

  bool reads_input_on_host(size_t input) const override { return input == 1; }
  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Shape out_shape =
        movement::expand_shape(node, x.shape(), required_host_ints(ctx, 1, "shape"));
    check_rank(node, out_shape.rank(), "the output");
    Tensor& out = ctx.allocate_output(0, out_shape, x.dtype());
    if (out.num_elements() == 0) return;
    const kernels::StridedView view = kernels::expand_view(x.shape().dims(), out_shape.dims());
    ARUNTIME_CUDA_CHECK(copy_strided(device_data(ctx, x, "input 0"), out.raw_data(),
                                     element_size(x.dtype()),
                                     copy_into_contiguous(view.dims, view.src_strides), stream()));
  }
};

// The output viewed as [r0, d0, r1, d1, ...] reads the input with stride 0 along each repeat dim.
class TileKernel final : public GpuKernel {
 public:
  TileKernel(const KernelInfo& info, GpuContextPtr context) : GpuKernel(info, std::move(context)) {}

  bool reads_input_on_host(size_t input) const override { return input == 1; }
  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const std::vector<int64_t> repeats = required_host_ints(ctx, 1, "repeats");
    check_rank(node, x.rank(), "input 0");
    movement::check_tile_repeats(node, x.shape(), repeats);
    std::vector<int64_t> out_dims(x.rank());
    for (size_t d = 0; d < x.rank(); ++d) out_dims[d] = repeats[d] * x.shape()[d];
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (out.num_elements() == 0) return;
    const kernels::StridedView view = kernels::tile_view(x.shape().dims(), repeats);
    ARUNTIME_CUDA_CHECK(copy_strided(device_data(ctx, x, "input 0"), out.raw_data(),
                                     element_size(x.dtype()),
                                     copy_into_contiguous(view.dims, view.src_strides), stream()));
  }
};

// ---- DepthToSpace / SpaceToDepth ---------------------------------------------------------------

// Output of a transpose of `x` viewed as `view.dims` by `view.perm`, written to `out` (contiguous).
void transpose_view(KernelContext& ctx, cudaStream_t stream, const Tensor& x,
                    const kernels::TransposeView& view, Tensor& out) {
  const std::vector<int64_t> view_strides = kernels::contiguous_strides(view.dims);
  const std::vector<int64_t>& perm = view.perm;
  std::vector<int64_t> out_dims(perm.size()), src_strides(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) {
    out_dims[d] = view.dims[perm[d]];
    src_strides[d] = view_strides[perm[d]];
  }
  ARUNTIME_CUDA_CHECK(copy_strided(device_data(ctx, x, "input 0"), out.raw_data(),
                                   element_size(x.dtype()),
                                   copy_into_contiguous(out_dims, src_strides), stream));
}

// DCR reads the channel index as (row, column, channel), CRD (opset 11+) as (channel, row, column).
class DepthToSpaceKernel final : public GpuKernel {
 public:
  DepthToSpaceKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)),
        blocksize_(movement::read_blocksize(info.node())),
        crd_(movement::depth_to_space_is_crd(info.node(), info.opset())) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const Shape out_shape = movement::depth_to_space_shape(ctx.node(), x.shape(), blocksize_);
    Tensor& out = ctx.allocate_output(0, out_shape, x.dtype());
    if (out.num_elements() == 0) return;
    transpose_view(ctx, stream(), x,
                   kernels::depth_to_space_view(x.shape().dims(), blocksize_, crd_), out);
  }

 private:
  int64_t blocksize_;
  bool crd_ = false;
};

// The inverse of DCR DepthToSpace.
class SpaceToDepthKernel final : public GpuKernel {
 public:
  SpaceToDepthKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), blocksize_(movement::read_blocksize(info.node())) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const Shape out_shape = movement::space_to_depth_shape(ctx.node(), x.shape(), blocksize_);
    Tensor& out = ctx.allocate_output(0, out_shape, x.dtype());
    if (out.num_elements() == 0) return;
    transpose_view(ctx, stream(), x, kernels::space_to_depth_view(x.shape().dims(), blocksize_),
                   out);
  }

 private:
  int64_t blocksize_;
};

// ---- Pad ---------------------------------------------------------------------------------------

// The bits of `value` as one element of `dtype` (Pad's `value` attribute before opset 11, which
// the CPU registers for float types only).
uint64_t float_bits(const Node& node, float value, DataType dtype) {
  uint64_t bits = 0;
  switch (dtype) {
    case DataType::kFloat32:
      std::memcpy(&bits, &value, sizeof(value));
      return bits;
    case DataType::kFloat16:
      return Float16(value).bits;
    case DataType::kBFloat16:
      return BFloat16(value).bits;
    default:
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                  std::string(data_type_name(dtype)) +
                                                  " is not supported");
  }
}

// Pad: pads (and the constant) are attributes before opset 11 and inputs from 11 (pads and axes
// read on the host every run; the constant value, a tensor of the data's type, on the device);
// `axes` (input 3) from 18; "wrap" mode from 19. Negative pads crop.
class PadKernel final : public GpuKernel {
 public:
  PadKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), opset_(info.opset()) {
    const Node& node = info.node();
    mode_ = movement::read_pad_mode(node, opset_);
    if (opset_ < 11) {
      pads_attr_ = node.attr_ints("pads");
      value_attr_ = node.attr_float("value", 0.0f);
    }
  }

  // pads and axes; not constant_value (input 2), which the device kernel reads.
  bool reads_input_on_host(size_t input) const override {
    return opset_ >= 11 && (input == 1 || input == 3);
  }
  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    const std::vector<int64_t> pads = opset_ < 11 ? pads_attr_ : required_host_ints(ctx, 1, "pads");
    check_rank(node, x.rank(), "input 0");
    std::optional<std::vector<int64_t>> axes;
    if (opset_ >= 18) axes = host_ints(ctx, 3, "axes");
    const std::vector<movement::PadAxis> plan =
        movement::pad_plan(node, x.shape(), mode_, pads, axes ? &*axes : nullptr);
    PadGeometry g;
    g.rank = static_cast<int>(rank);
    g.mode = mode_;
    const std::vector<int64_t> in_strides = kernels::contiguous_strides(x.shape().dims());
    std::vector<int64_t> out_dims(rank);
    for (int64_t d = 0; d < rank; ++d) {
      out_dims[d] = plan[d].output_size();
      g.out_dims[d] = out_dims[d];
      g.src_strides[d] = in_strides[d];
      g.pad_begin[d] = plan[d].pad_begin;
      g.crop_begin[d] = plan[d].crop_begin;
      g.kept[d] = plan[d].kept;
    }
    // The constant: the attribute before opset 11; from 11 input 2 (first element, on the
    // device) when given and non-empty, else zero.
    const void* fill_device = nullptr;
    uint64_t fill_bits = 0;
    if (opset_ < 11) {
      fill_bits = float_bits(node, value_attr_, x.dtype());
    } else if (const Tensor* c = ctx.input(2); c != nullptr && c->num_elements() > 0) {
      if (c->dtype() != x.dtype()) {
        throw_error(ErrorCode::kRuntimeError, node.describe() + ": constant_value has type " +
                                                  std::string(data_type_name(c->dtype())) +
                                                  " but the data is " +
                                                  std::string(data_type_name(x.dtype())));
      }
      fill_device = device_data(ctx, *c, "constant_value");
    }
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (out.num_elements() == 0) return;
    ARUNTIME_CUDA_CHECK(pad(device_data(ctx, x, "input 0"), out.raw_data(), element_size(x.dtype()),
                            g, out.num_elements(), fill_device, fill_bits, stream()));
  }

 private:
  int64_t opset_;
  PadMode mode_ = PadMode::kConstant;
  std::vector<int64_t> pads_attr_;  // before opset 11
  float value_attr_ = 0.0f;
};

// ---- Resize ------------------------------------------------------------------------------------

// What the GPU Resize does not do, or "" (the same answer for the support check and the kernel).
std::string resize_unsupported_reason(const Node& node, int64_t opset) {
  const std::string mode = node.attr_string("mode", "nearest");
  if (mode == "cubic") return "Resize: mode 'cubic' is not supported on the GPU";
  if (opset >= 11) {
    const std::string transform = node.attr_string("coordinate_transformation_mode", "half_pixel");
    if (transform == "tf_crop_and_resize") {
      return "Resize: coordinate_transformation_mode 'tf_crop_and_resize' is not supported on "
             "the GPU";
    }
  }
  if (opset >= 18 && node.attr_int("antialias", 0) != 0 && mode != "nearest") {
    return "Resize: antialias is not supported on the GPU";
  }
  return "";
}

// The device kernel's names for what it does of kernels::ResizeOptions (resize_unsupported_reason
// declines the rest before the options are read).
ResizeTransform device_transform(kernels::CoordinateTransform transform) {
  switch (transform) {
    case kernels::CoordinateTransform::kHalfPixel:
      return ResizeTransform::kHalfPixel;
    case kernels::CoordinateTransform::kHalfPixelSymmetric:
      return ResizeTransform::kHalfPixelSymmetric;
    case kernels::CoordinateTransform::kPytorchHalfPixel:
      return ResizeTransform::kPytorchHalfPixel;
    case kernels::CoordinateTransform::kAlignCorners:
      return ResizeTransform::kAlignCorners;
    case kernels::CoordinateTransform::kAsymmetric:
      return ResizeTransform::kAsymmetric;
    case kernels::CoordinateTransform::kTfHalfPixelForNn:
      return ResizeTransform::kTfHalfPixelForNn;
    case kernels::CoordinateTransform::kTfCropAndResize:
      break;
  }
  throw_error(
      ErrorCode::kNotImplemented,
      "Resize: coordinate_transformation_mode 'tf_crop_and_resize' is not supported on the GPU");
}

ResizeRounding device_rounding(kernels::NearestRounding rounding) {
  switch (rounding) {
    case kernels::NearestRounding::kRoundPreferFloor:
      return ResizeRounding::kRoundPreferFloor;
    case kernels::NearestRounding::kRoundPreferCeil:
      return ResizeRounding::kRoundPreferCeil;
    case kernels::NearestRounding::kFloor:
      return ResizeRounding::kFloor;
    case kernels::NearestRounding::kCeil:
      return ResizeRounding::kCeil;
    case kernels::NearestRounding::kSimple:
      return ResizeRounding::kSimple;
  }
  return ResizeRounding::kRoundPreferFloor;
}

std::optional<ResizeElement> resize_element(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return ResizeElement::kFloat32;
    case DataType::kFloat16:
      return ResizeElement::kFloat16;
    case DataType::kBFloat16:
      return ResizeElement::kBFloat16;
    case DataType::kInt8:
      return ResizeElement::kInt8;
    case DataType::kUInt8:
      return ResizeElement::kUInt8;
    case DataType::kInt32:
      return ResizeElement::kInt32;
    case DataType::kInt64:
      return ResizeElement::kInt64;
    default:
      return std::nullopt;
  }
}

// Resize 10 (X, scales; asymmetric), 11+ (X, roi, scales, sizes), 18 (axes, antialias,
// keep_aspect_ratio_policy), 19 (half_pixel_symmetric): nearest with every rounding and linear,
// with every coordinate transformation but tf_crop_and_resize. Scales or sizes are read on the
// host every run.
class ResizeKernel final : public GpuKernel {
 public:
  ResizeKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), opset_(info.opset()) {
    const Node& node = info.node();
    const std::string unsupported = resize_unsupported_reason(node, opset_);
    if (!unsupported.empty()) {
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": " + unsupported);
    }
    attributes_ = movement::read_resize_attributes(node, opset_);
    linear_ = attributes_.options.mode == kernels::ResizeMode::kLinear;
    transform_ = device_transform(attributes_.options.transform);
    rounding_ = device_rounding(attributes_.options.rounding);
  }

  // roi, scales and sizes (Resize-10: scales). The kernel never reads roi, which only
  // tf_crop_and_resize uses (declined), so it too stays where it is made instead of being copied.
  bool reads_input_on_host(size_t input) const override { return input >= 1; }
  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    check_rank(node, x.rank(), "input 0");
    ResizeGeometry g = plan(ctx, x);
    std::vector<int64_t> out_dims(x.rank());
    for (size_t d = 0; d < x.rank(); ++d) out_dims[d] = g.axes[d].output_size;
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (y.num_elements() == 0) return;
    movement::check_resize_source(node, x.shape(), y.shape());
    const void* src = device_data(ctx, x, "input 0");
    if (!linear_) {
      ARUNTIME_CUDA_CHECK(resize_nearest(src, y.raw_data(), element_size(x.dtype()), g,
                                         y.num_elements(), stream()));
      return;
    }
    const std::optional<ResizeElement> element = resize_element(x.dtype());
    if (!element) {
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": linear resize of " +
                                                  std::string(data_type_name(x.dtype())) +
                                                  " tensors is not supported");
    }
    ARUNTIME_CUDA_CHECK(resize_linear(src, y.raw_data(), *element, g, y.num_elements(), stream()));
  }

 private:
  // Per axis of X: input and output size and the coordinate scale, as the CPU kernel resolves
  // axes, scales or sizes (read on the host) and the aspect-ratio policy, with its errors.
  ResizeGeometry plan(const KernelContext& ctx, const Tensor& x) const {
    const Node& node = ctx.node();
    const std::vector<size_t> axes = movement::resize_axes(node, x.shape(), attributes_.axes);
    const Tensor* scales = host_input(ctx, opset_ >= 11 ? 2 : 1, "scales");
    const Tensor* sizes = opset_ >= 11 ? host_input(ctx, 3, "sizes") : nullptr;
    std::vector<kernels::ResizeAxis> params;
    if (movement::resize_by_scales(node, scales, sizes)) {
      // The registration takes float32 scales only.
      if (scales->dtype() != DataType::kFloat32) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() +
                                                     ": scales must be float32, got " +
                                                     std::string(data_type_name(scales->dtype())));
      }
      const float* values = scales->data<float>();
      params = movement::resize_from_scales(
          node, x.shape(), axes, std::vector<double>(values, values + scales->num_elements()));
    } else {
      params = movement::resize_from_sizes(node, x.shape(), axes, attributes_.policy, *sizes);
    }
    ResizeGeometry g;
    g.rank = static_cast<int>(x.rank());
    g.transform = transform_;
    g.rounding = rounding_;
    g.exclude_outside = attributes_.options.exclude_outside;
    for (size_t d = 0; d < x.rank(); ++d) {
      g.axes[d].input_size = params[d].input_size;
      g.axes[d].output_size = params[d].output_size;
      g.axes[d].scale = params[d].scale;
    }
    return g;
  }

  int64_t opset_;
  movement::ResizeAttributes attributes_;
  bool linear_ = false;
  ResizeTransform transform_ = ResizeTransform::kHalfPixel;
  ResizeRounding rounding_ = ResizeRounding::kRoundPreferFloor;
};

// ---- Registration ------------------------------------------------------------------------------

void add(KernelRegistry& registry, const std::string& op, int since, int end,
         std::vector<TypeConstraint> constraints, KernelFactory factory) {
  KernelDef def;
  def.op_type = op;
  def.since_version = since;
  def.end_version = end;
  def.constraints = std::move(constraints);
  def.factory = std::move(factory);
  registry.add(std::move(def));
}

}  // namespace

void register_movement_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                               const GpuContextPtr& context) {
  const std::vector<DataType>& T = kMovementTypes;

  // Views.
  add(registry, "Reshape", 5, kMaxOpset, {{"T", {0}, {0}, T}, {"shape", {1}, {}, kInt64Only}},
      gpu_kernel<ReshapeKernel>(context));
  registry.add("Flatten", 1, kMaxOpset, {0}, T, gpu_kernel<FlattenKernel>(context));
  registry.add("Squeeze", 1, 12, {0}, T, gpu_kernel<SqueezeKernel>(context));
  add(registry, "Squeeze", 13, kMaxOpset, {{"T", {0}, {0}, T}, {"axes", {1}, {}, kInt64Only}},
      gpu_kernel<SqueezeKernel>(context));
  registry.add("Unsqueeze", 1, 12, {0}, T, gpu_kernel<UnsqueezeKernel>(context));
  add(registry, "Unsqueeze", 13, kMaxOpset, {{"T", {0}, {0}, T}, {"axes", {1}, {}, kInt64Only}},
      gpu_kernel<UnsqueezeKernel>(context));
  registry.add("Identity", 1, kMaxOpset, {0}, T, gpu_kernel<IdentityKernel>(context));
  add(registry, "Dropout", 1, kMaxOpset,
      {{"T", {0}, {0}, kGpuFloatsAndBf16},
       {"T1", {1}, {}, types::kFloats},
       {"T2", {2}, {}, {DataType::kBool}}},
      gpu_kernel<DropoutKernel>(context));
  checks.add("Dropout", [](const Node& node, const GraphView& view) {
    return dropout_training_reason(node, view.graph(), view.opset(node));
  });

  // Copies.
  registry.add("Transpose", 1, kMaxOpset, {0}, T, gpu_kernel<TransposeKernel>(context));
  checks.add("Transpose", rank_check());
  registry.add("Concat", 4, kMaxOpset, {0}, T, gpu_kernel<ConcatKernel>(context));
  registry.add("Split", 2, 12, {0}, T, gpu_kernel<SplitKernel>(context));
  add(registry, "Split", 13, kMaxOpset, {{"T", {0}, {0}, T}, {"split", {1}, {}, kInt64Only}},
      gpu_kernel<SplitKernel>(context));
  registry.add("Slice", 1, 9, {0}, T, gpu_kernel<SliceKernel>(context));
  add(registry, "Slice", 10, kMaxOpset,
      {{"T", {0}, {0}, T}, {"Tind", {1, 2, 3, 4}, {}, kIndexTypes}},
      gpu_kernel<SliceKernel>(context));
  checks.add("Slice", rank_check());
  add(registry, "Gather", 1, kMaxOpset, {{"T", {0}, {0}, T}, {"Tind", {1}, {}, kIndexTypes}},
      gpu_kernel<GatherKernel>(context));
  add(registry, "GatherElements", 11, kMaxOpset,
      {{"T", {0}, {0}, T}, {"Tind", {1}, {}, kIndexTypes}},
      gpu_kernel<GatherElementsKernel>(context));
  checks.add("GatherElements", rank_check());
  add(registry, "Expand", 8, kMaxOpset, {{"T", {0}, {0}, T}, {"shape", {1}, {}, kInt64Only}},
      gpu_kernel<ExpandKernel>(context));
  checks.add("Expand", [](const Node& node, const GraphView& view) {
    // The output's rank is the shape input's length when that is known at load (a constant, or
    // a 1-D value of static length); compute() checks it at run time otherwise.
    std::optional<int64_t> out_rank;
    if (node.has_input(1)) {
      if (const Tensor* shape = view.graph().constant(node.inputs[1])) {
        out_rank = shape->num_elements();
      } else if (const TypeInfo* type = view.graph().find_type(node.inputs[1]);
                 type != nullptr && type->shape && type->shape->size() == 1 &&
                 (*type->shape)[0].is_static()) {
        out_rank = (*type->shape)[0].value;
      }
    }
    if (out_rank && *out_rank > kMaxMovementRank) {
      return "Expand: shape has " + std::to_string(*out_rank) +
             " dims; the GPU kernel takes at most " + std::to_string(kMaxMovementRank);
    }
    return rank_reason(node, view, 0);
  });
  add(registry, "Tile", 6, kMaxOpset, {{"T", {0}, {0}, T}, {"T1", {1}, {}, kInt64Only}},
      gpu_kernel<TileKernel>(context));
  checks.add("Tile", rank_check());
  registry.add("DepthToSpace", 1, kMaxOpset, {0}, T, gpu_kernel<DepthToSpaceKernel>(context));
  registry.add("SpaceToDepth", 1, kMaxOpset, {0}, T, gpu_kernel<SpaceToDepthKernel>(context));

  // Pad: float types before opset 11 (as the CPU), every movement type from 11.
  registry.add("Pad", 2, 10, {0}, kGpuFloatsAndBf16, gpu_kernel<PadKernel>(context));
  add(registry, "Pad", 11, kMaxOpset,
      {{"T", {0, 2}, {0}, T}, {"pads", {1}, {}, kInt64Only}, {"Tind", {3}, {}, kIndexTypes}},
      gpu_kernel<PadKernel>(context));
  checks.add("Pad", rank_check());

  // Resize: nearest moves elements of any movement type; linear reads them as numbers.
  add(registry, "Resize", 10, 10, {{"T", {0}, {0}, T}, {"scales", {1}, {}, {DataType::kFloat32}}},
      gpu_kernel<ResizeKernel>(context));
  add(registry, "Resize", 11, kMaxOpset,
      {{"T1", {0}, {0}, T},
       {"T2", {1}, {}, types::kFloats},
       {"scales", {2}, {}, {DataType::kFloat32}},
       {"sizes", {3}, {}, kInt64Only}},
      gpu_kernel<ResizeKernel>(context));
  checks.add("Resize", [](const Node& node, const GraphView& view) {
    const int64_t opset = view.opset(node);
    const std::string reason = resize_unsupported_reason(node, opset);
    if (!reason.empty()) return reason;
    const std::string mode = node.attr_string("mode", "nearest");
    if (mode != "nearest" && node.has_input(0)) {
      const DataType type = view.input_types(node)[0];
      if (type == DataType::kBool)
        return std::string("Resize: linear resize of bool tensors is not supported");
    }
    return rank_reason(node, view, 0);
  });
}

}  // namespace aruntime::gpu
