// Assigns every node of a graph to an execution provider. Providers are asked in the session's
// order of preference; each claims nodes that are still free, and a node taken by one provider
// is never offered to a later one. Claims are checked (free nodes only, fused groups convex).
// Whatever no provider takes is an error naming each node and every provider's reason.
#pragma once

#include <string>
#include <vector>

#include "core/execution_provider.h"

namespace aruntime {

struct NodeAssignment {
  int provider = -1;                  // index into the provider list
  int group = -1;                     // index into PartitionResult::groups, or -1 for a kernel claim
  const KernelDef* kernel = nullptr;  // for kernel claims
  // (provider index, reason) for each provider asked before the one that took the node.
  std::vector<std::pair<int, std::string>> declines;
};

struct FusedGroup {
  int provider = -1;
  std::vector<NodeIndex> nodes;  // in topological order
};

struct PartitionResult {
  std::vector<NodeAssignment> nodes;  // one per graph node
  std::vector<FusedGroup> groups;
};

// `origin` prefixes error messages. Throws Error(kNotImplemented) when nodes remain unassigned,
// and Error(kRuntimeError) when a provider makes an invalid claim.
PartitionResult partition_graph(const Model& model, const Graph& graph,
                                const std::vector<const ExecutionProvider*>& providers,
                                const std::string& origin);

// True when no path leaves `group` and re-enters it (fusing it into one node keeps the graph acyclic).
bool is_convex(const Graph& graph, const std::vector<NodeIndex>& group);

}  // namespace aruntime
