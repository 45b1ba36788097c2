// A Transpose that only swaps the last two axes of a matrix product's operand is a flag of the
// product, not a copy: the gemm kernels read a transposed operand in place (kernels/gemm.h).
//   MatMul(Transpose(A), B)  ->  aruntime.FusedMatMul(A, B, transA=1)   (either or both inputs)
// or Gemm(A, B, transA/transB) when both operands are 2-D (ONNX, opset >= 11 where Gemm's C is
// optional). Gemm and aruntime.FusedGemm (which fuse_matmul_add writes first) absorb the
// Transpose of a 2-D operand by flipping their own transA/transB. Runs after fuse_attention, so
// the Kᵀ of an attention block goes to the Attention op instead. Does not fire when the Transpose
// output has another reader or is a graph output, the perm moves any other axis, or the ranks are
// unknown.
#include <numeric>

#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

// The Transpose producing `value` when it swaps the last two of its rank-`rank` input's axes and
// the product is its only reader.
std::optional<size_t> swap_transpose(const Graph& graph, const GraphIndex& index,
                                     const std::string& value, int64_t rank) {
  if (rank < 2) return std::nullopt;
  auto t = index.producer(value, "Transpose");
  if (!t || !index.only_consumer(value)) return std::nullopt;
  const Node& node = graph.nodes[*t];
  if (node.inputs.size() != 1 || node.outputs.size() != 1) return std::nullopt;
  std::vector<int64_t> swap(static_cast<size_t>(rank));
  std::iota(swap.begin(), swap.end(), 0);
  std::swap(swap[rank - 2], swap[rank - 1]);
  // No perm reverses every axis: a swap on 2-D values only.
  const std::vector<int64_t> perm =
      node.has_attribute("perm") ? node.attr_ints("perm") : std::vector<int64_t>{1, 0};
  if (perm != swap || rank_of(graph, node.inputs[0]) != rank) return std::nullopt;
  return t;
}

void set_int(Node& node, const std::string& name, int64_t value) {
  for (Attribute& a : node.attributes) {
    if (a.name == name) {
      a.type = Attribute::Type::kInt;
      a.i = value;
      return;
    }
  }
  node.attributes.push_back(int_attribute(name, value));
}

class FuseTransposeMatMul final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kExtended; }

  int run(const Model& model, Graph& graph) const override {
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& node = graph.nodes[i];
      const bool matmul = is_op(node, "MatMul");
      const bool gemm = is_op(node, "Gemm") ||
                        (node.op_type == "FusedGemm" && node.domain == kFusedDomain) ||
                        (node.op_type == "FusedMatMul" && node.domain == kFusedDomain);
      if (!matmul && !gemm) continue;
      if (node.inputs.size() < 2 || node.outputs.empty()) continue;
      const DataType type = element_type(graph, node.outputs[0]);
      if (type != DataType::kFloat32 && type != DataType::kFloat64) continue;
      if (fuse_at(model, graph, i, matmul)) {
        ++changes;
        i = static_cast<size_t>(-1);  // a Transpose before the product is gone: rescan
      }
    }
    return changes;
  }

 private:
  bool fuse_at(const Model& model, Graph& graph, size_t p, bool matmul) const {
    const GraphIndex index(graph);
    const Node& product = graph.nodes[p];
    const bool fused_gemm = product.op_type == "FusedGemm";
    const bool fused_matmul = product.op_type == "FusedMatMul";
    std::vector<size_t> pattern;
    std::vector<std::string> inputs = product.inputs;
    bool flipped[2] = {false, false};
    for (size_t k = 0; k < 2; ++k) {
      const int64_t rank = rank_of(graph, product.inputs[k]);
      // Gemm's operands are 2-D; FusedGemm's A may have more axes, which only transA 0 allows.
      if (!matmul && !fused_matmul && rank != 2) continue;
      if (fused_gemm && k == 0 && rank_of(graph, product.inputs[0]) != 2) continue;
      if ((matmul || fused_matmul) && rank < 2) continue;
      auto t = swap_transpose(graph, index, product.inputs[k], rank);
      if (!t) continue;  // MatMul(t, t) lists t twice: both inputs read past it
      inputs[k] = graph.nodes[*t].inputs[0];
      flipped[k] = true;
      pattern.push_back(*t);
    }
    if (pattern.empty()) return false;
    // MatMul's 1-D operands have no transposed form; both must be matrices (or batches of them).
    if (matmul && (rank_of(graph, product.inputs[0]) < 2 || rank_of(graph, product.inputs[1]) < 2))
      return false;
    pattern.push_back(p);
    if (!index.replaceable(pattern, p)) return false;

    Node fused = product;
    fused.inputs = inputs;
    if (matmul) {
      const bool two_d = rank_of(graph, product.inputs[0]) == 2 &&
                         rank_of(graph, product.inputs[1]) == 2 && model.opset("") >= 11;
      fused.op_type = two_d ? "Gemm" : "FusedMatMul";
      fused.domain = two_d ? "" : kFusedDomain;
      fused.attributes.clear();
    }
    const char* names[2] = {"transA", "transB"};
    for (size_t k = 0; k < 2; ++k) {
      const int64_t before = fused.attr_int(names[k], 0) != 0 ? 1 : 0;
      const int64_t after = flipped[k] ? 1 - before : before;
      if (after != 0 || fused.has_attribute(names[k])) set_int(fused, names[k], after);
    }
    replace_pattern(graph, std::move(pattern), std::move(fused));
    return true;
  }

  std::string name_ = "fuse_transpose_matmul";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_transpose_matmul() {
  return std::make_unique<FuseTransposeMatMul>();
}

}  // namespace aruntime::optimizer
