// What the fusion passes (fuse_*.cc) share: an index of producers and consumers, reading constants
// (initializers and Constant nodes), the check that a matched pattern may disappear, the rewrite
// that swaps it for one fused node, and the activations FusedConv/FusedGemm absorb.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "graph/ir.h"

namespace aruntime::optimizer {

// Producers and consumers of a graph's values; rebuild it after every rewrite.
class GraphIndex {
 public:
  explicit GraphIndex(const Graph& graph)
      : graph_(graph), producers_(graph.producers()), consumers_(graph.consumers()) {}

  // Index of the node producing `value` in this graph, when that node is a default-domain `op`.
  std::optional<size_t> producer(const std::string& value, std::string_view op) const;
  // Index of the node producing `value` in this graph, whatever its op.
  std::optional<size_t> producer(const std::string& value) const;
  // Nodes reading `value` (a node reading it only inside a subgraph counts too).
  const std::vector<NodeIndex>& consumers(const std::string& value) const;
  // The only node reading `value`, when `value` is not a graph output and exactly one node reads
  // it.
  std::optional<size_t> only_consumer(const std::string& value) const;

  // True when the nodes `pattern` can be replaced by one node writing the output 0 of node
  // `last` (a member of `pattern`): every value produced by the other members is neither a graph
  // output nor read outside the pattern, `last` produces nothing else that is used, and may_fuse
  // allows the nodes together.
  bool replaceable(const std::vector<size_t>& pattern, size_t last) const;

 private:
  const Graph& graph_;
  std::unordered_map<std::string, NodeIndex> producers_;
  std::unordered_map<std::string, std::vector<NodeIndex>> consumers_;
};

// True when the optimize() call in progress lets a fusion consume the nodes `pattern` together:
// after partitioning (OptimizerOptions::fusion_owner) only nodes placed on one provider that runs
// the fused ops; always otherwise. GraphIndex::replaceable checks it, so a pass that replaces its
// pattern some other way must call it itself.
bool may_fuse(const Graph& graph, const std::vector<size_t>& pattern);

// Replaces the nodes `pattern` by `fused`, which takes the place of their last node (so every value
// it reads is already defined there), then drops the intermediate values' types and the constants
// (Constant nodes, initializers that are not graph inputs) only the pattern read.
void replace_pattern(Graph& graph, std::vector<size_t> pattern, Node fused);

// The value of `name` when it is a constant of this graph: an initializer that no feed can
// override, or the output of a Constant node (value, value_float(s), value_int(s)).
std::optional<Tensor> constant_value(const Graph& graph, const std::string& name);
// The elements of a float32/float64/float16 constant as doubles; nullopt otherwise.
std::optional<std::vector<double>> float_constant(const Graph& graph, const std::string& name);
// A float constant holding exactly one element (of any shape), as a double.
std::optional<double> scalar_constant(const Graph& graph, const std::string& name);
// |a - b| <= tolerance * |b|: constants written out by exporters (sqrt(2), 1/sqrt(2), ...).
bool close_to(double a, double b, double tolerance = 1e-5);

// The static dims of `value` (in this graph or an enclosing one); nullopt when unknown or dynamic.
std::optional<std::vector<int64_t>> static_shape(const Graph& graph, const std::string& value);
// True when both values have known shapes of the same rank whose dims are equal: the same static
// size, or the same named symbol.
bool same_shape(const Graph& graph, const std::string& a, const std::string& b);
// Element type of `value`, kUndefined when unknown.
DataType element_type(const Graph& graph, const std::string& value);
// Rank of `value`, or -1 when unknown.
int64_t rank_of(const Graph& graph, const std::string& value);

// A default-domain node of type `op`.
bool is_op(const Node& node, std::string_view op);
// The first axis a ReduceMean with keepdims reduces when its axes (an attribute before opset 18,
// a constant input from 18) are exactly the trailing ones of a rank-`rank` input, else nullopt:
// the mean of a LayerNormalization or RMSNormalization pattern.
std::optional<int64_t> trailing_axis(const Model& model, const Graph& graph, const Node& mean, int64_t rank);
// `dims` without its leading 1s (the shapes a normalisation's scale may broadcast from).
std::vector<int64_t> without_leading_ones(std::vector<int64_t> dims);
// The static dims of `value` from `axis` on (the normalised axes), or nullopt when one is not
// static.
std::optional<std::vector<int64_t>> trailing_static_dims(const Graph& graph, const std::string& value, int64_t axis);
// A normalisation's scale or bias: the name of a constant with exactly the dims `normalized` holding
// `name`'s values: `name` itself when it already has them, else a new initializer named after it
// with `suffix` (`name` may have extra leading ones, as long as it does not outrank x, whose shape
// the product keeps). nullopt when `name` is not such a constant of `type`. Only checks unless
// `commit`.
std::optional<std::string> normalization_parameter(Graph& graph, const std::string& name, DataType type,
                                                   const std::vector<int64_t>& normalized, int64_t x_rank,
                                                   bool commit, const std::string& suffix);
// For a two-input node: the index (0 or 1) of the input other than `value`, or nullopt when
// `value` is not one of exactly two inputs.
std::optional<size_t> other_input(const Node& node, const std::string& value);

// An activation a fused kernel applies to its output: the ONNX op it replaces and its parameters
// (Clip: min, max; LeakyRelu: alpha; HardSigmoid: alpha, beta; none for the others).
struct ActivationSpec {
  std::string op;
  std::vector<float> params;
};
// The activation `node` computes, when fused kernels can apply it: Relu, Clip with constant bounds
// (attributes before opset 11, constant inputs after; a missing bound is infinite), Sigmoid,
// HardSigmoid, HardSwish, LeakyRelu, Tanh, and Gelu (ONNX or aruntime; "GeluTanh" for its tanh
// approximation).
std::optional<ActivationSpec> activation_of(const Model& model, const Graph& graph,
                                            const Node& node);
// An activation applied to a value: what it is, the nodes computing it and the last of them (whose
// output 0 is the activated value).
struct ActivationMatch {
  ActivationSpec spec;
  std::vector<size_t> nodes;
  size_t last = 0;
};
// The activation that the readers of `value` apply to it: one node as above, or x * Sigmoid(x)
// (SiLU, "Swish" with alpha 1) and x * Sigmoid(alpha * x) ("Swish" with alpha) spelled with Mul.
// GraphIndex::replaceable still has to accept the producer of `value` with `nodes`.
std::optional<ActivationMatch> activation_after(const Model& model, const Graph& graph,
                                                const GraphIndex& index, const std::string& value);
// Sets `node`'s activation attributes (fused_domain.h).
void set_activation(Node& node, const ActivationSpec& activation);
// True when `node` carries an activation attribute.
bool has_activation(const Node& node);

Attribute string_attribute(const std::string& name, const std::string& value);
Attribute int_attribute(const std::string& name, int64_t value);
Attribute float_attribute(const std::string& name, float value);
Attribute floats_attribute(const std::string& name, std::vector<float> values);

// A node of the fused domain named after the node it replaces.
Node fused_node(const std::string& op_type, const std::string& name,
                std::vector<std::string> inputs, const std::string& output);

}  // namespace aruntime::optimizer
