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
#include "providers/common/op_checks.h"
#include "providers/common/window_attributes.h"

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

}  // namespace aruntime::cpu
