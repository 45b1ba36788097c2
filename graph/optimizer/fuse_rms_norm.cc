// Root-mean-square normalization (T5, Llama, Mistral...) as torch exports it:
//   ms = ReduceMean(Pow(x, 2) or x * x)           over the trailing axes, keepdims
//   r  = Sqrt(ms + eps)
//   n  = x * Reciprocal(r)  |  x * Div(1, r)  |  Div(x, r)     (either operand order for Mul)
//   y  = n * gamma                                  (either order; optional)
// It becomes RMSNormalization(x, gamma) with axis and epsilon when the model imports opset 23 or
// later, aruntime.RMSNormalization (the same contract) otherwise. Without the final Mul, gamma is
// a new constant of ones. Only fires when gamma is a constant of the normalised axes' shape
// (leading ones aside, and not outranking x) and every normalised dim is static.
#include <algorithm>

#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/graph_edit.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

// The only reader of `value` when it is a default-domain `op` with one output.
std::optional<size_t> only_reader(const Graph& graph, const GraphIndex& index,
                                  const std::string& value, std::string_view op) {
  auto c = index.only_consumer(value);
  if (!c || !is_op(graph.nodes[*c], op) || graph.nodes[*c].outputs.size() != 1) return std::nullopt;
  return c;
}

class FuseRmsNorm final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kExtended; }

  int run(const Model& model, Graph& graph) const override {
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      if (!is_op(graph.nodes[i], "ReduceMean")) continue;
      if (fuse_at(model, graph, i)) {
        ++changes;
        i = static_cast<size_t>(-1);  // the pattern began before its mean: rescan from the top
      }
    }
    return changes;
  }

 private:
  bool fuse_at(const Model& model, Graph& graph, size_t m) const {
    const GraphIndex index(graph);
    const Node& mean = graph.nodes[m];
    if (mean.inputs.empty()) return false;
    // The square: Pow(x, 2) or Mul(x, x).
    auto square = index.producer(mean.inputs[0]);
    if (!square) return false;
    const Node& sq = graph.nodes[*square];
    if (sq.inputs.size() != 2 || sq.outputs.size() != 1) return false;
    const std::string x = sq.inputs[0];
    if (is_op(sq, "Pow")) {
      auto e = scalar_constant(graph, sq.inputs[1]);
      if (!e || *e != 2.0) return false;
    } else if (!is_op(sq, "Mul") || sq.inputs[1] != x) {
      return false;
    }
    const DataType type = element_type(graph, x);
    const int64_t rank = rank_of(graph, x);
    if ((type != DataType::kFloat32 && type != DataType::kFloat64) || rank < 1) return false;
    const auto axis = trailing_axis(model, graph, mean, rank);
    if (!axis) return false;
    const auto trailing = trailing_static_dims(graph, x, *axis);
    if (!trailing) return false;
    const std::vector<int64_t>& normalized = *trailing;

    // + eps, Sqrt.
    auto plus_eps = only_reader(graph, index, mean.outputs[0], "Add");
    if (!plus_eps) return false;
    const auto eps_input = other_input(graph.nodes[*plus_eps], mean.outputs[0]);
    const auto eps = eps_input ? scalar_constant(graph, graph.nodes[*plus_eps].inputs[*eps_input])
                               : std::nullopt;
    if (!eps || *eps < 0) return false;
    auto root = only_reader(graph, index, graph.nodes[*plus_eps].outputs[0], "Sqrt");
    if (!root) return false;
    const std::string& r = graph.nodes[*root].outputs[0];
    std::vector<size_t> pattern = {*square, m, *plus_eps, *root};

    // x / r, or x * (1 / r).
    auto reader = index.only_consumer(r);
    if (!reader || graph.nodes[*reader].outputs.size() != 1) return false;
    size_t normed;
    const Node& rn = graph.nodes[*reader];
    if (is_op(rn, "Div") && rn.inputs.size() == 2 && rn.inputs[0] == x && rn.inputs[1] == r) {
      normed = *reader;
    } else {
      const bool reciprocal = is_op(rn, "Reciprocal") && rn.inputs.size() == 1;
      const bool one_over = is_op(rn, "Div") && rn.inputs.size() == 2 && rn.inputs[1] == r &&
                            scalar_constant(graph, rn.inputs[0]) == 1.0;
      if (!reciprocal && !one_over) return false;
      pattern.push_back(*reader);
      auto product = only_reader(graph, index, rn.outputs[0], "Mul");
      if (!product) return false;
      const auto x_input = other_input(graph.nodes[*product], rn.outputs[0]);
      if (!x_input || graph.nodes[*product].inputs[*x_input] != x) return false;
      normed = *product;
    }
    pattern.push_back(normed);
    size_t last = normed;
    // * gamma.
    std::string gamma;
    const std::string& n_out = graph.nodes[normed].outputs[0];
    if (auto scale = only_reader(graph, index, n_out, "Mul")) {
      const auto g = other_input(graph.nodes[*scale], n_out);
      if (g && normalization_parameter(graph, graph.nodes[*scale].inputs[*g], type, normalized, rank, false, "")) {
        gamma = graph.nodes[*scale].inputs[*g];
        pattern.push_back(*scale);
        last = *scale;
      }
    }
    if (!index.replaceable(pattern, last)) return false;

    // Gamma with exactly the normalised dims (a new initializer when it has leading ones, or is
    // missing and so is all ones).
    std::string scale_name;
    if (!gamma.empty()) {
      scale_name = *normalization_parameter(graph, gamma, type, normalized, rank, true, "/rms_norm_scale");
    } else {
      Tensor values(type, Shape(normalized));
      const int64_t count = values.num_elements();
      for (int64_t i = 0; i < count; ++i) {
        if (type == DataType::kFloat32) {
          values.data<float>()[i] = 1.0f;
        } else {
          values.data<double>()[i] = 1.0;
        }
      }
      scale_name = fresh_value_name(graph, x + "/rms_norm_scale");
      graph.initializers.emplace(scale_name, std::move(values));
      std::vector<Dim> dims;
      for (int64_t d : normalized) dims.push_back(Dim::fixed(d));
      graph.value_types[scale_name] = TypeInfo{ValueKind::kTensor, type, dims};
    }
    const std::string y = graph.nodes[last].outputs[0];
    Node norm = fused_node("RMSNormalization", graph.nodes[last].name, {x, scale_name}, y);
    if (model.opset("") >= 23) norm.domain.clear();
    norm.attributes.push_back(int_attribute("axis", *axis));
    norm.attributes.push_back(float_attribute("epsilon", static_cast<float>(*eps)));
    replace_pattern(graph, std::move(pattern), std::move(norm));
    return true;
  }

  std::string name_ = "fuse_rms_normalization";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_rms_normalization() {
  return std::make_unique<FuseRmsNorm>();
}

}  // namespace aruntime::optimizer
