// Graph inputs and outputs in device memory through IoBinding: a feed already on the device is
// read there without a copy, an output bound to a device buffer is written there, so runs chain
// on the device without host copies. The simulated NPU is the device: its transfer counts every
// copy over the host link.
#include <gtest/gtest.h>

#include "tests/unit/npu_test_util.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using npu_test::Dims;
using npu_test::ModelBuilder;

const Device kNpu{DeviceType::kNpu, 0};

// y = Relu(x * 2 + 1) with every node on the NPU; x and y are [2, 3].
std::string npu_model() {
  ModelBuilder b(17);
  b.input("x", {2, 3}).output("y", {2, 3});
  b.f32("two", {1}, {2.0f}).f32("one", {1}, {1.0f});
  b.value("m", {2, 3}).value("a", {2, 3});
  b.node("Mul", {"x", "two"}, {"m"}, "mul");
  b.node("Add", {"m", "one"}, {"a"}, "add");
  b.node("Relu", {"a"}, {"y"}, "relu");
  return b.bytes();
}

double host_copies(const Session& s, const std::string& figure) {
  return npu_test::figure(s, "host_transfers", figure);
}

TEST(DeviceIo, FeedsAndOutputBuffersInDeviceMemoryCrossNoHostLink) {
  Session s = npu_test::make_session(npu_model(), npu_test::npu_options());
  for (const auto& [node, provider] : npu_test::placement(s)) ASSERT_EQ(provider, "npu") << node;
  const Tensor x = testing::f32({2, 3}, {-3, -1, 0, 0.5f, 1, 2});
  const Tensor x_dev = s.copy_to_device(x, kNpu);
  EXPECT_EQ(x_dev.device(), kNpu);
  EXPECT_EQ(host_copies(s, "copies_to_device"), 1);
  Tensor y_dev(DataType::kFloat32, Shape{2, 3}, *s.device_allocator(kNpu));
  IoBinding binding(s);
  binding.bind_input("x", x_dev);
  binding.bind_output("y", y_dev);
  s.run(binding);
  s.run(binding);
  // Two runs, no copy over the host link: the feed was read in place and y written in place.
  EXPECT_EQ(host_copies(s, "copies_to_device"), 1);
  EXPECT_EQ(host_copies(s, "copies_to_host"), 0);
  ASSERT_EQ(binding.outputs().size(), 1u);
  EXPECT_EQ(binding.outputs()[0].tensor().raw_data(), y_dev.raw_data());
  // Relu(2x + 1), computed by hand.
  testing::expect_near(s.copy_to_host(y_dev), testing::f32({2, 3}, {0, 0, 1, 2, 3, 5}));
  EXPECT_EQ(host_copies(s, "copies_to_host"), 1);

  // Chained: the output buffer of one run is the feed of the next, still on the device.
  Tensor z_dev(DataType::kFloat32, Shape{2, 3}, *s.device_allocator(kNpu));
  IoBinding next(s);
  next.bind_input("x", y_dev);
  next.bind_output("y", z_dev);
  s.run(next);
  EXPECT_EQ(host_copies(s, "copies_to_device"), 1);
  testing::expect_near(s.copy_to_host(z_dev), testing::f32({2, 3}, {1, 1, 3, 5, 7, 11}));
}

TEST(DeviceIo, DeviceFeedReadByAHostKernelIsBroughtToTheHostFirst) {
  // Everything on the CPU: a feed in NPU memory must be copied to the host before Relu reads it.
  SessionOptions options = npu_test::npu_options();
  options.placement.assignments = {{"mul", "cpu"}, {"add", "cpu"}, {"relu", "cpu"}};
  Session s = npu_test::make_session(npu_model(), options);
  for (const auto& [node, provider] : npu_test::placement(s)) ASSERT_EQ(provider, "cpu") << node;
  const Tensor x_dev = s.copy_to_device(testing::f32({2, 3}, {-3, -1, 0, 0.5f, 1, 2}), kNpu);
  IoBinding binding(s);
  binding.bind_input("x", x_dev);
  binding.bind_output("y");
  s.run(binding);
  EXPECT_EQ(host_copies(s, "copies_to_host"), 1);
  testing::expect_near(binding.outputs()[0].tensor(), testing::f32({2, 3}, {0, 0, 1, 2, 3, 5}));
  // A host-produced output bound to a device buffer is copied in after the run.
  Tensor y_dev(DataType::kFloat32, Shape{2, 3}, *s.device_allocator(kNpu));
  binding.bind_output("y", y_dev);
  s.run(binding);
  EXPECT_EQ(host_copies(s, "copies_to_device"), 2);  // x_dev's upload, then y into its buffer
  testing::expect_near(s.copy_to_host(y_dev), testing::f32({2, 3}, {0, 0, 1, 2, 3, 5}));
}

TEST(DeviceIo, MemoryOfNoProviderOfTheSessionIsRefusedWithTheProviders) {
  Session cpu_only = npu_test::make_session(npu_model(), npu_test::cpu_options());
  testing::expect_error([&] { cpu_only.device_allocator(kNpu); }, ErrorCode::kInvalidArgument,
                        {"npu:0", "providers: cpu"});
  Session s = npu_test::make_session(npu_model(), npu_test::npu_options());
  const Tensor x_dev = s.copy_to_device(testing::f32({2, 3}, {1, 2, 3, 4, 5, 6}), kNpu);
  IoBinding binding(cpu_only);
  testing::expect_error([&] { binding.bind_input("x", x_dev); }, ErrorCode::kInvalidArgument,
                        {"input 'x'", "fed on npu:0", "cpu"});
  testing::expect_error([&] { binding.bind_output("y", x_dev); }, ErrorCode::kInvalidArgument,
                        {"output 'y'", "npu:0"});
}

}  // namespace
}  // namespace aruntime
