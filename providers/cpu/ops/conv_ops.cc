// Conv (1-D, 2-D, 3-D and beyond) on kernels/conv.h; the attribute and input checks are
// conv_common.h's, shared with aruntime.FusedConv.
#include "providers/cpu/ops/conv_common.h"

namespace aruntime::cpu {
namespace {

class Conv final : public HalfAsFloat32Kernel {
 public:
  explicit Conv(const KernelInfo& info) : setup_(info) {}

 private:
  void run(KernelContext& ctx) const override {
    ConvCall call = setup_.prepare(ctx);
    if (call.empty()) return;
    dispatch_float32_or_64(ctx.node(), call.x->dtype(),
                           [&](auto tag) { call.run<decltype(tag)>(); });
  }

  ConvSetup setup_;
};

}  // namespace

void register_conv_kernels(KernelRegistry& registry) {
  // Conv-1 and Conv-11 differ only in documentation; Conv-22 adds bfloat16.
  registry.add("Conv", 1, kMaxOpset, {0, 1, 2}, types::kFloats, make_kernel<Conv>());
}

}  // namespace aruntime::cpu
