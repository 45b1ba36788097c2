// A node all of whose inputs are constants computes the same outputs on every run: it is evaluated
// once, through the session's NodeEvaluator, and its outputs become initializers. Folded outputs
// are constants in turn, so a chain folds in one sweep (the graph is topologically sorted).
//
// Folding must not bloat the model, change its numbers or hide work a provider wants to see:
//  - outputs above OptimizerOptions::fold_max_output_bytes, or above fold_max_growth times the
//    bytes of the inputs (Expand, Tile, ConstantOfShape), stay computed at run time, except small
//    ones (shape vectors and the like, kSmallOutputBytes) and Constant (whose value is already in
//    the model);
//  - random ops would give every run the same sample;
//  - DequantizeLinear of quantized weights stays, so providers and fusions still see the
//    quantize-dequantize pattern (and the weights stay 8-bit);
//  - nodes with subgraphs are left alone.
#include <algorithm>
#include <set>

#include "graph/optimizer/node_evaluator.h"
#include "graph/optimizer/pass_context.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

constexpr size_t kSmallOutputBytes = 1024;

bool never_folded(const Node& node) {
  static const std::set<std::string> ops = {
      "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike",
      "Bernoulli",    "Multinomial",      "Dropout",       "DequantizeLinear"};
  if (ops.count(node.op_type)) return true;
  for (const Attribute& a : node.attributes) {
    if (a.g || !a.graphs.empty()) return true;
  }
  return false;
}

size_t bytes_of(const TypeInfo* type) {
  if (type == nullptr || type->kind != ValueKind::kTensor || !type->has_static_shape()) return 0;
  size_t n = element_size(type->dtype);
  for (const Dim& d : *type->shape) n *= static_cast<size_t>(d.value);
  return n;
}

std::vector<Dim> static_dims(const Tensor& t) {
  std::vector<Dim> dims;
  for (int64_t d : t.shape().dims()) dims.push_back(Dim::fixed(d));
  return dims;
}

// "graph address/node/op/inputs": a node is only retried when its inputs changed.
std::string memo_key(const Graph& graph, const Node& node) {
  std::string key =
      std::to_string(reinterpret_cast<uintptr_t>(&graph)) + "/" + node.name + "/" + node.op_type;
  for (const auto& in : node.inputs) key += "/" + in;
  return key;
}

class ConstantFolding final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kBasic; }

  int run(const Model& model, Graph& graph) const override {
    PassContext* context = active_pass_context();
    if (context == nullptr || context->options.evaluator == nullptr) return 0;
    const OptimizerOptions& options = context->options;
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size();) {
      const Node& node = graph.nodes[i];
      std::vector<const Tensor*> inputs;
      if (!all_inputs_constant(graph, node, inputs) || never_folded(node) || node.outputs.empty()) {
        ++i;
        continue;
      }
      const bool is_constant = node.op_type == "Constant" && node.domain.empty();
      size_t input_bytes = 0;
      std::set<const Tensor*> distinct(inputs.begin(), inputs.end());
      for (const Tensor* t : distinct) input_bytes += t ? t->byte_size() : 0;
      const size_t limit = is_constant ? SIZE_MAX : output_limit(options, input_bytes);
      // Outputs whose size shape inference already knows are judged before running anything.
      size_t known_bytes = 0;
      bool non_tensor = false;
      for (const auto& o : node.outputs) {
        if (o.empty()) continue;
        const TypeInfo* type = graph.find_type(o);
        non_tensor |= type != nullptr && type->kind != ValueKind::kTensor &&
                      type->kind != ValueKind::kUnknown;
        known_bytes += bytes_of(type);
      }
      const std::string key = memo_key(graph, node);
      if (non_tensor || known_bytes > limit || context->unfoldable.count(key)) {
        ++i;
        continue;
      }
      std::optional<std::vector<Tensor>> outputs =
          options.evaluator->evaluate(model, graph, node, inputs);
      if (!outputs || !fits(node, *outputs, limit)) {
        context->unfoldable.insert(key);
        ++i;
        continue;
      }
      for (size_t k = 0; k < node.outputs.size(); ++k) {
        const std::string& o = node.outputs[k];
        if (o.empty()) continue;
        graph.value_types[o] =
            TypeInfo{ValueKind::kTensor, (*outputs)[k].dtype(), static_dims((*outputs)[k])};
        graph.initializers[o] = std::move((*outputs)[k]);
      }
      graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(i));
      ++changes;
    }
    return changes;
  }

 private:
  // Every input the node reads is a constant of this graph (subgraphs see outer values, which
  // may be fed, so a subgraph node reading one is not folded).
  static bool all_inputs_constant(const Graph& graph, const Node& node,
                                  std::vector<const Tensor*>& inputs) {
    for (const auto& in : node.inputs) {
      if (in.empty()) {
        inputs.push_back(nullptr);
        continue;
      }
      const Tensor* t = graph.constant(in);
      if (t == nullptr) return false;
      inputs.push_back(t);
    }
    return true;
  }

  static size_t output_limit(const OptimizerOptions& options, size_t input_bytes) {
    const double grown = options.fold_max_growth * static_cast<double>(input_bytes);
    const size_t by_growth =
        grown >= static_cast<double>(SIZE_MAX) ? SIZE_MAX : static_cast<size_t>(grown);
    return std::min(options.fold_max_output_bytes, std::max(by_growth, kSmallOutputBytes));
  }

  static bool fits(const Node& node, const std::vector<Tensor>& outputs, size_t limit) {
    if (outputs.size() != node.outputs.size()) return false;
    size_t total = 0;
    for (size_t k = 0; k < outputs.size(); ++k) {
      if (node.outputs[k].empty()) continue;
      if (!outputs[k].defined() || !outputs[k].device().is_cpu()) return false;
      total += outputs[k].byte_size();
    }
    return total <= limit;
  }

  std::string name_ = "constant_folding";
};

}  // namespace

std::unique_ptr<GraphPass> make_constant_folding() {
  return std::make_unique<ConstantFolding>();
}

}  // namespace aruntime::optimizer
