// Assigns every node of a graph to an execution provider. Providers are asked in the session's
// order of preference; each claims nodes that are still free, and a node taken by one provider
// is never offered to a later one. Claims are checked (free nodes only, fused groups convex).
// Whatever no provider takes is an error naming each node and every provider's reason.
#pragma once

#include <string>
#include <vector>

#include "aruntime/session.h"
#include "core/execution_provider.h"

namespace aruntime {

inline constexpr int kFunctionBodyDecline = -1;

struct NodeAssignment {
  int provider = -1;                  // index into the provider list
  int group = -1;                     // index into PartitionResult::groups, or -1 for a kernel claim
  const KernelDef* kernel = nullptr;  // for kernel claims
  // (provider index, reason) for each provider asked before the one that took the node;
  // kFunctionBodyDecline says why an unassigned node's ONNX function body could not stand in.
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

// `origin` prefixes error messages. `options` adds the user's pins and the device cost rules
// (core/placement_rules.h). Throws Error(kNotImplemented) when nodes remain unassigned,
// Error(kInvalidArgument) when a pinned node is not taken by its provider, and
// Error(kRuntimeError) when a provider makes an invalid claim.
PartitionResult partition_graph(const Model& model, const Graph& graph,
                                const std::vector<const ExecutionProvider*>& providers,
                                const std::string& origin, const PlacementOptions& options = {});

// partition_graph for a graph the session owns: a node no provider can run that ONNX defines as a
// function (graph/standard_functions.h) is replaced in `graph` by its body, whose element types are
// then inferred, and the graph is partitioned again; bodies holding such nodes expand in turn.
PartitionResult partition_expanding_functions(const Model& model, Graph& graph,
                                              const std::vector<const ExecutionProvider*>& providers,
                                              const std::string& origin, const PlacementOptions& options = {});

// True when no path leaves `group` and re-enters it (fusing it into one node keeps the graph acyclic).
bool is_convex(const Graph& graph, const std::vector<NodeIndex>& group);

}  // namespace aruntime
