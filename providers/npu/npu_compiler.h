// The NPU compiler: turns a fused group into a device Program. Per node it lowers the ONNX op to
// one device instruction, except that
//  - BatchNormalization after a Conv is folded into the Conv's weights and bias;
//  - an activation (Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid, HardSwish, Gelu) after a
//    Conv, Gemm/MatMul, Add/Sub/Mul/Div or unfolded BatchNormalization is fused into it;
//  - Reshape and Flatten are views: the output shares the input's device buffer;
//  - Constant nodes, and Reshape/Flatten/Transpose/QuantizeLinear/DequantizeLinear of constants,
//    are evaluated at compile time.
// (Fusion applies only where the intermediate value has no other reader and is not a program
// output.) Then activations get offsets in one block (npu_memory_plan.h), weights are converted
// to the device format (npu_numeric.h) and every instruction is costed (npu_cost_model.h).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/ir.h"
#include "providers/npu/npu_decline.h"
#include "providers/npu/npu_options.h"
#include "providers/npu/npu_program.h"

namespace aruntime::npu {

// What the compiler needs to know about a group, whether it comes as a fused subgraph (compile)
// or as nodes of the whole graph (capability checks and memory estimates).
struct GroupSource {
  std::string name;
  std::vector<const Node*> nodes;    // topological order
  std::vector<std::string> inputs;   // values read from outside the group (constants excluded)
  std::vector<std::string> outputs;  // values read after the group or graph outputs
  // Constants visible to the group (initializers that no feed can override).
  std::function<const Tensor*(const std::string&)> constant;
  std::function<const TypeInfo*(const std::string&)> type;
  std::map<std::string, int64_t> opsets;  // domain ("" = ai.onnx) -> version

  int64_t opset(const std::string& domain) const;
};

// The group as execution_plan.cc builds its fused subgraph: inputs in order of first use, outputs
// (sorted by name) that outside nodes or the graph outputs read.
GroupSource group_source(const Model& model, const Graph& graph,
                         const std::vector<NodeIndex>& nodes);
// A fused subgraph handed to ExecutionProvider::compile.
GroupSource group_source(const Graph& fused_subgraph, std::map<std::string, int64_t> opsets);

// Compiles the group. Weights are not converted yet: Program::weight_inits write them when the
// program is loaded into device memory (so a compile for a memory estimate stays cheap). Throws
// UnsupportedNode when a node cannot run on the device, and Error(kInvalidModel) naming the node
// when the model is inconsistent (a declared shape that contradicts the op's rules).
Program compile_group(const GroupSource& source, const NpuOptions& options);

// The node compiled alone, as a one-node program; nullopt when the device cannot run it. Inputs
// that resolve_constant() can compute count as constants.
std::optional<Program> compile_single_node(const Model& model, const Graph& graph, const Node& node,
                                           const NpuOptions& options);

// Value of `name` when the compiler can know it at compile time: an initializer, a Constant node
// output, or Reshape/Flatten/Transpose/QuantizeLinear/DequantizeLinear/Identity of such values,
// looking only at nodes for which `may_fold` is true. nullopt otherwise.
std::optional<Tensor> resolve_constant(const Graph& graph, const std::string& name,
                                       const std::function<bool(NodeIndex)>& may_fold,
                                       int64_t default_opset);

}  // namespace aruntime::npu
