// Session profiling (core/profiler.h): one event per node per run with op, provider and shapes,
// the per-op summary, session phases, and the Chrome trace file, through the public Session API
// and on the SessionProfiler alone.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "aruntime/session.h"
#include "core/profiler.h"

namespace aruntime {
namespace {

void add_value(onnx::ValueInfoProto* v, const std::string& name, std::vector<int64_t> dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = t->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& name, const std::string& op,
                          std::vector<std::string> in, std::vector<std::string> out) {
  auto* n = g->add_node();
  n->set_name(name);
  n->set_op_type(op);
  for (auto& i : in) n->add_input(i);
  for (auto& o : out) n->add_output(o);
  return n;
}

// x: float32[2,3] -> add (x + b, b: float32[3]) -> relu -> transpose -> y: float32[3,2], and a
// second branch neg(x) -> z: float32[2,3] that the parallel executor may run beside the first.
std::string small_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("profiled");
  add_value(g->add_input(), "x", {2, 3});
  add_value(g->add_output(), "y", {3, 2});
  add_value(g->add_output(), "z", {2, 3});
  auto* b = g->add_initializer();
  b->set_name("b");
  b->set_data_type(onnx::TensorProto::FLOAT);
  b->add_dims(3);
  for (float v : {1.0f, -1.0f, 0.5f}) b->add_float_data(v);
  add_node(g, "add", "Add", {"x", "b"}, {"s"});
  add_node(g, "relu", "Relu", {"s"}, {"r"});
  add_node(g, "transpose", "Transpose", {"r"}, {"y"});
  add_node(g, "neg", "Neg", {"x"}, {"z"});
  return m.SerializeAsString();
}

SessionOptions profiled_options() {
  SessionOptions o;
  o.enable_profiling = true;
  o.optimization.level = 0;  // keep the four nodes as written
  return o;
}

Session make_session(const SessionOptions& options) {
  return Session(Environment(LogLevel::kOff), small_model(), "profiled.onnx", "", options);
}

Tensor input_x() {
  return Tensor::from_vector<float>(Shape{2, 3}, {-2, 0, 1, 3, -0.5f, 4});
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

// Whether every bracket and brace outside string literals is matched and properly nested, and
// every string literal ends: the structure of valid JSON, short of a full parser.
bool brackets_balance(const std::string& json) {
  std::string open;
  bool in_string = false, escaped = false;
  for (const char c : json) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        return false;  // raw control characters are not allowed inside JSON strings
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      open.push_back(c);
    } else if (c == ']' || c == '}') {
      if (open.empty() || open.back() != (c == ']' ? '[' : '{')) return false;
      open.pop_back();
    }
  }
  return open.empty() && !in_string;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("aruntime_profiler_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

TEST(Profiler, RecordsEveryNodeOfEveryRunWithOpProviderAndShapes) {
  const Session session = make_session(profiled_options());
  for (int run = 0; run < 2; ++run) session.run({{"x", input_x()}});

  // The per-op summary counts each node once per run; the events themselves are checked in the
  // trace file (next test).
  const std::vector<OpProfile> by_op = session.profile_by_op();
  std::map<std::string, int64_t> calls;
  for (const OpProfile& p : by_op) {
    EXPECT_EQ(p.provider, "cpu") << p.op_type;
    EXPECT_GE(p.total_ms, 0.0);
    calls[p.op_type] += p.calls;
  }
  EXPECT_EQ(calls, (std::map<std::string, int64_t>{
                       {"Add", 2}, {"Neg", 2}, {"Relu", 2}, {"Transpose", 2}}));
  for (size_t i = 1; i < by_op.size(); ++i) EXPECT_GE(by_op[i - 1].total_ms, by_op[i].total_ms);
}

TEST(Profiler, TraceFileHasPhasesAndOneCompleteEventPerNodePerRun) {
  SessionOptions options = profiled_options();
  options.profile_file = temp_path("trace.json");
  std::filesystem::remove(options.profile_file);
  Session session = make_session(options);
  for (int run = 0; run < 2; ++run) session.run({{"x", input_x()}});
  ASSERT_EQ(session.end_profiling(), options.profile_file);

  const std::string json = read_file(options.profile_file);
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json.rfind("{\"traceEvents\":[", 0), 0u) << json.substr(0, 80);
  EXPECT_TRUE(brackets_balance(json));
  // 4 nodes x 2 runs, plus the phases.
  for (const char* node : {"add", "relu", "transpose", "neg"}) {
    EXPECT_EQ(count_of(json, std::string("\"name\":\"") + node + "\",\"cat\":\"node\""), 2u)
        << node;
  }
  for (const char* phase : {"load", "optimize", "partition", "plan"}) {
    EXPECT_EQ(count_of(json, std::string("\"name\":\"") + phase + "\",\"cat\":\"session\""), 1u)
        << phase;
  }
  EXPECT_EQ(count_of(json, "\"cat\":\"node\""), 8u);
  EXPECT_EQ(count_of(json, "\"run\":0"), 4u);
  EXPECT_EQ(count_of(json, "\"run\":1"), 4u);
  // Shapes read from the run's values: the Add's two inputs and the Transpose's output.
  EXPECT_NE(json.find("\"input_shapes\":[\"float32[2,3]\",\"float32[3]\"]"), std::string::npos);
  EXPECT_NE(json.find("\"output_shapes\":[\"float32[3,2]\"]"), std::string::npos);
  EXPECT_NE(json.find("\"op_type\":\"Transpose\",\"provider\":\"cpu\""), std::string::npos);
  EXPECT_NE(json.find("\"name\":\"thread_name\""), std::string::npos);
  EXPECT_EQ(count_of(json, "\"ph\":\"X\""),
            count_of(json, "\"cat\":\"node\"") + count_of(json, "\"cat\":\"session\""));
  std::filesystem::remove(options.profile_file);
}

TEST(Profiler, NoProfileUnlessAsked) {
  SessionOptions options;
  options.optimization.level = 0;
  Session session = make_session(options);
  session.run({{"x", input_x()}});
  EXPECT_TRUE(session.profile_by_op().empty());
  EXPECT_EQ(session.end_profiling(), "");
}

TEST(Profiler, ParallelAndConcurrentRunsRecordEveryStepOnce) {
  SessionOptions options = profiled_options();
  options.inter_op_threads = 2;
  options.intra_op_threads = 2;
  const Session session = make_session(options);
  constexpr int kThreads = 4, kRunsEach = 5;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int r = 0; r < kRunsEach; ++r) session.run({{"x", input_x()}});
    });
  }
  for (auto& t : threads) t.join();
  std::map<std::string, int64_t> calls;
  for (const OpProfile& p : session.profile_by_op()) calls[p.op_type] += p.calls;
  constexpr int64_t kRuns = kThreads * kRunsEach;
  EXPECT_EQ(calls, (std::map<std::string, int64_t>{
                       {"Add", kRuns}, {"Neg", kRuns}, {"Relu", kRuns}, {"Transpose", kRuns}}));
}

TEST(SessionProfiler, EventsCarryRunNumbersPhasesAndAnEscapedTrace) {
  SessionProfiler profiler({"cpu"});
  const auto t0 = std::chrono::steady_clock::now();
  profiler.add_phase("load \"model\"\n\\", t0, t0 + std::chrono::microseconds(1500));
  profiler.add_phase("plan", t0 + std::chrono::microseconds(1500),
                     t0 + std::chrono::microseconds(2000));
  const std::vector<ProfileEvent> events = profiler.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].category, "session");
  EXPECT_DOUBLE_EQ(events[0].duration_us, 1500);
  EXPECT_DOUBLE_EQ(events[1].duration_us, 500);
  EXPECT_NEAR(events[1].start_us - events[0].start_us, 1500, 1e-6);
  EXPECT_EQ(events[0].thread, events[1].thread);
  EXPECT_TRUE(profiler.op_summary().empty());  // phases are not ops

  const std::string path = temp_path("phases.json");
  profiler.write_chrome_trace(path);
  const std::string json = read_file(path);
  EXPECT_TRUE(brackets_balance(json)) << json;
  EXPECT_NE(json.find(R"("name":"load \"model\"\n\\")"), std::string::npos) << json;
  EXPECT_EQ(count_of(json, "\"ph\":\"X\""), 2u);
  std::filesystem::remove(path);
}

TEST(SessionProfiler, WritingToAMissingFolderIsAnIoErrorNamingThePath) {
  SessionProfiler profiler({"cpu"});
  const std::string path = temp_path("no_such_dir") + "/trace.json";
  try {
    profiler.write_chrome_trace(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIoError);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(Profiler, ProfileFileInAMissingFolderFailsEndProfiling) {
  SessionOptions options = profiled_options();
  options.profile_file = temp_path("missing_dir") + "/trace.json";
  Session session = make_session(options);
  session.run({{"x", input_x()}});
  try {
    session.end_profiling();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIoError);
    EXPECT_NE(std::string(e.what()).find(options.profile_file), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace aruntime
