// Ops that move elements without arithmetic: Transpose, Concat, Split, Slice, Gather, Pad. They
// work on every element type (strings included) through kernels/copy.h and kernels/transpose.h.
#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>

#include "kernels/cast.h"
#include "kernels/copy.h"
#include "kernels/shape_ops.h"
#include "kernels/transpose.h"
#include "providers/cpu/ops/tensor_ops.h"

namespace aruntime::cpu {
namespace {

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
    perm_ = movement::checked_perm(node, node.attr_ints("perm"));
    has_perm_ = true;
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    const std::vector<int64_t> perm =
        movement::transpose_perm(ctx.node(), has_perm_, perm_, x.shape());
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
    const Tensor& first = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(first.rank());
    const auto [axis, out_dims] = movement::concat_plan(ctx, axis_);
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
    movement::check_split_outputs(node, opset_, info.num_outputs());
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    const int64_t axis = checked_axis(node, axis_, rank, "axis");
    const int64_t dim = x.shape()[axis];
    const int64_t n = static_cast<int64_t>(ctx.num_outputs());

    std::vector<int64_t> given = split_attr_;
    if (opset_ >= 13 && ctx.input(1) != nullptr) given = int_list_input(ctx, 1, "split");
    const std::vector<int64_t> sizes =
        movement::split_sizes(node, opset_, x.shape(), axis, n, std::move(given));

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
    const Tensor& x = ctx.required_input(0);
    std::vector<int64_t> starts = starts_, ends = ends_, axes = axes_, steps;
    if (from_inputs_) {
      starts = int_list_input(ctx, 1, "starts");
      ends = int_list_input(ctx, 2, "ends");
      if (ctx.input(3) != nullptr) axes = int_list_input(ctx, 3, "axes");
      if (ctx.input(4) != nullptr) steps = int_list_input(ctx, 4, "steps");
    }
    const std::vector<kernels::AxisSlice> slices = movement::slice_plan(
        ctx.node(), x.shape(), starts, ends, std::move(axes), std::move(steps));

    const kernels::StridedView view = kernels::slice_view(x.shape().dims(), slices);
    Tensor& out = ctx.allocate_output(0, Shape(view.dims), x.dtype());
    if (out.num_elements() == 0) return;
    kernels::strided_copy(x.dtype(), element_ptr(x, view.offset), view.src_strides, out.raw_data(),
                          kernels::contiguous_strides(view.dims), view.dims);
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
    movement::check_gather_inputs(node, data, indices_t);
    const int64_t rank = static_cast<int64_t>(data.rank());
    const int64_t axis = checked_axis(node, axis_, rank, "axis");
    const int64_t dim = data.shape()[axis];
    std::vector<int64_t> indices = indices_t.to_int64_vector();
    movement::check_gather_indices(node, indices, indices_t.shape(), data.shape(), axis);
    for (int64_t& idx : indices) {
      if (idx < 0) idx += dim;
    }
    std::vector<int64_t> out_dims =
        movement::gather_output_dims(data.shape(), indices_t.shape(), axis);
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

using movement::PadMode;

// Pad: pads (and the constant) are attributes before opset 11 and inputs from 11; `axes` (input
// 3) from 18; "wrap" mode from 19. Negative pads crop.
class PadKernel final : public OpKernel {
 public:
  explicit PadKernel(const KernelInfo& info) : opset_(info.opset()) {
    const Node& node = info.node();
    mode_ = movement::read_pad_mode(node, opset_);
    if (opset_ < 11) {
      pads_attr_ = node.attr_ints("pads");
      value_attr_ = node.attr_float("value", 0.0f);
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    const std::vector<int64_t> pads = opset_ < 11 ? pads_attr_ : int_list_input(ctx, 1, "pads");
    std::vector<int64_t> axes;
    const bool axes_given = opset_ >= 18 && ctx.input(3) != nullptr;
    if (axes_given) axes = int_list_input(ctx, 3, "axes");
    const std::vector<movement::PadAxis> plan =
        movement::pad_plan(ctx.node(), x.shape(), mode_, pads, axes_given ? &axes : nullptr);

    // Per axis: which input element each output position reads (-1: the constant).
    std::vector<std::vector<int64_t>> maps(rank);
    std::vector<int64_t> out_dims(rank);
    for (int64_t d = 0; d < rank; ++d) {
      out_dims[d] = plan[d].output_size();
      maps[d].resize(out_dims[d]);
      for (int64_t o = 0; o < out_dims[d]; ++o) {
        const int64_t src = kernels::pad_source_index(o - plan[d].pad_begin, plan[d].kept, mode_);
        maps[d][o] = src < 0 ? -1 : src + plan[d].crop_begin;
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
