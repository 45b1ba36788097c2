// Cast (target type from the `to` attribute) and CastLike (target type of input 1). From opset 19
// both also take the float8 types and a `saturate` attribute for conversions into them; int4 and
// uint4 join at opset 21 and float4e2m1 at opset 23 (kernels/cast.h has the conversion rules).
#include <string>
#include <vector>

#include "aruntime/float4.h"
#include "aruntime/float8.h"
#include "kernels/cast.h"
#include "providers/cpu/ops/tensor_ops.h"

namespace aruntime::cpu {
namespace {

void cast_into(KernelContext& ctx, const Tensor& x, DataType to, bool saturate) {
  if (x.dtype() == to) {
    ctx.set_output(0, x);
    return;
  }
  Tensor& out = ctx.allocate_output(0, x.shape(), to);
  try {
    // Truncation to bfloat16 follows ONNX's reference implementation (see kernels/cast.h).
    kernels::cast(x.dtype(), x.raw_data(), to, out.raw_data(), x.num_elements(),
                  kernels::BFloat16Rounding::kTruncate, saturate);
  } catch (const Error& e) {
    throw e.with_context(ctx.node().describe());
  }
}

// The first opset whose Cast takes `type`: float8 from 19, int4/uint4 from 21, float4e2m1 from 23.
int64_t first_cast_opset(DataType type) {
  if (is_float8(type)) return 19;
  if (type == DataType::kInt4 || type == DataType::kUInt4) return 21;
  if (type == DataType::kFloat4E2M1) return 23;
  return 1;
}

// The `saturate` attribute (opset 19+, default 1); earlier opsets have no float8 types.
bool saturate_attribute(const KernelInfo& info) {
  if (info.opset() < 19) return true;
  const int64_t saturate = info.node().attr_int("saturate", 1);
  if (saturate != 0 && saturate != 1) {
    throw_error(ErrorCode::kInvalidModel, info.node().describe() + ": attribute saturate is " +
                                              std::to_string(saturate) + ", expected 0 or 1");
  }
  return saturate == 1;
}

class CastKernel final : public OpKernel {
 public:
  explicit CastKernel(const KernelInfo& info) : saturate_(saturate_attribute(info)) {
    const Node& node = info.node();
    const int64_t to = node.attr_int("to");
    to_ = data_type_from_onnx(static_cast<int32_t>(to));
    const int64_t first_opset = first_cast_opset(to_);
    const bool too_early = info.opset() < first_opset;
    if (to_ == DataType::kUndefined || to != static_cast<int32_t>(to) || too_early) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": casting to ONNX element type " + std::to_string(to) +
                      " is not supported" +
                      (too_early ? " before opset " + std::to_string(first_opset) : ""));
    }
  }

  void compute(KernelContext& ctx) const override {
    cast_into(ctx, ctx.required_input(0), to_, saturate_);
  }

 private:
  DataType to_;
  bool saturate_;
};

class CastLikeKernel final : public OpKernel {
 public:
  explicit CastLikeKernel(const KernelInfo& info) : saturate_(saturate_attribute(info)) {}
  void compute(KernelContext& ctx) const override {
    cast_into(ctx, ctx.required_input(0), ctx.required_input(1).dtype(), saturate_);
  }

 private:
  bool saturate_;
};

}  // namespace

void register_tensor_cast_kernels(KernelRegistry& registry) {
  std::vector<DataType> with_float8 = types::kAll;
  with_float8.insert(with_float8.end(), {DataType::kFloat8E4M3FN, DataType::kFloat8E4M3FNUZ,
                                         DataType::kFloat8E5M2, DataType::kFloat8E5M2FNUZ});
  std::vector<DataType> with_int4 = with_float8;
  with_int4.insert(with_int4.end(), {DataType::kInt4, DataType::kUInt4});
  std::vector<DataType> with_float4 = with_int4;
  with_float4.push_back(DataType::kFloat4E2M1);
  add_kernel_def(registry, "Cast", 6, 18,
                 {{"T1", {0}, {}, types::kAll}, {"T2", {}, {0}, types::kAll}},
                 make_kernel<CastKernel>());
  add_kernel_def(registry, "Cast", 19, 20,
                 {{"T1", {0}, {}, with_float8}, {"T2", {}, {0}, with_float8}},
                 make_kernel<CastKernel>());
  add_kernel_def(registry, "Cast", 21, 22, {{"T1", {0}, {}, with_int4}, {"T2", {}, {0}, with_int4}},
                 make_kernel<CastKernel>());
  add_kernel_def(registry, "Cast", 23, 23,
                 {{"T1", {0}, {}, with_float4}, {"T2", {}, {0}, with_float4}},
                 make_kernel<CastKernel>());
  add_kernel_def(registry, "CastLike", 15, 18,
                 {{"T1", {0}, {}, types::kAll}, {"T2", {1}, {0}, types::kAll}},
                 make_kernel<CastLikeKernel>());
  add_kernel_def(registry, "CastLike", 19, 20,
                 {{"T1", {0}, {}, with_float8}, {"T2", {1}, {0}, with_float8}},
                 make_kernel<CastLikeKernel>());
  add_kernel_def(registry, "CastLike", 21, 22,
                 {{"T1", {0}, {}, with_int4}, {"T2", {1}, {0}, with_int4}},
                 make_kernel<CastLikeKernel>());
  add_kernel_def(registry, "CastLike", 23, 23,
                 {{"T1", {0}, {}, with_float4}, {"T2", {1}, {0}, with_float4}},
                 make_kernel<CastLikeKernel>());
}

}  // namespace aruntime::cpu
