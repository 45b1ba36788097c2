// Ops that move elements without arithmetic: Transpose, Concat, Split, Slice, Gather, Pad. They
// work on every element type (strings included) through kernels/copy.h and kernels/transpose.h.
#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>

#include "kernels/cast.h"
#include "kernels/copy.h"
#include "kernels/transpose.h"
#include "providers/cpu/ops/tensor_ops.h"

namespace aruntime::cpu {
namespace {

std::string list_text(const std::vector<int64_t>& v) {
  return Shape(v).to_string();
}

const char* element_ptr(const Tensor& t, int64_t offset) {
  return static_cast<const char*>(t.raw_data()) +
         offset * static_cast<int64_t>(element_size(t.dtype()));
}

char* element_ptr(Tensor& t, int64_t offset) {
  return static_cast<char*>(t.raw_data()) + offset * static_cast<int64_t>(element_size(t.dtype()));
}

// ---- Transpose -------------------------------------------------------------------------------

class TransposeKernel final : public OpKernel {
 public:
  explicit TransposeKernel(const KernelInfo& info) {
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

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
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
    std::vector<int64_t> out_dims(rank);
    for (int64_t d = 0; d < rank; ++d) out_dims[d] = x.shape()[perm[d]];
    if (kernels::transpose_is_reshape(x.shape().dims(), perm)) {
      ctx.set_output(0, x.reshaped(Shape(std::move(out_dims))));
      return;
    }
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    kernels::transpose(x.dtype(), x.raw_data(), x.shape().dims(), perm, out.raw_data());
  }

 private:
  bool has_perm_ = false;
  std::vector<int64_t> perm_;
};

// ---- Concat ----------------------------------------------------------------------------------

class ConcatKernel final : public OpKernel {
 public:
  explicit ConcatKernel(const KernelInfo& info) : axis_(info.node().attr_int("axis")) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& first = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(first.rank());
    if (rank == 0) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": cannot concatenate scalars");
    }
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
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": input " + std::to_string(i) + " (" +
                        std::string(data_type_name(in.dtype())) + in.shape().to_string() +
                        ") does not match input 0 (" + std::string(data_type_name(first.dtype())) +
                        first.shape().to_string() + ") outside axis " + std::to_string(axis));
      }
      out_dims[axis] += in.shape()[axis];
    }
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), first.dtype());
    const int64_t outer = Shape(out_dims).size_from_to(0, axis);
    const int64_t inner = Shape(out_dims).size_from_to(axis + 1, rank);
    const int64_t out_row = out_dims[axis] * inner;
    int64_t offset = 0;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& in = *ctx.input(i);
      const int64_t in_row = in.shape()[axis] * inner;
      const int64_t dims[] = {outer, in_row};
      const int64_t src_strides[] = {in_row, 1};
      const int64_t dst_strides[] = {out_row, 1};
      kernels::strided_copy(in.dtype(), in.raw_data(), src_strides, element_ptr(out, offset),
                            dst_strides, dims);
      offset += in_row;
    }
  }

 private:
  int64_t axis_;
};

// ---- Split -----------------------------------------------------------------------------------

// Split sizes come from the `split` attribute (opset < 13) or input 1 (13+); without them the
// axis is split evenly, or from opset 18 into num_outputs parts of ceil(dim / n) with a smaller
// last part.
class SplitKernel final : public OpKernel {
 public:
  explicit SplitKernel(const KernelInfo& info)
      : opset_(info.opset()), axis_(info.node().attr_int("axis", 0)) {
    const Node& node = info.node();
    if (opset_ < 13 && node.has_attribute("split")) split_attr_ = node.attr_ints("split");
    if (opset_ >= 18 && node.has_attribute("num_outputs")) {
      const int64_t n = node.attr_int("num_outputs");
      if (n != static_cast<int64_t>(info.num_outputs())) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": num_outputs is " +
                                                  std::to_string(n) + " but the node has " +
                                                  std::to_string(info.num_outputs()) + " outputs");
      }
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    const int64_t axis = checked_axis(node, axis_, rank, "axis");
    const int64_t dim = x.shape()[axis];
    const int64_t n = static_cast<int64_t>(ctx.num_outputs());

    std::vector<int64_t> sizes = split_attr_;
    if (opset_ >= 13 && ctx.input(1) != nullptr) sizes = int_list_input(ctx, 1, "split");
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
      std::vector<int64_t> out_dims = x.shape().dims();
      out_dims[axis] = sizes[i];
      const int64_t row = sizes[i] * inner;
      if (ctx.output_requested(i)) {
        Tensor& out = ctx.allocate_output(i, Shape(std::move(out_dims)), x.dtype());
        const int64_t dims[] = {outer, row};
        const int64_t src_strides[] = {dim * inner, 1};
        const int64_t dst_strides[] = {row, 1};
        kernels::strided_copy(x.dtype(), element_ptr(x, offset), src_strides, out.raw_data(),
                              dst_strides, dims);
      }
      offset += row;
    }
  }

 private:
  int64_t opset_;
  int64_t axis_;
  std::vector<int64_t> split_attr_;
};

// ---- Slice -----------------------------------------------------------------------------------

// One sliced axis in numpy's terms: `count` elements from `start`, `step` apart.
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

// Slice: starts/ends/axes are attributes in opsets 1-9 (no steps); inputs from opset 10.
class SliceKernel final : public OpKernel {
 public:
  explicit SliceKernel(const KernelInfo& info) : from_inputs_(info.opset() >= 10) {
    if (from_inputs_) return;
    const Node& node = info.node();
    starts_ = node.attr_ints("starts");
    ends_ = node.attr_ints("ends");
    axes_ = node.attr_ints("axes", {});
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    std::vector<int64_t> starts = starts_, ends = ends_, axes = axes_, steps;
    if (from_inputs_) {
      starts = int_list_input(ctx, 1, "starts");
      ends = int_list_input(ctx, 2, "ends");
      if (ctx.input(3) != nullptr) axes = int_list_input(ctx, 3, "axes");
      if (ctx.input(4) != nullptr) steps = int_list_input(ctx, 4, "steps");
    }
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

    std::vector<int64_t> out_dims(rank), src_strides(rank);
    const std::vector<int64_t> in_strides = kernels::contiguous_strides(x.shape().dims());
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d) {
      out_dims[d] = slices[d].count;
      src_strides[d] = in_strides[d] * slices[d].step;
      if (slices[d].count > 0) offset += slices[d].start * in_strides[d];
    }
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (out.num_elements() == 0) return;
    kernels::strided_copy(x.dtype(), element_ptr(x, offset), src_strides, out.raw_data(),
                          kernels::contiguous_strides(out_dims), out_dims);
  }

 private:
  bool from_inputs_;
  std::vector<int64_t> starts_, ends_, axes_;
};

// ---- Gather ----------------------------------------------------------------------------------

class GatherKernel final : public OpKernel {
 public:
  explicit GatherKernel(const KernelInfo& info) : axis_(info.node().attr_int("axis", 0)) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& data = ctx.required_input(0);
    const Tensor& indices_t = ctx.required_input(1);
    if (indices_t.dtype() != DataType::kInt64 && indices_t.dtype() != DataType::kInt32) {
      throw_error(ErrorCode::kRuntimeError, node.describe() +
                                                ": indices must be int32 or int64, got " +
                                                std::string(data_type_name(indices_t.dtype())));
    }
    const int64_t rank = static_cast<int64_t>(data.rank());
    if (rank == 0) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": data must have rank >= 1");
    }
    const int64_t axis = checked_axis(node, axis_, rank, "axis");
    const int64_t dim = data.shape()[axis];
    std::vector<int64_t> indices = indices_t.to_int64_vector();
    for (size_t i = 0; i < indices.size(); ++i) {
      const int64_t idx = indices[i];
      if (idx < -dim || idx >= dim) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": index " + std::to_string(idx) + " (flat position " +
                        std::to_string(i) + " of indices " + indices_t.shape().to_string() +
                        ") is out of range [" + std::to_string(-dim) + ", " +
                        std::to_string(dim - 1) + "] for axis " + std::to_string(axis) +
                        " of data shape " + data.shape().to_string());
      }
      if (idx < 0) indices[i] = idx + dim;
    }
    std::vector<int64_t> out_dims(data.shape().dims().begin(), data.shape().dims().begin() + axis);
    for (int64_t d : indices_t.shape().dims()) out_dims.push_back(d);
    for (int64_t d = axis + 1; d < rank; ++d) out_dims.push_back(data.shape()[d]);
    Tensor& out = ctx.allocate_output(0, Shape(std::move(out_dims)), data.dtype());
    if (out.num_elements() == 0) return;
    kernels::gather_rows(data.dtype(), data.raw_data(), data.shape().size_from_to(0, axis), dim,
                         data.shape().size_from_to(axis + 1, data.rank()), indices.data(),
                         static_cast<int64_t>(indices.size()), out.raw_data());
  }

 private:
  int64_t axis_;
};

// ---- Pad -------------------------------------------------------------------------------------

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

// Source index along one axis for output position `i` relative to the first kept input element;
// -1 for positions filled with the constant.
int64_t pad_source_index(int64_t i, int64_t n, PadMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::kConstant:
      return -1;
    case PadMode::kEdge:
      return i < 0 ? 0 : n - 1;
    case PadMode::kWrap:
      return ((i % n) + n) % n;
    case PadMode::kReflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      const int64_t m = ((i % period) + period) % period;
      return m < n ? m : period - m;
    }
  }
  return -1;
}

// Pad: pads (and the constant) are attributes before opset 11 and inputs from 11; `axes` (input
// 3) from 18; "wrap" mode from 19. Negative pads crop.
class PadKernel final : public OpKernel {
 public:
  explicit PadKernel(const KernelInfo& info) : opset_(info.opset()) {
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

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    const std::vector<int64_t> pads = opset_ < 11 ? pads_attr_ : int_list_input(ctx, 1, "pads");
    std::vector<int64_t> axes;
    if (opset_ >= 18 && ctx.input(3) != nullptr) {
      for (int64_t a : int_list_input(ctx, 3, "axes"))
        axes.push_back(checked_axis(node, a, rank, "axis"));
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

    // Per axis: which input element each output position reads (-1: the constant).
    std::vector<std::vector<int64_t>> maps(rank);
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
      maps[d].resize(out_dims[d]);
      for (int64_t o = 0; o < out_dims[d]; ++o) {
        const int64_t src = pad_source_index(o - pad_begin, kept, mode_);
        maps[d][o] = src < 0 ? -1 : src + crop_begin;
      }
    }

    Tensor fill = fill_value(ctx, x.dtype());
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (out.num_elements() == 0) return;
    kernels::index_map_copy(x.dtype(), x.raw_data(), kernels::contiguous_strides(x.shape().dims()),
                            maps, out.raw_data(), fill.raw_data());
  }

 private:
  // One element of `dtype` holding the constant (zero or empty string unless given).
  Tensor fill_value(const KernelContext& ctx, DataType dtype) const {
    Tensor fill(dtype, Shape{});
    if (dtype != DataType::kString) std::memset(fill.raw_data(), 0, element_size(dtype));
    if (opset_ < 11) {
      kernels::cast(DataType::kFloat32, &value_attr_, dtype, fill.raw_data(), 1);
    } else if (const Tensor* c = ctx.input(2); c != nullptr && c->num_elements() > 0) {
      if (c->dtype() != dtype) {
        throw_error(ErrorCode::kRuntimeError, ctx.node().describe() + ": constant_value has type " +
                                                  std::string(data_type_name(c->dtype())) +
                                                  " but the data is " +
                                                  std::string(data_type_name(dtype)));
      }
      kernels::fill(dtype, fill.raw_data(), 1, c->raw_data());
    }
    return fill;
  }

  int64_t opset_;
  PadMode mode_ = PadMode::kConstant;
  std::vector<int64_t> pads_attr_;
  float value_attr_ = 0.0f;
};

// Transpose and Pad take int4 and uint4 from opset 21 and float4e2m1 from opset 23.
std::vector<DataType> with_4bit(std::vector<DataType> types, int opset) {
  if (opset >= 21) types.insert(types.end(), {DataType::kInt4, DataType::kUInt4});
  if (opset >= 23) types.push_back(DataType::kFloat4E2M1);
  return types;
}

}  // namespace

void register_tensor_movement_kernels(KernelRegistry& registry) {
  const std::vector<DataType> indices = types::kIndices;
  const std::vector<DataType> int64_only = {DataType::kInt64};

  registry.add("Transpose", 1, 20, {0}, types::kAll, make_kernel<TransposeKernel>());
  registry.add("Transpose", 21, 22, {0}, with_4bit(types::kAll, 21),
               make_kernel<TransposeKernel>());
  registry.add("Transpose", 23, 23, {0}, with_4bit(types::kAll, 23),
               make_kernel<TransposeKernel>());
  registry.add("Concat", 4, 23, {0}, types::kAll, make_kernel<ConcatKernel>());
  registry.add("Split", 2, 12, {0}, types::kAll, make_kernel<SplitKernel>());
  add_kernel_def(registry, "Split", 13, 23,
                 {{"T", {0}, {0}, types::kAll}, {"split", {1}, {}, int64_only}},
                 make_kernel<SplitKernel>());
  registry.add("Slice", 1, 9, {0}, types::kAll, make_kernel<SliceKernel>());
  add_kernel_def(registry, "Slice", 10, 23,
                 {{"T", {0}, {0}, types::kAll}, {"Tind", {1, 2, 3, 4}, {}, indices}},
                 make_kernel<SliceKernel>());
  add_kernel_def(registry, "Gather", 1, 23,
                 {{"T", {0}, {0}, types::kAll}, {"Tind", {1}, {}, indices}},
                 make_kernel<GatherKernel>());
  registry.add("Pad", 2, 10, {0}, types::kFloats, make_kernel<PadKernel>());
  for (const auto& [since, end] : {std::pair{11, 20}, std::pair{21, 22}, std::pair{23, 23}}) {
    add_kernel_def(registry, "Pad", since, end,
                   {{"T", {0, 2}, {0}, with_4bit(types::kAll, since)},
                    {"pads", {1}, {}, int64_only},
                    {"Tind", {3}, {}, indices}},
                   make_kernel<PadKernel>());
  }
}

}  // namespace aruntime::cpu
