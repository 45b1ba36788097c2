#include "tests/unit/graph_runner.h"

#include "core/arena.h"
#include "core/execution_plan.h"
#include "core/executor.h"
#include "core/partitioner.h"
#include "graph/type_inference.h"
#include "providers/cpu/cpu_execution_provider.h"

namespace aruntime::testing {

std::vector<Tensor> run_graph(GraphBuilder& b, const std::vector<const ExecutionProvider*>& providers,
                              std::vector<Tensor> inputs) {
  infer_types(b.graph());
  auto host = std::make_shared<ArenaAllocator>(cpu_heap_allocator());
  std::vector<Allocator*> arenas(providers.size(), host.get());
  PartitionResult partition = partition_graph(b.model, b.graph(), providers, b.model.origin);
  ExecutionPlan plan = build_execution_plan({b.model, b.graph(), providers, partition, arenas, host.get()});
  SequentialExecutor ex(plan, b.model.origin, *cpu_heap_allocator());
  std::vector<Value> values(inputs.begin(), inputs.end());
  std::vector<Tensor> out;
  for (Value& v : ex.run(std::move(values))) out.push_back(std::move(v.tensor()));
  return out;
}

std::vector<Tensor> run_graph_on_cpu(GraphBuilder& b, std::vector<Tensor> inputs) {
  const CpuExecutionProvider cpu;
  return run_graph(b, {&cpu}, std::move(inputs));
}

}  // namespace aruntime::testing
