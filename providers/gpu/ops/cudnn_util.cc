#include "providers/gpu/ops/cudnn_util.h"

#include <algorithm>
#include <climits>

#include "aruntime/status.h"
#include "graph/optimizer/fused_domain.h"
#include "providers/gpu/gpu_check.h"

namespace aruntime::gpu::dense {
namespace {

[[noreturn]] void bad_attribute(const Node& node, const std::string& what) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": " + what);
}

std::vector<int> to_ints(const Node& node, const std::vector<int64_t>& values, const char* what) {
  std::vector<int> out;
  out.reserve(values.size());
  for (int64_t v : values) out.push_back(to_cudnn_int(node, v, what));
  return out;
}

}  // namespace

bool is_dense_type(DataType type) {
  return type == DataType::kFloat32 || type == DataType::kFloat16 || type == DataType::kBFloat16;
}

DenseType dense_type(const Node& node, DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return DenseType::kFloat32;
    case DataType::kFloat16:
      return DenseType::kFloat16;
    case DataType::kBFloat16:
      return DenseType::kBFloat16;
    default:
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                  std::string(data_type_name(type)) +
                                                  " is not supported on the GPU");
  }
}

cudnnDataType_t cudnn_data_type(const Node& node, DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return CUDNN_DATA_FLOAT;
    case DataType::kFloat16:
      return CUDNN_DATA_HALF;
    case DataType::kBFloat16:
      return CUDNN_DATA_BFLOAT16;
    default:
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                  std::string(data_type_name(type)) +
                                                  " is not supported by cuDNN here");
  }
}

int to_cudnn_int(const Node& node, int64_t value, const char* what) {
  if (value < INT_MIN || value > INT_MAX) {
    throw_error(ErrorCode::kNotImplemented, node.describe() + ": " + what + " " +
                                                std::to_string(value) +
                                                " exceeds cuDNN's 32-bit parameters");
  }
  return static_cast<int>(value);
}

// ---------------------------------------------------------------------------------------------

CudnnTensorDescriptor::CudnnTensorDescriptor() {
  ARUNTIME_CUDNN_CHECK(cudnnCreateTensorDescriptor(&descriptor_));
}

CudnnTensorDescriptor::~CudnnTensorDescriptor() {
  cudnnDestroyTensorDescriptor(descriptor_);
}

void CudnnTensorDescriptor::set(const Node& node, cudnnDataType_t type,
                                const std::vector<int64_t>& dims) {
  std::vector<int64_t> padded = dims;
  while (padded.size() < 4) padded.push_back(1);
  if (padded.size() > CUDNN_DIM_MAX) {
    throw_error(ErrorCode::kNotImplemented, node.describe() + ": a tensor of shape " +
                                                ints_to_string(dims) + " has more than " +
                                                std::to_string(CUDNN_DIM_MAX) +
                                                " dimensions, cuDNN's limit");
  }
  std::vector<int64_t> strides(padded.size(), 1);
  for (size_t i = padded.size() - 1; i-- > 0;) strides[i] = strides[i + 1] * padded[i + 1];
  const std::vector<int> d = to_ints(node, padded, "tensor dimension");
  const std::vector<int> s = to_ints(node, strides, "tensor stride");
  ARUNTIME_CUDNN_CHECK(cudnnSetTensorNdDescriptor(descriptor_, type, static_cast<int>(d.size()),
                                                  d.data(), s.data()));
}

CudnnFilterDescriptor::CudnnFilterDescriptor() {
  ARUNTIME_CUDNN_CHECK(cudnnCreateFilterDescriptor(&descriptor_));
}

CudnnFilterDescriptor::~CudnnFilterDescriptor() {
  cudnnDestroyFilterDescriptor(descriptor_);
}

void CudnnFilterDescriptor::set(const Node& node, cudnnDataType_t type,
                                const std::vector<int64_t>& dims) {
  const std::vector<int> d = to_ints(node, dims, "filter dimension");
  ARUNTIME_CUDNN_CHECK(cudnnSetFilterNdDescriptor(descriptor_, type, CUDNN_TENSOR_NCHW,
                                                  static_cast<int>(d.size()), d.data()));
}

CudnnConvolutionDescriptor::CudnnConvolutionDescriptor() {
  ARUNTIME_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&descriptor_));
}

CudnnConvolutionDescriptor::~CudnnConvolutionDescriptor() {
  cudnnDestroyConvolutionDescriptor(descriptor_);
}

void CudnnConvolutionDescriptor::set(const Node& node, const std::vector<int64_t>& pads,
                                     const std::vector<int64_t>& strides,
                                     const std::vector<int64_t>& dilations, int64_t group,
                                     cudnnDataType_t compute_type, cudnnMathType_t math) {
  const std::vector<int> p = to_ints(node, pads, "pad");
  const std::vector<int> s = to_ints(node, strides, "stride");
  const std::vector<int> d = to_ints(node, dilations, "dilation");
  ARUNTIME_CUDNN_CHECK(cudnnSetConvolutionNdDescriptor(descriptor_, static_cast<int>(p.size()),
                                                       p.data(), s.data(), d.data(),
                                                       CUDNN_CROSS_CORRELATION, compute_type));
  ARUNTIME_CUDNN_CHECK(
      cudnnSetConvolutionGroupCount(descriptor_, to_cudnn_int(node, group, "group")));
  set_math(math);
}

void CudnnConvolutionDescriptor::set_math(cudnnMathType_t math) {
  ARUNTIME_CUDNN_CHECK(cudnnSetConvolutionMathType(descriptor_, math));
}

CudnnPoolingDescriptor::CudnnPoolingDescriptor() {
  ARUNTIME_CUDNN_CHECK(cudnnCreatePoolingDescriptor(&descriptor_));
}

CudnnPoolingDescriptor::~CudnnPoolingDescriptor() {
  cudnnDestroyPoolingDescriptor(descriptor_);
}

void CudnnPoolingDescriptor::set(const Node& node, cudnnPoolingMode_t mode,
                                 const std::vector<int64_t>& window,
                                 const std::vector<int64_t>& pads,
                                 const std::vector<int64_t>& strides) {
  const std::vector<int> w = to_ints(node, window, "pooling window");
  const std::vector<int> p = to_ints(node, pads, "pad");
  const std::vector<int> s = to_ints(node, strides, "stride");
  ARUNTIME_CUDNN_CHECK(cudnnSetPoolingNdDescriptor(descriptor_, mode, CUDNN_NOT_PROPAGATE_NAN,
                                                   static_cast<int>(w.size()), w.data(), p.data(),
                                                   s.data()));
}

CudnnLrnDescriptor::CudnnLrnDescriptor() {
  ARUNTIME_CUDNN_CHECK(cudnnCreateLRNDescriptor(&descriptor_));
}

CudnnLrnDescriptor::~CudnnLrnDescriptor() {
  cudnnDestroyLRNDescriptor(descriptor_);
}

void CudnnLrnDescriptor::set(unsigned size, double alpha, double beta, double bias) {
  ARUNTIME_CUDNN_CHECK(cudnnSetLRNDescriptor(descriptor_, size, alpha, beta, bias));
}

// ---------------------------------------------------------------------------------------------

std::string ints_to_string(const std::vector<int64_t>& values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(values[i]);
  }
  return s + "]";
}

WindowAttributes read_window_attributes(const Node& node, bool kernel_shape_required) {
  WindowAttributes a;
  a.kernel_shape = node.attr_ints("kernel_shape", {});
  a.strides = node.attr_ints("strides", {});
  a.dilations = node.attr_ints("dilations", {});
  a.pads = node.attr_ints("pads", {});
  const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    a.auto_pad = AutoPad::kNotSet;
  } else if (auto_pad == "SAME_UPPER") {
    a.auto_pad = AutoPad::kSameUpper;
  } else if (auto_pad == "SAME_LOWER") {
    a.auto_pad = AutoPad::kSameLower;
  } else if (auto_pad == "VALID") {
    a.auto_pad = AutoPad::kValid;
  } else {
    bad_attribute(node, "attribute auto_pad is '" + auto_pad +
                            "', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
  }
  if (kernel_shape_required && a.kernel_shape.empty()) {
    bad_attribute(node, "attribute kernel_shape is required");
  }
  auto check_all = [&](const std::vector<int64_t>& v, bool positive, const char* name) {
    for (int64_t x : v) {
      if (positive ? x <= 0 : x < 0) {
        bad_attribute(node, std::string(name) + " " + ints_to_string(v) + " must be " +
                                (positive ? "positive" : "non-negative"));
      }
    }
  };
  check_all(a.kernel_shape, true, "kernel_shape");
  check_all(a.strides, true, "strides");
  check_all(a.dilations, true, "dilations");
  check_all(a.pads, false, "pads");
  if (a.pads.size() % 2 != 0) {
    bad_attribute(node,
                  "pads " + ints_to_string(a.pads) + " must have an even count (begins, ends)");
  }
  // The counts that can be cross-checked before the input's rank is known.
  size_t rank = a.kernel_shape.size();
  auto check_count = [&](const std::vector<int64_t>& v, size_t per_axis_count, const char* name) {
    if (v.empty()) return;
    if (rank == 0) rank = v.size() / per_axis_count;
    if (v.size() != rank * per_axis_count) {
      bad_attribute(node, std::string(name) + " has " + std::to_string(v.size()) +
                              " values, expected " + std::to_string(rank * per_axis_count) +
                              " for " + std::to_string(rank) + " spatial axes");
    }
  };
  check_count(a.strides, 1, "strides");
  check_count(a.dilations, 1, "dilations");
  check_count(a.pads, 2, "pads");
  return a;
}

std::vector<int64_t> per_axis(const Node& node, const std::vector<int64_t>& values, size_t count,
                              int64_t fallback, const char* name) {
  if (values.empty()) return std::vector<int64_t>(count, fallback);
  if (values.size() != count) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": attribute " + name + " " + ints_to_string(values) + " has " +
                    std::to_string(values.size()) + " values, expected " + std::to_string(count) +
                    " for the input's spatial axes");
  }
  return values;
}

WindowGeometry resolve_window(const Node& node, const WindowAttributes& attrs,
                              const std::vector<int64_t>& input_spatial,
                              const std::vector<int64_t>& kernel, bool ceil_mode) {
  const size_t rank = input_spatial.size();
  WindowGeometry g;
  g.kernel = per_axis(node, kernel, rank, 1, "kernel_shape");
  g.strides = per_axis(node, attrs.strides, rank, 1, "strides");
  g.dilations = per_axis(node, attrs.dilations, rank, 1, "dilations");
  const std::vector<int64_t> pads = per_axis(node, attrs.pads, 2 * rank, 0, "pads");
  g.pads_begin.assign(rank, 0);
  g.pads_end.assign(rank, 0);
  g.output.assign(rank, 0);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t in = input_spatial[i], s = g.strides[i];
    const int64_t extent = g.dilations[i] * (g.kernel[i] - 1) + 1;
    int64_t out = 0;
    switch (attrs.auto_pad) {
      case AutoPad::kNotSet: {
        g.pads_begin[i] = pads[i];
        g.pads_end[i] = pads[rank + i];
        const int64_t span = in + g.pads_begin[i] + g.pads_end[i] - extent;
        if (span < 0) break;
        out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
        if (ceil_mode && (out - 1) * s >= in + g.pads_begin[i]) --out;
        break;
      }
      case AutoPad::kValid:
        if (in - extent >= 0) out = (in - extent) / s + 1;
        break;
      case AutoPad::kSameUpper:
      case AutoPad::kSameLower: {
        out = (in + s - 1) / s;
        const int64_t total = std::max<int64_t>(0, (out - 1) * s + extent - in);
        const int64_t smaller = total / 2;
        g.pads_begin[i] = attrs.auto_pad == AutoPad::kSameUpper ? smaller : total - smaller;
        g.pads_end[i] = total - g.pads_begin[i];
        break;
      }
    }
    if (out <= 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": spatial axis " + std::to_string(i) +
                      " of the input has size " + std::to_string(in) +
                      ", too small for a window of extent " + std::to_string(extent) +
                      " with pads " + std::to_string(g.pads_begin[i]) + "+" +
                      std::to_string(g.pads_end[i]));
    }
    g.output[i] = out;
  }
  return g;
}

// ---------------------------------------------------------------------------------------------

FusedActivation read_fused_activation(const Node& node) {
  struct Known {
    const char* name;
    DenseActivation kind;
    size_t params;
  };
  static const Known kKnown[] = {{"Relu", DenseActivation::kRelu, 0},
                                 {"Clip", DenseActivation::kClip, 2},
                                 {"Sigmoid", DenseActivation::kSigmoid, 0},
                                 {"HardSigmoid", DenseActivation::kHardSigmoid, 2},
                                 {"HardSwish", DenseActivation::kHardSwish, 0},
                                 {"LeakyRelu", DenseActivation::kLeakyRelu, 1},
                                 {"Tanh", DenseActivation::kTanh, 0},
                                 {"Gelu", DenseActivation::kGelu, 0},
                                 {"GeluTanh", DenseActivation::kGeluTanh, 0},
                                 {"Swish", DenseActivation::kSwish, 1}};
  FusedActivation activation;
  const std::vector<float> params = node.attr_floats(optimizer::kActivationParamsAttr, {});
  if (!node.has_attribute(optimizer::kActivationAttr)) {
    if (!params.empty()) bad_attribute(node, "activation_params given without an activation");
    return activation;
  }
  const std::string name = node.attr_string(optimizer::kActivationAttr);
  for (const Known& k : kKnown) {
    if (name != k.name) continue;
    if (params.size() != k.params) {
      bad_attribute(node, "activation " + name + " takes " + std::to_string(k.params) +
                              " activation_params, got " + std::to_string(params.size()));
    }
    activation.kind = k.kind;
    if (!params.empty()) activation.alpha = params[0];
    if (params.size() > 1) activation.beta = params[1];
    return activation;
  }
  bad_attribute(node, "activation '" + name +
                          "' is not one of Relu, Clip, Sigmoid, HardSigmoid, HardSwish, "
                          "LeakyRelu, Tanh, Gelu, GeluTanh, Swish");
}

}  // namespace aruntime::gpu::dense
