#include "providers/gpu/ops/cudnn_util.h"

#include <algorithm>
#include <climits>

#include "aruntime/status.h"
#include "providers/gpu/gpu_check.h"

namespace aruntime::gpu::dense {
namespace {

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

}  // namespace aruntime::gpu::dense
