#include "core/subgraph_compiler.h"

#include "core/execution_plan.h"
#include "core/executor.h"
#include "core/partitioner.h"

namespace aruntime {
namespace {

// A subgraph whose outer-scope reads became extra graph inputs, so the ordinary plan builder and
// executor run it: formal inputs first, then one input per outer name.
class PlannedSubgraph final : public CompiledSubgraph {
 public:
  PlannedSubgraph(const Model& model, const Graph& subgraph, const std::vector<const ExecutionProvider*>& providers,
                  const std::vector<Allocator*>& arenas, Allocator* host_arena, const SubgraphCompiler& compiler,
                  const PlacementOptions& placement)
      : graph_(std::make_unique<Graph>(subgraph)), num_formal_(subgraph.inputs.size()) {
    outer_names_ = Graph::outer_scope_inputs(subgraph);
    for (const auto& name : outer_names_) {
      const TypeInfo* t = subgraph.find_type(name);
      graph_->inputs.push_back({name, t ? *t : TypeInfo{ValueKind::kUnknown, DataType::kUndefined, std::nullopt}});
    }
    // Initializers of the body that are not inputs are constants of the plan; formal inputs the
    // body also initialises keep their initializer as the default (ONNX allows it).
    partition_ = partition_expanding_functions(model, *graph_, providers, model.origin, placement);
    plan_ = build_execution_plan({model, *graph_, providers, partition_, arenas, host_arena, &compiler});
    executor_ = std::make_unique<SequentialExecutor>(plan_, model.origin, *cpu_heap_allocator());
    origin_ = model.origin;
  }

  std::vector<Value> run(std::vector<Value> inputs,
                         const std::function<const Value*(const std::string&)>& outer) const override {
    if (inputs.size() != num_formal_) {
      throw_error(ErrorCode::kRuntimeError, origin_ + ": subgraph '" + graph_->name + "' takes " +
                                                std::to_string(num_formal_) + " inputs, given " +
                                                std::to_string(inputs.size()));
    }
    for (const auto& name : outer_names_) {
      const Value* v = outer(name);
      if (v == nullptr) {
        throw_error(ErrorCode::kRuntimeError, origin_ + ": subgraph '" + graph_->name + "' reads '" + name +
                                                  "', which no enclosing graph provides");
      }
      inputs.push_back(*v);
    }
    return executor_->run(std::move(inputs));
  }

  const std::vector<std::string>& outer_names() const override { return outer_names_; }

 private:
  std::unique_ptr<Graph> graph_;  // heap: the plan points into its nodes
  size_t num_formal_;
  std::vector<std::string> outer_names_;
  PartitionResult partition_;
  ExecutionPlan plan_;
  std::unique_ptr<SequentialExecutor> executor_;
  std::string origin_;
};

}  // namespace

std::unique_ptr<CompiledSubgraph> SessionSubgraphCompiler::compile(const Graph& subgraph) const {
  return std::make_unique<PlannedSubgraph>(model_, subgraph, providers_, arenas_, host_arena_, *this, placement_);
}

}  // namespace aruntime
