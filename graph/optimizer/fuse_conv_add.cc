// Conv followed by an Add (or two-input Sum) of a tensor of the conv output's exact shape, as in
// residual blocks, becomes aruntime.FusedConv with that tensor as its fourth input Z: the kernel
// adds Z to each block of the output as it finishes it. fuse_conv_activation then takes the Relu
// that usually follows.
#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

// A Conv, or a FusedConv with neither an activation (applied before any sum) nor a residual.
bool is_plain_conv(const Node& node) {
  if (is_op(node, "Conv")) return node.inputs.size() <= 3;
  return node.domain == kFusedDomain && node.op_type == "FusedConv" && !has_activation(node) &&
         node.inputs.size() <= 3;
}

class FuseConvAdd final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kExtended; }

  int run(const Model&, Graph& graph) const override {
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& conv = graph.nodes[i];
      if (!is_plain_conv(conv) || conv.outputs.size() != 1) continue;
      const std::string& y = conv.outputs[0];
      const DataType type = element_type(graph, y);
      if (type != DataType::kFloat32 && type != DataType::kFloat64) continue;
      const GraphIndex index(graph);
      const auto a = index.only_consumer(y);
      if (!a) continue;
      const Node& add = graph.nodes[*a];
      if (!is_op(add, "Add") && !is_op(add, "Sum")) continue;
      const auto other = other_input(add, y);
      if (!other || add.outputs.size() != 1) continue;
      const std::string& z = add.inputs[*other];
      // Z must not broadcast (nor make the sum larger than Y), and must not be Y itself.
      if (z == y || element_type(graph, z) != type || !same_shape(graph, z, y)) continue;
      if (!index.replaceable({i, *a}, *a)) continue;

      Node fused = conv;
      fused.domain = kFusedDomain;
      fused.op_type = "FusedConv";
      fused.inputs.resize(3);
      fused.inputs.push_back(z);
      fused.outputs = {add.outputs[0]};
      replace_pattern(graph, {i, *a}, std::move(fused));
      ++changes;
      --i;
    }
    return changes;
  }

 private:
  std::string name_ = "fuse_conv_add";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_conv_add() {
  return std::make_unique<FuseConvAdd>();
}

}  // namespace aruntime::optimizer
