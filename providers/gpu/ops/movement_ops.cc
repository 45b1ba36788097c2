// GPU data-movement kernels. Views (Reshape, Flatten, Squeeze, Unsqueeze, Identity, inference
// Dropout) do no device work: the output is the input's buffer under a new shape. Transpose,
// Concat, Split, Slice, Expand, Tile, DepthToSpace and SpaceToDepth are strided copies
// (movement_kernels.h); Gather, GatherElements, Pad and Resize have kernels of their own.
//
// Semantics and validation mirror the CPU kernels (providers/cpu/ops/tensor_*.cc, resize_ops.cc),
// run time errors included. Inputs that decide shapes (Reshape's shape, Slice's starts..., Pad's
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

// A possibly negative axis normalised against `rank`, or the CPU kernels' error.
int64_t checked_axis(const Node& node, int64_t axis, int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": " + what + " " + std::to_string(axis) +
                    " is out of range for rank " + std::to_string(rank) + " (expected [" +
                    std::to_string(-rank) + ", " + std::to_string(rank - 1) + "])");
  }
  return axis < 0 ? axis + rank : axis;
}

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

// Input i, which the kernel reads in host memory (its reads_input_on_host() keeps it there), or
// nullptr when the node omits it. A device tensor here would be a placement bug, caught before
// the host reads device memory.
const Tensor* host_input(const KernelContext& ctx, size_t i, const char* what) {
  const Tensor* t = ctx.input(i);
  if (t != nullptr && !t->device().is_cpu()) {
    throw_error(ErrorCode::kRuntimeError, ctx.node().describe() + ": input " + std::to_string(i) +
                                              " (" + what + ") is in " + t->device().to_string() +
                                              " memory, the GPU kernel reads it on the host");
  }
  return t;
}

// The values of integer input i (shape, axes, pads...), read on the host at run time; nullopt
// when the node omits it. Errors as the CPU kernels' int_list_input.
std::optional<std::vector<int64_t>> host_ints(const KernelContext& ctx, size_t i,
                                              const char* what) {
  const Tensor* t = host_input(ctx, i, what);
  if (t == nullptr) return std::nullopt;
  if ((t->dtype() != DataType::kInt64 && t->dtype() != DataType::kInt32) || t->rank() > 1) {
    throw_error(ErrorCode::kRuntimeError,
                ctx.node().describe() + ": input " + std::to_string(i) + " (" + what +
                    ") must be a 1-D int64 or int32 tensor, got " + type_text(*t));
  }
  if (t->num_elements() == 0) return std::vector<int64_t>{};
  return t->to_int64_vector();
}

// As host_ints, for an input the op requires (the CPU kernels' error when it is omitted).
std::vector<int64_t> required_host_ints(const KernelContext& ctx, size_t i, const char* what) {
  ctx.required_input(i);
  return *host_ints(ctx, i, what);
}

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
std::vector<int64_t> reshape_dims(const Node& node, const Shape& input,
                                  const std::vector<int64_t>& requested, bool allow_zero) {
  auto fail = [&](const std::string& why) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": cannot reshape input of shape " +
                                              input.to_string() + " to requested shape " +
                                              list_text(requested) + ": " + why);
  };
  std::vector<int64_t> dims(requested);
  int64_t inferred = -1;
  int64_t known = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 0 && !allow_zero) {
      if (i >= input.rank())
        fail("dim " + std::to_string(i) + " is 0 but the input has no such dim");
      dims[i] = input[i];
    } else if (dims[i] == -1) {
      if (inferred >= 0) fail("more than one -1");
      inferred = static_cast<int64_t>(i);
      continue;
    } else if (dims[i] < -1) {
      fail("negative dim " + std::to_string(dims[i]));
    }
    if (dims[i] != 0 && known > INT64_MAX / dims[i]) fail("too many elements");
    known *= dims[i];
  }
  const int64_t total = input.num_elements();
  if (inferred >= 0) {
    if (known == 0) fail("the -1 dim cannot be inferred next to a 0 dim");
    if (total % known != 0) {
      fail(std::to_string(total) + " elements are not divisible by " + std::to_string(known));
    }
    dims[inferred] = total / known;
  } else if (known != total) {
    fail(std::to_string(total) + " elements cannot become " + std::to_string(known));
  }
  return dims;
}

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
    ctx.set_output(
        0, data.reshaped(Shape(reshape_dims(ctx.node(), data.shape(), requested, allow_zero_))));
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
    const int64_t rank = static_cast<int64_t>(x.rank());
    // The axis may equal the rank here (everything goes to the outer dim).
    if (axis_ < -rank || axis_ > rank) {
      throw_error(ErrorCode::kRuntimeError,
                  ctx.node().describe() + ": axis " + std::to_string(axis_) +
                      " is out of range for input of shape " + x.shape().to_string() +
                      " (expected [" + std::to_string(-rank) + ", " + std::to_string(rank) + "])");
    }
    const size_t axis = static_cast<size_t>(axis_ < 0 ? axis_ + rank : axis_);
    ctx.set_output(0, x.reshaped(Shape{x.shape().size_from_to(0, axis),
                                       x.shape().size_from_to(axis, x.rank())}));
  }

 private:
  int64_t axis_;
};

// Squeeze/Unsqueeze axes: the `axes` attribute before opset 13, input 1 (read on the host every
// run) from 13. Empty when not given.
class AxesSource {
 public:
  explicit AxesSource(const KernelInfo& info) : from_input_(info.opset() >= 13) {
    if (!from_input_) attr_axes_ = info.node().attr_ints("axes", {});
  }
  bool from_input() const { return from_input_; }
  std::vector<int64_t> axes(const KernelContext& ctx) const {
    if (!from_input_) return attr_axes_;
    return host_ints(ctx, 1, "axes").value_or(std::vector<int64_t>{});
  }

 private:
  bool from_input_;
  std::vector<int64_t> attr_axes_;
};

class SqueezeKernel final : public GpuKernel {
 public:
  SqueezeKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), axes_(info) {}

  int output_view_of(size_t output) const override { return output == 0 ? 0 : -1; }
  bool reads_input_on_host(size_t input) const override { return axes_.from_input() && input == 1; }
  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    const std::vector<int64_t> axes = axes_.axes(ctx);
    std::vector<bool> remove(x.rank(), false);
    if (axes.empty()) {
      for (size_t d = 0; d < x.rank(); ++d) remove[d] = x.shape()[d] == 1;
    }
    for (int64_t a : axes) {
      const int64_t axis = checked_axis(node, a, rank, "axis");
      if (x.shape()[axis] != 1) {
        throw_error(ErrorCode::kRuntimeError, node.describe() + ": cannot squeeze axis " +
                                                  std::to_string(a) + " of input shape " +
                                                  x.shape().to_string() + ": its size is not 1");
      }
      remove[axis] = true;
    }
    std::vector<int64_t> dims;
    for (size_t d = 0; d < x.rank(); ++d) {
      if (!remove[d]) dims.push_back(x.shape()[d]);
    }
    ctx.set_output(0, x.reshaped(Shape(std::move(dims))));
  }

 private:
  AxesSource axes_;
};

class UnsqueezeKernel final : public GpuKernel {
 public:
  UnsqueezeKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), axes_(info) {}

  int output_view_of(size_t output) const override { return output == 0 ? 0 : -1; }
  bool reads_input_on_host(size_t input) const override { return axes_.from_input() && input == 1; }
  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const std::vector<int64_t> axes = axes_.axes(ctx);
    if (axes.empty())
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": axes are required");
    const int64_t out_rank = static_cast<int64_t>(x.rank() + axes.size());
    std::vector<bool> inserted(out_rank, false);
    for (int64_t a : axes) {
      const int64_t axis = checked_axis(node, a, out_rank, "axis");
      if (inserted[axis]) {
        throw_error(ErrorCode::kRuntimeError, node.describe() + ": axis " + std::to_string(a) +
                                                  " is repeated in axes " + list_text(axes));
      }
      inserted[axis] = true;
    }
    std::vector<int64_t> dims(out_rank);
    size_t next_input_dim = 0;
    for (int64_t d = 0; d < out_rank; ++d) dims[d] = inserted[d] ? 1 : x.shape()[next_input_dim++];
    ctx.set_output(0, x.reshaped(Shape(std::move(dims))));
  }

 private:
  AxesSource axes_;
};

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
    perm_ = node.attr_ints("perm");
    std::vector<bool> seen(perm_.size(), false);
    for (int64_t p : perm_) {
      if (p < 0 || p >= static_cast<int64_t>(perm_.size()) || seen[p]) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": perm " + list_text(perm_) +
                                                  " is not a permutation of 0.." +
                                                  std::to_string(perm_.size() - 1));
      }
      seen[p] = true;
    }
    has_perm_ = true;
  }

  // The output always has a buffer of its own: even a transpose that moves no data (only unit
  // dims change places) is a device memcpy, so no view outlives the input's buffer.
  void compute_on_device(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    check_rank(ctx.node(), x.rank(), "input 0");
    std::vector<int64_t> perm = perm_;
    if (!has_perm_) {
      perm.resize(rank);
      for (int64_t d = 0; d < rank; ++d) perm[d] = rank - 1 - d;
    } else if (static_cast<int64_t>(perm.size()) != rank) {
      throw_error(ErrorCode::kRuntimeError,
                  ctx.node().describe() + ": perm " + list_text(perm) + " has " +
                      std::to_string(perm.size()) + " entries but the input shape " +
                      x.shape().to_string() + " has rank " + std::to_string(rank));
    }
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
    const Node& node = ctx.node();
    const Tensor& first = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(first.rank());
    if (rank == 0)
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": cannot concatenate scalars");
    const int64_t axis = checked_axis(node, axis_, rank, "axis");
    std::vector<int64_t> out_dims = first.shape().dims();
    out_dims[axis] = 0;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& in = ctx.required_input(i);
      bool compatible = in.dtype() == first.dtype() && in.rank() == first.rank();
      for (int64_t d = 0; compatible && d < rank; ++d) {
        compatible = d == axis || in.shape()[d] == first.shape()[d];
      }
      if (!compatible) {
        throw_error(ErrorCode::kRuntimeError, node.describe() + ": input " + std::to_string(i) +
                                                  " (" + type_text(in) +
                                                  ") does not match input 0 (" + type_text(first) +
                                                  ") outside axis " + std::to_string(axis));
      }
      out_dims[axis] += in.shape()[axis];
    }
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
    if (opset_ >= 18 && node.has_attribute("num_outputs")) {
      const int64_t n = node.attr_int("num_outputs");
      if (n != static_cast<int64_t>(info.num_outputs())) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": num_outputs is " +
                                                  std::to_string(n) + " but the node has " +
                                                  std::to_string(info.num_outputs()) + " outputs");
      }
    }
  }

  bool reads_input_on_host(size_t input) const override { return opset_ >= 13 && input == 1; }
  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t axis = checked_axis(node, axis_, static_cast<int64_t>(x.rank()), "axis");
    const int64_t dim = x.shape()[axis];
    const int64_t n = static_cast<int64_t>(ctx.num_outputs());
    std::vector<int64_t> sizes =
        opset_ < 13 ? split_attr_ : host_ints(ctx, 1, "split").value_or(std::vector<int64_t>{});
    if (sizes.empty()) {
      if (dim % n == 0) {
        sizes.assign(n, dim / n);
      } else if (opset_ >= 18) {
        sizes.assign(n, dim / n + 1);
        sizes.back() = dim - (dim / n + 1) * (n - 1);
      } else {
        throw_error(ErrorCode::kRuntimeError, node.describe() + ": axis " + std::to_string(axis) +
                                                  " of size " + std::to_string(dim) +
                                                  " cannot be split evenly into " +
                                                  std::to_string(n) + " outputs");
      }
    }
    int64_t total = 0;
    bool valid = static_cast<int64_t>(sizes.size()) == n;
    for (int64_t s : sizes) {
      valid = valid && s >= 0;
      total += s;
    }
    if (!valid || total != dim) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": split sizes " + list_text(sizes) + " do not divide axis " +
                      std::to_string(axis) + " of input shape " + x.shape().to_string() + " into " +
                      std::to_string(n) + " non-negative parts");
    }
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

struct AxisSlice {
  int64_t start;
  int64_t step;
  int64_t count;
};

// Python's slice.indices(): negative start/end count from the end, then clamp to the axis (to
// [-1, dim-1] when stepping backwards).
AxisSlice resolve_slice(int64_t start, int64_t end, int64_t step, int64_t dim) {
  auto adjust = [&](int64_t v) {
    if (v < 0) {
      v += dim;
      if (v < 0) v = step < 0 ? -1 : 0;
    } else if (v >= dim) {
      v = step < 0 ? dim - 1 : dim;
    }
    return v;
  };
  start = adjust(start);
  end = adjust(end);
  int64_t count = 0;
  if (step > 0) {
    if (start < end) count = (end - start - 1) / step + 1;
  } else {
    const int64_t back_step = step == INT64_MIN ? INT64_MAX : -step;
    if (end < start) count = (start - end - 1) / back_step + 1;
  }
  return {start, step, count};
}

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
    const int64_t rank = static_cast<int64_t>(x.rank());
    std::vector<int64_t> starts = starts_, ends = ends_, axes = axes_, steps;
    if (from_inputs_) {
      starts = required_host_ints(ctx, 1, "starts");
      ends = required_host_ints(ctx, 2, "ends");
      axes = host_ints(ctx, 3, "axes").value_or(std::vector<int64_t>{});
      steps = host_ints(ctx, 4, "steps").value_or(std::vector<int64_t>{});
    }
    check_rank(node, x.rank(), "input 0");
    if (axes.empty()) {
      for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    }
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size()) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": starts " + list_text(starts) +
                                                ", ends " + list_text(ends) + ", axes " +
                                                list_text(axes) + " and steps " + list_text(steps) +
                                                " must have the same length");
    }
    std::vector<AxisSlice> slices(rank);
    for (int64_t d = 0; d < rank; ++d) slices[d] = {0, 1, x.shape()[d]};
    std::vector<bool> seen(rank, false);
    for (size_t i = 0; i < starts.size(); ++i) {
      const int64_t axis = checked_axis(node, axes[i], rank, "axis");
      if (seen[axis]) {
        throw_error(ErrorCode::kRuntimeError, node.describe() + ": axis " +
                                                  std::to_string(axes[i]) +
                                                  " appears twice in axes " + list_text(axes));
      }
      seen[axis] = true;
      if (steps[i] == 0) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": step for axis " + std::to_string(axes[i]) + " is 0");
      }
      slices[axis] = resolve_slice(starts[i], ends[i], steps[i], x.shape()[axis]);
    }
    const std::vector<int64_t> in_strides = kernels::contiguous_strides(x.shape().dims());
    std::vector<int64_t> out_dims(rank), src_strides(rank);
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d) {
      out_dims[d] = slices[d].count;
      src_strides[d] = in_strides[d] * slices[d].step;
      if (slices[d].count > 0) offset += slices[d].start * in_strides[d];
    }
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (out.num_elements() == 0) return;
    ARUNTIME_CUDA_CHECK(copy_strided(element_at(device_data(ctx, x, "input 0"), offset, x.dtype()),
                                     out.raw_data(), element_size(x.dtype()),
                                     copy_into_contiguous(out_dims, src_strides), stream()));
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

void check_index_type(const Node& node, const Tensor& indices) {
  if (indices.dtype() != DataType::kInt64 && indices.dtype() != DataType::kInt32) {
    throw_error(ErrorCode::kRuntimeError, node.describe() +
                                              ": indices must be int32 or int64, got " +
                                              std::string(data_type_name(indices.dtype())));
  }
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
    check_index_type(node, indices);
    const int64_t rank = static_cast<int64_t>(data.rank());
    if (rank == 0)
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": data must have rank >= 1");
    const int64_t axis = checked_axis(node, axis_, rank, "axis");
    const int64_t dim = data.shape()[axis];
    if (constant_indices_) {
      for (size_t i = 0; i < constant_indices_->size(); ++i) {
        const int64_t idx = (*constant_indices_)[i];
        if (idx < -dim || idx >= dim) {
          throw_error(ErrorCode::kRuntimeError,
                      node.describe() + ": index " + std::to_string(idx) + " (flat position " +
                          std::to_string(i) + " of indices " + indices.shape().to_string() +
                          ") is out of range [" + std::to_string(-dim) + ", " +
                          std::to_string(dim - 1) + "] for axis " + std::to_string(axis) +
                          " of data shape " + data.shape().to_string());
        }
      }
    }
    std::vector<int64_t> out_dims(data.shape().dims().begin(), data.shape().dims().begin() + axis);
    for (int64_t d : indices.shape().dims()) out_dims.push_back(d);
    for (int64_t d = axis + 1; d < rank; ++d) out_dims.push_back(data.shape()[d]);
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
    check_index_type(node, indices);
    const int64_t rank = static_cast<int64_t>(data.rank());
    if (rank == 0)
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": data must have rank >= 1");
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
    const std::vector<int64_t> requested = required_host_ints(ctx, 1, "shape");
    for (int64_t d : requested) {
      if (d < 0) {
        throw_error(ErrorCode::kRuntimeError, node.describe() + ": shape " + list_text(requested) +
                                                  " has a negative dimension");
      }
    }
    const std::optional<Shape> out_shape = kernels::broadcast_shapes(x.shape(), Shape(requested));
    if (!out_shape) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": input shape " + x.shape().to_string() +
                      " cannot be broadcast to shape " + list_text(requested));
    }
    check_rank(node, out_shape->rank(), "the output");
    Tensor& out = ctx.allocate_output(0, *out_shape, x.dtype());
    if (out.num_elements() == 0) return;
    const std::vector<int64_t> out_dims = out_shape->dims();
    const std::vector<int64_t> in_strides = kernels::contiguous_strides(x.shape().dims());
    const size_t lead = out_dims.size() - x.rank();
    std::vector<int64_t> src_strides(out_dims.size(), 0);
    for (size_t d = lead; d < out_dims.size(); ++d) {
      if (x.shape()[d - lead] != 1) src_strides[d] = in_strides[d - lead];
    }
    ARUNTIME_CUDA_CHECK(copy_strided(device_data(ctx, x, "input 0"), out.raw_data(),
                                     element_size(x.dtype()),
                                     copy_into_contiguous(out_dims, src_strides), stream()));
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
    bool valid = repeats.size() == x.rank();
    for (size_t d = 0; valid && d < repeats.size(); ++d) {
      const int64_t dim = x.shape()[d];
      valid = repeats[d] >= 0 && (dim == 0 || repeats[d] <= INT64_MAX / dim);
    }
    if (!valid) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": repeats " + list_text(repeats) + " must hold " +
                      std::to_string(x.rank()) +
                      " non-negative values whose products with input shape " +
                      x.shape().to_string() + " fit in int64");
    }
    std::vector<int64_t> out_dims(x.rank()), view_dims, src_strides;
    const std::vector<int64_t> in_strides = kernels::contiguous_strides(x.shape().dims());
    for (size_t d = 0; d < x.rank(); ++d) {
      out_dims[d] = repeats[d] * x.shape()[d];
      view_dims.insert(view_dims.end(), {repeats[d], x.shape()[d]});
      src_strides.insert(src_strides.end(), {0, in_strides[d]});
    }
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (out.num_elements() == 0) return;
    ARUNTIME_CUDA_CHECK(copy_strided(device_data(ctx, x, "input 0"), out.raw_data(),
                                     element_size(x.dtype()),
                                     copy_into_contiguous(view_dims, src_strides), stream()));
  }
};

// ---- DepthToSpace / SpaceToDepth ---------------------------------------------------------------

int64_t read_blocksize(const Node& node) {
  const int64_t b = node.attr_int("blocksize");
  if (b < 1) {
    throw_error(ErrorCode::kInvalidModel,
                node.describe() + ": blocksize must be positive, got " + std::to_string(b));
  }
  return b;
}

void check_4d(const Node& node, const Tensor& x) {
  if (x.rank() != 4) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": input must be 4-D [N,C,H,W], got " + x.shape().to_string());
  }
}

// Output of a transpose of `x` viewed as `view_dims` by `perm`, written to `out` (contiguous).
void transpose_view(KernelContext& ctx, cudaStream_t stream, const Tensor& x,
                    const std::vector<int64_t>& view_dims, const std::vector<int64_t>& perm,
                    Tensor& out) {
  const std::vector<int64_t> view_strides = kernels::contiguous_strides(view_dims);
  std::vector<int64_t> out_dims(perm.size()), src_strides(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) {
    out_dims[d] = view_dims[perm[d]];
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
      : GpuKernel(info, std::move(context)), blocksize_(read_blocksize(info.node())) {
    const std::string mode = info.opset() >= 11 ? info.node().attr_string("mode", "DCR") : "DCR";
    if (mode != "DCR" && mode != "CRD") {
      throw_error(ErrorCode::kInvalidModel,
                  info.node().describe() + ": mode '" + mode + "' is not DCR or CRD");
    }
    crd_ = mode == "CRD";
  }

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    check_4d(node, x);
    const int64_t b = blocksize_;
    const int64_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
    if (c % b != 0 || (c / b) % b != 0) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": channels " + std::to_string(c) +
                                                " of input shape " + x.shape().to_string() +
                                                " are not divisible by blocksize^2 (blocksize " +
                                                std::to_string(b) + ")");
    }
    const int64_t oc = c / b / b;
    Tensor& out = ctx.allocate_output(0, Shape{n, oc, h * b, w * b}, x.dtype());
    if (out.num_elements() == 0) return;
    const std::vector<int64_t> dims =
        crd_ ? std::vector<int64_t>{n, oc, b, b, h, w} : std::vector<int64_t>{n, b, b, oc, h, w};
    const std::vector<int64_t> perm =
        crd_ ? std::vector<int64_t>{0, 1, 4, 2, 5, 3} : std::vector<int64_t>{0, 3, 4, 1, 5, 2};
    transpose_view(ctx, stream(), x, dims, perm, out);
  }

 private:
  int64_t blocksize_;
  bool crd_ = false;
};

// The inverse of DCR DepthToSpace.
class SpaceToDepthKernel final : public GpuKernel {
 public:
  SpaceToDepthKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), blocksize_(read_blocksize(info.node())) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    check_4d(node, x);
    const int64_t b = blocksize_;
    const int64_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
    if (h % b != 0 || w % b != 0) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": spatial dims of input shape " + x.shape().to_string() +
                      " are not divisible by blocksize " + std::to_string(b));
    }
    Tensor& out = ctx.allocate_output(0, Shape{n, c * b * b, h / b, w / b}, x.dtype());
    if (out.num_elements() == 0) return;
    transpose_view(ctx, stream(), x, {n, c, h / b, b, w / b, b}, {0, 3, 5, 1, 2, 4}, out);
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
    const std::string mode = node.attr_string("mode", "constant");
    if (mode == "constant") {
      mode_ = PadMode::kConstant;
    } else if (mode == "reflect") {
      mode_ = PadMode::kReflect;
    } else if (mode == "edge") {
      mode_ = PadMode::kEdge;
    } else if (mode == "wrap" && opset_ >= 19) {
      mode_ = PadMode::kWrap;
    } else {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": mode '" + mode + "' is not supported at opset " +
                      std::to_string(opset_) + " (constant, reflect, edge" +
                      (opset_ >= 19 ? ", wrap" : "") + ")");
    }
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
    std::vector<int64_t> axes;
    if (opset_ >= 18 && ctx.input(3) != nullptr) {
      const std::vector<int64_t> given = *host_ints(ctx, 3, "axes");
      for (int64_t a : given) axes.push_back(checked_axis(node, a, rank, "axis"));
    } else {
      for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
    }
    const size_t num_axes = axes.size();
    if (pads.size() != 2 * num_axes) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": pads " + list_text(pads) +
                                                " should have " + std::to_string(2 * num_axes) +
                                                " values (begin and end for " +
                                                std::to_string(num_axes) + " axes of input shape " +
                                                x.shape().to_string() + ")");
    }
    std::vector<int64_t> begin(rank, 0), end(rank, 0);
    for (size_t i = 0; i < num_axes; ++i) {
      begin[axes[i]] = pads[i];
      end[axes[i]] = pads[num_axes + i];
    }
    PadGeometry g;
    g.rank = static_cast<int>(rank);
    g.mode = mode_;
    const std::vector<int64_t> in_strides = kernels::contiguous_strides(x.shape().dims());
    std::vector<int64_t> out_dims(rank);
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t crop_begin = std::max<int64_t>(0, -begin[d]);
      const int64_t crop_end = std::max<int64_t>(0, -end[d]);
      const int64_t kept = x.shape()[d] - crop_begin - crop_end;
      const int64_t pad_begin = std::max<int64_t>(0, begin[d]);
      const int64_t pad_end = std::max<int64_t>(0, end[d]);
      if (kept < 0) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": pads " + list_text(pads) + " crop more than the " +
                        std::to_string(x.shape()[d]) + " elements of axis " + std::to_string(d));
      }
      if (kept == 0 && mode_ != PadMode::kConstant && pad_begin + pad_end > 0) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": cannot pad empty axis " + std::to_string(d) +
                        " of input shape " + x.shape().to_string() + " in a non-constant mode");
      }
      out_dims[d] = kept + pad_begin + pad_end;
      g.out_dims[d] = out_dims[d];
      g.src_strides[d] = in_strides[d];
      g.pad_begin[d] = pad_begin;
      g.crop_begin[d] = crop_begin;
      g.kept[d] = kept;
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

enum class AspectPolicy { kStretch, kNotLarger, kNotSmaller };

[[noreturn]] void bad_attribute(const Node& node, const std::string& name, const std::string& value,
                                const std::string& expected) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute " + name + " is '" + value +
                                            "', expected " + expected);
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
    const std::string mode = node.attr_string("mode", "nearest");
    if (mode == "nearest") {
      linear_ = false;
    } else if (mode == "linear" || (opset_ == 10 && mode == "bilinear")) {
      linear_ = true;
    } else {
      bad_attribute(node, "mode", mode,
                    opset_ >= 11 ? "nearest, linear or cubic" : "nearest or linear");
    }
    if (opset_ == 10) {
      transform_ = ResizeTransform::kAsymmetric;
      rounding_ = ResizeRounding::kSimple;
    } else {
      const std::string transform =
          node.attr_string("coordinate_transformation_mode", "half_pixel");
      if (transform == "half_pixel") {
        transform_ = ResizeTransform::kHalfPixel;
      } else if (transform == "half_pixel_symmetric") {
        transform_ = ResizeTransform::kHalfPixelSymmetric;
      } else if (transform == "pytorch_half_pixel") {
        transform_ = ResizeTransform::kPytorchHalfPixel;
      } else if (transform == "align_corners") {
        transform_ = ResizeTransform::kAlignCorners;
      } else if (transform == "asymmetric") {
        transform_ = ResizeTransform::kAsymmetric;
      } else if (transform == "tf_half_pixel_for_nn") {
        transform_ = ResizeTransform::kTfHalfPixelForNn;
      } else {
        bad_attribute(node, "coordinate_transformation_mode", transform,
                      "half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, "
                      "asymmetric, tf_half_pixel_for_nn or tf_crop_and_resize");
      }
      const std::string rounding = node.attr_string("nearest_mode", "round_prefer_floor");
      if (rounding == "round_prefer_floor") {
        rounding_ = ResizeRounding::kRoundPreferFloor;
      } else if (rounding == "round_prefer_ceil") {
        rounding_ = ResizeRounding::kRoundPreferCeil;
      } else if (rounding == "floor") {
        rounding_ = ResizeRounding::kFloor;
      } else if (rounding == "ceil") {
        rounding_ = ResizeRounding::kCeil;
      } else {
        bad_attribute(node, "nearest_mode", rounding,
                      "round_prefer_floor, round_prefer_ceil, floor or ceil");
      }
      exclude_outside_ = node.attr_int("exclude_outside", 0) != 0;
    }
    if (opset_ >= 18) {
      axes_ = node.attr_ints("axes", {});
      const std::string policy = node.attr_string("keep_aspect_ratio_policy", "stretch");
      if (policy == "stretch") {
        policy_ = AspectPolicy::kStretch;
      } else if (policy == "not_larger") {
        policy_ = AspectPolicy::kNotLarger;
      } else if (policy == "not_smaller") {
        policy_ = AspectPolicy::kNotSmaller;
      } else {
        bad_attribute(node, "keep_aspect_ratio_policy", policy,
                      "stretch, not_larger or not_smaller");
      }
    }
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
    if (x.num_elements() == 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": cannot resize the empty input " + x.shape().to_string() +
                      " to " + y.shape().to_string());
    }
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
    const int64_t rank = static_cast<int64_t>(x.rank());
    std::vector<size_t> axes;
    if (axes_.empty()) {
      for (int64_t d = 0; d < rank; ++d) axes.push_back(static_cast<size_t>(d));
    } else {
      std::vector<bool> seen(x.rank(), false);
      for (int64_t a : axes_) {
        if (a < -rank || a >= rank) {
          throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axes " + list_text(axes_) +
                                                       " are out of range for input of shape " +
                                                       x.shape().to_string());
        }
        const size_t d = static_cast<size_t>(a < 0 ? a + rank : a);
        if (seen[d]) {
          throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axes " + list_text(axes_) +
                                                       " repeat axis " + std::to_string(d));
        }
        seen[d] = true;
        axes.push_back(d);
      }
    }
    const size_t n_axes = axes.size();
    auto present = [](const Tensor* t) { return t != nullptr && t->num_elements() > 0; };
    const Tensor* scales = host_input(ctx, opset_ >= 11 ? 2 : 1, "scales");
    const Tensor* sizes = opset_ >= 11 ? host_input(ctx, 3, "sizes") : nullptr;
    if (present(scales) == present(sizes)) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": exactly one of scales and sizes must be given (non-empty)");
    }
    ResizeGeometry g;
    g.rank = static_cast<int>(rank);
    g.transform = transform_;
    g.rounding = rounding_;
    g.exclude_outside = exclude_outside_;
    for (int64_t d = 0; d < rank; ++d) {
      g.axes[d].input_size = x.shape()[d];
      g.axes[d].output_size = x.shape()[d];
      g.axes[d].scale = 1.0;
    }
    if (present(scales)) {
      // The registration takes float32 scales only.
      if (scales->dtype() != DataType::kFloat32) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() +
                                                     ": scales must be float32, got " +
                                                     std::string(data_type_name(scales->dtype())));
      }
      const float* values = scales->data<float>();
      const size_t count = static_cast<size_t>(scales->num_elements());
      if (count != n_axes) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": scales has " +
                                                     std::to_string(count) + " values, expected " +
                                                     std::to_string(n_axes));
      }
      for (size_t i = 0; i < n_axes; ++i) {
        const double s = values[i];
        if (!(s > 0) || !std::isfinite(s)) {
          throw_error(ErrorCode::kInvalidArgument,
                      node.describe() + ": scales[" + std::to_string(i) +
                          "] = " + std::to_string(s) + " must be positive");
        }
        ResizeAxisGeometry& a = g.axes[axes[i]];
        a.scale = s;
        const double target = std::floor(s * static_cast<double>(a.input_size));
        if (target > 9.0e15) {
          throw_error(ErrorCode::kInvalidArgument,
                      node.describe() + ": scales[" + std::to_string(i) + "] is too large");
        }
        a.output_size = static_cast<int64_t>(target);
      }
      return g;
    }
    if (sizes->dtype() != DataType::kInt64) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": sizes must be int64, got " +
                                                   std::string(data_type_name(sizes->dtype())));
    }
    const std::vector<int64_t> size_values = sizes->to_int64_vector();
    if (size_values.size() != n_axes) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": sizes has " +
                                                   std::to_string(size_values.size()) +
                                                   " values, expected " + std::to_string(n_axes));
    }
    for (size_t i = 0; i < n_axes; ++i) {
      if (size_values[i] < 0 || (size_values[i] > 0 && x.shape()[axes[i]] == 0)) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": sizes " + list_text(size_values) +
                        " cannot be produced from input of shape " + x.shape().to_string());
      }
    }
    if (policy_ == AspectPolicy::kStretch) {
      for (size_t i = 0; i < n_axes; ++i) {
        ResizeAxisGeometry& a = g.axes[axes[i]];
        a.output_size = size_values[i];
        a.scale = a.input_size > 0
                      ? static_cast<double>(size_values[i]) / static_cast<double>(a.input_size)
                      : 1.0;
      }
    } else {
      // One scale for all resized axes, the smallest (not_larger) or largest (not_smaller).
      double scale =
          policy_ == AspectPolicy::kNotLarger ? std::numeric_limits<double>::infinity() : 0.0;
      for (size_t i = 0; i < n_axes; ++i) {
        const double r = static_cast<double>(size_values[i]) /
                         static_cast<double>(std::max<int64_t>(x.shape()[axes[i]], 1));
        scale = policy_ == AspectPolicy::kNotLarger ? std::min(scale, r) : std::max(scale, r);
      }
      for (size_t i = 0; i < n_axes; ++i) {
        ResizeAxisGeometry& a = g.axes[axes[i]];
        a.scale = scale;
        a.output_size = static_cast<int64_t>(
            std::floor(scale * static_cast<double>(a.input_size) + 0.5));  // round half up
      }
    }
    for (int64_t d = 0; d < rank; ++d) {
      if (g.axes[d].output_size > 0 && !(g.axes[d].scale > 0)) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": sizes " + list_text(size_values) +
                        " give a zero scale for input of shape " + x.shape().to_string());
      }
    }
    return g;
  }

  int64_t opset_;
  bool linear_ = false;
  ResizeTransform transform_ = ResizeTransform::kHalfPixel;
  ResizeRounding rounding_ = ResizeRounding::kRoundPreferFloor;
  bool exclude_outside_ = false;
  std::vector<int64_t> axes_;
  AspectPolicy policy_ = AspectPolicy::kStretch;
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
