// Level 3: the CNN regions of a provider that prefers the blocked channel layout (kernels/nchwc.h)
// move into it. Convolutions become aruntime.NchwcConv, which prepacks its weights once and
// computes 16 output channels per instruction without im2col; the pools, the pointwise ops and
// the residual and squeeze-excitation arithmetic between them then read and write blocked tensors
// as they are, and reorders appear only at the edges of a region: NchwcReorderInput where a
// blocked-only op (a depthwise convolution, a residual) reads a plain tensor, NchwcReorderOutput
// (writing the original value's name) where anything else reads a blocked value or it is a graph
// output. A convolution reading a plain tensor (the network's input, typically of 3 channels)
// reads it directly: padding 3 channels to 16 would cost five times its work.
//
// Padded lanes (channels C..16*blocks(C)) hold whatever the ops make of 0 (Sigmoid makes 0.5):
// finite values that the convolutions' zero weights ignore and NchwcReorderOutput drops. That is
// why only ops that keep finite inputs finite take part (no Div, Log, Reciprocal).
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/graph_edit.h"
#include "graph/optimizer/pass_context.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

constexpr int64_t kBlock = 16;  // the ops' block: kernels/nchwc.h kBlock

int64_t blocks(int64_t channels) {
  return (channels + kBlock - 1) / kBlock;
}

// Pointwise ops that map finite values to finite values (0 included), so padded lanes stay
// harmless.
bool is_unary_pointwise(const Node& node) {
  static const std::set<std::string> onnx = {
      "Relu", "Sigmoid",  "Tanh", "HardSigmoid", "HardSwish", "LeakyRelu", "Clip",     "Elu",
      "Selu", "Softplus", "Erf",  "Gelu",        "Abs",       "Neg",       "Identity", "Mish"};
  if (node.domain.empty()) return onnx.count(node.op_type) != 0;
  return node.domain == kFusedDomain && node.op_type == "Gelu";
}

bool is_binary_pointwise(const Node& node) {
  static const std::set<std::string> ops = {"Add", "Sub", "Mul", "Max", "Min"};
  return node.domain.empty() &&
         (ops.count(node.op_type) != 0 || (node.op_type == "Sum" && node.inputs.size() == 2));
}

// The static dims of a 4-D value, -1 where unknown; nullopt when its rank is not 4.
std::optional<std::vector<int64_t>> dims4(const Graph& graph, const std::string& value) {
  const TypeInfo* type = graph.find_type(value);
  if (type == nullptr || !type->shape || type->shape->size() != 4) return std::nullopt;
  std::vector<int64_t> dims;
  for (const Dim& d : *type->shape) dims.push_back(d.is_static() ? d.value : -1);
  return dims;
}

// What the pass knows of a value that will exist in blocked form.
struct BlockedValue {
  std::string name;  // the blocked value
  int owner = 0;     // provider of its producer
  int64_t channels = 0;
};

class BlockedLayout {
 public:
  BlockedLayout(Graph& graph, const OptimizerOptions& options) : graph_(graph), options_(options) {
    for (const Node& n : graph_.nodes) node_names_.insert(n.name);
  }

  int run() {
    std::vector<Node> out;
    out.reserve(graph_.nodes.size());
    int changes = 0;
    for (Node& node : graph_.nodes) {
      const std::optional<int> owner = options_.layout_owner(graph_, node);
      std::optional<Node> converted;
      if (owner) converted = convert(node, *owner, out);
      if (!converted) {
        out.push_back(std::move(node));
        continue;
      }
      ++changes;
      out.push_back(std::move(*converted));
    }
    graph_.nodes = std::move(out);
    if (changes == 0) return 0;
    // A blocked value whose original name is still read (by a node that reads it plain, a
    // subgraph, or as a graph output) gets a NchwcReorderOutput right after its producer, writing
    // that name.
    const auto consumers = graph_.consumers();
    std::vector<Node> with_outputs;
    with_outputs.reserve(graph_.nodes.size());
    for (Node& node : graph_.nodes) {
      auto converted = original_output_.find(node.name);
      with_outputs.push_back(std::move(node));
      if (converted == original_output_.end()) continue;
      const std::string& original = converted->second;
      if (!graph_.is_graph_output(original) && consumers.count(original) == 0) {
        graph_.value_types.erase(original);
        continue;
      }
      const BlockedValue& b = blocked_.at(original);
      Node reorder;
      reorder.name = fresh_node_name(original + "_reorder_output");
      reorder.domain = kFusedDomain;
      reorder.op_type = "NchwcReorderOutput";
      reorder.inputs = {b.name};
      reorder.outputs = {original};
      reorder.attributes.push_back(int_attribute("channels", b.channels));
      with_outputs.push_back(std::move(reorder));
    }
    graph_.nodes = std::move(with_outputs);
    return changes;
  }

 private:
  // A name no node of the graph has (node names are unique within a graph).
  std::string fresh_node_name(const std::string& base) {
    std::string name = base;
    for (int i = 2; node_names_.count(name) != 0; ++i) name = base + "_" + std::to_string(i);
    node_names_.insert(name);
    return name;
  }

  // The blocked form of `value` for a reader on `owner`: its blocked version when its producer was
  // converted on the same provider, else nullopt.
  const BlockedValue* blocked(const std::string& value, int owner) const {
    auto it = blocked_.find(value);
    if (it == blocked_.end() || it->second.owner != owner) return nullptr;
    return &it->second;
  }

  // A NchwcReorderInput of the plain `value` (of `channels` channels), placed before the node that
  // needs it; later readers on `owner` read it too.
  std::string reorder_input(const std::string& value, int64_t channels, int owner,
                            std::vector<Node>& out) {
    const std::string name = fresh_value_name(graph_, value + "_nchwc");
    Node reorder;
    reorder.name = fresh_node_name(value + "_reorder_input");
    reorder.domain = kFusedDomain;
    reorder.op_type = "NchwcReorderInput";
    reorder.inputs = {value};
    reorder.outputs = {name};
    out.push_back(std::move(reorder));
    set_blocked_type(value, name, channels);
    blocked_[value] = BlockedValue{name, owner, channels};
    return name;
  }

  // value_types of the blocked `name` from the plain 4-D `original`: [N, blocks(C), H, W, 16].
  void set_blocked_type(const std::string& original, const std::string& name, int64_t channels) {
    const TypeInfo* plain = graph_.find_type(original);
    TypeInfo type;
    type.dtype = DataType::kFloat32;
    if (plain != nullptr && plain->shape && plain->shape->size() == 4) {
      std::vector<Dim> dims = *plain->shape;
      dims[1] = Dim::fixed(blocks(channels));
      dims.push_back(Dim::fixed(kBlock));
      type.shape = std::move(dims);
    }
    graph_.value_types[name] = std::move(type);
  }

  // Records that `node`'s output 0 (of `channels` channels) is written in blocked form.
  std::string block_output(const Node& node, int owner, int64_t channels) {
    const std::string& original = node.outputs[0];
    const std::string name = fresh_value_name(graph_, original + "_nchwc");
    set_blocked_type(original, name, channels);
    blocked_[original] = BlockedValue{name, owner, channels};
    original_output_[node.name] = original;
    return name;
  }

  bool float32_4d(const std::string& value) const {
    return element_type(graph_, value) == DataType::kFloat32 && dims4(graph_, value).has_value();
  }

  std::optional<Node> convert(const Node& node, int owner, std::vector<Node>& out) {
    if (node.outputs.empty() || node.outputs[0].empty()) return std::nullopt;
    for (size_t o = 1; o < node.outputs.size(); ++o) {
      if (!node.outputs[o].empty()) return std::nullopt;
    }
    const bool fused_conv = node.domain == kFusedDomain && node.op_type == "FusedConv";
    if (is_op(node, "Conv") || fused_conv) return convert_conv(node, owner, out);
    if (node.inputs.empty() || !float32_4d(node.outputs[0])) return std::nullopt;
    if (is_binary_pointwise(node)) return convert_binary(node, owner);
    const BlockedValue* x = blocked(node.inputs[0], owner);
    if (x == nullptr) return std::nullopt;
    if (is_unary_pointwise(node)) {
      // Clip's bounds and the like are scalars: the layout does not concern them.
      return rewrite_inputs(node, owner, x->channels, {{0, x->name}}, node.op_type, node.domain);
    }
    if (is_op(node, "Concat")) return convert_concat(node, owner);
    if (is_op(node, "BatchNormalization")) return convert_batch_normalization(node, owner, *x, out);
    if (node.domain.empty() && node.inputs.size() == 1) {
      if (node.op_type == "GlobalAveragePool" || node.op_type == "GlobalMaxPool") {
        return rewrite_inputs(node, owner, x->channels, {{0, x->name}}, "Nchwc" + node.op_type,
                              kFusedDomain);
      }
      if (node.op_type == "MaxPool" && node.attr_int("storage_order", 0) == 0 &&
          node.attr_ints("kernel_shape", {}).size() == 2) {
        return rewrite_inputs(node, owner, x->channels, {{0, x->name}}, "NchwcMaxPool",
                              kFusedDomain);
      }
      if (node.op_type == "AveragePool" && node.attr_ints("kernel_shape", {}).size() == 2) {
        for (int64_t d : node.attr_ints("dilations", {})) {
          if (d != 1) return std::nullopt;
        }
        return rewrite_inputs(node, owner, x->channels, {{0, x->name}}, "NchwcAveragePool",
                              kFusedDomain);
      }
    }
    return std::nullopt;
  }

  // Both operands blocked with the same channels (broadcasting over batch and space only), or one
  // of them blocked and the other a constant of one element or one per channel ([C, 1, 1] or
  // [1, C, 1, 1], as exporters spell an affine BatchNormalization), which becomes a blocked
  // constant [1, C/16, 1, 1, 16] with zero padded lanes.
  std::optional<Node> convert_binary(const Node& node, int owner) {
    if (node.inputs.size() != 2) return std::nullopt;
    const auto out_dims = dims4(graph_, node.outputs[0]);
    if (!out_dims) return std::nullopt;
    const BlockedValue* a = blocked(node.inputs[0], owner);
    const BlockedValue* b = blocked(node.inputs[1], owner);
    if (a != nullptr && b != nullptr) {
      if (a->channels != b->channels || (*out_dims)[1] != a->channels) return std::nullopt;
      return rewrite_inputs(node, owner, a->channels, {{0, a->name}, {1, b->name}}, node.op_type,
                            node.domain);
    }
    const BlockedValue* x = a != nullptr ? a : b;
    if (x == nullptr || (*out_dims)[1] != x->channels) return std::nullopt;
    const size_t xi = a != nullptr ? 0 : 1;
    const std::string& other = node.inputs[1 - xi];
    const Tensor* c = graph_.constant(other);
    if (c == nullptr || c->dtype() != DataType::kFloat32 || c->shape().rank() > 4) {
      return std::nullopt;
    }
    if (c->shape().num_elements() == 1) {
      return rewrite_inputs(node, owner, x->channels, {{xi, x->name}}, node.op_type, node.domain);
    }
    const auto& d = c->shape().dims();
    const size_t r = d.size();
    const bool per_channel = r >= 3 && d[r - 3] == x->channels && d[r - 2] == 1 && d[r - 1] == 1 &&
                             c->shape().num_elements() == x->channels;
    if (!per_channel) return std::nullopt;
    return rewrite_inputs(node, owner, x->channels,
                          {{xi, x->name}, {1 - xi, blocked_constant(other, *c, x->channels)}},
                          node.op_type, node.domain);
  }

  // The per-channel constant `name` as [1, C/16, 1, 1, 16], padded lanes 0; made once per constant.
  std::string blocked_constant(const std::string& name, const Tensor& values, int64_t channels) {
    auto it = blocked_constants_.find(name);
    if (it != blocked_constants_.end()) return it->second;
    std::vector<float> padded(static_cast<size_t>(blocks(channels) * kBlock), 0.0f);
    std::copy(values.data<float>(), values.data<float>() + channels, padded.begin());
    const std::string blocked_name = fresh_value_name(graph_, name + "_nchwc");
    add_blocked_constant(blocked_name, std::move(padded), channels);
    blocked_constants_[name] = blocked_name;
    return blocked_name;
  }

  void add_blocked_constant(const std::string& name, std::vector<float> values, int64_t channels) {
    const Shape shape{1, blocks(channels), 1, 1, kBlock};
    TypeInfo type;
    type.dtype = DataType::kFloat32;
    type.shape = std::vector<Dim>{Dim::fixed(1), Dim::fixed(blocks(channels)), Dim::fixed(1),
                                  Dim::fixed(1), Dim::fixed(kBlock)};
    graph_.value_types[name] = type;
    graph_.initializers[name] = Tensor::from_vector<float>(shape, values);
  }

  // Concat over channels of blocked values: the blocked tensors concatenate along their block axis
  // as they are, when every input but the last fills whole blocks (the last one's padding then
  // ends the result, as the layout wants).
  std::optional<Node> convert_concat(const Node& node, int owner) {
    const int64_t axis = node.attr_int("axis", 0);
    if (axis != 1 && axis != -3) return std::nullopt;
    std::vector<std::pair<size_t, std::string>> inputs;
    int64_t channels = 0;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const BlockedValue* b = blocked(node.inputs[i], owner);
      if (b == nullptr || (i + 1 < node.inputs.size() && b->channels % kBlock != 0)) {
        return std::nullopt;
      }
      inputs.push_back({i, b->name});
      channels += b->channels;
    }
    const auto out_dims = dims4(graph_, node.outputs[0]);
    if (!out_dims || (*out_dims)[1] != channels) return std::nullopt;
    std::optional<Node> rewritten =
        rewrite_inputs(node, owner, channels, inputs, node.op_type, node.domain);
    for (Attribute& a : rewritten->attributes) {
      if (a.name == "axis") a.i = 1;  // the block axis of the 5-D tensors
    }
    return rewritten;
  }

  // Inference BatchNormalization with constant statistics (one that no Conv absorbed, as after
  // DenseNet's Concats) becomes Mul by scale and Add of shift, both blocked constants
  // [1, C/16, 1, 1, 16] with zero padded lanes: y = x * s + t, s = gamma / sqrt(var + eps),
  // t = beta - mean * s (in double).
  std::optional<Node> convert_batch_normalization(const Node& node, int owner,
                                                  const BlockedValue& x, std::vector<Node>& out) {
    if (node.inputs.size() != 5 || node.attr_int("training_mode", 0) != 0) return std::nullopt;
    const int64_t c = x.channels;
    std::vector<const Tensor*> params;
    for (size_t i = 1; i < 5; ++i) {
      const Tensor* t = graph_.constant(node.inputs[i]);
      if (t == nullptr || t->dtype() != DataType::kFloat32 || t->shape().rank() != 1 ||
          t->shape()[0] != c) {
        return std::nullopt;
      }
      params.push_back(t);
    }
    const double epsilon = node.attr_float("epsilon", 1e-5f);
    std::vector<float> scale(static_cast<size_t>(blocks(c) * kBlock), 0.0f);
    std::vector<float> shift(scale.size(), 0.0f);
    const float* gamma = params[0]->data<float>();
    const float* beta = params[1]->data<float>();
    const float* mean = params[2]->data<float>();
    const float* var = params[3]->data<float>();
    for (int64_t i = 0; i < c; ++i) {
      const double s = gamma[i] / std::sqrt(static_cast<double>(var[i]) + epsilon);
      scale[static_cast<size_t>(i)] = static_cast<float>(s);
      shift[static_cast<size_t>(i)] = static_cast<float>(beta[i] - mean[i] * s);
    }
    const std::string scale_name = fresh_value_name(graph_, node.name + "_nchwc_scale");
    add_blocked_constant(scale_name, std::move(scale), c);
    const std::string shift_name = fresh_value_name(graph_, node.name + "_nchwc_shift");
    add_blocked_constant(shift_name, std::move(shift), c);
    const std::string scaled = fresh_value_name(graph_, node.outputs[0] + "_nchwc_scaled");
    set_blocked_type(node.outputs[0], scaled, c);
    Node mul;
    mul.name = fresh_node_name(node.name + "_scale");
    mul.op_type = "Mul";
    mul.inputs = {x.name, scale_name};
    mul.outputs = {scaled};
    out.push_back(std::move(mul));
    Node add;
    add.name = node.name;  // the node it replaces keeps its name
    add.op_type = "Add";
    add.inputs = {scaled, shift_name};
    add.outputs = {block_output(node, owner, c)};
    return add;
  }

  std::optional<Node> rewrite_inputs(const Node& node, int owner, int64_t channels,
                                     const std::vector<std::pair<size_t, std::string>>& inputs,
                                     const std::string& op_type, const std::string& domain) {
    Node rewritten = node;
    rewritten.op_type = op_type;
    rewritten.domain = domain;
    for (const auto& [i, name] : inputs) rewritten.inputs[i] = name;
    rewritten.outputs = {block_output(node, owner, channels)};
    return rewritten;
  }

  std::optional<Node> convert_conv(const Node& node, int owner, std::vector<Node>& out) {
    if (node.inputs.size() < 2) return std::nullopt;
    const std::string& x = node.inputs[0];
    const Tensor* w = graph_.constant(node.inputs[1]);
    if (!float32_4d(x) || !float32_4d(node.outputs[0]) || w == nullptr || w->shape().rank() != 4 ||
        w->dtype() != DataType::kFloat32) {
      return std::nullopt;
    }
    const int64_t group = node.attr_int("group", 1);
    const int64_t m = w->shape()[0];
    const int64_t channels = w->shape()[1] * group;
    const auto x_dims = dims4(graph_, x);
    if ((*x_dims)[1] != channels || m <= 0 || channels <= 0) return std::nullopt;
    if (node.inputs.size() > 2 && !node.inputs[2].empty() &&
        element_type(graph_, node.inputs[2]) != DataType::kFloat32) {
      return std::nullopt;
    }
    const BlockedValue* bx = blocked(x, owner);
    std::string x_input = x;
    if (group == 1) {
      if (bx != nullptr) x_input = bx->name;  // else NchwcConv reads the plain input directly
    } else if (group == channels && m == channels) {
      x_input = bx != nullptr ? bx->name : reorder_input(x, channels, owner, out);
    } else {
      return std::nullopt;
    }
    std::vector<std::pair<size_t, std::string>> inputs = {{0, x_input}};
    if (node.inputs.size() > 3 && !node.inputs[3].empty()) {
      const std::string& z = node.inputs[3];
      if (!float32_4d(z)) return std::nullopt;
      const BlockedValue* bz = blocked(z, owner);
      inputs.push_back(
          {3, bz != nullptr && bz->channels == m ? bz->name : reorder_input(z, m, owner, out)});
    }
    return rewrite_inputs(node, owner, m, inputs, "NchwcConv", kFusedDomain);
  }

  Graph& graph_;
  const OptimizerOptions& options_;
  std::unordered_map<std::string, BlockedValue> blocked_;  // plain name -> blocked form
  // Converted node's name -> the plain name of its output, which it now writes blocked.
  std::unordered_map<std::string, std::string> original_output_;
  std::unordered_map<std::string, std::string> blocked_constants_;  // plain name -> blocked
  std::set<std::string> node_names_;
};

class BlockedLayoutPass final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kProviderAware; }

  int run(const Model&, Graph& graph) const override {
    const PassContext* context = active_pass_context();
    if (context == nullptr || !context->options.layout_owner) return 0;
    return BlockedLayout(graph, context->options).run();
  }

 private:
  std::string name_ = "blocked_channel_layout";
};

}  // namespace

std::unique_ptr<GraphPass> make_blocked_channel_layout() {
  return std::make_unique<BlockedLayoutPass>();
}

}  // namespace aruntime::optimizer
