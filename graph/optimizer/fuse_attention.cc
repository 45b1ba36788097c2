// Scaled dot-product attention as torch exports it (nn.MultiheadAttention, F.scaled_dot_product_
// attention, BERT/GPT-style blocks):
//   MatMul(Q [* c_q], K' [* c_k]) [* c | / c] [+ mask] -> Softmax(last axis) -> MatMul(., V)
// where K' is Kᵀ, either a Transpose of K swapping the last two axes (absorbed) or a value already
// laid out as [..., D, Sk]. It becomes aruntime.Attention(Q, K or K', V, mask) with scale
// c_q * c_k * c (or / c), which keeps the [Sq, Sk] scores of one head in cache instead of writing
// four full tensors. Only fires when Q, K', V have one rank and the same leading (batch, head) axes
// and the mask does not broadcast the scores to a larger shape.
#include <numeric>

#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

// Both values of rank `rank` with the same dims before the last two.
bool same_leading_dims(const Graph& graph, const std::string& a, const std::string& b,
                       int64_t rank) {
  const TypeInfo* ta = graph.find_type(a);
  const TypeInfo* tb = graph.find_type(b);
  if (ta == nullptr || tb == nullptr || !ta->shape || !tb->shape) return false;
  if (static_cast<int64_t>(ta->shape->size()) != rank ||
      static_cast<int64_t>(tb->shape->size()) != rank) {
    return false;
  }
  for (int64_t d = 0; d + 2 < rank; ++d) {
    const Dim& da = (*ta->shape)[d];
    const Dim& db = (*tb->shape)[d];
    const bool equal =
        da.is_static() ? da.value == db.value : !da.symbol.empty() && da.symbol == db.symbol;
    if (!equal) return false;
  }
  return true;
}

class FuseAttention final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kExtended; }

  int run(const Model& model, Graph& graph) const override {
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      if (!is_op(graph.nodes[i], "Softmax")) continue;
      if (fuse_at(model, graph, i)) {
        ++changes;
        i = static_cast<size_t>(-1);  // the pattern began before its Softmax: rescan from the top
      }
    }
    return changes;
  }

 private:
  // A scalar multiplier: `value` produced by Mul with a scalar constant (either side) or Div by
  // one. Returns the node, the other operand and the factor.
  struct Scaled {
    size_t node;
    std::string operand;
    double factor;
  };
  static std::optional<Scaled> scaled(const Graph& graph, const GraphIndex& index,
                                      const std::string& value) {
    auto p = index.producer(value);
    if (!p) return std::nullopt;
    const Node& n = graph.nodes[*p];
    if (n.inputs.size() != 2 || n.outputs.size() != 1) return std::nullopt;
    if (is_op(n, "Mul")) {
      for (size_t k = 0; k < 2; ++k) {
        if (auto c = scalar_constant(graph, n.inputs[k])) return Scaled{*p, n.inputs[1 - k], *c};
      }
    }
    if (is_op(n, "Div")) {
      if (auto c = scalar_constant(graph, n.inputs[1]); c && *c != 0.0) {
        return Scaled{*p, n.inputs[0], 1.0 / *c};
      }
    }
    return std::nullopt;
  }

  bool fuse_at(const Model& model, Graph& graph, size_t s) const {
    const GraphIndex index(graph);
    const Node& softmax = graph.nodes[s];
    if (softmax.inputs.size() != 1 || softmax.outputs.size() != 1) return false;
    const std::string& scores = softmax.inputs[0];
    const int64_t rank = rank_of(graph, scores);
    if (rank < 2) return false;
    int64_t axis = softmax.attr_int("axis", model.opset("") >= 13 ? -1 : 1);
    if (axis < 0) axis += rank;
    if (axis != rank - 1) return false;

    std::vector<size_t> pattern = {s};
    auto out = index.only_consumer(softmax.outputs[0]);
    if (!out || !is_op(graph.nodes[*out], "MatMul") || graph.nodes[*out].inputs.size() != 2 ||
        graph.nodes[*out].inputs[0] != softmax.outputs[0]) {
      return false;
    }
    pattern.push_back(*out);
    const std::string v = graph.nodes[*out].inputs[1];

    // scores = [mask +] [scale *] Q·K'
    double scale = 1.0;
    std::string mask;
    std::string product = scores;
    auto is_product = [&](const std::string& value) {
      std::string p = value;
      if (auto sc = scaled(graph, index, p)) p = sc->operand;
      return index.producer(p, "MatMul").has_value();
    };
    if (auto add = index.producer(scores, "Add")) {
      const Node& a = graph.nodes[*add];
      if (a.inputs.size() != 2) return false;
      const size_t k = is_product(a.inputs[0]) ? 0 : 1;
      if (!is_product(a.inputs[k])) return false;
      product = a.inputs[k];
      mask = a.inputs[1 - k];
      if (!same_shape(graph, scores, product)) return false;  // the mask would broadcast the scores
      pattern.push_back(*add);
    }
    if (auto sc = scaled(graph, index, product)) {
      scale *= sc->factor;
      product = sc->operand;
      pattern.push_back(sc->node);
    }
    auto qk = index.producer(product, "MatMul");
    if (!qk || graph.nodes[*qk].inputs.size() != 2) return false;
    pattern.push_back(*qk);
    std::string q = graph.nodes[*qk].inputs[0];
    std::string k = graph.nodes[*qk].inputs[1];
    if (auto sc = scaled(graph, index, q)) {
      scale *= sc->factor;
      q = sc->operand;
      pattern.push_back(sc->node);
    }
    if (auto sc = scaled(graph, index, k)) {
      scale *= sc->factor;
      k = sc->operand;
      pattern.push_back(sc->node);
    }
    // K' from a Transpose that only swaps the last two axes: read K itself.
    bool k_transposed = true;
    if (auto t = index.producer(k, "Transpose")) {
      std::vector<int64_t> swap(static_cast<size_t>(rank));
      std::iota(swap.begin(), swap.end(), 0);
      std::swap(swap[rank - 2], swap[rank - 1]);
      const Node& tn = graph.nodes[*t];
      std::vector<size_t> with_transpose = pattern;
      with_transpose.push_back(*t);
      if (tn.inputs.size() == 1 && tn.attr_ints("perm", {}) == swap &&
          index.replaceable(with_transpose, *out)) {
        k = tn.inputs[0];
        k_transposed = false;
        pattern.push_back(*t);
      }
    }

    const DataType type = element_type(graph, graph.nodes[*out].outputs[0]);
    if (type != DataType::kFloat32 && type != DataType::kFloat64) return false;
    for (const std::string& value : {q, k, v, mask}) {
      if (!value.empty() && element_type(graph, value) != type) return false;
    }
    if (!same_leading_dims(graph, q, k, rank) || !same_leading_dims(graph, q, v, rank))
      return false;
    if (!index.replaceable(pattern, *out)) return false;

    const std::string y = graph.nodes[*out].outputs[0];
    std::vector<std::string> inputs = {q, k, v};
    if (!mask.empty()) inputs.push_back(mask);
    Node attention = fused_node("Attention", graph.nodes[*out].name, std::move(inputs), y);
    attention.attributes.push_back(float_attribute("scale", static_cast<float>(scale)));
    if (k_transposed) attention.attributes.push_back(int_attribute("k_transposed", 1));
    replace_pattern(graph, std::move(pattern), std::move(attention));
    return true;
  }

  std::string name_ = "fuse_attention";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_attention() {
  return std::make_unique<FuseAttention>();
}

}  // namespace aruntime::optimizer
