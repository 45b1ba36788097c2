// Conv followed by an activation (fuse_common.h's activation_after: one activation node, or SiLU /
// Swish spelled as x * Sigmoid(x)) becomes aruntime.FusedConv, whose kernel applies the activation
// to each block of the output as the convolution finishes it, instead of further passes over
// memory. A FusedConv that has no activation yet (from fuse_conv_add) takes one the same way.
#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

// A Conv, or a FusedConv without an activation.
bool is_plain_conv(const Node& node) {
  if (is_op(node, "Conv")) return true;
  return node.domain == kFusedDomain && node.op_type == "FusedConv" && !has_activation(node);
}

bool float32_or_64(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat64;
}

class FuseConvActivation final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kExtended; }

  int run(const Model& model, Graph& graph) const override {
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& conv = graph.nodes[i];
      if (!is_plain_conv(conv) || conv.outputs.size() != 1) continue;
      if (!float32_or_64(element_type(graph, conv.outputs[0]))) continue;
      const GraphIndex index(graph);
      auto activation = activation_after(model, graph, index, conv.outputs[0]);
      if (!activation) continue;
      std::vector<size_t> pattern = activation->nodes;
      pattern.push_back(i);
      if (!index.replaceable(pattern, activation->last)) continue;

      Node fused = conv;
      fused.domain = kFusedDomain;
      fused.op_type = "FusedConv";
      fused.outputs = {graph.nodes[activation->last].outputs[0]};
      set_activation(fused, activation->spec);
      replace_pattern(graph, std::move(pattern), std::move(fused));
      ++changes;
      --i;  // the next node now sits at i
    }
    return changes;
  }

 private:
  std::string name_ = "fuse_conv_activation";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_conv_activation() {
  return std::make_unique<FuseConvActivation>();
}

}  // namespace aruntime::optimizer
