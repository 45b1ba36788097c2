// Shape and Size of a value whose shape inference found a static shape are constants; making them
// initializers lets constant_folding evaluate the Gather/Concat/Unsqueeze chains exporters build
// on them (a Reshape target, a Slice end...).
#include <algorithm>

#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

// Dims [start, end) of a rank-`rank` shape as Shape-15 selects them: negative bounds count from
// the back, both are clamped to [0, rank], and start >= end selects nothing.
std::pair<int64_t, int64_t> shape_range(const Node& node, int64_t rank) {
  auto clamp = [rank](int64_t v) { return std::clamp(v < 0 ? v + rank : v, int64_t{0}, rank); };
  const int64_t start = clamp(node.attr_int("start", 0));
  const int64_t end = clamp(node.attr_int("end", rank));
  return {start, std::max(start, end)};
}

class ShapeFolding final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kBasic; }

  int run(const Model&, Graph& graph) const override {
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size();) {
      const Node& node = graph.nodes[i];
      const bool is_shape = node.op_type == "Shape", is_size = node.op_type == "Size";
      if (!node.domain.empty() || (!is_shape && !is_size) || !node.has_input(0) ||
          node.outputs.size() != 1 || !node.has_output(0)) {
        ++i;
        continue;
      }
      const TypeInfo* type = graph.find_type(node.inputs[0]);
      if (type == nullptr || type->kind != ValueKind::kTensor || !type->has_static_shape()) {
        ++i;
        continue;
      }
      std::vector<int64_t> dims;
      for (const Dim& d : *type->shape) dims.push_back(d.value);
      Tensor value;
      if (is_shape) {
        const auto [start, end] = shape_range(node, static_cast<int64_t>(dims.size()));
        value = Tensor::from_vector<int64_t>(
            Shape{end - start}, std::vector<int64_t>(dims.begin() + start, dims.begin() + end));
      } else {
        value = Tensor::scalar<int64_t>(Shape(dims).num_elements());
      }
      const std::string out = node.outputs[0];
      std::vector<Dim> out_dims;
      for (int64_t d : value.shape().dims()) out_dims.push_back(Dim::fixed(d));
      graph.value_types[out] = TypeInfo{ValueKind::kTensor, DataType::kInt64, out_dims};
      graph.initializers[out] = std::move(value);
      graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(i));
      ++changes;
    }
    return changes;
  }

 private:
  std::string name_ = "shape_folding";
};

}  // namespace

std::unique_ptr<GraphPass> make_shape_folding() {
  return std::make_unique<ShapeFolding>();
}

}  // namespace aruntime::optimizer
