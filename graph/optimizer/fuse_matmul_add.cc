// MatMul(A, B) + C with a 2-D B is one matrix product with a bias: Gemm(A, B, C) when A is 2-D
// and C broadcasts to the [M, N] result (standard ONNX), aruntime.FusedGemm when A has more axes
// (torch's Linear on [batch, seq, features]; FusedGemm folds A's leading axes into M) and C is a
// bias of N values or one value. fuse_gemm_activation may then take the activation that follows.
#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

// C of static shape `c` broadcasts unidirectionally to [m, n] (m < 0: M unknown or A not 2-D).
bool bias_broadcasts(const std::vector<int64_t>& c, int64_t m, int64_t n) {
  if (c.size() > 2) return false;
  int64_t count = 1;
  for (int64_t d : c) count *= d;
  if (c.size() <= 1) return count == 1 || count == n;
  return (c[0] == 1 || (m >= 0 && c[0] == m)) && (c[1] == 1 || c[1] == n);
}

class FuseMatMulAdd final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kExtended; }

  int run(const Model& model, Graph& graph) const override {
    if (model.opset("") < 7) return 0;  // Gemm's broadcasting C starts at opset 7
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& matmul = graph.nodes[i];
      if (!is_op(matmul, "MatMul") || matmul.inputs.size() != 2 || matmul.outputs.size() != 1) {
        continue;
      }
      const std::string& a = matmul.inputs[0];
      const std::string& y = matmul.outputs[0];
      const DataType type = element_type(graph, y);
      if (type != DataType::kFloat32 && type != DataType::kFloat64) continue;
      const auto b_shape = static_shape(graph, matmul.inputs[1]);
      const int64_t a_rank = rank_of(graph, a);
      if (!b_shape || b_shape->size() != 2 || a_rank < 2) continue;
      const GraphIndex index(graph);
      const auto p = index.only_consumer(y);
      if (!p) continue;
      const Node& add = graph.nodes[*p];
      if (!is_op(add, "Add")) continue;
      const auto other = other_input(add, y);
      if (!other || add.outputs.size() != 1) continue;
      const std::string& c = add.inputs[*other];
      const auto c_shape = static_shape(graph, c);
      if (c == y || !c_shape || element_type(graph, c) != type) continue;
      const auto a_shape = static_shape(graph, a);
      const int64_t m = a_rank == 2 && a_shape ? (*a_shape)[0] : -1;
      if (!bias_broadcasts(*c_shape, a_rank == 2 ? m : 1, (*b_shape)[1])) continue;
      if (!index.replaceable({i, *p}, *p)) continue;

      Node fused;
      fused.name = matmul.name;
      fused.inputs = {a, matmul.inputs[1], c};
      fused.outputs = {add.outputs[0]};
      if (a_rank == 2) {
        fused.op_type = "Gemm";
      } else {
        fused.op_type = "FusedGemm";
        fused.domain = kFusedDomain;
      }
      replace_pattern(graph, {i, *p}, std::move(fused));
      ++changes;
      --i;
    }
    return changes;
  }

 private:
  std::string name_ = "fuse_matmul_add";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_matmul_add() {
  return std::make_unique<FuseMatMulAdd>();
}

}  // namespace aruntime::optimizer
