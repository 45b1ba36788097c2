// Cast (target type from the `to` attribute) and CastLike (target type of input 1).
#include "kernels/cast.h"
#include "providers/cpu/ops/tensor_ops.h"

namespace aruntime::cpu {
namespace {

void cast_into(KernelContext& ctx, const Tensor& x, DataType to) {
  if (x.dtype() == to) {
    ctx.set_output(0, x);
    return;
  }
  Tensor& out = ctx.allocate_output(0, x.shape(), to);
  try {
    // Truncation to bfloat16 follows ONNX's reference implementation (see kernels/cast.h).
    kernels::cast(x.dtype(), x.raw_data(), to, out.raw_data(), x.num_elements(),
                  kernels::BFloat16Rounding::kTruncate);
  } catch (const Error& e) {
    throw e.with_context(ctx.node().describe());
  }
}

class CastKernel final : public OpKernel {
 public:
  explicit CastKernel(const KernelInfo& info) {
    const Node& node = info.node();
    const int64_t to = node.attr_int("to");
    to_ = data_type_from_onnx(static_cast<int32_t>(to));
    if (to_ == DataType::kUndefined || to != static_cast<int32_t>(to)) {
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": casting to ONNX element type " +
                                                  std::to_string(to) + " is not supported");
    }
  }

  void compute(KernelContext& ctx) const override { cast_into(ctx, ctx.required_input(0), to_); }

 private:
  DataType to_;
};

class CastLikeKernel final : public OpKernel {
 public:
  explicit CastLikeKernel(const KernelInfo&) {}
  void compute(KernelContext& ctx) const override {
    cast_into(ctx, ctx.required_input(0), ctx.required_input(1).dtype());
  }
};

}  // namespace

void register_tensor_cast_kernels(KernelRegistry& registry) {
  add_kernel_def(registry, "Cast", 6, 23,
                 {{"T1", {0}, {}, types::kAll}, {"T2", {}, {0}, types::kAll}},
                 make_kernel<CastKernel>());
  add_kernel_def(registry, "CastLike", 15, 23,
                 {{"T1", {0}, {}, types::kAll}, {"T2", {1}, {0}, types::kAll}},
                 make_kernel<CastLikeKernel>());
}

}  // namespace aruntime::cpu
