// The NPU provider through the Session API: a small CNN claimed entirely, the copies its
// DataTransfer counts, the statistics of its program, and its output against the CPU provider's at
// each precision (the CPU kernels are conformance-tested, so they are the reference; the tolerances
// are the ones providers/npu/README.md derives for each precision).
#include <gtest/gtest.h>

#include "tests/unit/npu_test_util.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using npu_test::attr;
using npu_test::Dims;
using npu_test::ModelBuilder;

// x[1,3,8,8] -> Conv(8, 3x3, pad 1) -> BatchNormalization -> Relu -> MaxPool(2x2) -> Flatten
//   -> Gemm(8*4*4 -> 10, transB) -> Softmax -> y[1,10]
std::string small_cnn() {
  ModelBuilder b(17);
  b.input("x", {1, 3, 8, 8}).output("y", {1, 10});
  b.f32("w", {8, 3, 3, 3}, npu_test::pseudo_random(8 * 27, 1));
  b.f32("bias", {8}, npu_test::pseudo_random(8, 2));
  std::vector<float> scale = npu_test::pseudo_random(8, 3), var = npu_test::pseudo_random(8, 4);
  for (auto& s : scale) s += 1.5f;
  for (auto& v : var) v = v * v + 0.5f;
  b.f32("bn_scale", {8}, scale).f32("bn_bias", {8}, npu_test::pseudo_random(8, 5));
  b.f32("bn_mean", {8}, npu_test::pseudo_random(8, 6)).f32("bn_var", {8}, var);
  b.f32("fc_w", {10, 128}, npu_test::pseudo_random(1280, 7))
      .f32("fc_b", {10}, npu_test::pseudo_random(10, 8));
  b.value("c", {1, 8, 8, 8}).value("n", {1, 8, 8, 8}).value("r", {1, 8, 8, 8});
  b.value("p", {1, 8, 4, 4}).value("f", {1, 128}).value("g", {1, 10});
  auto& conv = b.node("Conv", {"x", "w", "bias"}, {"c"}, "conv");
  attr(conv, "kernel_shape", Dims{3, 3});
  attr(conv, "pads", Dims{1, 1, 1, 1});
  b.node("BatchNormalization", {"c", "bn_scale", "bn_bias", "bn_mean", "bn_var"}, {"n"}, "bn");
  b.node("Relu", {"n"}, {"r"}, "relu");
  auto& pool = b.node("MaxPool", {"r"}, {"p"}, "pool");
  attr(pool, "kernel_shape", Dims{2, 2});
  attr(pool, "strides", Dims{2, 2});
  b.node("Flatten", {"p"}, {"f"}, "flatten");
  auto& fc = b.node("Gemm", {"f", "fc_w", "fc_b"}, {"g"}, "fc");
  attr(fc, "transB", int64_t{1});
  b.node("Softmax", {"g"}, {"y"}, "softmax");
  return b.bytes();
}

Tensor cnn_input() {
  return Tensor::from_vector<float>(Shape{1, 3, 8, 8}, npu_test::pseudo_random(192, 9));
}

TEST(NpuSession, SmallCnnRunsEntirelyOnTheNpuWithCopiesOnlyAtTheGraphBoundary) {
  // Default placement rules: the CNN does enough arithmetic per copied byte to stay on the NPU.
  // Optimizer off: the NPU compiler's own BatchNormalization folding is what is tested here.
  SessionOptions options = npu_test::npu_options({}, true);
  options.optimization.level = 0;
  Session npu = npu_test::make_session(small_cnn(), options);
  for (const auto& [node, provider] : npu_test::placement(npu)) EXPECT_EQ(provider, "npu") << node;
  ASSERT_EQ(npu_test::programs(npu).size(), 1u);
  const std::string program = npu_test::programs(npu)[0];
  // Conv+BN+Relu fold into one instruction, Flatten is a view: conv, maxpool, gemm, softmax.
  EXPECT_EQ(npu_test::figure(npu, program, "instructions"), 4);
  EXPECT_EQ(npu_test::figure(npu, program, "onnx_nodes"), 7);
  EXPECT_EQ(npu_test::figure(npu, program, "runs"), 0);
  EXPECT_EQ(npu_test::figure(npu, "host_transfers", "copies_to_device"), 0);
  const Tensor x = cnn_input();
  for (int run = 1; run <= 3; ++run) {
    npu.run({{"x", x}});
    // One copy in (x) and one copy out (y) per run, nothing else crosses the link.
    EXPECT_EQ(npu_test::figure(npu, "host_transfers", "copies_to_device"), run);
    EXPECT_EQ(npu_test::figure(npu, "host_transfers", "copies_to_host"), run);
    EXPECT_EQ(npu_test::figure(npu, "host_transfers", "bytes_to_device"), run * 192 * 4);
    EXPECT_EQ(npu_test::figure(npu, "host_transfers", "bytes_to_host"), run * 10 * 4);
  }
  EXPECT_EQ(npu_test::figure(npu, program, "runs"), 3);
}

TEST(NpuSession, StatisticsDescribeTheProgramOfASimulatedDevice) {
  // Optimizer off: the figures below count the NPU compiler's own BatchNormalization folding.
  SessionOptions options = npu_test::npu_options();
  options.optimization.level = 0;
  Session npu = npu_test::make_session(small_cnn(), options);
  const std::string program = npu_test::programs(npu).at(0);
  // fp16 weights: conv 8*27 and gemm 1280 halves; float32 biases (8 + 10); each weight padded to
  // 64 bytes: 448 + 2560 + 64 + 64.
  EXPECT_EQ(npu_test::figure(npu, program, "weight_bytes"), 448 + 2560 + 64 + 64);
  EXPECT_GT(npu_test::figure(npu, program, "device_bytes"), 0);
  EXPECT_LE(npu_test::figure(npu, program, "device_bytes_lower_bound"),
            npu_test::figure(npu, program, "device_bytes"));
  // MACs: conv 8*8*8 outputs * 27, gemm 128 * 10.
  EXPECT_EQ(npu_test::figure(npu, program, "macs"), 512 * 27 + 1280);
  EXPECT_GT(npu_test::figure(npu, program, "estimated_cycles"), 0);
  EXPECT_DOUBLE_EQ(npu_test::figure(npu, program, "estimated_us"),
                   npu_test::figure(npu, program, "estimated_cycles") / 1000.0);
  EXPECT_EQ(npu_test::figure(npu, program, "simulated"), 1);
  bool listed = false;
  for (const ProviderInfo& p : provider_info()) {
    if (p.name != "npu") continue;
    listed = true;
    EXPECT_EQ(p.device, "simulated NPU (host-emulated device model, no hardware)");
    EXPECT_TRUE(p.device_present);
  }
  EXPECT_TRUE(listed);
}

TEST(NpuSession, SmallCnnMatchesTheCpuProviderAtEachPrecision) {
  Session cpu = npu_test::make_session(small_cnn(), npu_test::cpu_options());
  const Tensor x = cnn_input();
  const Tensor expected = cpu.run({{"x", x}})[0];
  // Tolerances from providers/npu/README.md for float32 outputs.
  const std::vector<std::tuple<std::string, double, double>> cases = {
      {"fp32", 1e-5, 1e-6}, {"fp16", 1e-2, 1e-3}, {"int8", 5e-2, 2e-2}};
  for (const auto& [precision, rtol, atol] : cases) {
    SCOPED_TRACE(precision);
    Session npu =
        npu_test::make_session(small_cnn(), npu_test::npu_options({{"precision", precision}}));
    testing::expect_near(npu.run({{"x", x}})[0], expected, rtol, atol);
  }
}

TEST(NpuSession, ConcurrentRunsOfOneProgramGiveTheSameResult) {
  Session npu = npu_test::make_session(small_cnn(), npu_test::npu_options());
  const Tensor x = cnn_input();
  const Tensor first = npu.run({{"x", x}})[0];
  std::vector<std::thread> threads;
  std::vector<Tensor> results(4);
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] { results[t] = npu.run({{"x", x}})[0]; });
  }
  for (auto& t : threads) t.join();
  for (const Tensor& r : results) testing::expect_near(r, first, 0, 0);
}

}  // namespace
}  // namespace aruntime
