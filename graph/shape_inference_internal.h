// Internals of shape inference (graph/shape_inference.h), shared by its source files: symbolic
// dim arithmetic, the per-node context that rules read inputs from and write outputs to, and the
// rule tables of each op family.
#pragma once

#include <algorithm>
#include <utility>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "graph/ir.h"

namespace aruntime::shape_inference {

using Dims = std::vector<Dim>;

// Integer tensors of at most this many elements (and a static shape) have their values followed
// (shapes, axes, indices, pads); larger ones are data, not shapes.
inline constexpr size_t kMaxTrackedValues = 64;

// One element of a tracked integer tensor: a known value (of any sign, unlike a Dim), the runtime
// size of a named dim, or unknown.
struct Elem {
  std::optional<int64_t> value;
  std::string symbol;

  static Elem of(int64_t v) { return Elem{v, {}}; }
  static Elem from_dim(const Dim& d) {
    return d.is_static() ? of(d.value) : Elem{std::nullopt, d.symbol};
  }
  // As a dim: negative values are no size, so they become unknown.
  Dim to_dim() const;
  bool known() const { return value.has_value(); }
};

// The elements (row-major) of a small integer (or bool) tensor whose shape is static.
struct Values {
  std::vector<Elem> elems;
  std::vector<int64_t> dims;  // empty for a scalar

  bool scalar() const { return dims.empty(); }
  // All elements, when all are known.
  std::optional<std::vector<int64_t>> ints() const;
};

// The values of a small integer or bool tensor (an initializer or a Constant's value).
std::optional<Values> values_of_tensor(const Tensor& t);

// --- Dim arithmetic (shape_inference_dims.cc) ------------------------------------------------

std::string dims_to_string(const Dims& dims);                    // "[1,batch,?]"
std::string ints_to_string(const std::vector<int64_t>& values);  // "[1,2]"
// Same static value, or the same symbol.
bool same_dim(const Dim& a, const Dim& b);
// Multidirectional broadcast of one dim; nullopt when two static dims differ and neither is 1.
std::optional<Dim> broadcast_dim(const Dim& a, const Dim& b);
// Product of dims [begin, end): static when all are; a lone symbol times static 1s is the symbol;
// anything else (or an overflow) is unknown. A static 0 makes it 0.
Dim dim_product(const Dims& dims, size_t begin, size_t end);
// a + b and a * b, with the identities x+0, x*1 (and x*0) keeping symbols; unknown otherwise or
// on overflow.
Dim dim_add(const Dim& a, const Dim& b);
Dim dim_mul(const Dim& a, const Dim& b);
// A static dim, or unknown when `v` is negative (no size).
Dim fixed_or_unknown(int64_t v);
// Checked static helpers: nullopt on overflow.
std::optional<int64_t> checked_mul(int64_t a, int64_t b);
std::optional<int64_t> checked_add(int64_t a, int64_t b);

// --- Per-node context ---------------------------------------------------------------------------

// What the pass knows beyond graph.value_types: values of small integer tensors and the tensors of
// Constant nodes. A subgraph's store falls back to its enclosing graph's.
class ValueStore {
 public:
  explicit ValueStore(const ValueStore* parent = nullptr) : parent_(parent) {}
  const Values* values(const std::string& name) const;
  const Tensor* constant(const std::string& name) const;
  void set_values(const std::string& name, Values v) { values_[name] = std::move(v); }
  void set_constant(const std::string& name, Tensor t) { constants_[name] = std::move(t); }

 private:
  const ValueStore* parent_;
  std::unordered_map<std::string, Values> values_;
  std::unordered_map<std::string, Tensor> constants_;
};

class NodeContext {
 public:
  NodeContext(const Graph& graph, const Node& node, const ValueStore& store);

  const Node& node() const { return node_; }
  size_t num_inputs() const { return node_.inputs.size(); }
  size_t num_outputs() const { return node_.outputs.size(); }
  bool has_input(size_t i) const { return node_.has_input(i); }

  // Shape of input i; nullptr when the input is absent or its rank is unknown.
  const Dims* shape(size_t i) const;
  DataType dtype(size_t i) const;
  DataType output_dtype(size_t k) const;
  // Tracked values of input i (see Values), or nullptr.
  const Values* values(size_t i) const;
  // The values of input i when all are static.
  std::optional<std::vector<int64_t>> ints(size_t i) const;
  // The tensor of input i when it is a constant (initializer or Constant node output).
  const Tensor* constant(size_t i) const;
  // The values of a constant numeric input i as doubles (scales, Range bounds).
  std::optional<std::vector<double>> doubles(size_t i) const;

  void set_shape(size_t k, Dims shape);
  void set_values(size_t k, Values values);
  const std::optional<Dims>& output_shape(size_t k) const { return out_shapes_[k]; }
  const std::optional<Values>& output_values(size_t k) const { return out_values_[k]; }

  // Throws Error(kInvalidModel): "<node.describe()>: <what>".
  [[noreturn]] void fail(const std::string& what) const;
  // "input 'x' [1,3,8,8]" for messages.
  std::string describe_input(size_t i) const;
  // `axis` in [-rank, rank) made non-negative; fails naming `what` otherwise.
  int64_t normalize_axis(int64_t axis, int64_t rank, std::string_view what = "axis") const;

  // Shape rules write here; the driver merges into graph.value_types.
  std::vector<std::optional<Dims>> out_shapes_;
  std::vector<std::optional<Values>> out_values_;

 private:
  const Graph& graph_;
  const Node& node_;
  const ValueStore& store_;
};

// A shape rule sets the output shapes it can derive and leaves the others unset.
// Shape's [start, end) over an input of rank `rank`: opset 15's start/end attributes, negative
// values counted from the back, both clamped to [0, rank].
inline std::pair<int64_t, int64_t> shape_op_range(const Node& node, int64_t rank) {
  auto clamp_index = [rank](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank); };
  return {clamp_index(node.attr_int("start", 0)), clamp_index(node.attr_int("end", rank))};
}

using ShapeRule = std::function<void(NodeContext&)>;
// Keyed by op type for the default domain and "domain:op" for others.
using RuleTable = std::unordered_map<std::string, ShapeRule>;

void add_elementwise_rules(RuleTable& rules);  // shape_inference_elementwise.cc
void add_nn_rules(RuleTable& rules);           // shape_inference_nn.cc
void add_tensor_rules(RuleTable& rules);       // shape_inference_tensor.cc
void add_reduce_rules(RuleTable& rules);       // shape_inference_reduce.cc
void add_ml_rules(RuleTable& rules);           // shape_inference_ml.cc
void add_einsum_rules(RuleTable& rules);       // shape_inference_einsum.cc
void add_misc_rules(RuleTable& rules);         // shape_inference_misc.cc

// Follows values of small integer tensors through the node (shape_inference_values.cc). Runs after
// the node's shape rule, whose output shapes it may read.
void propagate_values(NodeContext& ctx);

// Shared by several rule files.
// Output k (default 0) has the shape of input i.
void same_shape_as_input(NodeContext& ctx, size_t i = 0, size_t k = 0);
// Multidirectional broadcast of the given inputs' shapes; fails naming them when they cannot
// broadcast. nullopt when a shape is unknown.
std::optional<Dims> broadcast_inputs(NodeContext& ctx, const std::vector<size_t>& inputs);
// Axes from attribute `name`, or from input `input` when the attribute is absent; nullopt when
// neither is known (`present` tells whether axes were given at all).
std::optional<std::vector<int64_t>> axes_from_attr_or_input(const NodeContext& ctx,
                                                            std::string_view name, size_t input,
                                                            bool* present);

}  // namespace aruntime::shape_inference
