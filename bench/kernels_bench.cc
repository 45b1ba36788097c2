// Micro-benchmarks of the CPU kernels, single-threaded, on the shapes that dominate real models: GEMMs of
// CNNs and transformers, and the convolutions of ResNet/MobileNet. Reported as GFLOP/s counters so
// runs on different machines compare by efficiency, not time. Run:
//   build/release/bin/aruntime_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <random>
#include <vector>

#include "kernels/conv.h"
#include "kernels/gemm.h"
#include "kernels/nchwc.h"

namespace aruntime::kernels {
namespace {

std::vector<float> random_values(size_t n) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

void BM_Gemm(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  auto a = random_values(m * k), b = random_values(k * n);
  std::vector<float> c(m * n);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 1);
  for (auto _ : state) {
    gemm_parallel<float>(false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k * state.iterations(),
                                                 benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_Gemm)
    ->Args({1024, 1024, 1024})
    ->Args({256, 3136, 576})   // a ResNet 3x3 conv as GEMM
    ->Args({128, 768, 768})    // BERT projection
    ->Args({128, 3072, 768})   // BERT FFN
    ->Args({1, 1000, 2048})    // classifier GEMV
    ->Unit(benchmark::kMillisecond);

// Args: in channels, out channels, spatial size, kernel, stride, group.
void BM_Conv2d(benchmark::State& state) {
  ConvGeometry g;
  g.batch = 1;
  g.in_channels = state.range(0);
  g.out_channels = state.range(1);
  g.group = state.range(5);
  const int64_t hw = state.range(2), kk = state.range(3), stride = state.range(4);
  const int64_t pad = kk / 2, out = (hw + 2 * pad - kk) / stride + 1;
  g.input_spatial = {hw, hw};
  g.output_spatial = {out, out};
  g.kernel = {kk, kk};
  g.strides = {stride, stride};
  g.dilations = {1, 1};
  g.pads_begin = {pad, pad};
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 1);
  ConvPlan plan = plan_conv(g);
  auto x = random_values(g.in_channels * hw * hw);
  auto w = random_values(g.out_channels * (g.in_channels / g.group) * kk * kk);
  auto bias = random_values(g.out_channels);
  std::vector<float> y(g.out_channels * out * out), scratch(plan.scratch_elements);
  for (auto _ : state) {
    conv<float>(g, plan, x.data(), w.data(), bias.data(), y.data(), scratch.data());
    benchmark::DoNotOptimize(y.data());
  }
  const double flops = 2.0 * g.out_channels * out * out * (g.in_channels / g.group) * kk * kk;
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * state.iterations(), benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
// The convolutions of ResNet-50, MobileNet and ViT, NCHW (im2col + GEMM) and blocked (below).
#define ARUNTIME_CONV_SHAPES                                                \
  ->Args({64, 64, 56, 3, 1, 1})                                             \
      ->Args({256, 64, 56, 1, 1, 1})                                        \
      ->Args({128, 128, 28, 3, 1, 1})                                       \
      ->Args({256, 256, 14, 3, 1, 1})                                       \
      ->Args({512, 512, 7, 3, 1, 1})                                        \
      ->Args({1024, 256, 14, 1, 1, 1})                                      \
      ->Args({32, 32, 112, 3, 1, 32})   /* depthwise */                     \
      ->Args({144, 144, 56, 3, 1, 144}) /* depthwise */                     \
      ->Args({3, 64, 224, 7, 2, 1})     /* ResNet stem */                   \
      ->Args({3, 32, 224, 3, 2, 1})     /* MobileNet stem */                \
      ->Unit(benchmark::kMillisecond)

BENCHMARK(BM_Conv2d) ARUNTIME_CONV_SHAPES;

// The same convolutions in the blocked channel layout (kernels/nchwc.h) with prepacked weights, as
// level 3 runs them: the input is blocked except for a stem (3 channels, read as NCHW).
void BM_NchwcConv2d(benchmark::State& state) {
  nchwc::Conv2dGeometry g;
  g.batch = 1;
  g.in_channels = state.range(0);
  g.out_channels = state.range(1);
  const int64_t group = state.range(5);
  const int64_t hw = state.range(2), kk = state.range(3), stride = state.range(4);
  const int64_t pad = kk / 2, out = (hw + 2 * pad - kk) / stride + 1;
  g.in_h = g.in_w = hw;
  g.out_h = g.out_w = out;
  g.kernel_h = g.kernel_w = kk;
  g.stride_h = g.stride_w = stride;
  g.pad_top = g.pad_left = pad;
  const nchwc::ConvKind kind = group > 1                ? nchwc::ConvKind::kDepthwise
                               : g.in_channels < nchwc::kBlock ? nchwc::ConvKind::kNchwInput
                                                               : nchwc::ConvKind::kDense;
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 1);
  const int64_t x_size = kind == nchwc::ConvKind::kNchwInput ? g.in_channels * hw * hw
                                                             : nchwc::padded(g.in_channels) * hw * hw;
  auto x = random_values(x_size);
  auto w = random_values(g.out_channels * (g.in_channels / group) * kk * kk);
  auto bias = random_values(g.out_channels);
  std::vector<float> packed_w(nchwc::packed_weights_size(kind, g));
  std::vector<float> packed_bias(nchwc::padded(g.out_channels));
  nchwc::pack_weights(kind, g, w.data(), packed_w.data());
  nchwc::pack_bias(bias.data(), g.out_channels, packed_bias.data());
  std::vector<float> y(nchwc::padded(g.out_channels) * out * out);
  std::vector<float> scratch(nchwc::conv_scratch_size(kind, g));
  for (auto _ : state) {
    nchwc::conv(kind, g, x.data(), packed_w.data(), packed_bias.data(), nullptr, {}, y.data(),
                scratch.data());
    benchmark::DoNotOptimize(y.data());
  }
  const double flops = 2.0 * g.out_channels * out * out * (g.in_channels / group) * kk * kk;
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * state.iterations(), benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_NchwcConv2d) ARUNTIME_CONV_SHAPES;

}  // namespace
}  // namespace aruntime::kernels

BENCHMARK_MAIN();
