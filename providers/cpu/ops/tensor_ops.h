// Shared pieces of the CPU tensor (data movement) kernels, which register_tensor_kernels spreads
// over tensor_ops.cc (shape-only ops), tensor_movement_ops.cc and tensor_cast_ops.cc.
#pragma once

#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/kernel_registry.h"
#include "providers/common/movement_shapes.h"

namespace aruntime::cpu {

void register_tensor_movement_kernels(KernelRegistry& registry);
void register_tensor_cast_kernels(KernelRegistry& registry);
// GatherElements GatherND Scatter ScatterElements ScatterND Compress NonZero TopK Unique
// ReverseSequence CumSum (tensor_index_ops.cc)
void register_tensor_index_kernels(KernelRegistry& registry);
// Expand Tile DepthToSpace SpaceToDepth Trilu EyeLike OneHot Range Size LogSoftmax Hardmax
// (tensor_generate_ops.cc)
void register_tensor_generate_kernels(KernelRegistry& registry);

// A kernel definition with explicit type constraints (for ops whose inputs and outputs are
// constrained separately, such as Gather's T and Tind).
inline void add_kernel_def(KernelRegistry& registry, const std::string& op_type, int since, int end,
                           std::vector<TypeConstraint> constraints, KernelFactory factory) {
  KernelDef def;
  def.op_type = op_type;
  def.since_version = since;
  def.end_version = end;
  def.constraints = std::move(constraints);
  def.factory = std::move(factory);
  registry.add(std::move(def));
}

// Values of an integer input (shape, axes, pads...), throwing Error(kRuntimeError) naming the node
// and `what` when it is not an integer tensor of rank <= 1.
inline std::vector<int64_t> int_list_input(const KernelContext& ctx, size_t i, const char* what) {
  return movement::int_list_values(ctx.node(), ctx.required_input(i), i, what);
}

using movement::checked_axis;

}  // namespace aruntime::cpu
