#include <gtest/gtest.h>

#include "core/arena.h"
#include "core/execution_plan.h"
#include "core/executor.h"
#include "core/partitioner.h"
#include "tests/unit/test_execution_provider.h"

namespace aruntime {
namespace {

using testing::GraphBuilder;
using testing::TestExecutionProvider;

struct Harness {
  GraphBuilder builder;
  std::vector<const ExecutionProvider*> eps;
  std::vector<std::shared_ptr<ArenaAllocator>> arenas;
  std::shared_ptr<ArenaAllocator> host = std::make_shared<ArenaAllocator>(cpu_heap_allocator());
  PartitionResult partition;
  ExecutionPlan plan;

  void build() {
    std::vector<Allocator*> raw;
    for (const auto* ep : eps) {
      arenas.push_back(ep->device().is_cpu() ? host : std::make_shared<ArenaAllocator>(ep->allocator()));
      raw.push_back(arenas.back().get());
    }
    partition = partition_graph(builder.model, builder.graph(), eps, "m.onnx");
    plan = build_execution_plan({builder.model, builder.graph(), eps, partition, raw, host.get()});
  }
  std::vector<Tensor> run(std::vector<Tensor> inputs) {
    SequentialExecutor ex(plan, builder.model.origin, *cpu_heap_allocator());
    std::vector<Value> values(inputs.begin(), inputs.end());
    std::vector<Tensor> out;
    for (Value& v : ex.run(std::move(values))) out.push_back(std::move(v.tensor()));
    return out;
  }
};

// y = relu(x * x) + x, z = -(x * x)
void add_diamond(GraphBuilder& b) {
  b.input("x", {4}).output("y").output("z");
  b.node("a", "Mul", {"x", "x"}, {"sq"}).node("b", "Relu", {"sq"}, {"r"}).node("c", "Add", {"r", "x"}, {"y"});
  b.node("d", "Neg", {"sq"}, {"z"});
}

TEST(Executor, RunsOnHostAndReleasesEveryIntermediate) {
  Harness h;
  add_diamond(h.builder);
  TestExecutionProvider host("host", Device::cpu());
  host.claim_ops({"Mul", "Relu", "Add", "Neg"});
  h.eps = {&host};
  h.build();
  EXPECT_EQ(h.plan.num_copies, 0u);
  auto out = h.run({Tensor::from_vector<float>(Shape{4}, {-2, -1, 0.5f, 3})});
  ASSERT_EQ(out.size(), 2u);
  // x*x = {4, 1, 0.25, 9}; relu keeps all; + x
  EXPECT_FLOAT_EQ(out[0].data<float>()[0], 2.0f);
  EXPECT_FLOAT_EQ(out[0].data<float>()[3], 12.0f);
  EXPECT_FLOAT_EQ(out[1].data<float>()[1], -1.0f);
  // Outputs are caller-owned heap tensors; all arena blocks came back.
  EXPECT_EQ(out[0].allocator(), cpu_heap_allocator().get());
  EXPECT_EQ(h.host->stats().in_use_bytes, 0u);
  EXPECT_GT(h.host->stats().peak_in_use_bytes, 0u);
}

TEST(Executor, InsertsExactlyOneCopyPerValueAndDevice) {
  Harness h;
  add_diamond(h.builder);
  TestExecutionProvider dev("dev", Device{DeviceType::kNpu, 0});
  TestExecutionProvider host("host", Device::cpu());
  dev.claim_ops({"Mul", "Relu", "Neg"});
  host.claim_ops({"Add", "Mul", "Relu", "Neg"});
  h.eps = {&dev, &host};
  h.build();
  // x to device once (read by a), sq stays on device for b and d, r back to host for c,
  // z (a graph output) back to host. x is read on host by c from its host slot: no copy.
  EXPECT_EQ(h.plan.num_copies, 3u);
  auto out = h.run({Tensor::from_vector<float>(Shape{4}, {-2, -1, 0.5f, 3})});
  EXPECT_EQ(dev.copies(), 3);
  EXPECT_FLOAT_EQ(out[0].data<float>()[3], 12.0f);
  EXPECT_FLOAT_EQ(out[1].data<float>()[0], -4.0f);
  EXPECT_TRUE(out[1].device().is_cpu());
}

TEST(Executor, FusedGroupRunsAsOneCompiledStep) {
  Harness h;
  add_diamond(h.builder);
  TestExecutionProvider dev("dev", Device{DeviceType::kNpu, 0});
  TestExecutionProvider host("host", Device::cpu());
  dev.claim_group({"a", "b", "d"});
  host.claim_ops({"Add"});
  h.eps = {&dev, &host};
  h.build();
  EXPECT_EQ(dev.compiled_groups(), 1);
  EXPECT_EQ(h.plan.steps.size(), 2u + h.plan.num_copies);
  auto out = h.run({Tensor::from_vector<float>(Shape{4}, {-2, -1, 0.5f, 3})});
  EXPECT_FLOAT_EQ(out[0].data<float>()[0], 2.0f);
  EXPECT_FLOAT_EQ(out[1].data<float>()[2], -0.25f);
}

TEST(Executor, OutputThatAliasesAFeedIsCopied) {
  Harness h;
  h.builder.input("x", {2}).output("x");
  TestExecutionProvider host("host", Device::cpu());
  h.eps = {&host};
  h.build();
  float data[2] = {1, 2};
  auto out = h.run({Tensor::wrap(DataType::kFloat32, Shape{2}, data)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].raw_data(), static_cast<void*>(data));
  EXPECT_FLOAT_EQ(out[0].data<float>()[1], 2.0f);
  // Also when the feed is a heap tensor, like the outputs themselves.
  Tensor heap_feed = Tensor::from_vector<float>(Shape{2}, {3, 4});
  auto out2 = h.run({heap_feed});
  EXPECT_NE(out2[0].raw_data(), heap_feed.raw_data());
  EXPECT_FLOAT_EQ(out2[0].data<float>()[0], 3.0f);
}

}  // namespace
}  // namespace aruntime
