// The memory plan, the parallel executor, concurrent runs and cancellation through the public
// Session API, on small models built with the ONNX protobuf API. Outputs are compared with a
// session that plans nothing and runs sequentially (the reference path), value for value.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <atomic>
#include <functional>
#include <random>
#include <thread>

#include "aruntime/session.h"

namespace aruntime {
namespace {

void add_value(onnx::ValueInfoProto* v, const std::string& name, std::vector<std::string> dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = t->mutable_shape();
  for (const auto& d : dims) {
    auto* dim = shape->add_dim();
    if (std::isdigit(static_cast<unsigned char>(d[0]))) {
      dim->set_dim_value(std::stoll(d));
    } else {
      dim->set_dim_param(d);
    }
  }
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, std::vector<std::string> in,
                          std::vector<std::string> out) {
  auto* n = g->add_node();
  n->set_name(out[0] + "_" + op);
  n->set_op_type(op);
  for (auto& i : in) n->add_input(i);
  for (auto& o : out) n->add_output(o);
  return n;
}

void add_ints(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> values) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto v : values) a->add_ints(v);
}

void add_weight(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> dims, std::mt19937& rng,
                float scale) {
  auto* w = g->add_initializer();
  w->set_name(name);
  w->set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (auto d : dims) {
    w->add_dims(d);
    n *= d;
  }
  std::uniform_real_distribution<float> dist(-scale, scale);
  for (int64_t i = 0; i < n; ++i) w->add_float_data(dist(rng));
}

onnx::ModelProto base_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(17);
  m.mutable_graph()->set_name("test");
  return m;
}

// Three Inception-style blocks over x: float32[batch, 8, 12, 12]: a 1x1 branch, a 3x3-3x3 branch
// and a pool-1x1 branch, concatenated, projected back to 8 channels and added to the block input.
std::string inception_model(const std::string& batch = "batch") {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  std::mt19937 rng(7);
  add_value(g->add_input(), "x", {batch, "8", "12", "12"});
  add_value(g->add_output(), "y", {batch, "10"});
  std::string in = "x";
  for (int b = 0; b < 3; ++b) {
    const std::string p = "b" + std::to_string(b) + "_";
    add_weight(g, p + "w1", {8, 8, 1, 1}, rng, 0.3f);
    add_weight(g, p + "w3a", {8, 8, 3, 3}, rng, 0.1f);
    add_weight(g, p + "w3b", {8, 8, 3, 3}, rng, 0.1f);
    add_weight(g, p + "wp", {8, 8, 1, 1}, rng, 0.3f);
    add_weight(g, p + "wo", {8, 24, 1, 1}, rng, 0.2f);
    add_node(g, "Conv", {in, p + "w1"}, {p + "c1"});
    add_node(g, "Relu", {p + "c1"}, {p + "r1"});
    add_ints(add_node(g, "Conv", {in, p + "w3a"}, {p + "c3a"}), "pads", {1, 1, 1, 1});
    add_node(g, "Relu", {p + "c3a"}, {p + "r3a"});
    add_ints(add_node(g, "Conv", {p + "r3a", p + "w3b"}, {p + "c3b"}), "pads", {1, 1, 1, 1});
    add_node(g, "Relu", {p + "c3b"}, {p + "r3b"});
    auto* pool = add_node(g, "MaxPool", {in}, {p + "mp"});
    add_ints(pool, "kernel_shape", {3, 3});
    add_ints(pool, "pads", {1, 1, 1, 1});
    add_node(g, "Conv", {p + "mp", p + "wp"}, {p + "cp"});
    auto* cat = add_node(g, "Concat", {p + "r1", p + "r3b", p + "cp"}, {p + "cat"});
    auto* axis = cat->add_attribute();
    axis->set_name("axis");
    axis->set_type(onnx::AttributeProto::INT);
    axis->set_i(1);
    add_node(g, "Conv", {p + "cat", p + "wo"}, {p + "proj"});
    add_node(g, "Add", {p + "proj", in}, {p + "sum"});
    add_node(g, "Relu", {p + "sum"}, {p + "out"});
    in = p + "out";
  }
  add_node(g, "GlobalAveragePool", {in}, {"gap"});
  add_node(g, "Flatten", {"gap"}, {"flat"});
  add_weight(g, "fc_w", {8, 10}, rng, 0.5f);
  add_weight(g, "fc_b", {10}, rng, 0.1f);
  add_node(g, "MatMul", {"flat", "fc_w"}, {"mm"});
  add_node(g, "Add", {"mm", "fc_b"}, {"y"});
  return m.SerializeAsString();
}

// y = a chain of `length` (MatMul by a 256x256 weight, Tanh): long enough to cancel mid-run.
std::string chain_model(int length) {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  std::mt19937 rng(3);
  add_value(g->add_input(), "x", {"64", "256"});
  add_value(g->add_output(), "y", {"64", "256"});
  add_weight(g, "w", {256, 256}, rng, 0.06f);
  std::string in = "x";
  for (int i = 0; i < length; ++i) {
    add_node(g, "MatMul", {in, "w"}, {"m" + std::to_string(i)});
    add_node(g, "Tanh", {"m" + std::to_string(i)}, {"t" + std::to_string(i)});
    in = "t" + std::to_string(i);
  }
  add_node(g, "Identity", {in}, {"y"});
  return m.SerializeAsString();
}

Session make_session(const std::string& bytes, SessionOptions options = {}) {
  return Session(Environment(LogLevel::kOff), bytes, "test.onnx", "", options);
}

SessionOptions reference_options() {
  SessionOptions o;
  o.memory.plan = false;
  o.inter_op_threads = 1;
  o.intra_op_threads = 1;
  return o;
}

Tensor random_input(int64_t batch, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> v(static_cast<size_t>(batch) * 8 * 12 * 12);
  for (auto& x : v) x = dist(rng);
  return Tensor::from_vector<float>(Shape{batch, 8, 12, 12}, v);
}

void expect_identical(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.num_elements(); ++i) ASSERT_EQ(a.data<float>()[i], b.data<float>()[i]) << "element " << i;
}

TEST(SessionMemory, StaticModelIsPlannedUpFrontAndMatchesTheUnplannedRun) {
  const std::string bytes = inception_model("2");
  // Level 2: at level 3 the convolutions hold their weights packed in the blocked layout, counted
  // in their padded sizes (optimizer_layout_test.cc checks that).
  SessionOptions level2;
  level2.optimization.level = 2;
  Session planned = make_session(bytes, level2);
  SessionOptions reference_level2 = reference_options();
  reference_level2.optimization.level = 2;
  Session reference = make_session(bytes, reference_level2);
  const MemoryPlanReport r = planned.memory_report();
  EXPECT_TRUE(r.complete);
  ASSERT_EQ(r.memories.size(), 1u);
  EXPECT_EQ(r.memories[0].device, "cpu");
  EXPECT_GT(r.planned_peak_bytes, 0u);
  EXPECT_LT(r.memories[0].planned_peak_bytes, r.memories[0].naive_bytes);
  EXPECT_FALSE(r.memories[0].live_at_peak.empty());
  EXPECT_FALSE(r.memories[0].peak_node.empty());
  // Weights: 3 blocks of (64 + 576 + 576 + 64 + 192) floats + 80 + 10, after the optimizer (which
  // does not change these).
  EXPECT_EQ(r.weights_bytes, (3u * (64 + 576 + 576 + 64 + 192) + 80 + 10) * 4);
  for (int run = 0; run < 3; ++run) {
    const Tensor x = random_input(2, 100 + run);
    expect_identical(planned.run({{"x", x}})[0], reference.run({{"x", x}})[0]);
  }
  const MemoryStats s = planned.memory_stats();
  EXPECT_EQ(s.runs_planned, 3u);
  EXPECT_EQ(s.runs_recorded, 0u);
  EXPECT_GT(s.values_planned, 0u);
  EXPECT_EQ(s.values_fallback, 0u);
}

TEST(SessionMemory, DynamicShapesArePlannedPerSignatureWithABoundedCache) {
  const std::string bytes = inception_model();
  SessionOptions options;
  options.memory.max_cached_plans = 2;
  Session planned = make_session(bytes, options);
  Session reference = make_session(bytes, reference_options());
  EXPECT_FALSE(planned.memory_report().complete);
  EXPECT_FALSE(planned.memory_report().unknown_size_values.empty());
  // Batches 1, 2, 1 (cached), 3 (evicts 2), 2 (recorded again), 2 (cached).
  for (int64_t batch : {1, 2, 1, 3, 2, 2}) {
    const Tensor x = random_input(batch, static_cast<unsigned>(batch));
    expect_identical(planned.run({{"x", x}})[0], reference.run({{"x", x}})[0]);
  }
  const MemoryStats s = planned.memory_stats();
  EXPECT_EQ(s.runs_recorded, 4u);
  EXPECT_EQ(s.runs_planned, 2u);
  EXPECT_EQ(s.cached_plans, 2u);
  EXPECT_EQ(s.values_fallback, 0u);
}

TEST(SessionMemory, DimValuesGiveAPlanUpFrontThatServesSmallerInputs) {
  SessionOptions options;
  options.dim_values = {{"batch", 4}};
  Session planned = make_session(inception_model(), options);
  Session reference = make_session(inception_model(), reference_options());
  const MemoryPlanReport r = planned.memory_report();
  EXPECT_TRUE(r.complete);
  SessionOptions smaller = options;
  smaller.dim_values = {{"batch", 1}};
  EXPECT_GT(r.planned_peak_bytes, make_session(inception_model(), smaller).memory_report().planned_peak_bytes);
  for (int64_t batch : {4, 2}) {
    const Tensor x = random_input(batch, 9);
    expect_identical(planned.run({{"x", x}})[0], reference.run({{"x", x}})[0]);
  }
  EXPECT_EQ(planned.memory_stats().runs_recorded, 0u);
}

TEST(SessionMemory, ActivationCapFailsSessionCreationWithTheFigure) {
  SessionOptions options;
  options.memory.max_activation_bytes = 4096;
  try {
    make_session(inception_model("2"), options);
    FAIL() << "expected the cap to refuse the model";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfMemory);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("test.onnx"), std::string::npos) << msg;
    EXPECT_NE(msg.find("over the cap of 4096 bytes"), std::string::npos) << msg;
  }
}

TEST(SessionMemory, ReleaseAfterRunReturnsTheMemory) {
  SessionOptions options;
  options.memory.release_after_run = true;
  Session s = make_session(inception_model("2"), options);
  s.run({{"x", random_input(2, 1)}});
  for (const auto& a : s.memory_stats().arenas) {
    EXPECT_EQ(a.in_use_bytes, 0u);
    EXPECT_EQ(a.reserved_bytes, 0u) << a.name;
    EXPECT_GT(a.peak_reserved_bytes, 0u);
  }
}

TEST(SessionMemory, ParallelExecutorMatchesSequential) {
  SessionOptions options;
  options.inter_op_threads = 0;  // the thread budget
  options.intra_op_threads = 4;
  Session parallel = make_session(inception_model(), options);
  EXPECT_EQ(parallel.executor_name(), "parallel");
  Session reference = make_session(inception_model(), reference_options());
  EXPECT_EQ(reference.executor_name(), "sequential");
  for (int64_t batch : {1, 3, 3, 3}) {
    const Tensor x = random_input(batch, 50 + static_cast<unsigned>(batch));
    expect_identical(parallel.run({{"x", x}})[0], reference.run({{"x", x}})[0]);
  }
}

TEST(SessionMemory, EightThreadsRunOneSessionConcurrentlyWithSequentialResults) {
  for (int inter_op : {1, 2}) {
    SessionOptions options;
    options.inter_op_threads = inter_op;
    options.intra_op_threads = 2;
    Session shared = make_session(inception_model(), options);
    Session reference = make_session(inception_model(), reference_options());
    std::vector<Tensor> inputs, expected;
    for (int t = 0; t < 8; ++t) {
      inputs.push_back(random_input(1 + t % 3, 200 + static_cast<unsigned>(t)));
      expected.push_back(reference.run({{"x", inputs.back()}})[0]);
    }
    std::vector<std::string> failures(8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        try {
          for (int rep = 0; rep < 10; ++rep) {
            const Tensor y = shared.run({{"x", inputs[t]}})[0];
            for (int64_t i = 0; i < y.num_elements(); ++i) {
              if (y.data<float>()[i] != expected[t].data<float>()[i]) {
                failures[t] = "thread " + std::to_string(t) + " rep " + std::to_string(rep) + " differs at " +
                              std::to_string(i);
                return;
              }
            }
          }
        } catch (const std::exception& e) {
          failures[t] = e.what();
        }
      });
    }
    for (auto& th : threads) th.join();
    for (const auto& f : failures) EXPECT_EQ(f, "") << "inter_op " << inter_op;
  }
}

TEST(SessionCancellation, CancelledTokenStopsTheRunWithCancelled) {
  Session s = make_session(chain_model(4));
  RunOptions ro;
  ro.cancellation.cancel();
  std::vector<float> v(64 * 256, 0.1f);
  try {
    s.run({{"x", Tensor::from_vector<float>(Shape{64, 256}, v)}}, {}, ro);
    FAIL() << "expected the run to be cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCancelled);
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos);
  }
  // The session stays usable, and an uncancelled run completes.
  EXPECT_EQ(s.run({{"x", Tensor::from_vector<float>(Shape{64, 256}, v)}})[0].num_elements(), 64 * 256);
}

TEST(SessionCancellation, CancelFromAnotherThreadAndTimeLimit) {
  for (int inter_op : {1, 2}) {
    SessionOptions options;
    options.inter_op_threads = inter_op;
    Session s = make_session(chain_model(100), options);
    std::vector<float> v(64 * 256, 0.1f);
    const Tensor x = Tensor::from_vector<float>(Shape{64, 256}, v);
    // The canceller thread waits until the run is under way; the run (through its observer)
    // waits until the token is cancelled, so the cancellation lands mid-run every time.
    RunOptions ro;
    std::atomic<bool> started{false};
    int observed = 0;
    ro.observe_value = [&](const std::string&, const Value&) {
      if (++observed != 5) return;
      started = true;
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!ro.cancellation.cancelled() && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
    };
    std::thread canceller([&started, token = ro.cancellation]() mutable {
      while (!started) std::this_thread::yield();
      token.cancel();
    });
    ErrorCode code = ErrorCode::kOk;
    try {
      s.run({{"x", x}}, {}, ro);
    } catch (const Error& e) {
      code = e.code();
    }
    canceller.join();
    EXPECT_EQ(code, ErrorCode::kCancelled);
    EXPECT_LT(observed, 20) << "the run must stop soon after the cancellation";
    // A time limit: the first node's observer sleeps past it.
    RunOptions limited;
    limited.timeout = std::chrono::milliseconds(1);
    limited.observe_value = [](const std::string&, const Value&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    };
    try {
      s.run({{"x", x}}, {}, limited);
      FAIL() << "expected the time limit to stop the run";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kCancelled);
      EXPECT_NE(std::string(e.what()).find("time limit"), std::string::npos) << e.what();
    }
    // Nothing leaked into the pool: the next run is planned and correct in shape.
    EXPECT_EQ(s.run({{"x", x}})[0].num_elements(), 64 * 256);
  }
}

TEST(IoBinding, WritesIntoCallerBuffersAndRefusesBadBindingsClearly) {
  Session s = make_session(inception_model("2"));
  Session reference = make_session(inception_model("2"), reference_options());
  const Tensor x = random_input(2, 77);
  std::vector<float> y(2 * 10, -1.0f);
  IoBinding binding(s);
  binding.bind_input("x", x);
  binding.bind_output("y", Tensor::wrap(DataType::kFloat32, Shape{2, 10}, y.data()));
  s.run(binding);
  ASSERT_EQ(binding.outputs().size(), 1u);
  EXPECT_EQ(binding.outputs()[0].tensor().raw_data(), y.data());
  const Tensor expected = reference.run({{"x", x}})[0];
  for (int i = 0; i < 20; ++i) EXPECT_EQ(y[i], expected.data<float>()[i]);

  // Without a buffer the run allocates the output.
  IoBinding allocating(s);
  allocating.bind_input("x", x);
  allocating.bind_output("y");
  s.run(allocating);
  expect_identical(allocating.outputs()[0].tensor(), expected);

  auto error_of = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error_of([&] { binding.bind_input("z", x); }).find("'z' is not an input of the model (inputs: x)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { binding.bind_output("logits"); }).find("'logits' is not an output"), std::string::npos);
  EXPECT_NE(error_of([&] { binding.bind_input("x", random_input(3, 1).reshaped(Shape{3, 8, 144})); })
                .find("expected shape"),
            std::string::npos);
  std::vector<float> wrong(30);
  IoBinding mismatched(s);
  mismatched.bind_input("x", x);
  mismatched.bind_output("y", Tensor::wrap(DataType::kFloat32, Shape{3, 10}, wrong.data()));
  EXPECT_NE(error_of([&] { s.run(mismatched); })
                .find("output 'y' is bound to a float32[3,10] buffer but the run produces float32[2,10]"),
            std::string::npos);
  IoBinding unfed(s);
  unfed.bind_output("y");
  EXPECT_NE(error_of([&] { s.run(unfed); }).find("input 'x'"), std::string::npos);
  EXPECT_NE(error_of([&] { reference.run(binding); }).find("made for another session"), std::string::npos);
}

}  // namespace
}  // namespace aruntime
