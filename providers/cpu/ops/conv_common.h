// The operator half of Conv: attributes, validation of X/W/B against them, the output geometry
// and the kernels/conv.h call, shared by Conv and aruntime.FusedConv (which adds an epilogue).
#pragma once

#include "kernels/conv.h"
#include "providers/cpu/ops/nn_common.h"

namespace aruntime::cpu {

// One run's convolution: geometry and plan resolved, Y (output 0) and the scratch allocated.
struct ConvCall {
  kernels::ConvGeometry geometry;
  kernels::ConvPlan plan;
  const Tensor* x = nullptr;
  const Tensor* w = nullptr;
  const Tensor* bias = nullptr;  // nullptr when B is omitted
  Tensor* y = nullptr;
  Tensor scratch;

  bool empty() const { return y->num_elements() == 0; }

  // Runs the convolution in T (float or double, the type of X), calling `epilogue` on each
  // finished block of Y.
  template <typename T>
  void run(const kernels::BlockEpilogue<T>& epilogue = {}) {
    kernels::conv<T>(geometry, plan, x->data<T>(), w->data<T>(),
                     bias != nullptr ? bias->data<T>() : nullptr, y->data<T>(), scratch.data<T>(),
                     epilogue);
  }
};

class ConvSetup {
 public:
  // Reads and validates the attributes, and a constant W against them. Throws
  // Error(kInvalidModel) naming the node.
  explicit ConvSetup(const KernelInfo& info);

  // Validates inputs 0-2 (X, W, optional B) of this run, allocates Y as output 0 and the scratch.
  // Throws Error(kInvalidArgument) naming the node and the offending input.
  ConvCall prepare(KernelContext& ctx) const;

 private:
  WindowAttributes attrs_;
  int64_t group_;
};

}  // namespace aruntime::cpu
