// The optimizer's NodeEvaluator for a session: runs one node on constant inputs through the
// session's host providers (those whose device is the CPU), exactly as a run would, so folded
// values are the numbers the kernels compute. The node is placed alone in a small graph whose
// initializers are its inputs; the providers are asked to claim it, and the plan builder and the
// sequential executor run it.
#pragma once

#include <vector>

#include "core/execution_provider.h"
#include "graph/optimizer/node_evaluator.h"

namespace aruntime {

class ProviderNodeEvaluator final : public optimizer::NodeEvaluator {
 public:
  // `providers` are asked in order; those not on the host are skipped. They must outlive this.
  explicit ProviderNodeEvaluator(const std::vector<const ExecutionProvider*>& providers);

  std::optional<std::vector<Tensor>> evaluate(
      const Model& model, const Graph& graph, const Node& node,
      const std::vector<const Tensor*>& inputs) const override;

 private:
  std::vector<const ExecutionProvider*> host_providers_;
};

}  // namespace aruntime
