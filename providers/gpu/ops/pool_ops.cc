// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, BatchNormalization (inference) and LRN.
// Attribute and input validation mirror the CPU kernels (providers/cpu/ops/pool_ops.cc,
// nn_ops.cc, norm_ops.cc).
//
// The windowed pools run on cuDNN where its pooling expresses the ONNX geometry exactly: one pad
// per axis (pads_begin == pads_end, below the window), no dilation, and no extra window from
// ceil_mode (cuDNN's output size is the floor formula's). Everything else (asymmetric pads from
// auto_pad SAME_*, dilations, ceil_mode windows, whose average divides by the taps inside the
// padded extent) runs on a direct kernel (dense_kernels.h) with the CPU's exact semantics, so no
// attribute value is declined. MaxPool's Indices output is declined: it stays on the CPU.
#include <algorithm>
#include <climits>

#include "core/execution_provider.h"
#include "providers/gpu/ops/cudnn_util.h"
#include "providers/gpu/ops/dense_kernels.h"

namespace aruntime::gpu::dense {
namespace {

std::vector<int64_t> spatial_of(const Tensor& x) {
  return std::vector<int64_t>(x.shape().dims().begin() + 2, x.shape().dims().end());
}

class WindowPoolKernel : public GpuKernel {
 public:
  WindowPoolKernel(const KernelInfo& info, GpuContextPtr context, bool max)
      : GpuKernel(info, std::move(context)),
        max_(max),
        attrs_(read_window_attributes(info.node(), true)),
        ceil_mode_(info.node().attr_int("ceil_mode", 0) != 0),
        count_include_pad_(!max && info.node().attr_int("count_include_pad", 0) != 0) {
    const Node& node = info.node();
    if (attrs_.kernel_shape.size() > static_cast<size_t>(kDensePoolRank)) {
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": pooling over " +
                                                  std::to_string(attrs_.kernel_shape.size()) +
                                                  " spatial axes is not supported (at most " +
                                                  std::to_string(kDensePoolRank) + ")");
    }
    if (max) {
      const int64_t storage_order = node.attr_int("storage_order", 0);
      if (storage_order != 0 && storage_order != 1) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute storage_order is " +
                                                  std::to_string(storage_order) +
                                                  ", expected 0 (row major) or 1 (column major)");
      }
      if (node.has_output(1)) {
        throw_error(ErrorCode::kNotImplemented,
                    node.describe() + ": the Indices output is not computed on the GPU");
      }
    }
  }

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    check_window_input_rank(node, attrs_, x.shape());
    const size_t spatial = attrs_.kernel_shape.size();
    const WindowGeometry g =
        resolve_window(node, attrs_, spatial_of(x), attrs_.kernel_shape, ceil_mode_);
    std::vector<int64_t> out_dims = {x.shape()[0], x.shape()[1]};
    out_dims.insert(out_dims.end(), g.output.begin(), g.output.end());
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (y.num_elements() == 0) return;
    if (cudnn_expresses(x, g)) {
      pool_on_cudnn(node, x, g, y);
      return;
    }
    WindowPool pool;
    pool.rank = static_cast<int>(spatial);
    pool.planes = x.shape()[0] * x.shape()[1];
    for (size_t d = 0; d < spatial; ++d) {
      pool.input[d] = x.shape()[d + 2];
      pool.output[d] = g.output[d];
      pool.kernel[d] = g.kernel[d];
      pool.strides[d] = g.strides[d];
      pool.dilations[d] = g.dilations[d];
      pool.pads_begin[d] = g.pads_begin[d];
      pool.pads_end[d] = g.pads_end[d];
    }
    pool.max = max_;
    pool.count_include_pad = count_include_pad_;
    ARUNTIME_CUDA_CHECK(launch_window_pool(dense_type(node, x.dtype()), x.raw_data(), y.raw_data(),
                                           pool, stream()));
  }

 private:
  // One pad per axis below the window, no dilation, the floor formula's output size, and sizes
  // within cuDNN's int parameters.
  static bool cudnn_expresses(const Tensor& x, const WindowGeometry& g) {
    // cuDNN's strides are ints too: the packed tensor must fit.
    if (x.num_elements() == 0 || x.num_elements() > INT_MAX) return false;
    for (int64_t d : x.shape().dims()) {
      if (d > INT_MAX) return false;
    }
    for (size_t d = 0; d < g.kernel.size(); ++d) {
      const int64_t in = x.shape()[d + 2], pad = g.pads_begin[d];
      if (pad != g.pads_end[d] || pad >= g.kernel[d] || g.dilations[d] != 1) return false;
      if (g.kernel[d] > INT_MAX || g.strides[d] > INT_MAX) return false;
      if ((in + 2 * pad - g.kernel[d]) / g.strides[d] + 1 != g.output[d]) return false;
    }
    return true;
  }

  void pool_on_cudnn(const Node& node, const Tensor& x, const WindowGeometry& g, Tensor& y) const {
    const cudnnDataType_t type = cudnn_data_type(node, x.dtype());
    std::vector<int64_t> x_dims = x.shape().dims(), y_dims = y.shape().dims();
    std::vector<int64_t> window = g.kernel, pads = g.pads_begin, strides = g.strides;
    if (window.size() == 1) {
      // cuDNN pools over 2 or 3 spatial axes: a unit axis is appended.
      x_dims.push_back(1);
      y_dims.push_back(1);
      window.push_back(1);
      pads.push_back(0);
      strides.push_back(1);
    }
    CudnnTensorDescriptor x_desc, y_desc;
    CudnnPoolingDescriptor pooling;
    x_desc.set(node, type, x_dims);
    y_desc.set(node, type, y_dims);
    const cudnnPoolingMode_t mode = max_ ? CUDNN_POOLING_MAX
                                    : count_include_pad_
                                        ? CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING
                                        : CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
    pooling.set(node, mode, window, pads, strides);
    const float alpha = 1.0f, beta = 0.0f;
    const auto cudnn_lock = gpu().lock_cudnn();
    ARUNTIME_CUDNN_CHECK(cudnnPoolingForward(gpu().cudnn(), pooling.get(), &alpha, x_desc.get(),
                                             x.raw_data(), &beta, y_desc.get(), y.raw_data()));
  }

  bool max_;
  WindowAttributes attrs_;
  bool ceil_mode_;
  bool count_include_pad_;
};

class MaxPool final : public WindowPoolKernel {
 public:
  MaxPool(const KernelInfo& info, GpuContextPtr context)
      : WindowPoolKernel(info, std::move(context), true) {}
};

class AveragePool final : public WindowPoolKernel {
 public:
  AveragePool(const KernelInfo& info, GpuContextPtr context)
      : WindowPoolKernel(info, std::move(context), false) {}
};

// GlobalAveragePool / GlobalMaxPool: one value per (n, c) plane, the spatial dims become 1.
template <bool kMax>
class GlobalPool final : public GpuKernel {
 public:
  GlobalPool(const KernelInfo& info, GpuContextPtr context) : GpuKernel(info, std::move(context)) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const GlobalPoolShape shape = global_pool_shape(node, x.shape());
    const int64_t planes = shape.planes, plane_size = shape.plane_size;
    Tensor& y = ctx.allocate_output(0, Shape(shape.output), x.dtype());
    if (planes == 0) return;
    ARUNTIME_CUDA_CHECK(launch_global_pool(dense_type(node, x.dtype()), kMax, x.raw_data(),
                                           y.raw_data(), planes, plane_size, stream()));
  }
};

// BatchNormalization in inference mode, opsets 7 to 23: Y = (X - mean) / sqrt(var + epsilon) *
// scale + B per channel (axis 1). The parameters may each have their own float type (opset 15).
// Declined (support checks): training_mode=1, and opset 7/8's spatial=0.
class BatchNormalization final : public GpuKernel {
 public:
  BatchNormalization(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), epsilon_(info.node().attr_float("epsilon", 1e-5f)) {
    const Node& node = info.node();
    if (info.opset() >= 14 && node.attr_int("training_mode", 0) != 0) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": training_mode=1 is not supported on the GPU");
    }
    check_batch_norm_outputs(node, info.opset(), false);
    if (info.opset() < 9 && node.attr_int("spatial", 1) == 0) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": spatial=0 is not supported on the GPU");
    }
  }

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    if (x.rank() < 2) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input X has shape " +
                                                   x.shape().to_string() +
                                                   ", expected [N, C, D1, ...]");
    }
    const Tensor* params[4];
    const char* names[4] = {"scale", "B", "input_mean", "input_var"};
    for (size_t i = 0; i < 4; ++i) params[i] = &ctx.required_input(i + 1);
    const Tensor& scale = *params[0];
    for (size_t i = 0; i < 4; ++i) {
      if (params[i]->num_elements() != scale.num_elements() || params[i]->rank() != 1) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": " + names[i] + " has shape " +
                                                     params[i]->shape().to_string() +
                                                     ", expected the shape of scale " +
                                                     scale.shape().to_string() + " (1-D)");
      }
    }
    const int64_t batch = x.shape()[0], channels = x.shape()[1];
    const int64_t spatial = x.shape().size_from_to(2, x.rank());
    if (scale.num_elements() != channels) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": scale/B/mean/var have " +
                      std::to_string(scale.num_elements()) + " entries, expected " +
                      std::to_string(channels) + " for input X of shape " + x.shape().to_string());
    }
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    BatchNormParams p;
    p.scale = scale.raw_data();
    p.scale_type = dense_type(node, scale.dtype());
    p.bias = params[1]->raw_data();
    p.bias_type = dense_type(node, params[1]->dtype());
    p.mean = params[2]->raw_data();
    p.mean_type = dense_type(node, params[2]->dtype());
    p.var = params[3]->raw_data();
    p.var_type = dense_type(node, params[3]->dtype());
    p.channels = channels;
    p.epsilon = epsilon_;
    Tensor coefficients = ctx.allocate_temp(Shape{2 * channels}, DataType::kFloat32);
    ARUNTIME_CUDA_CHECK(launch_batch_norm_coefficients(p, coefficients.data<float>(), stream()));
    ARUNTIME_CUDA_CHECK(launch_batch_norm_apply(dense_type(node, x.dtype()), x.raw_data(),
                                                y.raw_data(), batch, channels, spatial,
                                                coefficients.data<float>(), stream()));
  }

 private:
  double epsilon_;
};

// LRN on cuDNN's cross-channel LRN over [N, C, D1*...*Dk, 1]: both compute
// y = x / (bias + alpha / size * sum of x^2 over channels [c - floor((size-1)/2),
// c + ceil((size-1)/2)])^beta — cuDNN divides its lrnAlpha by the window width itself, so the
// ONNX alpha passes unchanged. cuDNN's limits (size 1 to 16, bias >= 1e-5, beta >= 0.01) are
// support checks.
class LRN final : public GpuKernel {
 public:
  LRN(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)),
        size_(info.node().attr_int("size")),
        alpha_(info.node().attr_float("alpha", 1e-4f)),
        beta_(info.node().attr_float("beta", 0.75f)),
        bias_(info.node().attr_float("bias", 1.0f)) {
    if (size_ <= 0) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() + ": attribute size is " +
                                                std::to_string(size_) +
                                                ", expected a positive count");
    }
    if (size_ > CUDNN_LRN_MAX_N || bias_ < CUDNN_LRN_MIN_K || beta_ < CUDNN_LRN_MIN_BETA) {
      throw_error(ErrorCode::kNotImplemented,
                  info.node().describe() + ": size, bias or beta outside cuDNN's LRN limits");
    }
  }

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    if (x.rank() < 2) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input X has shape " +
                                                   x.shape().to_string() +
                                                   ", expected [N, C, D1, ...]");
    }
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    const cudnnDataType_t type = cudnn_data_type(node, x.dtype());
    const std::vector<int64_t> dims = {x.shape()[0], x.shape()[1],
                                       x.shape().size_from_to(2, x.rank()), 1};
    CudnnTensorDescriptor x_desc, y_desc;
    x_desc.set(node, type, dims);
    y_desc.set(node, type, dims);
    CudnnLrnDescriptor lrn;
    lrn.set(static_cast<unsigned>(size_), alpha_, beta_, bias_);
    const float alpha = 1.0f, beta = 0.0f;
    const auto cudnn_lock = gpu().lock_cudnn();
    ARUNTIME_CUDNN_CHECK(
        cudnnLRNCrossChannelForward(gpu().cudnn(), lrn.get(), CUDNN_LRN_CROSS_CHANNEL_DIM1, &alpha,
                                    x_desc.get(), x.raw_data(), &beta, y_desc.get(), y.raw_data()));
  }

 private:
  int64_t size_;
  double alpha_, beta_, bias_;
};

std::string check_max_pool(const Node& node, const GraphView& view) {
  (void)view;
  if (node.has_output(1)) return "MaxPool: the Indices output is not computed on the GPU";
  return "";
}

std::string check_pool_rank(const Node& node, const GraphView& view) {
  (void)view;
  const size_t rank = node.attr_ints("kernel_shape", {}).size();
  if (rank > static_cast<size_t>(kDensePoolRank)) {
    return node.op_type + ": pooling over " + std::to_string(rank) +
           " spatial axes is not supported on the GPU (at most 3)";
  }
  return "";
}

std::string check_batch_norm(const Node& node, const GraphView& view) {
  const int64_t opset = view.opset(node);
  if (opset >= 14 && node.attr_int("training_mode", 0) != 0) {
    return "BatchNormalization: training_mode=1 is not supported on the GPU";
  }
  if (opset < 14) {
    for (size_t i = 1; i < node.outputs.size(); ++i) {
      if (node.has_output(i)) {
        return "BatchNormalization: the training outputs of opset " + std::to_string(opset) +
               " are not supported on the GPU";
      }
    }
  }
  if (opset < 9 && node.attr_int("spatial", 1) == 0) {
    return "BatchNormalization: spatial=0 is not supported on the GPU";
  }
  return "";
}

std::string check_lrn(const Node& node, const GraphView& view) {
  (void)view;
  const int64_t size = node.attr_int("size", 0);
  const double beta = node.attr_float("beta", 0.75f);
  const double bias = node.attr_float("bias", 1.0f);
  if (size > CUDNN_LRN_MAX_N) {
    return "LRN: size " + std::to_string(size) + " exceeds cuDNN's limit of " +
           std::to_string(CUDNN_LRN_MAX_N);
  }
  if (bias < CUDNN_LRN_MIN_K) {
    return "LRN: bias " + std::to_string(bias) + " is below cuDNN's minimum of 1e-5";
  }
  if (beta < CUDNN_LRN_MIN_BETA) {
    return "LRN: beta " + std::to_string(beta) + " is below cuDNN's minimum of 0.01";
  }
  return "";
}

}  // namespace

void register_pool_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                           const GpuContextPtr& context) {
  // MaxPool: 8 added the Indices output (declined here), 10 ceil_mode and dilations, 12
  // int8/uint8 (which stay on the CPU).
  KernelDef max_pool;
  max_pool.op_type = "MaxPool";
  max_pool.since_version = 1;
  max_pool.end_version = kMaxOpset;
  max_pool.constraints = {{"T", {0}, {0}, kGpuFloats}, {"I", {}, {1}, {DataType::kInt64}}};
  max_pool.factory = gpu_kernel<MaxPool>(context);
  registry.add(std::move(max_pool));
  checks.add("MaxPool", check_max_pool);
  checks.add("MaxPool", check_pool_rank);
  // AveragePool: 7 added count_include_pad, 10 ceil_mode, 19 dilations.
  registry.add("AveragePool", 1, kMaxOpset, {0}, kGpuFloats, gpu_kernel<AveragePool>(context));
  checks.add("AveragePool", check_pool_rank);
  registry.add("GlobalAveragePool", 1, kMaxOpset, {0}, kGpuFloatsAndBf16,
               gpu_kernel<GlobalPool<false>>(context));
  registry.add("GlobalMaxPool", 1, kMaxOpset, {0}, kGpuFloatsAndBf16,
               gpu_kernel<GlobalPool<true>>(context));

  // BatchNormalization 7 (spatial), 9, 14 (training_mode; T1/T2 parameter types), 15: the
  // parameters are read in their own types, so any float combination works.
  registry.add("BatchNormalization", 7, 13, {0, 1, 2, 3, 4}, kGpuFloatsAndBf16,
               gpu_kernel<BatchNormalization>(context));
  KernelDef bn;
  bn.op_type = "BatchNormalization";
  bn.since_version = 14;
  bn.end_version = kMaxOpset;
  bn.constraints = {{"T", {0}, {0}, kGpuFloatsAndBf16},
                    {"T1", {1, 2}, {}, kGpuFloatsAndBf16},
                    {"T2", {3, 4}, {1, 2}, kGpuFloatsAndBf16}};
  bn.factory = gpu_kernel<BatchNormalization>(context);
  registry.add(std::move(bn));
  checks.add("BatchNormalization", check_batch_norm);

  registry.add("LRN", 1, kMaxOpset, {0}, kGpuFloats, gpu_kernel<LRN>(context));
  checks.add("LRN", check_lrn);
}

}  // namespace aruntime::gpu::dense
