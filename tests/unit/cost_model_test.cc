// estimate_flops on the ONNX ops and on the runtime's fused ops, which must cost what the op they
// extend does (the parallel executor runs steps below its threshold inline, and the placement
// rules weigh regions by these figures). Expected values are the formulas worked by hand.
#include <gtest/gtest.h>

#include "core/cost_model.h"
#include "graph/ir.h"

namespace aruntime {
namespace {

void declare(Graph& g, const std::string& name, std::vector<int64_t> dims) {
  std::vector<Dim> d;
  for (int64_t x : dims) d.push_back(Dim::fixed(x));
  g.value_types[name] = TypeInfo{ValueKind::kTensor, DataType::kFloat32, std::move(d)};
}

Node make(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs,
          const std::string& domain = "") {
  Node n;
  n.name = op;
  n.op_type = op;
  n.domain = domain;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  return n;
}

void set_int(Node& n, const std::string& name, int64_t v) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kInt;
  a.i = v;
  n.attributes.push_back(a);
}

TEST(CostModel, FusedOpsCostWhatTheOpTheyExtendDoes) {
  Graph g;
  // A 3x3 convolution 32 -> 32 channels on 14x14: 2 * (32*14*14) * (32*3*3) = 3,612,672.
  declare(g, "x", {1, 32, 14, 14});
  declare(g, "w", {32, 32, 3, 3});
  declare(g, "y", {1, 32, 14, 14});
  const Node conv = make("Conv", {"x", "w"}, {"y"});
  const Node fused_conv = make("FusedConv", {"x", "w"}, {"y"}, "aruntime");
  ASSERT_TRUE(estimate_flops(g, conv));
  EXPECT_DOUBLE_EQ(*estimate_flops(g, conv), 3612672.0);
  EXPECT_DOUBLE_EQ(*estimate_flops(g, fused_conv), 3612672.0);

  // [8, 64] x [64, 16]: 2 * 8*16 * 64 = 16384, for Gemm, FusedGemm and FusedMatMul alike.
  declare(g, "a", {8, 64});
  declare(g, "b", {64, 16});
  declare(g, "c", {8, 16});
  for (const char* op : {"Gemm", "MatMul"}) EXPECT_DOUBLE_EQ(*estimate_flops(g, make(op, {"a", "b"}, {"c"})), 16384.0);
  EXPECT_DOUBLE_EQ(*estimate_flops(g, make("FusedGemm", {"a", "b"}, {"c"}, "aruntime")), 16384.0);
  EXPECT_DOUBLE_EQ(*estimate_flops(g, make("FusedMatMul", {"a", "b"}, {"c"}, "aruntime")), 16384.0);
  // FusedMatMul with transA: A is [K, M] = [64, 8], K is its second-to-last axis.
  declare(g, "at", {64, 8});
  Node fused_t = make("FusedMatMul", {"at", "b"}, {"c"}, "aruntime");
  set_int(fused_t, "transA", 1);
  EXPECT_DOUBLE_EQ(*estimate_flops(g, fused_t), 16384.0);

  // Attention: Q [2, 4, 10, 16], K [2, 4, 12, 16], Y [2, 4, 10, 16]: 4 * (2*4*10*16) * 12.
  declare(g, "q", {2, 4, 10, 16});
  declare(g, "k", {2, 4, 12, 16});
  declare(g, "v", {2, 4, 12, 16});
  declare(g, "o", {2, 4, 10, 16});
  EXPECT_DOUBLE_EQ(*estimate_flops(g, make("Attention", {"q", "k", "v"}, {"o"}, "aruntime")), 61440.0);
  declare(g, "kt", {2, 4, 16, 12});
  Node transposed = make("Attention", {"q", "kt", "v"}, {"o"}, "aruntime");
  set_int(transposed, "k_transposed", 1);
  EXPECT_DOUBLE_EQ(*estimate_flops(g, transposed), 61440.0);
}

TEST(CostModel, UnknownShapesGiveNoEstimate) {
  Graph g;
  declare(g, "w", {32, 32, 3, 3});
  g.value_types["x"] = TypeInfo{ValueKind::kTensor, DataType::kFloat32, std::nullopt};
  g.value_types["y"] = TypeInfo{ValueKind::kTensor, DataType::kFloat32, std::nullopt};
  EXPECT_FALSE(estimate_flops(g, make("FusedConv", {"x", "w"}, {"y"}, "aruntime")));
}

}  // namespace
}  // namespace aruntime
