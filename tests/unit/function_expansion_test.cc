// Ops that ONNX defines as functions run through their bodies when no provider has a kernel.
// A wrapper around the CPU provider that refuses chosen op types stands in for "no kernel".
#include <gtest/gtest.h>

#include <set>

#include "core/arena.h"
#include "core/execution_plan.h"
#include "core/executor.h"
#include "core/partitioner.h"
#include "graph/standard_functions.h"
#include "graph/type_inference.h"
#include "providers/cpu/cpu_execution_provider.h"
#include "tests/unit/op_test_util.h"
#include "tests/unit/test_execution_provider.h"

namespace aruntime {
namespace {

using testing::GraphBuilder;

class CpuWithoutOps : public ExecutionProvider {
 public:
  explicit CpuWithoutOps(std::set<std::string> refused) : refused_(std::move(refused)) {}
  const std::string& name() const override { return cpu_.name(); }
  Device device() const override { return cpu_.device(); }
  std::shared_ptr<Allocator> allocator() const override { return cpu_.allocator(); }
  CapabilityReport capabilities(const GraphView& view) const override {
    CapabilityReport report = cpu_.capabilities(view);
    CapabilityReport kept;
    kept.declines = report.declines;
    for (auto& claim : report.claims) {
      if (refused_.count(view.node(claim.nodes[0]).op_type)) {
        kept.declines.push_back({claim.nodes[0], "op not supported"});
      } else {
        kept.claims.push_back(claim);
      }
    }
    return kept;
  }
  std::unique_ptr<OpKernel> create_kernel(const CapabilityClaim& claim, const KernelInfo& info) const override {
    return cpu_.create_kernel(claim, info);
  }

 private:
  CpuExecutionProvider cpu_;
  std::set<std::string> refused_;
};

Attribute float_attr(const std::string& name, float v) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kFloat;
  a.f = v;
  return a;
}

// Partitions with function expansion, plans and runs on the host.
std::vector<Tensor> run(GraphBuilder& b, const ExecutionProvider& ep, std::vector<Tensor> inputs) {
  infer_types(b.graph());
  std::vector<const ExecutionProvider*> eps = {&ep};
  auto host = std::make_shared<ArenaAllocator>(cpu_heap_allocator());
  PartitionResult partition = partition_expanding_functions(b.model, b.graph(), eps, b.model.origin);
  ExecutionPlan plan = build_execution_plan({b.model, b.graph(), eps, partition, {host.get()}, host.get()});
  SequentialExecutor ex(plan, b.model.origin, *cpu_heap_allocator());
  std::vector<Value> values(inputs.begin(), inputs.end());
  std::vector<Tensor> out;
  for (Value& v : ex.run(std::move(values))) out.push_back(std::move(v.tensor()));
  return out;
}

TEST(StandardFunctions, CeluBodyBindsValuesAndResolvesAlpha) {
  GraphBuilder b;
  b.input("x", {5}).output("y").node("celu", "Celu", {"x"}, {"y"});
  b.graph().nodes[0].attributes.push_back(float_attr("alpha", 2.0f));
  infer_types(b.graph());
  FunctionExpansion body = expand_standard_function(b.model, b.graph(), b.graph().nodes[0]);
  ASSERT_EQ(body.result, FunctionExpansion::Result::kExpanded) << body.reason;
  ASSERT_FALSE(body.nodes.empty());
  EXPECT_EQ(body.nodes.back().outputs, std::vector<std::string>{"y"});
  bool reads_x = false;
  int constants = 0;
  for (const Node& n : body.nodes) {
    EXPECT_EQ(n.name.rfind("celu/", 0), 0u) << n.name;
    for (const auto& in : n.inputs) reads_x |= in == "x";
    for (const auto& out : n.outputs) EXPECT_TRUE(out == "y" || out.rfind("celu/", 0) == 0) << out;
    // Celu's body is Elu(x / alpha) * alpha; the caller's alpha must reach it, not the default.
    if (n.op_type == "Constant") {
      ++constants;
      const Tensor& t = n.attr_tensor("value");
      EXPECT_FLOAT_EQ(t.data<float>()[0], 2.0f);
    }
  }
  EXPECT_TRUE(reads_x);
  EXPECT_EQ(constants, 1);
}

TEST(StandardFunctions, OpsWithoutBodiesAreReportedAsSuch) {
  GraphBuilder b;
  b.input("x", {5}).output("y").node("r", "Relu", {"x"}, {"y"});
  EXPECT_EQ(expand_standard_function(b.model, b.graph(), b.graph().nodes[0]).result,
            FunctionExpansion::Result::kNoFunction);
}

TEST(FunctionFallback, CeluRunsThroughItsBodyWhenNoKernelTakesIt) {
  GraphBuilder b;
  b.input("x", {5}).output("y").node("celu", "Celu", {"x"}, {"y"});
  b.graph().nodes[0].attributes.push_back(float_attr("alpha", 2.0f));
  CpuWithoutOps cpu({"Celu"});
  auto out = run(b, cpu, {testing::f32({5}, {-3, -1, 0, 0.5f, 2})});
  // numpy: maximum(0, x) + minimum(0, 2 * (exp(x / 2) - 1))
  testing::expect_near(out.at(0), testing::f32({5}, {-1.5537397f, -0.7869387f, 0.0f, 0.5f, 2.0f}), 1e-5, 1e-6);
  for (const Node& n : b.graph().nodes) EXPECT_NE(n.op_type, "Celu");
}

TEST(FunctionFallback, StaticBodyExpands) {
  // MeanVarianceNormalization's body is static (not built per node) and uses ReduceMean, Pow, Sqrt...
  GraphBuilder b;
  b.input("x", {1, 2, 2, 3}).output("y").node("mvn", "MeanVarianceNormalization", {"x"}, {"y"});
  CpuWithoutOps cpu({"MeanVarianceNormalization"});
  std::vector<float> x = {0.0f, 1.0f, 2.8284271f, 5.1961527f, 8.0f, 11.18034f,
                          14.696939f, 18.520258f, 22.627417f, 27.0f, 31.622776f, 36.482872f};
  auto out = run(b, cpu, {testing::f32({1, 2, 2, 3}, x)});
  // numpy: (m - m.mean(axis=(0,2,3))) / sqrt(m.var(axis=(0,2,3)))
  testing::expect_near(out.at(0),
                       testing::f32({1, 2, 2, 3}, {-1.1977906f, -0.942986f, -0.47709435f, 0.12621307f, 0.8406463f,
                                                   1.6510116f, -1.403543f, -0.8905931f, -0.33956242f, 0.24707858f,
                                                   0.8672863f, 1.5193337f}),
                       1e-4f);
}

TEST(FunctionFallback, HardSwishBodyRunsOnRemainingKernels) {
  GraphBuilder b;
  b.input("x", {5}).output("y").node("hs", "HardSwish", {"x"}, {"y"});
  CpuWithoutOps cpu({"HardSwish"});
  auto out = run(b, cpu, {testing::f32({5}, {-3, -1, 0, 0.5f, 2})});
  // numpy: x * clip(x / 6 + 0.5, 0, 1)
  testing::expect_near(out.at(0), testing::f32({5}, {0.0f, -0.33333331f, 0.0f, 0.29166666f, 1.6666667f}), 1e-5, 1e-6);
}

TEST(FunctionFallback, BodyWhoseOpsNobodyRunsStillFailsNamingTheOriginalNeed) {
  GraphBuilder b;
  b.input("x", {5}).output("y").node("hs", "HardSwish", {"x"}, {"y"});
  CpuWithoutOps cpu({"HardSwish", "HardSigmoid"});
  testing::expect_error([&] { run(b, cpu, {testing::f32({5}, {1, 2, 3, 4, 5})}); }, ErrorCode::kNotImplemented,
                        {"no provider", "HardSigmoid"});
}

TEST(FunctionFallback, ModelNewerThanTheSchemasSaysWhyTheBodyWasNotUsed) {
  GraphBuilder b;
  b.model.opset_imports[""] = 23;
  b.input("x", {5}).output("y").node("celu", "Celu", {"x"}, {"y"});
  CpuWithoutOps cpu({"Celu"});
  testing::expect_error([&] { run(b, cpu, {testing::f32({5}, {1, 2, 3, 4, 5})}); }, ErrorCode::kNotImplemented,
                        {"node 'celu' (Celu)", "ONNX function: its ONNX function body is known only up to opset"});
}

}  // namespace
}  // namespace aruntime
