// Gemm (or a FusedGemm without an activation, from fuse_matmul_add) followed by an activation
// becomes aruntime.FusedGemm, whose kernel applies the activation to each block of the product as
// it is computed.
#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

bool is_plain_gemm(const Node& node) {
  if (is_op(node, "Gemm")) return true;
  return node.domain == kFusedDomain && node.op_type == "FusedGemm" && !has_activation(node);
}

class FuseGemmActivation final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kExtended; }

  int run(const Model& model, Graph& graph) const override {
    if (model.opset("") < 7) return 0;  // Gemm-6's C broadcasts only with its broadcast flag
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& gemm = graph.nodes[i];
      if (!is_plain_gemm(gemm) || gemm.outputs.size() != 1) continue;
      const DataType type = element_type(graph, gemm.outputs[0]);
      if (type != DataType::kFloat32 && type != DataType::kFloat64) continue;
      const GraphIndex index(graph);
      auto activation = activation_after(model, graph, index, gemm.outputs[0]);
      if (!activation) continue;
      std::vector<size_t> pattern = activation->nodes;
      pattern.push_back(i);
      if (!index.replaceable(pattern, activation->last)) continue;

      Node fused = gemm;
      fused.domain = kFusedDomain;
      fused.op_type = "FusedGemm";
      fused.outputs = {graph.nodes[activation->last].outputs[0]};
      set_activation(fused, activation->spec);
      replace_pattern(graph, std::move(pattern), std::move(fused));
      ++changes;
      --i;
    }
    return changes;
  }

 private:
  std::string name_ = "fuse_gemm_activation";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_gemm_activation() {
  return std::make_unique<FuseGemmActivation>();
}

}  // namespace aruntime::optimizer
