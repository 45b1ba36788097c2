// The host side of a GPU kernel: an OpKernel whose compute() validates its inputs on the host,
// allocates outputs on the device (KernelContext::allocate_output hands out device memory, since
// the step's arena is the GPU arena) and queues device work on the session's stream. It never
// synchronises: results are read by later kernels on the same stream or by a copy to the host,
// which waits for them.
//
// Registration: each ops file adds its kernels with `gpu_kernel<K>(context)` as the factory, so
// every kernel gets the session's GpuContext through its constructor:
//   registry.add("Relu", 14, INT_MAX, {0}, kGpuFloats, gpu_kernel<UnaryKernel>(ctx));
// Device code lives in .cu files behind plain launch functions (pointers, sizes, cudaStream_t)
// declared in a header the .cc includes, so nvcc never compiles the runtime's C++ headers.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/kernel.h"
#include "core/kernel_registry.h"
#include "providers/gpu/gpu_check.h"
#include "providers/gpu/gpu_context.h"

namespace aruntime {
class GraphView;  // core/execution_provider.h
}  // namespace aruntime

namespace aruntime::gpu {

class GpuKernel : public OpKernel {
 public:
  GpuKernel(const KernelInfo& info, GpuContextPtr context) : context_(std::move(context)) {
    (void)info;
  }
  // CUDA's current device is per host thread, and the parallel executor runs steps on any thread
  // of the session's arena: every compute makes the provider's device current first (a no-op
  // when it already is).
  void compute(KernelContext& ctx) const final {
    context_->make_current();
    compute_on_device(ctx);
  }

 protected:
  virtual void compute_on_device(KernelContext& ctx) const = 0;
  const GpuContext& gpu() const { return *context_; }
  cudaStream_t stream() const { return context_->stream(); }

 private:
  GpuContextPtr context_;
};

template <typename K>
KernelFactory gpu_kernel(GpuContextPtr context) {
  return [context](const KernelInfo& info) -> std::unique_ptr<OpKernel> {
    return std::make_unique<K>(info, context);
  };
}

// Conditions beyond op, opset and element types that a kernel needs (attribute values, ranks,
// static dimensions): a check returns "" when the kernel handles `node`, else the reason the GPU
// provider declines it ("Resize: mode 'cubic' is not supported on the GPU"), which `aruntime
// explain` shows. The provider claims a node only when the registry has a kernel and every
// check registered for its op passes: claims are honest, and what the GPU cannot do stays on the
// CPU at partition time instead of failing at session creation.
using SupportCheck = std::function<std::string(const Node& node, const GraphView& view)>;

class GpuSupportChecks {
 public:
  void add(const std::string& op_type, SupportCheck check, const std::string& domain = "") {
    checks_[{domain, op_type}].push_back(std::move(check));
  }
  // "" when every check for the node's op passes (or none is registered).
  std::string check(const Node& node, const GraphView& view) const {
    auto it = checks_.find({node.domain, node.op_type});
    if (it == checks_.end()) return "";
    for (const auto& c : it->second) {
      std::string reason = c(node, view);
      if (!reason.empty()) return reason;
    }
    return "";
  }

 private:
  std::map<std::pair<std::string, std::string>, std::vector<SupportCheck>> checks_;
};

// Element types the GPU kernels handle: float32 and float16 (bfloat16 where a kernel says so).
inline const std::vector<DataType> kGpuFloats = {DataType::kFloat32, DataType::kFloat16};
inline const std::vector<DataType> kGpuFloatsAndBf16 = {DataType::kFloat32, DataType::kFloat16,
                                                        DataType::kBFloat16};

}  // namespace aruntime::gpu
