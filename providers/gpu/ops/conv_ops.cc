// Conv, aruntime.FusedConv and ConvTranspose on cuDNN, over 1 to 3 spatial axes (a 1-D
// convolution is a 2-D one with a unit axis appended). Attribute and input validation mirror the
// CPU kernels (providers/cpu/ops/conv_common.cc, fused_ops.cc, norm_ops.cc).
//
// cuDNN takes one pad per axis; the asymmetric pads of auto_pad SAME_* or explicit pads are
// split into the symmetric part, which cuDNN applies, and the rest, for which the input is
// first copied into a zero-padded scratch tensor. ConvTranspose is cuDNN's backward data pass
// of the convolution whose filter is W; its result over the full extent is cropped (and
// zero-extended) to the ONNX output when pads, output_padding or output_shape ask for it.
//
// float32 runs with CUDNN_FMA_MATH: CUDNN_DEFAULT_MATH would let Ampere and later GPUs use TF32,
// whose 10-bit mantissa misses the CPU's results by far more than 1e-4. float16 accumulates in
// float32 on tensor cores. The algorithm is chosen by cuDNN's heuristics once per input shape
// and kept in the kernel. Bias, FusedConv's residual Z and its activation run as one elementwise
// epilogue over Y.
#include <algorithm>
#include <climits>
#include <map>
#include <mutex>

#include "core/execution_provider.h"
#include "graph/optimizer/fused_domain.h"
#include "providers/gpu/ops/cudnn_util.h"
#include "providers/gpu/ops/dense_kernels.h"

namespace aruntime::gpu::dense {
namespace {

// Workspace an algorithm may ask for; faster ones that need more are passed over.
constexpr size_t kMaxWorkspaceBytes = size_t{256} << 20;
// Distinct input shapes whose algorithm a kernel remembers (dynamic shapes stay bounded).
constexpr size_t kMaxCachedShapes = 64;

// The convolution's algorithm for one input shape: cuDNN's enum value, its workspace and the
// math type it runs with.
struct ConvAlgorithm {
  int algo = 0;
  size_t workspace = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

// Per-shape algorithm cache; compute() is const and runs concurrently, hence the mutex.
class AlgorithmCache {
 public:
  template <typename Choose>
  ConvAlgorithm get(const std::vector<int64_t>& key, Choose&& choose) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = algorithms_.find(key);
    if (it != algorithms_.end()) return it->second;
    const ConvAlgorithm chosen = choose();
    if (algorithms_.size() >= kMaxCachedShapes) algorithms_.clear();
    algorithms_.emplace(key, chosen);
    return chosen;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::map<std::vector<int64_t>, ConvAlgorithm> algorithms_;
};

bool is_float32(cudnnDataType_t type) {
  return type == CUDNN_DATA_FLOAT;
}

// float32: never tensor-core math (TF32); the others: tensor cores allowed.
cudnnMathType_t initial_math(cudnnDataType_t type) {
  return is_float32(type) ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH;
}

bool acceptable_math(cudnnDataType_t type, cudnnMathType_t math) {
  return !is_float32(type) || math == CUDNN_FMA_MATH || math == CUDNN_DEFAULT_MATH;
}

// The heuristic's first algorithm (in `perf`, best first) that succeeded, uses an acceptable math
// type and whose workspace (`workspace_of(algo, &bytes)`, under the math type chosen) fits the
// cap; else `fallback`, which handles every configuration without tensor cores. float32 keeps
// FMA math whatever the heuristic reported; the workspace query confirms the algorithm runs so.
template <typename Perf, typename Algo, typename WorkspaceOf>
ConvAlgorithm pick_algorithm(cudnnDataType_t type, CudnnConvolutionDescriptor& conv,
                             const Perf* perf, int returned, Algo fallback,
                             WorkspaceOf workspace_of) {
  for (int i = 0; i < returned; ++i) {
    const Perf& p = perf[i];
    if (p.status != CUDNN_STATUS_SUCCESS || !acceptable_math(type, p.mathType)) continue;
    ConvAlgorithm chosen;
    chosen.algo = static_cast<int>(p.algo);
    chosen.math = is_float32(type) ? CUDNN_FMA_MATH : p.mathType;
    conv.set_math(chosen.math);
    if (workspace_of(p.algo, &chosen.workspace) != CUDNN_STATUS_SUCCESS) continue;
    if (chosen.workspace <= kMaxWorkspaceBytes) return chosen;
  }
  ConvAlgorithm chosen;
  chosen.algo = static_cast<int>(fallback);
  chosen.math = is_float32(type) ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH;
  conv.set_math(chosen.math);
  ARUNTIME_CUDNN_CHECK(workspace_of(fallback, &chosen.workspace));
  return chosen;
}

ConvAlgorithm choose_forward(const GpuContext& gpu, cudnnDataType_t type,
                             const CudnnTensorDescriptor& x, const CudnnFilterDescriptor& w,
                             CudnnConvolutionDescriptor& conv, const CudnnTensorDescriptor& y) {
  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int returned = 0;
  ARUNTIME_CUDNN_CHECK(
      cudnnGetConvolutionForwardAlgorithm_v7(gpu.cudnn(), x.get(), w.get(), conv.get(), y.get(),
                                             CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf));
  return pick_algorithm(type, conv, perf, returned, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM,
                        [&](cudnnConvolutionFwdAlgo_t algo, size_t* bytes) {
                          return cudnnGetConvolutionForwardWorkspaceSize(
                              gpu.cudnn(), x.get(), w.get(), conv.get(), y.get(), algo, bytes);
                        });
}

ConvAlgorithm choose_backward_data(const GpuContext& gpu, cudnnDataType_t type,
                                   const CudnnFilterDescriptor& w, const CudnnTensorDescriptor& dy,
                                   CudnnConvolutionDescriptor& conv,
                                   const CudnnTensorDescriptor& dx) {
  cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  int returned = 0;
  ARUNTIME_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
      gpu.cudnn(), w.get(), dy.get(), conv.get(), dx.get(), CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
      &returned, perf));
  return pick_algorithm(type, conv, perf, returned, CUDNN_CONVOLUTION_BWD_DATA_ALGO_0,
                        [&](cudnnConvolutionBwdDataAlgo_t algo, size_t* bytes) {
                          return cudnnGetConvolutionBackwardDataWorkspaceSize(
                              gpu.cudnn(), w.get(), dy.get(), conv.get(), dx.get(), algo, bytes);
                        });
}

std::vector<int64_t> concat(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

void check_input_types(const Node& node, const Tensor& x,
                       std::initializer_list<const Tensor*> others) {
  for (const Tensor* t : others) {
    if (t != nullptr && t->dtype() != x.dtype()) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": inputs mix element types " +
                                                   std::string(data_type_name(x.dtype())) +
                                                   " and " +
                                                   std::string(data_type_name(t->dtype())));
    }
  }
}

Tensor allocate_workspace(KernelContext& ctx, size_t bytes) {
  if (bytes == 0) return Tensor();
  return ctx.allocate_temp(Shape{static_cast<int64_t>(bytes)}, DataType::kUInt8);
}

// Y = 0 before an epilogue adds the bias: the convolution of an empty input or kernel.
void zero(const GpuContext& gpu, Tensor& y) {
  ARUNTIME_CUDA_CHECK(cudaMemsetAsync(y.raw_data(), 0, y.byte_size(), gpu.stream()));
}

// The bias (per channel of Y), residual and activation after the convolution, when any.
void run_epilogue(const GpuContext& gpu, const Node& node, Tensor& y, const Tensor* bias,
                  const Tensor* residual, const kernels::Activation& activation) {
  if (bias == nullptr && residual == nullptr &&
      activation.kind == kernels::ActivationKind::kIdentity) {
    return;
  }
  DenseEpilogue e;
  if (bias != nullptr) {
    e.bias = bias->raw_data();
    e.bias_inner = std::max<int64_t>(1, y.shape().size_from_to(2, y.rank()));
    e.bias_period = y.shape()[1];
    e.bias_outer_stride = 1;
    e.bias_inner_stride = 0;
  }
  if (residual != nullptr) e.residual = residual->raw_data();
  e.activation = activation.kind;
  e.alpha = activation.alpha;
  e.beta = activation.beta;
  ARUNTIME_CUDA_CHECK(launch_dense_epilogue(dense_type(node, y.dtype()), y.raw_data(),
                                            y.num_elements(), e, gpu.stream()));
}

// The window copy of `src` (dims `src_dims`) into `dst` (dims `dst_dims`) with per-axis offsets.
void window_copy(const GpuContext& gpu, const Node& node, DataType type, const void* src,
                 const std::vector<int64_t>& src_dims, void* dst,
                 const std::vector<int64_t>& dst_dims, const std::vector<int64_t>& offsets) {
  WindowCopy copy;
  copy.rank = static_cast<int>(src_dims.size());
  for (size_t d = 0; d < src_dims.size(); ++d) {
    copy.src_dims[d] = src_dims[d];
    copy.dst_dims[d] = dst_dims[d];
    copy.offsets[d] = offsets[d];
  }
  ARUNTIME_CUDA_CHECK(launch_window_copy(dense_type(node, type), src, dst, copy, gpu.stream()));
}

// Conv(X, W, B?) -> Y and FusedConv(X, W, B?, Z?) -> Y = activation(Conv(X, W, B) + Z).
class ConvKernel : public GpuKernel {
 public:
  ConvKernel(const KernelInfo& info, GpuContextPtr context, bool fused)
      : GpuKernel(info, std::move(context)),
        fused_(fused),
        attrs_(read_window_attributes(info.node(), false)),
        group_(read_conv_group(info.node())) {
    const Node& node = info.node();
    if (fused) activation_ = read_fused_activation(node);
    if (const Tensor* w = info.constant_input(1))
      check_conv_weight(node, attrs_, group_, w->shape(), -1);
  }

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& w = ctx.required_input(1);
    const Tensor* bias = ctx.input(2);
    const Tensor* z = fused_ ? ctx.input(3) : nullptr;
    check_input_types(node, x, {&w, bias, z});
    if (x.rank() < 3 || x.rank() != w.rank()) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": input X has shape " + x.shape().to_string() +
                      " and weight W " + w.shape().to_string() +
                      "; expected [N, C, D1, ...] and a weight of the same rank");
    }
    if (x.rank() > 5) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": cuDNN convolves 1 to 3 spatial axes, input X has shape " +
                      x.shape().to_string());
    }
    check_conv_weight(node, attrs_, group_, w.shape(), x.shape()[1]);
    const int64_t out_channels = w.shape()[0];
    if (bias != nullptr && (bias->rank() != 1 || bias->shape()[0] != out_channels)) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": bias B has shape " +
                                                   bias->shape().to_string() + ", expected [" +
                                                   std::to_string(out_channels) + "]");
    }
    const std::vector<int64_t> xd = x.shape().dims();
    const std::vector<int64_t> wd = w.shape().dims();
    const std::vector<int64_t> input_spatial(xd.begin() + 2, xd.end());
    const std::vector<int64_t> kernel(wd.begin() + 2, wd.end());
    const WindowGeometry g = resolve_window(node, attrs_, input_spatial, kernel, false);
    Tensor& y = ctx.allocate_output(0, Shape(concat({xd[0], out_channels}, g.output)), x.dtype());
    if (z != nullptr && z->shape() != y.shape()) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input Z has shape " +
                                                   z->shape().to_string() + ", expected Y's " +
                                                   y.shape().to_string());
    }
    if (y.num_elements() == 0) return;
    const bool no_taps =
        std::any_of(kernel.begin(), kernel.end(), [](int64_t k) { return k == 0; });
    if (x.num_elements() == 0 || no_taps) {
      zero(gpu(), y);
    } else {
      convolve(ctx, x, w, g, y);
    }
    run_epilogue(gpu(), node, y, bias, z, activation_);
  }

 private:
  void convolve(KernelContext& ctx, const Tensor& x, const Tensor& w, const WindowGeometry& g,
                Tensor& y) const {
    const Node& node = ctx.node();
    const cudnnDataType_t type = cudnn_data_type(node, x.dtype());
    const size_t spatial = g.kernel.size();
    std::vector<int64_t> x_dims = x.shape().dims();
    std::vector<int64_t> w_dims = w.shape().dims();
    std::vector<int64_t> y_dims = y.shape().dims();
    std::vector<int64_t> pads(spatial), strides = g.strides, dilations = g.dilations;
    // The symmetric part of the pads goes to cuDNN, the rest into a padded copy of X.
    std::vector<int64_t> padded_dims = x_dims, offsets(x_dims.size(), 0);
    bool asymmetric = false;
    for (size_t d = 0; d < spatial; ++d) {
      pads[d] = std::min(g.pads_begin[d], g.pads_end[d]);
      const int64_t extra_begin = g.pads_begin[d] - pads[d];
      const int64_t extra_end = g.pads_end[d] - pads[d];
      padded_dims[d + 2] += extra_begin + extra_end;
      offsets[d + 2] = -extra_begin;
      asymmetric = asymmetric || extra_begin != 0 || extra_end != 0;
    }
    const void* x_data = x.raw_data();
    Tensor padded;
    if (asymmetric) {
      padded = ctx.allocate_temp(Shape(padded_dims), x.dtype());
      window_copy(gpu(), node, x.dtype(), x.raw_data(), x_dims, padded.raw_data(), padded_dims,
                  offsets);
      x_data = padded.raw_data();
      x_dims = padded_dims;
    }
    if (spatial == 1) {
      // cuDNN convolves 2 or 3 spatial axes: a unit axis is appended.
      x_dims.push_back(1);
      w_dims.push_back(1);
      y_dims.push_back(1);
      pads.push_back(0);
      strides.push_back(1);
      dilations.push_back(1);
    }
    CudnnTensorDescriptor x_desc, y_desc;
    CudnnFilterDescriptor w_desc;
    CudnnConvolutionDescriptor conv;
    x_desc.set(node, type, x_dims);
    y_desc.set(node, type, y_dims);
    w_desc.set(node, type, w_dims);
    conv.set(node, pads, strides, dilations, group_, CUDNN_DATA_FLOAT, initial_math(type));
    // The problem: the shapes and the pads (which auto_pad derives from the input's shape).
    const std::vector<int64_t> key = concat(concat(x_dims, w_dims), concat(y_dims, pads));
    const auto cudnn_lock = gpu().lock_cudnn();  // through cudnnConvolutionForward
    const ConvAlgorithm algo = algorithms_.get(
        key, [&] { return choose_forward(gpu(), type, x_desc, w_desc, conv, y_desc); });
    conv.set_math(algo.math);
    Tensor workspace = allocate_workspace(ctx, algo.workspace);
    const float alpha = 1.0f, beta = 0.0f;
    ARUNTIME_CUDNN_CHECK(cudnnConvolutionForward(
        gpu().cudnn(), &alpha, x_desc.get(), x_data, w_desc.get(), w.raw_data(), conv.get(),
        static_cast<cudnnConvolutionFwdAlgo_t>(algo.algo), workspace.raw_data(), algo.workspace,
        &beta, y_desc.get(), y.raw_data()));
  }

  bool fused_;
  WindowAttributes attrs_;
  int64_t group_;
  kernels::Activation activation_;
  AlgorithmCache algorithms_;
};

class Conv final : public ConvKernel {
 public:
  Conv(const KernelInfo& info, GpuContextPtr context)
      : ConvKernel(info, std::move(context), false) {}
};

class FusedConv final : public ConvKernel {
 public:
  FusedConv(const KernelInfo& info, GpuContextPtr context)
      : ConvKernel(info, std::move(context), true) {}
};

// ConvTranspose(X, W, B?) -> Y: X [N, C, D...], W [C, M/group, k...]. Per axis the full extent
// is stride * (in - 1) + output_padding + (k - 1) * dilation + 1; the output is that minus the
// pads, or output_shape with the pads splitting the difference (the smaller half first for
// SAME_UPPER), as the CPU kernel resolves them.
//
// cuDNN computes the transposed convolution as the backward data pass of a convolution with pad
// p over an extent L = stride * (in - 1) + (k - 1) * dilation + 1 - 2p, covering full
// positions [p, p + L); positions outside are dropped. Choosing p <= min(pad_begin, pad_end -
// output_padding) keeps everything the output reads in that range; positions of the output
// beyond it (output_padding, an output_shape larger than the full extent) receive no taps and
// are zero before the bias.
class ConvTranspose final : public GpuKernel {
 public:
  ConvTranspose(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)),
        attrs_(read_window_attributes(info.node(), false)),
        group_(read_conv_group(info.node())),
        output_padding_(info.node().attr_ints("output_padding", {})),
        output_shape_(info.node().attr_ints("output_shape", {})) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& w = ctx.required_input(1);
    const Tensor* bias = ctx.input(2);
    check_input_types(node, x, {&w, bias});
    check_conv_transpose_inputs(node, attrs_, group_, x.shape(), w.shape(),
                                bias != nullptr ? &bias->shape() : nullptr);
    if (x.rank() > 5) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": cuDNN convolves 1 to 3 spatial axes, input X has shape " +
                      x.shape().to_string());
    }
    const int64_t batch = x.shape()[0];
    const int64_t out_channels = w.shape()[1] * group_;
    const std::vector<int64_t> kernel(w.shape().dims().begin() + 2, w.shape().dims().end());
    const std::vector<int64_t> in(x.shape().dims().begin() + 2, x.shape().dims().end());
    const TransposedWindow t =
        resolve_transposed_window(node, attrs_, in, kernel, output_padding_, output_shape_);
    Tensor& y = ctx.allocate_output(0, Shape(concat({batch, out_channels}, t.output)), x.dtype());
    if (y.num_elements() == 0) return;
    const bool no_taps =
        std::any_of(kernel.begin(), kernel.end(), [](int64_t k) { return k == 0; });
    if (x.num_elements() == 0 || no_taps) {
      zero(gpu(), y);
    } else {
      transpose_convolve(ctx, x, w, t.strides, t.dilations, t.output_padding, t.pads_begin, y);
    }
    run_epilogue(gpu(), node, y, bias, nullptr, kernels::Activation{});
  }

 private:
  void transpose_convolve(KernelContext& ctx, const Tensor& x, const Tensor& w,
                          std::vector<int64_t> strides, std::vector<int64_t> dilations,
                          const std::vector<int64_t>& out_pad, const std::vector<int64_t>& begin,
                          Tensor& y) const {
    const Node& node = ctx.node();
    const cudnnDataType_t type = cudnn_data_type(node, x.dtype());
    const size_t rank = begin.size();
    const std::vector<int64_t> y_shape = y.shape().dims();
    std::vector<int64_t> pads(rank), full_dims = {y_shape[0], y_shape[1]};
    std::vector<int64_t> offsets(rank + 2, 0);
    bool direct = true;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t in = x.shape()[d + 2];
      const int64_t extent = (w.shape()[d + 2] - 1) * dilations[d] + 1;
      const int64_t out = y_shape[d + 2];
      // The end pad, as the full extent (output_padding included) minus begin and output.
      const int64_t end = strides[d] * (in - 1) + out_pad[d] + extent - begin[d] - out;
      const int64_t p = std::clamp<int64_t>(std::min(begin[d], end - out_pad[d]), 0, extent - 1);
      pads[d] = p;
      const int64_t length = strides[d] * (in - 1) + extent - 2 * p;
      full_dims.push_back(length);
      offsets[d + 2] = begin[d] - p;
      direct = direct && length == out && offsets[d + 2] == 0;
    }
    Tensor full;
    void* dx = y.raw_data();
    if (!direct) {
      full = ctx.allocate_temp(Shape(full_dims), x.dtype());
      dx = full.raw_data();
    }
    std::vector<int64_t> x_dims = x.shape().dims(), w_dims = w.shape().dims();
    std::vector<int64_t> dx_dims = full_dims;
    if (rank == 1) {
      x_dims.push_back(1);
      w_dims.push_back(1);
      dx_dims.push_back(1);
      pads.push_back(0);
      strides.push_back(1);
      dilations.push_back(1);
    }
    CudnnTensorDescriptor dy_desc, dx_desc;
    CudnnFilterDescriptor w_desc;
    CudnnConvolutionDescriptor conv;
    dy_desc.set(node, type, x_dims);
    dx_desc.set(node, type, dx_dims);
    w_desc.set(node, type, w_dims);
    conv.set(node, pads, strides, dilations, group_, CUDNN_DATA_FLOAT, initial_math(type));
    const std::vector<int64_t> key = concat(concat(x_dims, w_dims), concat(dx_dims, pads));
    std::unique_lock<std::mutex> cudnn_lock = gpu().lock_cudnn();  // through the backward-data call
    const ConvAlgorithm algo = algorithms_.get(
        key, [&] { return choose_backward_data(gpu(), type, w_desc, dy_desc, conv, dx_desc); });
    conv.set_math(algo.math);
    Tensor workspace = allocate_workspace(ctx, algo.workspace);
    const float alpha = 1.0f, beta = 0.0f;
    ARUNTIME_CUDNN_CHECK(cudnnConvolutionBackwardData(
        gpu().cudnn(), &alpha, w_desc.get(), w.raw_data(), dy_desc.get(), x.raw_data(), conv.get(),
        static_cast<cudnnConvolutionBwdDataAlgo_t>(algo.algo), workspace.raw_data(), algo.workspace,
        &beta, dx_desc.get(), dx));
    if (!direct) {
      window_copy(gpu(), node, x.dtype(), full.raw_data(), full_dims, y.raw_data(), y_shape,
                  offsets);
    }
  }

  WindowAttributes attrs_;
  int64_t group_;
  std::vector<int64_t> output_padding_;
  std::vector<int64_t> output_shape_;
  AlgorithmCache algorithms_;
};

// The rank of input `index` when the graph knows it (its type or a constant's shape), else -1.
int64_t known_rank(const Node& node, const GraphView& view, size_t index) {
  if (!node.has_input(index)) return -1;
  if (const Tensor* t = view.graph().constant(node.inputs[index])) {
    return static_cast<int64_t>(t->rank());
  }
  const TypeInfo* type = view.graph().find_type(node.inputs[index]);
  if (type == nullptr || !type->shape.has_value()) return -1;
  return static_cast<int64_t>(type->shape->size());
}

// cuDNN convolves 1 to 3 spatial axes: X and W of rank 3 to 5.
std::string check_conv_rank(const Node& node, const GraphView& view) {
  int64_t rank = known_rank(node, view, 1);
  if (rank < 0) rank = known_rank(node, view, 0);
  if (rank < 0) {
    return node.op_type +
           ": the rank of X and W is unknown when the graph is partitioned; the "
           "GPU convolves 1 to 3 spatial axes only";
  }
  if (rank < 3 || rank > 5) {
    return node.op_type + ": cuDNN convolves 1 to 3 spatial axes, the input has " +
           std::to_string(std::max<int64_t>(rank - 2, 0));
  }
  return "";
}

}  // namespace

void register_conv_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                           const GpuContextPtr& context) {
  const std::string domain = optimizer::kFusedDomain;
  const int version = static_cast<int>(optimizer::kFusedOpset);
  // Conv-1 and Conv-11 differ only in documentation; Conv-22 adds bfloat16, which stays on the
  // CPU here.
  registry.add("Conv", 1, kMaxOpset, {0, 1, 2}, kGpuFloats, gpu_kernel<Conv>(context));
  registry.add("FusedConv", version, version, {0, 1, 2, 3}, kGpuFloats,
               gpu_kernel<FusedConv>(context), domain);
  registry.add("ConvTranspose", 1, kMaxOpset, {0, 1, 2}, kGpuFloats,
               gpu_kernel<ConvTranspose>(context));
  checks.add("Conv", check_conv_rank);
  checks.add("FusedConv", check_conv_rank, domain);
  checks.add("ConvTranspose", check_conv_rank);
}

}  // namespace aruntime::gpu::dense
