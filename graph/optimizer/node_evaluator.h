// How constant_folding computes a node's outputs. graph/ cannot run kernels (providers live above
// it), so the session hands the optimizer an evaluator that runs one node on a host provider
// (core/constant_evaluator.h); without one, constant folding does nothing.
#pragma once

#include <optional>
#include <vector>

#include "aruntime/tensor.h"
#include "graph/ir.h"

namespace aruntime::optimizer {

class NodeEvaluator {
 public:
  virtual ~NodeEvaluator() = default;
  // Runs `node` of `graph` once. `inputs` is index-aligned with node.inputs (nullptr for an omitted
  // input); `graph` gives the declared types of the node's outputs. Returns one tensor per node
  // output (undefined for an omitted one), or nullopt when the node cannot be evaluated here (no
  // host kernel, a non-tensor output, an error while running): the node then stays in the graph.
  virtual std::optional<std::vector<Tensor>> evaluate(
      const Model& model, const Graph& graph, const Node& node,
      const std::vector<const Tensor*>& inputs) const = 0;
};

}  // namespace aruntime::optimizer
