// Helpers shared by the CPU NN, reduction and resize kernels: half-precision promotion, reading
// small parameter tensors, and the window attributes of Conv and the pools.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/kernel_registry.h"

namespace aruntime::cpu {

// Families registered from their own files by register_nn_kernels().
void register_gemm_kernels(KernelRegistry& registry);
void register_conv_kernels(KernelRegistry& registry);
void register_pool_kernels(KernelRegistry& registry);
// LayerNormalization, InstanceNormalization, GroupNormalization, RMSNormalization, LpNormalization,
// MeanVarianceNormalization, LRN, Dropout, LpPool, MaxRoiPool, RoiAlign, MaxUnpool, Col2Im and
// ConvTranspose (norm_ops.cc).
void register_norm_kernels(KernelRegistry& registry);

inline constexpr int kMaxOpset = 23;

bool is_half(DataType type);  // float16 or bfloat16

// Y ([m, n], row-major) = Gemm's C broadcast unidirectionally to [m, n]. Throws naming `node`
// when C does not broadcast.
template <typename T>
void fill_gemm_c(const Node& node, const Tensor& c, int64_t m, int64_t n, T* y) {
  const auto& cd = c.shape().dims();
  const int64_t cm = cd.size() == 2 ? cd[0] : 1;
  const int64_t cn = cd.empty() ? 1 : cd.back();
  if (cd.size() > 2 || (cm != 1 && cm != m) || (cn != 1 && cn != n)) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": C of shape " + c.shape().to_string() +
                                                 " does not broadcast to [" + std::to_string(m) + "," +
                                                 std::to_string(n) + "]");
  }
  const T* pc = c.data<T>();
  for (int64_t i = 0; i < m; ++i) {
    const T* c_row = pc + (cm == 1 ? 0 : i * cn);
    T* y_row = y + i * n;
    if (cn == 1) {
      std::fill(y_row, y_row + n, c_row[0]);
    } else {
      std::copy(c_row, c_row + n, y_row);
    }
  }
}

// The batch axes of a batched matrix product (MatMul, FusedMatMul): the operands' leading axes
// broadcast numpy-style, and each batch reads its A and B matrices at offsets() (element counts).
struct MatMulBatches {
  std::vector<int64_t> dims;      // the output's batch axes
  std::vector<int64_t> a_stride;  // per batch axis: elements between A matrices (0: broadcast)
  std::vector<int64_t> b_stride;
  int64_t count() const;
  void offsets(int64_t index, int64_t& a_offset, int64_t& b_offset) const;
};
// `a_dims`/`b_dims` have at least 2 axes; their last two are the matrices. Throws naming `node`
// and the shapes `a_shape`/`b_shape` (as the caller received them) when the batch axes do not
// broadcast.
MatMulBatches matmul_batches(const Node& node, const std::vector<int64_t>& a_dims,
                             const std::vector<int64_t>& b_dims, const Shape& a_shape, const Shape& b_shape);

// Runs `body` on a view of `ctx` in which float16/bfloat16 inputs read as float32 tensors and the
// float32 outputs that `body` allocates are stored back as `half_type`. Other inputs and outputs
// (int64 indices, shape inputs) pass through unchanged.
void compute_in_float32(KernelContext& ctx, DataType half_type,
                        const std::function<void(KernelContext&)>& body);

// A kernel whose float16/bfloat16 inputs are computed in float32 (through compute_in_float32);
// subclasses implement run() for float32 and the other types they accept.
class HalfAsFloat32Kernel : public OpKernel {
 public:
  void compute(KernelContext& ctx) const final {
    const DataType type = ctx.required_input(0).dtype();
    if (is_half(type)) {
      compute_in_float32(ctx, type, [this](KernelContext& c) { run(c); });
    } else {
      run(ctx);
    }
  }

 protected:
  virtual void run(KernelContext& ctx) const = 0;
};

// Calls f(float{}) or f(double{}) for a float32/float64 `type`; refuses any other type with
// Error(kNotImplemented) naming the node. For kernels computed natively in those two types.
template <typename F>
void dispatch_float32_or_64(const Node& node, DataType type, F&& f) {
  switch (type) {
    case DataType::kFloat32:
      return f(float{});
    case DataType::kFloat64:
      return f(double{});
    default:
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                  std::string(data_type_name(type)) + " is not supported");
  }
}

// Element-wise conversions between a half type and float32 (host tensors of equal size).
void half_to_float(const Tensor& src, float* dst);
void float_to_half(const float* src, Tensor& dst);

// Values of a (small) numeric tensor as doubles, for parameters such as scales, roi or BN stats.
std::vector<double> tensor_to_doubles(const Tensor& tensor);

// "[1,2,3]"
std::string ints_to_string(const std::vector<int64_t>& values);

// Throws Error(kInvalidArgument) when input `index` has another element type than `reference`
// (input 0): "node 'n' (Op): input 2 has type float64, expected float32 like input 0".
void check_same_type(const Node& node, const Tensor& reference, const Tensor& t, size_t index);

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// kernel_shape / strides / dilations / pads / auto_pad of Conv and the pools, validated for
// values (positive kernel, strides and dilations; non-negative pads; consistent counts). Empty
// vectors mean "not given". Throws Error(kInvalidModel) naming the node.
struct WindowAttributes {
  std::vector<int64_t> kernel_shape;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads;
  AutoPad auto_pad = AutoPad::kNotSet;
};
WindowAttributes read_window_attributes(const Node& node, bool kernel_shape_required);

// The per-axis geometry of a sliding window over `input_spatial`.
struct WindowGeometry {
  Dims kernel, strides, dilations, pads_begin, pads_end, output;
};

// Output sizes and effective pads following the ONNX formulas (auto_pad SAME_* / VALID, explicit
// pads with optional ceil_mode, where a last window starting in the end padding is dropped).
// Throws Error(kInvalidArgument) naming the node when the attribute counts do not match the
// input rank or the input is smaller than the window.
WindowGeometry resolve_window(const Node& node, const WindowAttributes& attrs,
                              const Dims& input_spatial,
                              const Dims& kernel, bool ceil_mode);

}  // namespace aruntime::cpu
