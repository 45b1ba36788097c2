// The Reduce* family (Sum, Mean, Prod, Max, Min, L1, L2, SumSquare, LogSum, LogSumExp) and
// ArgMax/ArgMin. Reduce* take axes as an attribute up to opset 17 and as an optional input (with
// noop_with_empty_axes) from opset 18; ReduceSum switched at opset 13 already.
#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "kernels/reduce.h"
#include "providers/cpu/ops/nn_common.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

using kernels::ReduceOp;

[[noreturn]] void unsupported_type(const Node& node, DataType type) {
  throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                              std::string(data_type_name(type)) +
                                              " is not supported");
}

// `axis` in [-rank, rank), normalised to [0, rank).
size_t checked_axis(const Node& node, int64_t axis, const Shape& shape) {
  const int64_t rank = static_cast<int64_t>(shape.rank());
  if (axis < -rank || axis >= rank) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axis " + std::to_string(axis) +
                                                 " is out of range for input of shape " +
                                                 shape.to_string());
  }
  return static_cast<size_t>(axis < 0 ? axis + rank : axis);
}

class Reduce final : public OpKernel {
 public:
  Reduce(const KernelInfo& info, ReduceOp op, int axes_input_since)
      : op_(op),
        axes_from_input_(info.opset() >= axes_input_since),
        keepdims_(info.node().attr_int("keepdims", 1) != 0),
        noop_with_empty_axes_(axes_from_input_ &&
                              info.node().attr_int("noop_with_empty_axes", 0) != 0),
        attr_axes_(info.node().attr_ints("axes", {})) {
    const Node& node = info.node();
    if (axes_from_input_ && node.has_attribute("axes")) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": from opset " +
                                                std::to_string(axes_input_since) +
                                                " axes is an input, not an attribute");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    std::vector<int64_t> axes = axes_of(ctx);
    // "The output tensor would be equivalent to the input tensor" for every member of the family
    // (ONNX spec, noop_with_empty_axes), so ReduceSumSquare and the others do not transform it.
    if (axes.empty() && noop_with_empty_axes_) {
      ctx.set_output(0, x);
      return;
    }
    const std::vector<bool> reduce = reduced_axes(ctx.node(), axes, x.shape());
    if (is_half(x.dtype())) {
      compute_in_float32(ctx, x.dtype(), [&](KernelContext& c) { run(c, reduce); });
    } else {
      run(ctx, reduce);
    }
  }

 private:
  std::vector<int64_t> axes_of(const KernelContext& ctx) const {
    if (!axes_from_input_) return attr_axes_;
    const Tensor* t = ctx.input(1);
    if (t == nullptr) return {};
    if (t->dtype() != DataType::kInt64 || t->rank() > 1) {
      throw_error(ErrorCode::kInvalidArgument,
                  ctx.node().describe() + ": input axes must be a 1-D int64 tensor, got " +
                      std::string(data_type_name(t->dtype())) + t->shape().to_string());
    }
    return t->to_int64_vector();
  }

  // Flags the reduced axes; no axes means all of them.
  static std::vector<bool> reduced_axes(const Node& node, const std::vector<int64_t>& axes,
                                        const Shape& shape) {
    std::vector<bool> reduce(shape.rank(), axes.empty());
    for (int64_t a : axes) {
      const size_t d = checked_axis(node, a, shape);
      if (reduce[d]) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axes " +
                                                     ints_to_string(axes) + " repeat axis " +
                                                     std::to_string(d));
      }
      reduce[d] = true;
    }
    return reduce;
  }

  void run(KernelContext& ctx, const std::vector<bool>& reduce) const {
    const Tensor& x = ctx.required_input(0);
    std::vector<int64_t> out_dims;
    for (size_t d = 0; d < x.rank(); ++d) {
      if (!reduce[d]) {
        out_dims.push_back(x.shape()[d]);
      } else if (keepdims_) {
        out_dims.push_back(1);
      }
    }
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (y.num_elements() == 0) return;
    auto go = [&](auto tag) {
      using T = decltype(tag);
      kernels::reduce(op_, x.data<T>(), x.shape().dims(), reduce, y.data<T>());
    };
    switch (x.dtype()) {
      case DataType::kFloat32:
        return go(float{});
      case DataType::kFloat64:
        return go(double{});
      case DataType::kInt8:
        return go(int8_t{});
      case DataType::kUInt8:
        return go(uint8_t{});
      case DataType::kInt32:
        return go(int32_t{});
      case DataType::kInt64:
        return go(int64_t{});
      case DataType::kUInt32:
        return go(uint32_t{});
      case DataType::kUInt64:
        return go(uint64_t{});
      case DataType::kBool:
        return go(bool{});
      default:
        unsupported_type(ctx.node(), x.dtype());
    }
  }

  ReduceOp op_;
  bool axes_from_input_;
  bool keepdims_;
  bool noop_with_empty_axes_;
  std::vector<int64_t> attr_axes_;
};

class ArgReduce final : public OpKernel {
 public:
  ArgReduce(const KernelInfo& info, bool is_max)
      : is_max_(is_max),
        axis_(info.node().attr_int("axis", 0)),
        keepdims_(info.node().attr_int("keepdims", 1) != 0),
        select_last_index_(info.node().attr_int("select_last_index", 0) != 0) {}

  void compute(KernelContext& ctx) const override {
    const DataType type = ctx.required_input(0).dtype();
    if (is_half(type)) {
      compute_in_float32(ctx, type, [this](KernelContext& c) { run(c); });
    } else {
      run(ctx);
    }
  }

 private:
  void run(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Shape& shape = x.shape();
    const size_t axis = checked_axis(node, axis_, shape);
    int64_t outer = 1, inner = 1;
    for (size_t d = 0; d < axis; ++d) outer *= shape[d];
    for (size_t d = axis + 1; d < shape.rank(); ++d) inner *= shape[d];
    const int64_t n = shape[axis];
    if (n == 0 && outer * inner != 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": cannot take the index of an extreme along axis " +
                      std::to_string(axis) + " of size 0 (input shape " + shape.to_string() + ")");
    }
    std::vector<int64_t> out_dims = shape.dims();
    if (keepdims_) {
      out_dims[axis] = 1;
    } else {
      out_dims.erase(out_dims.begin() + static_cast<std::ptrdiff_t>(axis));
    }
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), DataType::kInt64);
    if (y.num_elements() == 0) return;
    auto go = [&](auto tag) {
      using T = decltype(tag);
      kernels::arg_reduce(is_max_, select_last_index_, x.data<T>(), outer, n, inner,
                          y.data<int64_t>());
    };
    switch (x.dtype()) {
      case DataType::kFloat32:
        return go(float{});
      case DataType::kFloat64:
        return go(double{});
      case DataType::kInt8:
        return go(int8_t{});
      case DataType::kUInt8:
        return go(uint8_t{});
      case DataType::kInt16:
        return go(int16_t{});
      case DataType::kUInt16:
        return go(uint16_t{});
      case DataType::kInt32:
        return go(int32_t{});
      case DataType::kUInt32:
        return go(uint32_t{});
      case DataType::kInt64:
        return go(int64_t{});
      case DataType::kUInt64:
        return go(uint64_t{});
      default:
        unsupported_type(node, x.dtype());
    }
  }

  bool is_max_;
  int64_t axis_;
  bool keepdims_;
  bool select_last_index_;
};

using DT = DataType;
// The numeric types every Reduce* accepts (bfloat16 from opset 13; registered from 1 since the
// runtime computes it the same way at every opset).
const std::vector<DataType> kReduceTypes = {DT::kFloat32, DT::kFloat64, DT::kFloat16, DT::kBFloat16,
                                            DT::kInt32,   DT::kInt64,   DT::kUInt32,  DT::kUInt64};
// ReduceMax/ReduceMin add int8 and uint8 (opset 12) and bool (opset 20).
const std::vector<DataType> kExtremumTypes = {
    DT::kFloat32, DT::kFloat64, DT::kFloat16, DT::kBFloat16, DT::kInt32,
    DT::kInt64,   DT::kUInt32,  DT::kUInt64,  DT::kInt8,     DT::kUInt8};

KernelFactory reduce_factory(ReduceOp op, int axes_input_since) {
  return [op, axes_input_since](const KernelInfo& info) -> std::unique_ptr<OpKernel> {
    return std::make_unique<Reduce>(info, op, axes_input_since);
  };
}

// Axes as an attribute: one typed input.
void add_with_axes_attribute(KernelRegistry& registry, const std::string& op_type, int since,
                             int end, const std::vector<DataType>& types, KernelFactory factory) {
  registry.add(op_type, since, end, {0}, types, std::move(factory));
}

// Axes as the optional int64 input 1.
void add_with_axes_input(KernelRegistry& registry, const std::string& op_type, int since, int end,
                         const std::vector<DataType>& types, KernelFactory factory) {
  KernelDef def;
  def.op_type = op_type;
  def.since_version = since;
  def.end_version = end;
  def.constraints = {{"T", {0}, {0}, types}, {"tensor(int64)", {1}, {}, {DT::kInt64}}};
  def.factory = std::move(factory);
  registry.add(std::move(def));
}

void add_arg_reduce(KernelRegistry& registry, const std::string& op_type, bool is_max) {
  KernelDef def;
  def.op_type = op_type;
  def.since_version = 1;
  def.end_version = kMaxOpset;
  // 1-10 and 11 differ in negative axes, 12 adds select_last_index and 13 bfloat16; the
  // kernel reads whichever attributes the node has.
  def.constraints = {{"T", {0}, {}, types::kNumeric}, {"tensor(int64)", {}, {0}, {DT::kInt64}}};
  def.factory = [is_max](const KernelInfo& info) -> std::unique_ptr<OpKernel> {
    return std::make_unique<ArgReduce>(info, is_max);
  };
  registry.add(std::move(def));
}

}  // namespace

void register_reduction_kernels(KernelRegistry& registry) {
  // Within each axes-attribute range, 1-10 and 11-12 differ only in negative axes being allowed,
  // and 12/13 widen the types.
  struct Member {
    const char* op_type;
    ReduceOp op;
    int axes_input_since;
  };
  const Member members[] = {
      {"ReduceSum", ReduceOp::kSum, 13},       {"ReduceMean", ReduceOp::kMean, 18},
      {"ReduceProd", ReduceOp::kProd, 18},     {"ReduceL1", ReduceOp::kL1, 18},
      {"ReduceL2", ReduceOp::kL2, 18},         {"ReduceSumSquare", ReduceOp::kSumSquare, 18},
      {"ReduceLogSum", ReduceOp::kLogSum, 18}, {"ReduceLogSumExp", ReduceOp::kLogSumExp, 18},
  };
  for (const Member& m : members) {
    const KernelFactory factory = reduce_factory(m.op, m.axes_input_since);
    add_with_axes_attribute(registry, m.op_type, 1, m.axes_input_since - 1, kReduceTypes, factory);
    add_with_axes_input(registry, m.op_type, m.axes_input_since, kMaxOpset, kReduceTypes, factory);
  }

  std::vector<DataType> with_bool = kExtremumTypes;
  with_bool.push_back(DT::kBool);
  for (const auto& [op_type, op] :
       {std::pair{"ReduceMax", ReduceOp::kMax}, std::pair{"ReduceMin", ReduceOp::kMin}}) {
    const KernelFactory factory = reduce_factory(op, 18);
    add_with_axes_attribute(registry, op_type, 1, 17, kExtremumTypes, factory);
    add_with_axes_input(registry, op_type, 18, 19, kExtremumTypes, factory);
    add_with_axes_input(registry, op_type, 20, kMaxOpset, with_bool, factory);
  }

  add_arg_reduce(registry, "ArgMax", true);
  add_arg_reduce(registry, "ArgMin", false);
}

}  // namespace aruntime::cpu
