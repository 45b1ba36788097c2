// ReduceMean: axes as an attribute up to opset 17, as an optional input (with
// noop_with_empty_axes) from 18.
#include <algorithm>

#include "kernels/reduce.h"
#include "providers/cpu/ops/nn_common.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

class ReduceMean final : public OpKernel {
 public:
  explicit ReduceMean(const KernelInfo& info)
      : axes_from_input_(info.opset() >= 18),
        keepdims_(info.node().attr_int("keepdims", 1) != 0),
        noop_with_empty_axes_(info.node().attr_int("noop_with_empty_axes", 0) != 0),
        attr_axes_(info.node().attr_ints("axes", {})) {
    const Node& node = info.node();
    if (axes_from_input_ && node.has_attribute("axes")) {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": from opset 18 axes is an input, not an attribute");
    }
  }

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
    std::vector<int64_t> axes = attr_axes_;
    if (axes_from_input_) {
      axes.clear();
      if (const Tensor* t = ctx.input(1)) {
        if (t->dtype() != DataType::kInt64 || t->rank() > 1) {
          throw_error(ErrorCode::kInvalidArgument,
                      node.describe() + ": input axes must be a 1-D int64 tensor, got " +
                          std::string(data_type_name(t->dtype())) + t->shape().to_string());
        }
        axes = t->to_int64_vector();
      }
      if (axes.empty() && noop_with_empty_axes_) {
        ctx.set_output(0, x);
        return;
      }
    }

    const int64_t rank = static_cast<int64_t>(x.rank());
    std::vector<bool> reduce(x.rank(), axes.empty());
    for (int64_t a : axes) {
      if (a < -rank || a >= rank) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axis " + std::to_string(a) +
                                                     " is out of range for input of shape " +
                                                     x.shape().to_string());
      }
      const size_t d = static_cast<size_t>(a < 0 ? a + rank : a);
      if (reduce[d]) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axes " +
                                                     ints_to_string(axes) + " repeat axis " +
                                                     std::to_string(d));
      }
      reduce[d] = true;
    }
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
      kernels::reduce_mean(x.data<T>(), x.shape().dims(), reduce, y.data<T>());
    };
    switch (x.dtype()) {
      case DataType::kFloat32:
        go(float{});
        break;
      case DataType::kFloat64:
        go(double{});
        break;
      case DataType::kInt32:
        go(int32_t{});
        break;
      case DataType::kInt64:
        go(int64_t{});
        break;
      case DataType::kUInt32:
        go(uint32_t{});
        break;
      case DataType::kUInt64:
        go(uint64_t{});
        break;
      default:
        throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                    std::string(data_type_name(x.dtype())) +
                                                    " is not supported");
    }
  }

  bool axes_from_input_;
  bool keepdims_;
  bool noop_with_empty_axes_;
  std::vector<int64_t> attr_axes_;
};

const std::vector<DataType> kReduceTypes = {
    DataType::kFloat32, DataType::kFloat64, DataType::kFloat16, DataType::kBFloat16,
    DataType::kInt32,   DataType::kInt64,   DataType::kUInt32,  DataType::kUInt64};

}  // namespace

void register_reduction_kernels(KernelRegistry& registry) {
  // 1-10 and 11-12 differ only in negative axes being allowed; 13 adds bfloat16.
  registry.add("ReduceMean", 1, 17, {0}, kReduceTypes, make_kernel<ReduceMean>());
  KernelDef from_18;
  from_18.op_type = "ReduceMean";
  from_18.since_version = 18;
  from_18.end_version = kMaxOpset;
  from_18.constraints = {{"T", {0}, {0}, kReduceTypes},
                         {"tensor(int64)", {1}, {}, {DataType::kInt64}}};
  from_18.factory = make_kernel<ReduceMean>();
  registry.add(std::move(from_18));
}

}  // namespace aruntime::cpu
