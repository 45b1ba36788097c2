// Runs the optimizer's passes: level by level, each level's passes in order until none changes
// anything (or an iteration limit), on the main graph and every subgraph. docs/optimizer.md lists
// the passes.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "graph/optimizer/graph_pass.h"
#include "graph/optimizer/node_evaluator.h"

namespace aruntime::optimizer {

struct OptimizerOptions {
  Level level = Level::kExtended;     // highest level to run
  Level first_level = Level::kBasic;  // lowest level to run
  std::set<std::string> disabled;     // pass names to skip
  // Set for the fusions a session runs after partitioning (level 3): the provider a node is placed
  // on, or nullopt for a node that fusions must leave alone (another provider's, or a subgraph's).
  // A fusion consumes only nodes with a value, all the same (fuse_common.h: may_fuse). Unset:
  // every node, all alike.
  std::function<std::optional<int>(const Graph& graph, const Node& node)> fusion_owner;
  // Set by a session for level 3: the provider a node is placed on when that provider prefers the
  // blocked channel layout (ExecutionProvider::preferred_layout), else nullopt. The layout pass
  // rewrites only such nodes, and lets blocked values flow only between nodes of one provider.
  // Unset: the layout pass does nothing (a file saved by `aruntime optimize` stays plain).
  std::function<std::optional<int>(const Graph& graph, const Node& node)> layout_owner;
  int max_iterations = 16;  // rounds per level before the manager stops looking
  // constant_folding runs nodes through this (the session's host providers); nullptr: no folding.
  const NodeEvaluator* evaluator = nullptr;
  // constant_folding leaves a node computed at run time when its outputs would take more than
  // fold_max_output_bytes, or more than fold_max_growth times its inputs' bytes (outputs of up to
  // 1 KiB always fold, and Constant nodes always do): folding must not bloat the model.
  size_t fold_max_output_bytes = size_t{1} << 20;
  double fold_max_growth = 2.0;
};

struct PassCount {
  std::string pass;
  int rewrites = 0;
};

struct OptimizationReport {
  size_t nodes_before = 0;  // main graph
  size_t nodes_after = 0;
  std::vector<PassCount> passes;  // every pass that ran, in registration order
};

// The passes this build has, in the order they run within a level.
const std::vector<std::unique_ptr<GraphPass>>& builtin_passes();

// Optimizes `model` in place. Throws Error(kInvalidArgument) when `disabled` names a pass that
// does not exist (likely a typo).
OptimizationReport optimize(Model& model, const OptimizerOptions& options);

}  // namespace aruntime::optimizer
