// The rules the partitioner applies on top of what providers claim: the user's pins
// (PlacementOptions::assignments) and the cost rules that keep unprofitable work off devices.
// Each rule that removes a claim leaves a Decline, so diagnostics say why a node is not where a
// provider wanted it.
#pragma once

#include <string>
#include <vector>

#include "aruntime/session.h"
#include "core/execution_provider.h"

namespace aruntime {

struct NodePins {
  std::vector<int> provider;        // per node: index of the provider it is pinned to, or -1
  std::vector<std::string> source;  // per node: the assignment that pinned it ("conv1=npu")
};

// Resolves assignments against this graph's nodes. A node name wins over an op type. Throws
// Error(kInvalidArgument) for an assignment naming a provider that is not in `providers`.
NodePins resolve_pins(const Graph& graph, const std::vector<const ExecutionProvider*>& providers,
                      const PlacementOptions& options);

// Node names and op types ("Conv", "domain:Op") of `graph` and all its subgraphs, for checking
// that every assignment matches something.
void collect_assignment_keys(const Graph& graph, std::vector<std::string>& keys);

// Nodes computing small shape tensors: consumers of Shape/Size outputs (and of their results)
// whose every input is such a value or a constant, through ops that shuffle shape vectors.
std::vector<bool> shape_computation_nodes(const Graph& graph);

// Drops the claims in `report` (of a provider on a device other than the host) that the cost
// rules reject: shape computations, connected claims smaller than the minimum, and connected
// claims whose boundary copies outweigh their FLOPs. `pinned_here` marks nodes the user pinned
// to this provider; claims holding one are kept.
void apply_device_cost_rules(const Graph& graph, CapabilityReport& report, const std::vector<bool>& pinned_here,
                             const std::vector<bool>& shape_nodes, const PlacementOptions& options);

}  // namespace aruntime
