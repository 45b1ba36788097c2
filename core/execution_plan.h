// The executable form of a partitioned graph: a list of steps (one per kernel-claimed node, one
// per fused group, one per inserted copy) in dependency order, over numbered value slots. Built
// once per session; runs only read it.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/execution_provider.h"
#include "core/partitioner.h"

namespace aruntime {

struct ExecutionStep {
  const Node* node = nullptr;  // the model's node, or a synthetic copy/fused node owned by the plan
  int provider = -1;           // index into the provider list
  std::unique_ptr<OpKernel> kernel;
  std::vector<int> inputs;   // slot per node input, -1 when omitted
  std::vector<int> outputs;  // slot per node output, -1 when omitted
  // Outer-scope values that the node's subgraphs (If/Loop/Scan bodies) read, by name and slot.
  std::vector<std::pair<std::string, int>> implicit_inputs;
  Allocator* allocator = nullptr;  // arena on the device where this step's outputs live
  std::vector<int> release_after;  // slots whose last reader is this step
};

struct ExecutionPlan {
  std::vector<ExecutionStep> steps;
  std::vector<std::string> slot_names;   // unique: "x", or "x@npu:0" for a copy on a device
  std::vector<std::string> slot_values;  // the graph value each slot holds ("x")
  std::vector<Device> slot_devices;
  std::vector<char> slot_is_output;
  std::vector<char> slot_is_constant;   // initializers (plan.constants)
  std::vector<char> slot_is_input;      // graph inputs
  std::vector<char> slot_is_read;       // some step reads the slot
  std::vector<int> graph_input_slots;   // per Graph::inputs entry
  std::vector<int> graph_output_slots;  // per Graph::outputs entry (host memory)
  // Device memory holding constants uploaded at plan time (declared first: it outlives them).
  std::vector<std::shared_ptr<Allocator>> constant_memories;
  std::vector<std::pair<int, Tensor>> constants;  // initializers, per device that reads them
  std::deque<Node> synthetic_nodes;               // copy and fused nodes (deque: stable addresses)
  // The providers' data transfers, for copies the executor makes outside copy steps (a graph
  // output written into a caller's buffer in another memory).
  std::vector<const DataTransfer*> transfers;
  size_t num_copies = 0;            // copy steps, run at every run
  size_t num_constant_uploads = 0;  // constants copied to a device once, when the plan was built
  // Bytes of constants the kernels packed into their own layouts (OpKernel::packed_bytes).
  size_t packed_constant_bytes = 0;
};

// Everything plan building needs from the session.
struct PlanInputs {
  const Model& model;
  const Graph& graph;
  const std::vector<const ExecutionProvider*>& providers;
  const PartitionResult& partition;
  // One arena per provider (index-aligned with `providers`).
  const std::vector<Allocator*>& arenas;
  // Host arena, used for copy steps that land in host memory.
  Allocator* host_arena;
  // Compiles the subgraphs of control-flow nodes; null where subgraphs are not allowed.
  const SubgraphCompiler* subgraphs = nullptr;
};

// Called, as soon as its kernel is created, for each initializer that one node reads and its
// kernel packed (OpKernel::packed_constant_input): the owner of the graph drops it, so that the
// original and the packed weights are never all in memory at once.
using ReleaseInitializer = std::function<void(const std::string& initializer)>;

// Creates kernels (the prepare step), compiles fused groups, inserts copies where a value crosses
// device memories (at most one copy per value and device), orders the steps and computes value
// lifetimes. Errors name the model origin and the node.
// With `release_packed_initializer` (empty: keep every initializer), inputs whose initializer was
// released read as omitted.
ExecutionPlan build_execution_plan(const PlanInputs& in,
                                   const ReleaseInitializer& release_packed_initializer = {});

// Copies `src` into `dst` (same dtype and shape) whatever memories they are in: host memory
// directly, otherwise through a transfer of `plan` that can. Throws Error naming both devices
// when none can.
void copy_tensor(const ExecutionPlan& plan, const Tensor& src, Tensor& dst);

// True for the copy steps the plan inserts between memories.
inline bool is_copy_step(const ExecutionStep& step) {
  return step.node->domain == "aruntime.internal";
}

}  // namespace aruntime
