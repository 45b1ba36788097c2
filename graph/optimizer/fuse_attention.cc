// Scaled dot-product attention as torch exports it (nn.MultiheadAttention, F.scaled_dot_product_
// attention, BERT/GPT-style blocks):
//   MatMul(Q [* c_q], K' [* c_k]) [* c | / c] [+ mask] -> Softmax(last axis) -> MatMul(., V)
// where K' is Kᵀ, either a Transpose of K swapping the last two axes (absorbed) or a value already
// laid out as [..., D, Sk]. It becomes aruntime.Attention(Q, K or K', V, mask) with scale
// c_q * c_k * c (or / c), which keeps the [Sq, Sk] scores of one head in cache instead of writing
// four full tensors. Only fires when Q, K', V have one rank and the same leading (batch, head) axes
// and the mask does not broadcast the scores to a larger shape.
//
// Masks: an additive mask (BERT's (1 - mask) * -10000, the Where(mask, -inf, 0) that torch's
// nn.MultiheadAttention and scaled_dot_product_attention build from a boolean mask, a causal
// triangle) is absorbed as the op's mask input when its shape broadcasts into the scores' (each dim
// 1 or the scores' own, no extra axes: a key-padding mask [B, 1, 1, Sk] over heads and queries).
// The masked_fill form Where(cond, fill, scores) (or Where(cond, scores, fill)) becomes the
// additive mask Where(cond, fill, 0), a new node before the Attention, when fill is -inf or at most
// -1e30: adding such a fill to any score below 1e22 in magnitude gives exactly the fill, so the
// softmax sees what masked_fill gave it, fully masked rows included (a fill of -1e9 would not:
// rows masked completely would come out as softmax(scores) instead of uniform).
#include <cmath>
#include <numeric>

#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/graph_edit.h"
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

// `mask` has a known shape that broadcasts into `target`'s without adding axes: each of its dims,
// aligned from the right, is 1 or the target's dim (the same size or the same symbol).
bool broadcasts_into(const Graph& graph, const std::string& mask, const std::string& target) {
  const TypeInfo* tm = graph.find_type(mask);
  const TypeInfo* tt = graph.find_type(target);
  if (tm == nullptr || tt == nullptr || !tm->shape || !tt->shape) return false;
  const auto& md = *tm->shape;
  const auto& td = *tt->shape;
  if (md.size() > td.size()) return false;
  for (size_t i = 1; i <= md.size(); ++i) {
    const Dim& dm = md[md.size() - i];
    const Dim& dt = td[td.size() - i];
    if (dm.is_static() && dm.value == 1) continue;
    const bool equal = dm.is_static() ? dt.is_static() && dm.value == dt.value
                                      : !dm.symbol.empty() && dm.symbol == dt.symbol;
    if (!equal) return false;
  }
  return true;
}

// A masked_fill value that any realistic score plus the fill rounds to exactly (see the header).
bool exact_fill(double fill) {
  return (std::isinf(fill) && fill < 0) || (std::isfinite(fill) && fill <= -1e30);
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
    // masked_fill: Where(cond, fill, product) or Where(cond, product, fill).
    std::string fill_cond;
    double fill = 0;
    bool fill_when_true = true;
    if (auto add = index.producer(scores, "Add")) {
      const Node& a = graph.nodes[*add];
      if (a.inputs.size() != 2) return false;
      const size_t k = is_product(a.inputs[0]) ? 0 : 1;
      if (!is_product(a.inputs[k])) return false;
      product = a.inputs[k];
      mask = a.inputs[1 - k];
      // The mask must not broadcast the scores to a larger shape, nor add axes to them.
      const int64_t mask_rank = rank_of(graph, mask);
      if (mask_rank < 0 || mask_rank > rank) return false;
      if (!broadcasts_into(graph, mask, product) && !same_shape(graph, scores, product))
        return false;
      pattern.push_back(*add);
    } else if (auto where = index.producer(scores, "Where")) {
      const Node& w = graph.nodes[*where];
      if (w.inputs.size() != 3) return false;
      for (size_t k = 1; k <= 2 && fill_cond.empty(); ++k) {
        auto c = scalar_constant(graph, w.inputs[3 - k]);
        if (!is_product(w.inputs[k]) || !c || !exact_fill(*c)) continue;
        product = w.inputs[k];
        fill = *c;
        fill_when_true = k == 2;
        fill_cond = w.inputs[0];
      }
      if (fill_cond.empty() || element_type(graph, fill_cond) != DataType::kBool ||
          !broadcasts_into(graph, fill_cond, product)) {
        return false;
      }
      pattern.push_back(*where);
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
    const std::string attention_name = graph.nodes[*out].name;
    // The masked_fill's additive form, Where(cond, fill, 0), made from new constants (the
    // pattern's own go with it).
    std::optional<Node> mask_node;
    if (!fill_cond.empty()) {
      auto scalar = [&](double value) {
        return type == DataType::kFloat32 ? Tensor::scalar(static_cast<float>(value))
                                          : Tensor::scalar(value);
      };
      const std::string fill_value = fresh_value_name(graph, y + "/mask_fill");
      graph.initializers.emplace(fill_value, scalar(fill));
      graph.value_types[fill_value] = TypeInfo{ValueKind::kTensor, type, std::vector<Dim>{}};
      const std::string zero = fresh_value_name(graph, y + "/mask_zero");
      graph.initializers.emplace(zero, scalar(0.0));
      graph.value_types[zero] = TypeInfo{ValueKind::kTensor, type, std::vector<Dim>{}};
      mask = fresh_value_name(graph, y + "/additive_mask");
      TypeInfo mask_type = *graph.find_type(fill_cond);
      mask_type.dtype = type;
      graph.value_types[mask] = mask_type;
      mask_node = Node{};
      mask_node->name = attention_name + "/additive_mask";
      mask_node->op_type = "Where";
      mask_node->inputs = fill_when_true ? std::vector<std::string>{fill_cond, fill_value, zero}
                                         : std::vector<std::string>{fill_cond, zero, fill_value};
      mask_node->outputs = {mask};
    }
    std::vector<std::string> inputs = {q, k, v};
    if (!mask.empty()) inputs.push_back(mask);
    Node attention = fused_node("Attention", attention_name, std::move(inputs), y);
    attention.attributes.push_back(float_attribute("scale", static_cast<float>(scale)));
    if (k_transposed) attention.attributes.push_back(int_attribute("k_transposed", 1));
    if (mask_node) {
      // Before the pattern goes, so that a constant condition (a causal triangle) stays read.
      graph.nodes.insert(graph.nodes.begin() + static_cast<std::ptrdiff_t>(*out),
                         std::move(*mask_node));
      for (size_t& p : pattern) p += p >= *out ? 1 : 0;
    }
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
