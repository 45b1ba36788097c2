#include "core/constant_evaluator.h"

#include "core/execution_plan.h"
#include "core/executor.h"
#include "core/logging.h"
#include "core/partitioner.h"
#include "graph/type_inference.h"

namespace aruntime {
namespace {

TypeInfo type_of(const Tensor& t) {
  std::vector<Dim> dims;
  for (int64_t d : t.shape().dims()) dims.push_back(Dim::fixed(d));
  return TypeInfo{ValueKind::kTensor, t.dtype(), dims};
}

}  // namespace

ProviderNodeEvaluator::ProviderNodeEvaluator(
    const std::vector<const ExecutionProvider*>& providers) {
  for (const ExecutionProvider* p : providers) {
    if (p != nullptr && p->device().is_cpu()) host_providers_.push_back(p);
  }
}

std::optional<std::vector<Tensor>> ProviderNodeEvaluator::evaluate(
    const Model& model, const Graph& graph, const Node& node,
    const std::vector<const Tensor*>& inputs) const {
  if (host_providers_.empty() || inputs.size() != node.inputs.size()) return std::nullopt;
  Model one;
  one.ir_version = model.ir_version;
  one.opset_imports = model.opset_imports;
  one.origin = model.origin + " (constant folding of " + node.describe() + ")";
  one.graph = std::make_shared<Graph>();
  Graph& g = *one.graph;
  g.name = "constant_folding";
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (node.inputs[i].empty()) continue;
    if (inputs[i] == nullptr || !inputs[i]->device().is_cpu()) return std::nullopt;
    g.initializers[node.inputs[i]] = *inputs[i];
    g.value_types[node.inputs[i]] = type_of(*inputs[i]);
  }
  // Declared output types guide kernel selection; infer_types fills in the rest.
  for (const auto& o : node.outputs) {
    if (o.empty()) continue;
    if (const TypeInfo* t = graph.find_type(o)) g.value_types[o] = *t;
  }
  g.nodes.push_back(node);
  try {
    infer_types(g);
    for (const auto& o : node.outputs) {
      if (o.empty()) continue;
      auto it = g.value_types.find(o);
      if (it == g.value_types.end() || it->second.kind != ValueKind::kTensor) return std::nullopt;
      g.outputs.push_back({o, it->second});
    }
    const PartitionResult partition = partition_graph(one, g, host_providers_, one.origin);
    std::vector<std::shared_ptr<Allocator>> owners;
    std::vector<Allocator*> arenas;
    for (const ExecutionProvider* p : host_providers_) {
      owners.push_back(p->allocator());
      arenas.push_back(owners.back().get());
    }
    auto host = cpu_heap_allocator();
    const ExecutionPlan plan =
        build_execution_plan({one, g, host_providers_, partition, arenas, host.get()});
    const SequentialExecutor executor(plan, one.origin, *host);
    std::vector<Value> values = executor.run({});
    std::vector<Tensor> outputs(node.outputs.size());
    size_t next = 0;
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      if (node.outputs[k].empty()) continue;
      Value& v = values.at(next++);
      if (!v.is_tensor() || !v.defined()) return std::nullopt;
      outputs[k] = std::move(v.tensor());
    }
    return outputs;
  } catch (const Error& e) {
    // The node stays in the graph; a run reports the error with the full model's context.
    log::debug("{}: not folded: {}", one.origin, e.what());
    return std::nullopt;
  }
}

}  // namespace aruntime
