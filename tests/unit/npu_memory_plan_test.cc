// The NPU's static memory planner (greedy by size) on hand-made lifetimes, and the budgeted device
// memory and counted host link it plans for.
#include <gtest/gtest.h>

#include "providers/npu/npu_device.h"
#include "providers/npu/npu_memory_plan.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using npu::BufferLifetime;
using npu::plan_memory;

TEST(NpuMemoryPlan, AChainNeedsOnlyTwoBuffers) {
  // Each buffer is written at step t and read at t + 1.
  std::vector<BufferLifetime> chain;
  for (int t = 0; t < 6; ++t) chain.push_back({1000, t - 1, t});
  const auto plan = plan_memory(chain);
  EXPECT_EQ(plan.peak_bytes, 2 * 1024u);  // 1000 rounded up to 64-byte lines
  EXPECT_EQ(plan.lower_bound_bytes, 2 * 1024u);
  for (size_t i = 1; i < chain.size(); ++i) EXPECT_NE(plan.offsets[i], plan.offsets[i - 1]) << i;
}

TEST(NpuMemoryPlan, BuffersAliveTogetherNeverOverlap) {
  std::vector<BufferLifetime> all = {{100, 0, 5}, {200, 1, 3}, {300, 2, 4}, {64, 3, 3}};
  const auto plan = plan_memory(all);
  EXPECT_EQ(plan.peak_bytes, 128u + 256u + 320u + 64u);
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = i + 1; j < all.size(); ++j) {
      const bool disjoint = plan.offsets[i] + all[i].bytes <= plan.offsets[j] ||
                            plan.offsets[j] + all[j].bytes <= plan.offsets[i];
      EXPECT_TRUE(disjoint) << i << " and " << j;
    }
  }
}

TEST(NpuMemoryPlan, GreedyBySizePlacesTheLargestFirstAndFillsGaps) {
  // A big buffer alive throughout, two medium ones one after the other, and a small one that fits
  // in the hole the first medium one leaves.
  std::vector<BufferLifetime> b = {
      {4096, 0, 4}, {1024, 0, 1}, {1024, 2, 4}, {512, 2, 2}, {512, 3, 3}};
  const auto plan = plan_memory(b);
  EXPECT_EQ(plan.offsets[0], 0u);
  EXPECT_EQ(plan.offsets[1], 4096u);
  EXPECT_EQ(plan.offsets[2], 4096u);  // reuses the first medium buffer's space
  EXPECT_EQ(plan.offsets[3], 4096u + 1024u);
  EXPECT_EQ(plan.offsets[4], 4096u + 1024u);
  EXPECT_EQ(plan.peak_bytes, 4096u + 1024u + 512u);
  EXPECT_EQ(plan.lower_bound_bytes, plan.peak_bytes);
}

TEST(NpuDeviceMemory, RefusesAllocationsBeyondTheBudgetAndCountsWhatIsInUse) {
  npu::NpuDeviceMemory memory(1000);
  EXPECT_EQ(memory.device(), (Device{DeviceType::kNpu, 0}));
  void* a = memory.allocate(600);
  EXPECT_EQ(memory.in_use_bytes(), 600u);
  testing::expect_error(
      [&] { memory.allocate(401); }, ErrorCode::kOutOfMemory,
      {"npu: device memory budget exceeded", "401 bytes", "600 of 1000", "memory_budget_bytes"});
  void* b = memory.allocate(400);
  memory.deallocate(a);
  EXPECT_EQ(memory.in_use_bytes(), 400u);
  EXPECT_EQ(memory.peak_in_use_bytes(), 1000u);
  memory.deallocate(b);
  memory.deallocate(b);  // unknown pointers are ignored, never freed twice
  EXPECT_EQ(memory.in_use_bytes(), 0u);
}

TEST(NpuDataTransfer, CopiesBetweenHostAndNpuAndCountsThem) {
  npu::NpuDataTransfer link;
  auto memory = std::make_shared<npu::NpuDeviceMemory>(1 << 20);
  const Device npu_dev{DeviceType::kNpu, 0};
  EXPECT_TRUE(link.can_copy(Device::cpu(), npu_dev));
  EXPECT_TRUE(link.can_copy(npu_dev, Device::cpu()));
  EXPECT_FALSE(link.can_copy(Device::cpu(), Device::cpu()));
  EXPECT_FALSE(link.can_copy(Device{DeviceType::kGpu, 0}, npu_dev));
  const Tensor host = testing::f32(Shape{2, 2}, {1, 2, 3, 4});
  Tensor device(DataType::kFloat32, Shape{2, 2}, *memory);
  link.copy(host, device);
  Tensor back(DataType::kFloat32, Shape{2, 2});
  link.copy(device, back);
  testing::expect_near(back, host, 0, 0);
  const npu::TransferCounts c = link.counts();
  EXPECT_EQ(c.copies_to_device, 1);
  EXPECT_EQ(c.bytes_to_device, 16);
  EXPECT_EQ(c.copies_to_host, 1);
  EXPECT_EQ(c.bytes_to_host, 16);
  Tensor wrong(DataType::kFloat32, Shape{4}, *memory);
  testing::expect_error([&] { link.copy(host, wrong); }, ErrorCode::kRuntimeError,
                        {"float32[2,2]", "float32[4]"});
}

}  // namespace
}  // namespace aruntime
