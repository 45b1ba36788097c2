// Runs the optimizer's passes: level by level, each level's passes in order until none changes
// anything (or an iteration limit), on the main graph and every subgraph. docs/optimizer.md lists
// the passes.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "graph/optimizer/graph_pass.h"

namespace aruntime::optimizer {

struct OptimizerOptions {
  Level level = Level::kExtended;   // highest level to run (kLayout runs after partitioning)
  std::set<std::string> disabled;   // pass names to skip
  int max_iterations = 16;          // rounds per level before the manager stops looking
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
