// Tests of the GPU provider's foundation: device probe and registration, options, error checks,
// cuBLAS loading, device memory, copies, run timing and constants kept on the device; and of the
// test harness itself.
//
// Tests that need a CUDA device start with ARUNTIME_REQUIRE_GPU() and are skipped without one.
// The others check what must hold on every machine this binary is built on, including the behaviour
// without a device (those skip themselves where a device is present). Expected values are
// hand-derived (Relu, Add: max(x, 0), x + w element by element) or round trips of random data.
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "aruntime/session.h"
#include "core/provider_registry.h"
#include "graph/tensor_proto.h"
#include "providers/gpu/cublas_api.h"
#include "providers/gpu/gpu_allocator.h"
#include "providers/gpu/gpu_check.h"
#include "providers/gpu/gpu_context.h"
#include "providers/gpu/gpu_data_transfer.h"
#include "providers/gpu/gpu_execution_provider.h"
#include "providers/gpu/gpu_options.h"
#include "tests/gpu/gpu_test_util.h"

namespace aruntime::gpu_testing {
namespace {

Tensor floats(const Shape& shape, const std::vector<float>& v) {
  return Tensor::from_vector<float>(shape, v);
}

// Runs `fn`, which must throw aruntime::Error with `code` and a one-line message containing each of
// `parts`; returns the message.
template <typename F>
std::string expect_error(F&& fn, ErrorCode code, const std::vector<std::string>& parts) {
  try {
    fn();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.code(), code) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    for (const auto& p : parts)
      EXPECT_NE(message.find(p), std::string::npos) << "'" << p << "' not in: " << message;
    return message;
  }
  ADD_FAILURE() << "expected an aruntime::Error";
  return "";
}

#define ARUNTIME_REQUIRE_NO_GPU()                                               \
  do {                                                                          \
    if (::aruntime::gpu_testing::gpu_available()) {                             \
      GTEST_SKIP() << "a CUDA device is present: " << gpu_device_description(); \
    }                                                                           \
  } while (0)

// ---- Harness ----------------------------------------------------------------------------------

// The harness's one-node model runs through the CPU provider as written: Relu(x) = max(x, 0).
TEST(GpuTestHarness, OneNodeModelRunsOnTheCpu) {
  GpuOpCase relu("Relu", 14);
  relu.input(floats({2, 3}, {-1.5f, 0.f, 2.f, -0.25f, 3.5f, -7.f}));
  const std::vector<Tensor> out = relu.run_on_cpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({2, 3}, {0.f, 0.f, 2.f, 0.f, 3.5f, 0.f}), 0, 0);
}

// Constant inputs become initializers, attributes reach the node, and several outputs come back:
// Split of [1..6] along axis 0 into sizes {2, 4} (constant), by hand.
TEST(GpuTestHarness, ConstantInputsAttributesAndSeveralOutputs) {
  GpuOpCase split("Split", 13);
  split.attr("axis", int64_t{0})
      .input(floats({6}, {1, 2, 3, 4, 5, 6}))
      .input(Tensor::from_vector<int64_t>({2}, {2, 4}), /*constant=*/true)
      .outputs(2);
  const std::vector<Tensor> out = split.run_on_cpu();
  ASSERT_EQ(out.size(), 2u);
  expect_near(out[0], floats({2}, {1, 2}), 0, 0);
  expect_near(out[1], floats({4}, {3, 4, 5, 6}), 0, 0);
}

// An omitted optional input stays omitted: Clip(x, min omitted, max = 1) = min(x, 1), by hand.
TEST(GpuTestHarness, OmittedInput) {
  GpuOpCase clip("Clip", 13);
  clip.input(floats({4}, {-3, 0.5f, 1, 9})).omitted_input().input(Tensor::scalar(1.0f), true);
  expect_near(clip.run_on_cpu()[0], floats({4}, {-3, 0.5f, 1, 1}), 0, 0);
}

TEST(GpuTestHarness, ExpectNearReportsMismatches) {
  const Tensor a = floats({3}, {1, 2, 3});
  EXPECT_NONFATAL_FAILURE(expect_near(a, floats({3}, {1, 2, 3.1f}), 1e-4, 1e-5), "at flat index 2");
  EXPECT_FATAL_FAILURE(expect_near(floats({3}, {1, 2, 3}), floats({1, 3}, {1, 2, 3}), 0, 0),
                       "[1,3]");
  EXPECT_FATAL_FAILURE(expect_near(floats({1}, {1}), Tensor::from_vector<int64_t>({1}, {1}), 0, 0),
                       "int64");
  // float16 is compared in float: 1/3 in half is 0.33325195 (11-bit mantissa).
  const Tensor h = Tensor::from_vector<Float16>({1}, {Float16(1.0f / 3)});
  expect_near(h, Tensor::from_vector<Float16>({1}, {Float16(0.33325195f)}), 0, 0);
}

TEST(GpuTestHarness, RandomTensorsAreReproducibleAndInRange) {
  const Tensor a = random_tensor(DataType::kFloat32, {1000}, 7, -2, 3);
  const Tensor b = random_tensor(DataType::kFloat32, {1000}, 7, -2, 3);
  const Tensor c = random_tensor(DataType::kFloat32, {1000}, 8, -2, 3);
  EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()), 0);
  EXPECT_NE(std::memcmp(a.raw_data(), c.raw_data(), a.byte_size()), 0);
  const float* v = a.data<float>();
  EXPECT_GE(*std::min_element(v, v + 1000), -2.f);
  EXPECT_LE(*std::max_element(v, v + 1000), 3.f);
  const Tensor ints = random_tensor(DataType::kInt64, {1000}, 1, -1, 1);
  bool seen[3] = {false, false, false};
  for (int64_t i = 0; i < 1000; ++i) {
    const int64_t x = ints.data<int64_t>()[i];
    ASSERT_TRUE(x >= -1 && x <= 1) << x;
    seen[x + 1] = true;
  }
  EXPECT_TRUE(seen[0] && seen[1] && seen[2]);
  EXPECT_EQ(random_tensor(DataType::kFloat16, {5}, 1).dtype(), DataType::kFloat16);
}

// ---- Registration, options, checks: every machine ----------------------------------------------

TEST(GpuProvider, IsBuiltInFirstInTheOrderOfPreference) {
  const ProviderFactory* gpu = find_provider("gpu");
  ASSERT_NE(gpu, nullptr);
  const std::vector<std::string> names = available_providers();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "gpu");
  EXPECT_EQ(names.back(), "cpu");
  EXPECT_FALSE(gpu->describe_device().empty());
  EXPECT_EQ(gpu->device_present(), gpu_available());
}

TEST(GpuProvider, WithoutADeviceSaysWhy) {
  ARUNTIME_REQUIRE_NO_GPU();
  const ProviderFactory* gpu = find_provider("gpu");
  ASSERT_NE(gpu, nullptr);
  EXPECT_FALSE(gpu->device_present());
  EXPECT_EQ(gpu->describe_device().rfind("no CUDA device found (", 0), 0u)
      << gpu->describe_device();
  EXPECT_EQ(gpu_device_description(), gpu->describe_device());
}

TEST(GpuProvider, SessionWithoutADeviceFailsWithOneLine) {
  ARUNTIME_REQUIRE_NO_GPU();
  GpuOpCase relu("Relu", 14);
  relu.input(floats({2}, {-1, 1}));
  expect_error(
      [&] {
        relu.make_session({"gpu", "cpu"});
      },
      ErrorCode::kInvalidArgument, {"'gpu'", "no CUDA device found"});
  // The factory itself refuses too, naming the provider.
  expect_error([] { find_provider("gpu")->create(SessionOptions{}); }, ErrorCode::kInvalidArgument,
               {"provider 'gpu' cannot be created", "no CUDA device found"});
}

TEST(GpuProvider, ContextAndMemoryWithoutADeviceThrowInsteadOfCrashing) {
  ARUNTIME_REQUIRE_NO_GPU();
  expect_error([] { gpu::GpuContext context(0); }, ErrorCode::kRuntimeError,
               {"gpu:0: cannot set up the device", "CUDA error"});
  gpu::GpuAllocator memory(0);
  EXPECT_THROW(memory.allocate(16), Error);
  EXPECT_EQ(memory.in_use_bytes(), 0u);
  memory.deallocate(nullptr);  // ignored
}

TEST(GpuOptions, DeviceIdAndErrors) {
  EXPECT_EQ(gpu::parse_gpu_options({}).device_id, 0);
  EXPECT_EQ(gpu::parse_gpu_options({{"device_id", "3"}}).device_id, 3);
  for (const char* bad : {"", "-1", "x", "1.5", "2 ", "99999999999"}) {
    expect_error(
        [&] {
          gpu::parse_gpu_options({{"device_id", bad}});
        },
        ErrorCode::kInvalidArgument,
        {"gpu provider option device_id='" + std::string(bad) + "'", "valid keys: device_id"});
  }
  expect_error(
      [] {
        gpu::parse_gpu_options({{"precision", "fp16"}});
      },
      ErrorCode::kInvalidArgument, {"'precision' is not known", "valid keys: device_id"});
  // Options are read before the device is looked at: a bad key is reported as such everywhere.
  SessionOptions options;
  options.provider_options["gpu"] = {{"devcie_id", "0"}};
  expect_error([&] { gpu::create_gpu_provider(options); }, ErrorCode::kInvalidArgument,
               {"'devcie_id' is not known"});
}

TEST(GpuCheck, CudaErrorsBecomeErrors) {
  EXPECT_NO_THROW(ARUNTIME_CUDA_CHECK(cudaSuccess));
  const std::string oom =
      expect_error([] { ARUNTIME_CUDA_CHECK(cudaErrorMemoryAllocation); }, ErrorCode::kOutOfMemory,
                   {"CUDA error: cudaErrorMemoryAllocation: out of memory"});
  // One line for users: the call and its status, no source location (that goes to the debug log).
  EXPECT_EQ(oom.find(".cc:"), std::string::npos) << oom;
  expect_error(
      [] { ARUNTIME_CUDA_CHECK(cudaErrorInvalidValue); }, ErrorCode::kRuntimeError,
      {"CUDA error: cudaErrorInvalidValue", "invalid argument", "[cudaErrorInvalidValue]"});
}

TEST(GpuCheck, CudnnAndCublasErrorsBecomeErrors) {
  EXPECT_NO_THROW(ARUNTIME_CUDNN_CHECK(CUDNN_STATUS_SUCCESS));
  expect_error([] { ARUNTIME_CUDNN_CHECK(CUDNN_STATUS_BAD_PARAM); }, ErrorCode::kRuntimeError,
               {"cuDNN error: CUDNN_STATUS_BAD_PARAM: CUDNN_STATUS_BAD_PARAM"});
  expect_error([] { ARUNTIME_CUDNN_CHECK(CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED); },
               ErrorCode::kOutOfMemory, {"cuDNN error"});
  EXPECT_NO_THROW(ARUNTIME_CUBLAS_CHECK(CUBLAS_STATUS_SUCCESS));
  // The status text comes from the dlopen'ed library.
  expect_error([] { ARUNTIME_CUBLAS_CHECK(CUBLAS_STATUS_INVALID_VALUE); }, ErrorCode::kRuntimeError,
               {"cuBLAS error: CUBLAS_STATUS_INVALID_VALUE: ", "[cublasStatus_t 7]"});
  expect_error([] { ARUNTIME_CUBLAS_CHECK(CUBLAS_STATUS_ALLOC_FAILED); }, ErrorCode::kOutOfMemory,
               {"cuBLAS error"});
}

// cuBLAS is opened with dlopen, not linked: every entry point resolves by its real symbol name
// (the toolkit this binary was built with is on its run path), once, the same table every time.
TEST(GpuCublas, LoadsEveryEntryPoint) {
  const gpu::CublasApi& api = gpu::cublas_api();
  EXPECT_EQ(&api, &gpu::cublas_api());
  const void* entries[] = {reinterpret_cast<const void*>(api.create),
                           reinterpret_cast<const void*>(api.destroy),
                           reinterpret_cast<const void*>(api.set_stream),
                           reinterpret_cast<const void*>(api.set_math_mode),
                           reinterpret_cast<const void*>(api.set_workspace),
                           reinterpret_cast<const void*>(api.gemm_ex),
                           reinterpret_cast<const void*>(api.gemm_strided_batched_ex),
                           reinterpret_cast<const void*>(api.status_string),
                           reinterpret_cast<const void*>(api.lt_create),
                           reinterpret_cast<const void*>(api.lt_destroy),
                           reinterpret_cast<const void*>(api.lt_matmul_desc_create),
                           reinterpret_cast<const void*>(api.lt_matmul_desc_destroy),
                           reinterpret_cast<const void*>(api.lt_matmul_desc_set_attribute),
                           reinterpret_cast<const void*>(api.lt_matrix_layout_create),
                           reinterpret_cast<const void*>(api.lt_matrix_layout_destroy),
                           reinterpret_cast<const void*>(api.lt_matrix_layout_set_attribute),
                           reinterpret_cast<const void*>(api.lt_preference_create),
                           reinterpret_cast<const void*>(api.lt_preference_destroy),
                           reinterpret_cast<const void*>(api.lt_preference_set_attribute),
                           reinterpret_cast<const void*>(api.lt_algo_get_heuristic),
                           reinterpret_cast<const void*>(api.lt_matmul)};
  for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); ++i)
    EXPECT_NE(entries[i], nullptr) << "entry " << i;
  EXPECT_STREQ(api.status_string(CUBLAS_STATUS_NOT_INITIALIZED), "the library was not initialized");
}

Node node_of(std::vector<std::string> inputs, std::vector<std::string> outputs) {
  Node n;
  n.name = "n";
  n.op_type = "Op";
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  return n;
}

TEST(GpuCapabilities, IntegerComputationRule) {
  using gpu::is_integer_computation;
  constexpr DataType f32 = DataType::kFloat32, f16 = DataType::kFloat16, bf16 = DataType::kBFloat16;
  constexpr DataType i64 = DataType::kInt64, i32 = DataType::kInt32, b = DataType::kBool;
  constexpr DataType f64 = DataType::kFloat64, none = DataType::kUndefined;
  // Gather over a shape vector; Concat of shape pieces; Equal of two int64 -> bool.
  EXPECT_TRUE(is_integer_computation(node_of({"shape", "idx"}, {"d"}), {i64, i64}, {i64}));
  EXPECT_TRUE(is_integer_computation(node_of({"a", "b", "c"}, {"s"}), {i64, i64, i32}, {i64}));
  EXPECT_TRUE(is_integer_computation(node_of({"a", "b"}, {"eq"}), {i64, i64}, {b}));
  // float64 is not a GPU float: a Cast from float64 to int64 stays on the host too.
  EXPECT_TRUE(is_integer_computation(node_of({"x"}, {"y"}), {f64}, {i64}));
  // Any float32/float16/bfloat16 input or output makes it real work: Shape of a float tensor,
  // Gather of float data, Cast of int64 to float16, ConstantOfShape to bfloat16.
  EXPECT_FALSE(is_integer_computation(node_of({"x"}, {"shape"}), {f32}, {i64}));
  EXPECT_FALSE(is_integer_computation(node_of({"data", "idx"}, {"y"}), {f32, i64}, {f32}));
  EXPECT_FALSE(is_integer_computation(node_of({"i"}, {"h"}), {i64}, {f16}));
  EXPECT_FALSE(is_integer_computation(node_of({"shape"}, {"y"}), {i64}, {bf16}));
  // Omitted inputs do not count; unknown types might be floats.
  EXPECT_TRUE(is_integer_computation(node_of({"a", ""}, {"y"}), {i64, none}, {i64}));
  EXPECT_FALSE(is_integer_computation(node_of({"a"}, {"y"}), {i64}, {none}));
  EXPECT_FALSE(is_integer_computation(node_of({"a"}, {"y"}), {i64}, {}));
}

// ---- Device: skipped without one ---------------------------------------------------------------

TEST(GpuContext, DescribesTheDeviceAndBindsTheStream) {
  ARUNTIME_REQUIRE_GPU();
  const gpu::GpuContext context(0);
  EXPECT_EQ(context.device(), (Device{DeviceType::kGpu, 0}));
  EXPECT_NE(context.stream(), nullptr);
  EXPECT_NE(context.cublas(), nullptr);
  EXPECT_NE(context.cublas_lt(), nullptr);
  EXPECT_NE(context.cudnn(), nullptr);
  const std::string text = context.describe();
  EXPECT_NE(text.find(" (sm_" + std::to_string(context.properties().major)), std::string::npos)
      << text;
  EXPECT_NE(text.find(" GiB)"), std::string::npos) << text;
  EXPECT_EQ(gpu_device_description().rfind(text, 0), 0u) << gpu_device_description();
  cudaStream_t bound = nullptr;
  ASSERT_EQ(cudnnGetStream(context.cudnn(), &bound), CUDNN_STATUS_SUCCESS);
  EXPECT_EQ(bound, context.stream());
  unsigned flags = 0;
  ASSERT_EQ(cudaStreamGetFlags(context.stream(), &flags), cudaSuccess);
  EXPECT_EQ(flags & cudaStreamNonBlocking, static_cast<unsigned>(cudaStreamNonBlocking));
  context.make_current();
  context.synchronize();
  int count = 0;
  ASSERT_EQ(cudaGetDeviceCount(&count), cudaSuccess);
  expect_error([&] { gpu::GpuContext bad(count); }, ErrorCode::kInvalidArgument,
               {"device_id", "out of range"});
}

TEST(GpuAllocator, CountsBytesAndRefusesTooMuch) {
  ARUNTIME_REQUIRE_GPU();
  gpu::GpuAllocator memory(0);
  EXPECT_EQ(memory.device(), (Device{DeviceType::kGpu, 0}));
  void* a = memory.allocate(1000);
  void* b = memory.allocate(24);
  void* z1 = memory.allocate(0);
  void* z2 = memory.allocate(0);
  for (void* p : {a, b, z1, z2}) {
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kBufferAlignment, 0u);
    cudaPointerAttributes attributes{};
    ASSERT_EQ(cudaPointerGetAttributes(&attributes, p), cudaSuccess);
    EXPECT_EQ(attributes.type, cudaMemoryTypeDevice);
    EXPECT_EQ(attributes.device, 0);
  }
  EXPECT_NE(z1, z2);
  EXPECT_EQ(memory.in_use_bytes(), 1000u + 24 + 1 + 1);
  memory.deallocate(a);
  EXPECT_EQ(memory.in_use_bytes(), 24u + 1 + 1);
  EXPECT_EQ(memory.peak_in_use_bytes(), 1000u + 24 + 1 + 1);
  int host = 0;
  memory.deallocate(&host);  // not its memory: ignored
  memory.deallocate(a);      // already freed: ignored
  EXPECT_EQ(memory.in_use_bytes(), 24u + 1 + 1);
  // A petabyte: refused as out of memory, naming the bytes and the device; the allocator (and the
  // device) stay usable.
  const size_t huge = size_t{1} << 50;
  expect_error([&] { memory.allocate(huge); }, ErrorCode::kOutOfMemory,
               {"gpu:0", std::to_string(huge) + " bytes"});
  void* after = memory.allocate(64);
  EXPECT_NE(after, nullptr);
  for (void* p : {b, z1, z2, after}) memory.deallocate(p);
  EXPECT_EQ(memory.in_use_bytes(), 0u);
  EXPECT_EQ(memory.num_allocations(), 5u);
}

struct TransferFixture {
  gpu::GpuContextPtr context = std::make_shared<const gpu::GpuContext>(0);
  std::shared_ptr<gpu::GpuAllocator> memory = std::make_shared<gpu::GpuAllocator>(0);
  gpu::GpuDataTransfer transfer{context};
  Device gpu = Device{DeviceType::kGpu, 0};

  // host -> device -> device -> host; the result must equal the source bit for bit.
  Tensor round_trip(const Tensor& host) {
    Tensor on_device(host.dtype(), host.shape(), *memory);
    transfer.copy(host, on_device);
    Tensor second(host.dtype(), host.shape(), *memory);
    transfer.copy(on_device, second);
    Tensor back(host.dtype(), host.shape());
    transfer.copy(second, back);
    return back;
  }
};

TEST(GpuDataTransfer, RoundTripsBitForBit) {
  ARUNTIME_REQUIRE_GPU();
  TransferFixture f;
  // 1, 7 and 1000003 floats (staged), float16, int64, bool and 5M floats (above the staging size:
  // the direct path).
  const std::vector<Tensor> sources = {
      random_tensor(DataType::kFloat32, {1}, 1),
      random_tensor(DataType::kFloat32, {7}, 2),
      random_tensor(DataType::kFloat32, {1000003}, 3),
      random_tensor(DataType::kFloat16, {3, 1001}, 4),
      random_tensor(DataType::kInt64, {17}, 5, -1000, 1000),
      random_tensor(DataType::kBool, {9}, 6),
      random_tensor(DataType::kFloat32, {5, 1000000}, 7),
  };
  int64_t bytes = 0;
  for (const Tensor& src : sources) {
    SCOPED_TRACE(src.summary(2));
    const Tensor back = f.round_trip(src);
    ASSERT_EQ(back.byte_size(), src.byte_size());
    EXPECT_EQ(std::memcmp(back.raw_data(), src.raw_data(), src.byte_size()), 0);
    bytes += static_cast<int64_t>(src.byte_size());
  }
  const gpu::GpuTransferCounts counts = f.transfer.counts();
  const int64_t n = static_cast<int64_t>(sources.size());
  EXPECT_EQ(counts.copies_to_device, n);
  EXPECT_EQ(counts.copies_on_device, n);
  EXPECT_EQ(counts.copies_to_host, n);
  EXPECT_EQ(counts.bytes_to_device, bytes);
  EXPECT_EQ(counts.bytes_on_device, bytes);
  EXPECT_EQ(counts.bytes_to_host, bytes);
  EXPECT_LE(f.transfer.staging_buffers(), gpu::GpuDataTransfer::kMaxStagingBuffers);
}

// More staged copies in flight than there are staging buffers: each buffer is reused only after
// its copy completed, so every tensor arrives intact.
TEST(GpuDataTransfer, ReusesStagingBuffersSafely) {
  ARUNTIME_REQUIRE_GPU();
  TransferFixture f;
  std::vector<Tensor> sources, on_device;
  for (uint32_t i = 0; i < 4 * gpu::GpuDataTransfer::kMaxStagingBuffers; ++i) {
    sources.push_back(random_tensor(DataType::kFloat32, {100000 + i}, 100 + i));
    on_device.emplace_back(DataType::kFloat32, sources.back().shape(), *f.memory);
    f.transfer.copy(sources.back(), on_device.back());
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    Tensor back(DataType::kFloat32, sources[i].shape());
    f.transfer.copy(on_device[i], back);
    EXPECT_EQ(std::memcmp(back.raw_data(), sources[i].raw_data(), back.byte_size()), 0)
        << "tensor " << i;
  }
  EXPECT_GE(f.transfer.staging_buffers(), 1u);
  EXPECT_LE(f.transfer.staging_buffers(), gpu::GpuDataTransfer::kMaxStagingBuffers);
}

TEST(GpuDataTransfer, PathsZeroBytesAndMismatches) {
  ARUNTIME_REQUIRE_GPU();
  TransferFixture f;
  const Device cpu = Device::cpu();
  const Device other{DeviceType::kGpu, 1};
  EXPECT_TRUE(f.transfer.can_copy(cpu, f.gpu));
  EXPECT_TRUE(f.transfer.can_copy(f.gpu, cpu));
  EXPECT_TRUE(f.transfer.can_copy(f.gpu, f.gpu));
  EXPECT_FALSE(f.transfer.can_copy(cpu, cpu));
  EXPECT_FALSE(f.transfer.can_copy(f.gpu, other));
  EXPECT_FALSE(f.transfer.can_copy(cpu, Device{DeviceType::kNpu, 0}));

  const Tensor empty(DataType::kFloat32, {0, 3});
  Tensor empty_on_device(DataType::kFloat32, {0, 3}, *f.memory);
  f.transfer.copy(empty, empty_on_device);
  EXPECT_EQ(f.transfer.counts().copies_to_device, 0);

  const Tensor host = floats({2}, {1, 2});
  Tensor wrong_shape(DataType::kFloat32, {3}, *f.memory);
  expect_error([&] { f.transfer.copy(host, wrong_shape); }, ErrorCode::kRuntimeError,
               {"gpu:0", "float32[2]", "float32[3]"});
  Tensor host_too(DataType::kFloat32, {2});
  expect_error([&] { f.transfer.copy(host, host_too); }, ErrorCode::kRuntimeError,
               {"no transfer from cpu to cpu"});
}

// ---- Sessions on the GPU
// -------------------------------------------------------------------------

// y = Relu(x + w) with w an initializer: both nodes on the GPU, w uploaded once (no per-run copy),
// results equal to the CPU provider's and to the hand-computed max(x + w, 0).
std::string add_relu_model() {
  onnx::ModelProto model;
  model.set_ir_version(10);
  model.add_opset_import()->set_version(17);
  auto* g = model.mutable_graph();
  g->set_name("add_relu");
  auto* x = g->add_input();
  x->set_name("x");
  x->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {2, 3})
    x->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
  tensor_to_proto(floats({2, 3}, {0.5f, -1.f, 2.f, -3.f, 0.25f, 1.f}), "w", *g->add_initializer());
  auto* add = g->add_node();
  add->set_name("add");
  add->set_op_type("Add");
  add->add_input("x");
  add->add_input("w");
  add->add_output("s");
  auto* relu = g->add_node();
  relu->set_name("relu");
  relu->set_op_type("Relu");
  relu->add_input("s");
  relu->add_output("y");
  g->add_output()->set_name("y");
  return model.SerializeAsString();
}

SessionOptions gpu_session_options() {
  SessionOptions options;
  options.providers = {"gpu", "cpu"};
  options.placement.min_flops_per_copied_byte = 0;
  return options;
}

TEST(GpuSession, ConstantsStayOnTheDeviceAndResultsMatchTheCpu) {
  ARUNTIME_REQUIRE_GPU();
  const Session session(Environment(), add_relu_model(), "add_relu.onnx", "",
                        gpu_session_options());
  for (const NodePlacement& p : session.placement()) EXPECT_EQ(p.provider, "gpu") << p.node_name;
  for (const CopyPlacement& c : session.copies())
    EXPECT_NE(c.value, "w") << "the weight is copied every run";
  const Tensor x = floats({2, 3}, {1.f, 2.f, -4.f, 3.f, -1.f, 0.f});
  // max(x + w, 0) by hand.
  const Tensor expected = floats({2, 3}, {1.5f, 1.f, 0.f, 0.f, 0.f, 1.f});
  for (int run = 0; run < 3; ++run) {
    const std::vector<Tensor> out = session.run({{"x", x}});
    ASSERT_EQ(out.size(), 1u);
    expect_near(out[0], expected, 0, 0);
  }
  const Session cpu(Environment(), add_relu_model(), "add_relu.onnx", "", SessionOptions{});
  expect_near(session.run({{"x", x}})[0], cpu.run({{"x", x}})[0], 0, 0);
}

TEST(GpuSession, DeviceStatsAfterRuns) {
  ARUNTIME_REQUIRE_GPU();
  const Session session(Environment(), add_relu_model(), "add_relu.onnx", "",
                        gpu_session_options());
  const Tensor x = random_tensor(DataType::kFloat32, {2, 3}, 11);
  for (int run = 0; run < 4; ++run) session.run({{"x", x}});
  const std::vector<ProviderDeviceStats> stats = session.provider_device_stats();
  ASSERT_EQ(stats.size(), 1u);
  const ProviderDeviceStats& s = stats[0];
  EXPECT_EQ(s.provider, "gpu");
  EXPECT_EQ(s.device.rfind("gpu:0 (", 0), 0u) << s.device;
  EXPECT_EQ(s.runs, 4);
  EXPECT_GT(s.device_ms_total, 0);
  EXPECT_GT(s.device_ms_last, 0);
  EXPECT_LE(s.device_ms_last, s.device_ms_total);
  // The weight at least, and the arena's chunk.
  EXPECT_GE(s.memory_in_use_bytes, 6 * sizeof(float));
  EXPECT_GE(s.memory_peak_bytes, s.memory_in_use_bytes);
}

TEST(GpuSession, DeviceIdOutOfRangeIsOneLine) {
  ARUNTIME_REQUIRE_GPU();
  SessionOptions options = gpu_session_options();
  options.provider_options["gpu"] = {{"device_id", "1023"}};
  expect_error([&] { Session(Environment(), add_relu_model(), "add_relu.onnx", "", options); },
               ErrorCode::kInvalidArgument, {"device_id 1023", "out of range"});
}

// A node claimed on the GPU runs there, and gives the CPU's result: Relu of 7 values.
TEST(GpuSession, ClaimedNodeRunsOnTheGpu) {
  ARUNTIME_REQUIRE_GPU();
  GpuOpCase relu("Relu", 14);
  relu.input(random_tensor(DataType::kFloat32, {7}, 2));
  EXPECT_EQ(relu.gpu_decline_reason(), "");
  relu.expect_gpu_matches_cpu(0, 0);
  // Add of two int64 vectors reads and writes integers only: it stays on the CPU, with a reason
  // (the integer rule's, or the registry's where no integer Add kernel is registered).
  GpuOpCase add_ints("Add", 14);
  add_ints.input(Tensor::from_vector<int64_t>({2}, {1, 2}))
      .input(Tensor::from_vector<int64_t>({2}, {3, 4}));
  EXPECT_FALSE(add_ints.gpu_decline_reason().empty());
}

}  // namespace
}  // namespace aruntime::gpu_testing
