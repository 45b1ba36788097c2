// What the NPU takes. A node is supported when its op is one the device runs (see README.md,
// "Capability rules"), its inputs and outputs have static shapes, its types and attributes are
// ones the compiler handles, and it compiles as a one-node program. Supported nodes are grown into
// groups in topological order: a node joins the groups of its producers (merging them) when the
// result keeps the graph acyclic once every group is fused into one node — so every claimed group
// is connected and convex, and claims never form a cycle between groups. Then each group must fit
// the device memory budget (it is split at topological prefixes where it does not, and nodes that
// do not fit alone are dropped) and hold at least min_group_size nodes.
#pragma once

#include <optional>
#include <string>

#include "core/execution_provider.h"
#include "providers/npu/npu_options.h"

namespace aruntime::npu {

// The decline reason for node `i` alone, or nullopt when the device can run it (in a group that
// also takes the producers of its constant inputs).
std::optional<std::string> check_node(const GraphView& view, NodeIndex i,
                                      const NpuOptions& options);

// kFusedGroup claims for every group the device takes, and a Decline for every other available
// node.
CapabilityReport npu_capabilities(const GraphView& view, const NpuOptions& options);

}  // namespace aruntime::npu
