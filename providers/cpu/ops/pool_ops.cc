// MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool on kernels/pool.h.
#include "kernels/pool.h"
#include "providers/common/op_checks.h"
#include "providers/cpu/ops/nn_common.h"

namespace aruntime::cpu {
namespace {

[[noreturn]] void unsupported_type(const Node& node, DataType type) {
  throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                              std::string(data_type_name(type)) +
                                              " is not supported");
}

// Runs `run` with half inputs computed in float32.
template <typename Self>
void compute_promoting(const Self& self, KernelContext& ctx) {
  const DataType type = ctx.required_input(0).dtype();
  if (is_half(type)) {
    compute_in_float32(ctx, type, [&](KernelContext& c) { self.run(c); });
  } else {
    self.run(ctx);
  }
}

// Shared prepare/compute of the windowed pools: attributes, input checks, output geometry.
class WindowPool : public OpKernel {
 protected:
  explicit WindowPool(const KernelInfo& info)
      : attrs_(read_window_attributes(info.node(), true)),
        ceil_mode_(info.node().attr_int("ceil_mode", 0) != 0) {
    const Node& node = info.node();
    if (attrs_.kernel_shape.size() > kernels::kMaxPoolRank) {
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": pooling over " +
                                                  std::to_string(attrs_.kernel_shape.size()) +
                                                  " spatial axes is not supported (at most " +
                                                  std::to_string(kernels::kMaxPoolRank) + ")");
    }
  }

  kernels::PoolGeometry geometry(const Node& node, const Tensor& x) const {
    check_window_input_rank(node, attrs_, x.shape());
    const auto& xd = x.shape().dims();
    kernels::PoolGeometry g;
    g.planes = xd[0] * xd[1];
    g.input_spatial.assign(xd.begin() + 2, xd.end());
    const WindowGeometry w =
        resolve_window(node, attrs_, g.input_spatial, attrs_.kernel_shape, ceil_mode_);
    g.output_spatial = w.output;
    g.kernel = w.kernel;
    g.strides = w.strides;
    g.dilations = w.dilations;
    g.pads_begin = w.pads_begin;
    g.pads_end = w.pads_end;
    return g;
  }

  static Shape output_shape(const Tensor& x, const kernels::PoolGeometry& g) {
    Dims dims = {x.shape()[0], x.shape()[1]};
    dims.insert(dims.end(), g.output_spatial.begin(), g.output_spatial.end());
    return Shape(dims);
  }

  WindowAttributes attrs_;
  bool ceil_mode_;
};

class MaxPool final : public WindowPool {
 public:
  explicit MaxPool(const KernelInfo& info)
      : WindowPool(info), column_major_(info.node().attr_int("storage_order", 0)) {
    if (column_major_ != 0 && column_major_ != 1) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() +
                                                ": attribute storage_order is " +
                                                std::to_string(column_major_) +
                                                ", expected 0 (row major) or 1 (column major)");
    }
  }

  void compute(KernelContext& ctx) const override { compute_promoting(*this, ctx); }

  void run(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const kernels::PoolGeometry g = geometry(node, x);
    const Shape shape = output_shape(x, g);
    Tensor& y = ctx.allocate_output(0, shape, x.dtype());
    int64_t* indices = nullptr;
    if (node.has_output(1) && ctx.output_requested(1)) {
      indices = ctx.allocate_output(1, shape, DataType::kInt64).data<int64_t>();
    }
    if (y.num_elements() == 0) return;
    const bool column_major = column_major_ == 1;
    switch (x.dtype()) {
      case DataType::kFloat32:
        kernels::max_pool(g, x.data<float>(), y.data<float>(), indices, column_major);
        break;
      case DataType::kFloat64:
        kernels::max_pool(g, x.data<double>(), y.data<double>(), indices, column_major);
        break;
      case DataType::kInt8:
        kernels::max_pool(g, x.data<int8_t>(), y.data<int8_t>(), indices, column_major);
        break;
      case DataType::kUInt8:
        kernels::max_pool(g, x.data<uint8_t>(), y.data<uint8_t>(), indices, column_major);
        break;
      default:
        unsupported_type(node, x.dtype());
    }
  }

 private:
  int64_t column_major_;
};

class AveragePool final : public WindowPool {
 public:
  explicit AveragePool(const KernelInfo& info)
      : WindowPool(info), count_include_pad_(info.node().attr_int("count_include_pad", 0) != 0) {}

  void compute(KernelContext& ctx) const override { compute_promoting(*this, ctx); }

  void run(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const kernels::PoolGeometry g = geometry(node, x);
    Tensor& y = ctx.allocate_output(0, output_shape(x, g), x.dtype());
    if (y.num_elements() == 0) return;
    if (x.dtype() == DataType::kFloat32) {
      kernels::average_pool(g, x.data<float>(), y.data<float>(), count_include_pad_);
    } else if (x.dtype() == DataType::kFloat64) {
      kernels::average_pool(g, x.data<double>(), y.data<double>(), count_include_pad_);
    } else {
      unsupported_type(node, x.dtype());
    }
  }

 private:
  bool count_include_pad_;
};

// GlobalAveragePool / GlobalMaxPool: one value per (n, c) plane, spatial dims become 1.
template <bool kMax>
class GlobalPool final : public OpKernel {
 public:
  explicit GlobalPool(const KernelInfo& info) { (void)info; }

  void compute(KernelContext& ctx) const override { compute_promoting(*this, ctx); }

  void run(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const GlobalPoolShape shape = global_pool_shape(node, x.shape());
    const int64_t planes = shape.planes, plane_size = shape.plane_size;
    Tensor& y = ctx.allocate_output(0, Shape(shape.output), x.dtype());
    if (planes == 0) return;
    auto go = [&](auto tag) {
      using T = decltype(tag);
      if constexpr (kMax) {
        kernels::global_max_pool(x.data<T>(), y.data<T>(), planes, plane_size);
      } else {
        kernels::global_average_pool(x.data<T>(), y.data<T>(), planes, plane_size);
      }
    };
    if (x.dtype() == DataType::kFloat32) {
      go(float{});
    } else if (x.dtype() == DataType::kFloat64) {
      go(double{});
    } else {
      unsupported_type(node, x.dtype());
    }
  }
};

}  // namespace

void register_pool_kernels(KernelRegistry& registry) {
  // MaxPool: 8 added the Indices output and storage_order, 10 ceil_mode and dilations, 11 the
  // current pads wording, 12 int8/uint8; attributes absent in older versions take their defaults.
  KernelDef max_pool;
  max_pool.op_type = "MaxPool";
  max_pool.since_version = 1;
  max_pool.end_version = kMaxOpset;
  std::vector<DataType> max_types = types::kFloats;
  max_types.push_back(DataType::kInt8);
  max_types.push_back(DataType::kUInt8);
  max_pool.constraints = {{"T", {0}, {0}, max_types}, {"I", {}, {1}, {DataType::kInt64}}};
  max_pool.factory = make_kernel<MaxPool>();
  registry.add(std::move(max_pool));

  // AveragePool: 7 added count_include_pad, 10 ceil_mode, 19 dilations.
  registry.add("AveragePool", 1, kMaxOpset, {0}, types::kFloats, make_kernel<AveragePool>());
  registry.add("GlobalAveragePool", 1, kMaxOpset, {0}, types::kFloats,
               make_kernel<GlobalPool<false>>());
  registry.add("GlobalMaxPool", 1, kMaxOpset, {0}, types::kFloats, make_kernel<GlobalPool<true>>());
}

}  // namespace aruntime::cpu
