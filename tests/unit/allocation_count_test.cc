// Heap allocations on the hot path of a warm run, counted by replacing the global operator new of
// this test binary (the counter is only armed inside the measured region).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "aruntime/session.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

// GCC pairs the replaced operator new with free() across inlining and warns; the pairing is ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace aruntime {
namespace {

void add_value(onnx::ValueInfoProto* v, const std::string& name, std::vector<int64_t> dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
}

void add_weight(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> dims, std::mt19937& rng) {
  auto* w = g->add_initializer();
  w->set_name(name);
  w->set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (auto d : dims) {
    w->add_dims(d);
    n *= d;
  }
  std::uniform_real_distribution<float> dist(-0.2f, 0.2f);
  for (int64_t i = 0; i < n; ++i) w->add_float_data(dist(rng));
}

// A small static-shape CNN: Conv-Relu, Conv-Relu, then a 2x2 MaxPool (or, without it, the second
// conv strides by 2 instead), Conv + residual Add, Relu, GlobalAveragePool, Flatten, Gemm.
std::string cnn_model(bool max_pool) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("cnn");
  std::mt19937 rng(5);
  add_value(g->add_input(), "x", {1, 3, 32, 32});
  add_value(g->add_output(), "y", {1, 10});
  auto node = [&](const std::string& op_type, std::vector<std::string> in, const std::string& out) {
    auto* n = g->add_node();
    n->set_op_type(op_type);
    n->set_name(out);
    for (auto& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  };
  auto ints = [](onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
  };
  add_weight(g, "w1", {16, 3, 3, 3}, rng);
  add_weight(g, "b1", {16}, rng);
  add_weight(g, "w2", {16, 16, 3, 3}, rng);
  add_weight(g, "w3", {16, 16, 3, 3}, rng);
  add_weight(g, "fc", {10, 16}, rng);
  add_weight(g, "fcb", {10}, rng);
  ints(node("Conv", {"x", "w1", "b1"}, "c1"), "pads", {1, 1, 1, 1});
  node("Relu", {"c1"}, "r1");
  auto* c2 = node("Conv", {"r1", "w2"}, "c2");
  ints(c2, "pads", {1, 1, 1, 1});
  if (max_pool) {
    node("Relu", {"c2"}, "r2");
    auto* pool = node("MaxPool", {"r2"}, "p");
    ints(pool, "kernel_shape", {2, 2});
    ints(pool, "strides", {2, 2});
  } else {
    ints(c2, "strides", {2, 2});
    node("Relu", {"c2"}, "p");
  }
  ints(node("Conv", {"p", "w3"}, "c3"), "pads", {1, 1, 1, 1});
  node("Add", {"c3", "p"}, "s");
  node("Relu", {"s"}, "r3");
  node("GlobalAveragePool", {"r3"}, "gap");
  node("Flatten", {"gap"}, "flat");
  auto* gemm = node("Gemm", {"flat", "fc", "fcb"}, "y");
  auto* tb = gemm->add_attribute();
  tb->set_name("transB");
  tb->set_type(onnx::AttributeProto::INT);
  tb->set_i(1);
  return m.SerializeAsString();
}

long allocations_per_run(Session& session, IoBinding& binding, int runs) {
  for (int i = 0; i < 3; ++i) session.run(binding);  // warm-up: plans, pools, prepacking
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < runs; ++i) session.run(binding);
  g_counting = false;
  return g_allocations.load() / runs;
}

// Runs the CNN with bound buffers and returns the heap allocations of one warm run, after checking
// the result against an unbound run's.
long warm_run_allocations(bool max_pool) {
  SessionOptions options;
  options.intra_op_threads = 1;
  Session session(Environment(LogLevel::kOff), cnn_model(max_pool), "cnn.onnx", "", options);
  std::vector<float> x(3 * 32 * 32, 0.5f), y(10, 0.0f);
  IoBinding binding(session);
  binding.bind_input("x", Tensor::wrap(DataType::kFloat32, Shape{1, 3, 32, 32}, x.data()));
  binding.bind_output("y", Tensor::wrap(DataType::kFloat32, Shape{1, 10}, y.data()));
  const long per_run = allocations_per_run(session, binding, 5);
  EXPECT_EQ(binding.outputs()[0].tensor().raw_data(), y.data()) << "the bound buffer holds the output";
  EXPECT_EQ(session.memory_stats().values_fallback, 0u);
  const Tensor expected = session.run({{"x", Tensor::from_vector<float>(Shape{1, 3, 32, 32}, x)}})[0];
  for (int i = 0; i < 10; ++i) EXPECT_EQ(y[i], expected.data<float>()[i]);
  return per_run;
}

TEST(AllocationCount, WarmRunsOfAStaticCnnAllocateNothing) {
  EXPECT_EQ(warm_run_allocations(false), 0);
}

TEST(AllocationCount, WarmRunsWithAMaxPoolAllocateNothing) {
  // The pooling kernels' window tables are made once per geometry (kernels/pool.cc).
  EXPECT_EQ(warm_run_allocations(true), 0);
}

}  // namespace
}  // namespace aruntime
