// The allocation planner and planned execution: packing, buffer groups (views, in place), and
// runs whose every buffer is checked before each use. A "Pattern" op fills its output with a value
// specific to that output and, before computing, verifies that each input still holds its own
// value: if the plan ever gave two live values overlapping memory, a later reader sees the other
// value's pattern and the run fails naming both.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <map>
#include <random>

#include "core/allocation_planner.h"
#include "core/arena.h"
#include "core/executor.h"
#include "core/parallel_executor.h"
#include "core/partitioner.h"
#include "core/run_memory.h"
#include "tests/unit/test_execution_provider.h"

namespace aruntime {
namespace {

using testing::GraphBuilder;

// --- Packing -----------------------------------------------------------------------------------

TEST(AssignOffsets, ReusesMemoryOfValuesThatDoNotInterfere) {
  // a [0,1], b [1,2], c [2,3] as lifetimes: a and c never meet, so c reuses a's memory.
  const std::vector<std::pair<int, int>> life = {{0, 1}, {1, 2}, {2, 3}};
  const std::vector<BufferRequest> req = {{1000}, {500}, {1000}};
  size_t block = 0;
  auto offsets = assign_offsets(
      req, [&](size_t x, size_t y) { return !(life[x].second < life[y].first || life[y].second < life[x].first); },
      block);
  EXPECT_EQ(offsets[0], offsets[2]);
  EXPECT_NE(offsets[1], offsets[0]);
  // 1000 and 1000 share; 500 (rounded to 512) beside them: 1024 + 512.
  EXPECT_EQ(block, 1024u + 512u);
}

TEST(AssignOffsets, BestFitGapBetweenInterferingBuffers) {
  // 0 and 2 are placed first (largest) and interfere with each other; 1 and 3 interfere with
  // both. Sizes 4096 (0), 4096 (2) at 0 and 4096; 1 (64) and 3 (64) above them.
  const std::vector<BufferRequest> req = {{4096}, {64}, {4096}, {64}};
  size_t block = 0;
  auto offsets = assign_offsets(req, [](size_t, size_t) { return true; }, block);
  std::vector<std::pair<size_t, size_t>> ranges;
  for (size_t i = 0; i < req.size(); ++i) ranges.emplace_back(offsets[i], offsets[i] + std::max<size_t>(64, req[i].bytes));
  for (size_t i = 0; i < ranges.size(); ++i) {
    for (size_t j = i + 1; j < ranges.size(); ++j) {
      EXPECT_TRUE(ranges[i].second <= ranges[j].first || ranges[j].second <= ranges[i].first) << i << " vs " << j;
    }
  }
  EXPECT_EQ(block, 4096u * 2 + 128u);
}

// --- The Pattern op ----------------------------------------------------------------------------

// Node attributes: "code" (the output's fill value), "expect" (per input, the value it must hold),
// "mode" ("own": a new buffer; "view": a view of input 0; "inplace": may write over input 0).
class PatternKernel final : public OpKernel {
 public:
  explicit PatternKernel(const KernelInfo& info)
      : mode_(info.node().attr_string("mode", "own")), code_(info.node().attr_float("code", 0)),
        expect_(info.node().attr_floats("expect", {})), elements_(info.node().attr_int("elements", 1)) {}
  int output_view_of(size_t output) const override { return mode_ == "view" && output == 0 ? 0 : -1; }
  int output_in_place_of(size_t output) const override { return mode_ == "inplace" && output == 0 ? 0 : -1; }

  void compute(KernelContext& ctx) const override {
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& t = ctx.required_input(i);
      const float* p = t.data<float>();
      for (int64_t k = 0; k < t.num_elements(); ++k) {
        if (p[k] != expect_[i]) {
          throw_error(ErrorCode::kRuntimeError, ctx.node().describe() + ": input '" + ctx.node().inputs[i] +
                                                    "' holds " + std::to_string(p[k]) + " at " + std::to_string(k) +
                                                    ", expected " + std::to_string(expect_[i]));
        }
      }
    }
    if (mode_ == "view") {
      ctx.set_output(0, ctx.required_input(0));
      return;
    }
    const int64_t n = mode_ == "inplace" ? ctx.required_input(0).num_elements() : elements_;
    Tensor& out = ctx.allocate_output(0, Shape{n}, DataType::kFloat32);
    float* o = out.data<float>();
    for (int64_t k = 0; k < n; ++k) o[k] = code_;
  }

 private:
  std::string mode_;
  float code_;
  std::vector<float> expect_;
  int64_t elements_;
};

// Claims every node with `factory`'s kernels (PatternKernel unless told otherwise).
class PatternProvider final : public ExecutionProvider {
 public:
  explicit PatternProvider(KernelFactory factory = make_kernel<PatternKernel>()) : name_("pattern") {
    def_.op_type = "Pattern";
    def_.factory = std::move(factory);
  }
  const std::string& name() const override { return name_; }
  Device device() const override { return Device::cpu(); }
  CapabilityReport capabilities(const GraphView& view) const override {
    CapabilityReport r;
    for (NodeIndex i = 0; i < view.num_nodes(); ++i) {
      if (view.is_available(i)) r.claims.push_back({CapabilityClaim::Kind::kKernel, {i}, &def_});
    }
    return r;
  }
  std::shared_ptr<Allocator> allocator() const override { return cpu_heap_allocator(); }

 private:
  std::string name_;
  KernelDef def_;
};

Attribute attr_float(const std::string& name, float v) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kFloat;
  a.f = v;
  return a;
}
Attribute attr_string(const std::string& name, const std::string& v) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kString;
  a.s = v;
  return a;
}

// A random DAG of Pattern nodes: sizes from 1 to 4096 elements, several readers per value,
// views and in-place nodes mixed in. Values are numbered; value k holds code k (views hold their
// source's code).
struct PatternGraph {
  GraphBuilder builder;
  std::map<std::string, float> code;  // what each value holds
  std::vector<std::string> outputs;

  explicit PatternGraph(unsigned seed, int nodes = 160) {
    std::mt19937 rng(seed);
    builder.input("x", {64});
    code["x"] = 1.0f;
    std::vector<std::string> values = {"x"};
    std::map<std::string, int64_t> elements = {{"x", 64}};
    for (int k = 0; k < nodes; ++k) {
      const std::string out = "v" + std::to_string(k);
      // Mostly recent values, sometimes an old one: long and short lifetimes.
      auto pick = [&] {
        const size_t n = values.size();
        const size_t back = rng() % 4 == 0 ? rng() % n : rng() % std::min<size_t>(n, 6);
        return values[n - 1 - back];
      };
      std::vector<std::string> ins = {pick()};
      const int extra = static_cast<int>(rng() % 3);
      for (int e = 0; e < extra; ++e) ins.push_back(pick());
      const int kind = static_cast<int>(rng() % 6);
      const std::string mode = kind == 0 ? "view" : kind == 1 ? "inplace" : "own";
      builder.node("n" + std::to_string(k), "Pattern", ins, {out});
      Node& node = builder.graph().nodes.back();
      std::vector<float> expect;
      for (const auto& i : ins) expect.push_back(code.at(i));
      Attribute e;
      e.name = "expect";
      e.type = Attribute::Type::kFloats;
      e.floats = expect;
      node.attributes.push_back(e);
      node.attributes.push_back(attr_string("mode", mode));
      const int64_t n = mode == "own" ? 1 + static_cast<int64_t>(rng() % 4096) : elements.at(ins[0]);
      Attribute el;
      el.name = "elements";
      el.type = Attribute::Type::kInt;
      el.i = n;
      node.attributes.push_back(el);
      code[out] = mode == "view" ? code.at(ins[0]) : static_cast<float>(k + 2);
      node.attributes.push_back(attr_float("code", code[out]));
      elements[out] = n;
      builder.graph().value_types[out].shape = std::vector<Dim>{Dim::fixed(n)};
      values.push_back(out);
    }
    for (int k = nodes - 3; k < nodes; ++k) {
      outputs.push_back("v" + std::to_string(k));
      builder.output(outputs.back());
    }
  }
};

struct PlannedHarness {
  PatternGraph pg;
  PatternProvider provider;
  std::vector<const ExecutionProvider*> eps{&provider};
  std::shared_ptr<ArenaAllocator> host = std::make_shared<ArenaAllocator>(cpu_heap_allocator());
  PartitionResult partition;
  ExecutionPlan plan;
  std::unique_ptr<RunMemory> memory;

  PlannedHarness(unsigned seed, ScheduleKind schedule, bool in_place = true) : pg(seed) {
    std::vector<Allocator*> arenas{host.get()};
    partition = partition_graph(pg.builder.model, pg.builder.graph(), eps, "pattern.onnx");
    plan = build_execution_plan({pg.builder.model, pg.builder.graph(), eps, partition, arenas, host.get()});
    RunMemoryOptions options;
    options.planner.schedule = schedule;
    options.planner.in_place = in_place;
    auto bytes = static_slot_bytes(plan, pg.builder.graph());
    const bool complete = covers_all_intermediates(plan, bytes, pg.builder.graph());
    EXPECT_TRUE(complete);
    memory = std::make_unique<RunMemory>(plan, std::move(bytes), complete, options, "pattern.onnx");
  }

  void check_outputs(const std::vector<Value>& out) const {
    ASSERT_EQ(out.size(), pg.outputs.size());
    for (size_t i = 0; i < out.size(); ++i) {
      const Tensor& t = out[i].tensor();
      for (int64_t k = 0; k < t.num_elements(); ++k) {
        ASSERT_EQ(t.data<float>()[k], pg.code.at(pg.outputs[i])) << pg.outputs[i];
      }
    }
  }
};

Tensor filled_input(float code) {
  std::vector<float> v(64, code);
  return Tensor::from_vector<float>(Shape{64}, v);
}

TEST(AllocationPlan, NoTwoInterferingValuesOverlap) {
  for (unsigned seed : {1u, 2u, 3u}) {
    PlannedHarness h(seed, ScheduleKind::kSequential);
    const AllocationPlan& ap = h.memory->static_plan();
    ASSERT_EQ(ap.memories.size(), 1u);
    // Sequential lifetimes of each buffer group, from the plan's own steps.
    const size_t slots = h.plan.slot_names.size();
    std::vector<int> first(slots, INT32_MAX), last(slots, -1);
    for (size_t s = 0; s < h.plan.steps.size(); ++s) {
      const auto& st = h.plan.steps[s];
      for (int o : st.outputs) first[o] = std::min(first[o], static_cast<int>(s));
      for (int i : st.inputs) last[i] = std::max(last[i], static_cast<int>(s));
    }
    size_t planned = 0;
    for (size_t a = 0; a < slots; ++a) {
      const PlannedSlot& pa = ap.slots[a];
      if (pa.memory < 0) continue;
      ++planned;
      for (size_t b = a + 1; b < slots; ++b) {
        const PlannedSlot& pb = ap.slots[b];
        if (pb.memory < 0 || pa.buffer == pb.buffer) continue;
        const int la = std::max(last[a], first[a]), lb = std::max(last[b], first[b]);
        const bool live_together = !(la < first[b] || lb < first[a]);
        const bool overlap = pa.offset < pb.offset + pb.bytes && pb.offset < pa.offset + pa.bytes;
        // Values read through a view keep their buffer alive longer, so only assert for values
        // whose own lifetimes meet (the run below checks the rest).
        EXPECT_FALSE(live_together && overlap) << h.plan.slot_names[a] << " and " << h.plan.slot_names[b];
      }
    }
    EXPECT_GT(planned, 100u);
    EXPECT_LT(ap.memories[0].block_bytes, ap.memories[0].naive_bytes / 2) << "the plan should reuse memory";
  }
}

TEST(PlannedExecution, EveryInputHoldsItsOwnValueBeforeEachUse) {
  for (unsigned seed : {11u, 12u, 13u, 14u}) {
    PlannedHarness h(seed, ScheduleKind::kSequential);
    SequentialExecutor ex(h.plan, "pattern.onnx", *cpu_heap_allocator(), h.memory.get());
    for (int run = 0; run < 3; ++run) {
      std::vector<Value> in{Value(filled_input(1.0f))};
      std::vector<Value> out;
      ASSERT_NO_THROW(out = ex.run(std::move(in))) << "seed " << seed;
      h.check_outputs(out);
    }
    const RunMemoryStats st = h.memory->stats();
    EXPECT_EQ(st.runs_planned, 3u);
    EXPECT_EQ(st.values_fallback, 0u) << "every hint is truthful, so every value gets its planned place";
    EXPECT_GT(st.values_planned, 3u * 100u);
    // Warm runs reuse the pooled block: the arena holds one block, and nothing is in use.
    EXPECT_EQ(st.pooled_block_sets, 1u);
    EXPECT_EQ(h.host->stats().num_allocations, 1u) << "one block for all runs; no per-value allocations";
  }
}

TEST(PlannedExecution, InPlaceSharesTheBufferOnlyWhenTheInputDiesThere) {
  PlannedHarness h(21, ScheduleKind::kSequential);
  const AllocationPlan& ap = h.memory->static_plan();
  size_t in_place = 0;
  for (size_t s = 0; s < ap.slots.size(); ++s) {
    const PlannedSlot& p = ap.slots[s];
    if (p.in_place_of < 0) continue;
    ++in_place;
    EXPECT_EQ(p.offset, ap.slots[p.in_place_of].offset);
    // The source has no reader after the step that takes it over.
    int producer = -1, last_read = -1;
    for (size_t st = 0; st < h.plan.steps.size(); ++st) {
      for (int o : h.plan.steps[st].outputs) producer = o == static_cast<int>(s) ? static_cast<int>(st) : producer;
      for (int i : h.plan.steps[st].inputs) last_read = i == p.in_place_of ? static_cast<int>(st) : last_read;
    }
    EXPECT_EQ(last_read, producer) << h.plan.slot_names[s];
  }
  EXPECT_GT(in_place, 0u);
  // Without in place, no slot shares.
  PlannedHarness off(21, ScheduleKind::kSequential, false);
  for (const PlannedSlot& p : off.memory->static_plan().slots) EXPECT_LT(p.in_place_of, 0);
}

TEST(PlannedExecution, ParallelScheduleKeepsConcurrentValuesApart) {
  tbb::task_arena arena(4);
  for (unsigned seed : {31u, 32u, 33u}) {
    PlannedHarness h(seed, ScheduleKind::kParallel);
    ParallelExecutor ex(h.plan, "pattern.onnx", *cpu_heap_allocator(), h.memory.get(), nullptr);
    EXPECT_TRUE(ex.has_parallel_branches());
    for (int run = 0; run < 5; ++run) {
      std::vector<Value> out;
      arena.execute([&] {
        std::vector<Value> in{Value(filled_input(1.0f))};
        ASSERT_NO_THROW(out = ex.run(std::move(in))) << "seed " << seed;
      });
      h.check_outputs(out);
    }
    EXPECT_EQ(h.memory->stats().values_fallback, 0u);
  }
}

// A kernel that keeps its input's buffer alive past the plan's knowledge (an undeclared view):
// the planned region is still occupied when the next value wants it, so that value goes to the
// arena instead and the run stays correct.
TEST(PlannedExecution, UndeclaredViewsFallBackToTheArenaAndStayCorrect) {
  PatternGraph pg(41, 60);
  // Turn every declared view into an undeclared one: "view" nodes become "own" in the plan's eyes
  // but still return their input (the kernel below).
  class SneakyView final : public OpKernel {
   public:
    explicit SneakyView(const KernelInfo& info) : inner_(info), mode_(info.node().attr_string("mode", "own")) {}
    void compute(KernelContext& ctx) const override { inner_.compute(ctx); }

   private:
    PatternKernel inner_;
    std::string mode_;
  };
  PatternProvider provider(make_kernel<SneakyView>());
  std::vector<const ExecutionProvider*> eps{&provider};
  auto host = std::make_shared<ArenaAllocator>(cpu_heap_allocator());
  std::vector<Allocator*> arenas{host.get()};
  auto partition = partition_graph(pg.builder.model, pg.builder.graph(), eps, "p.onnx");
  ExecutionPlan plan = build_execution_plan({pg.builder.model, pg.builder.graph(), eps, partition, arenas, host.get()});
  auto bytes = static_slot_bytes(plan, pg.builder.graph());
  RunMemory memory(plan, bytes, true, {}, "p.onnx");
  SequentialExecutor ex(plan, "p.onnx", *cpu_heap_allocator(), &memory);
  std::vector<Value> out;
  ASSERT_NO_THROW(out = ex.run({Value(filled_input(1.0f))}));
  for (size_t i = 0; i < out.size(); ++i) {
    for (int64_t k = 0; k < out[i].tensor().num_elements(); ++k) {
      ASSERT_EQ(out[i].tensor().data<float>()[k], pg.code.at(pg.outputs[i]));
    }
  }
  EXPECT_GT(memory.stats().values_fallback, 0u) << "the undeclared views must have forced fallbacks";
}

TEST(RunMemory, CapRefusesAPlanOverIt) {
  PatternGraph pg(51, 40);
  PatternProvider provider;
  std::vector<const ExecutionProvider*> eps{&provider};
  auto host = std::make_shared<ArenaAllocator>(cpu_heap_allocator());
  std::vector<Allocator*> arenas{host.get()};
  auto partition = partition_graph(pg.builder.model, pg.builder.graph(), eps, "p.onnx");
  ExecutionPlan plan = build_execution_plan({pg.builder.model, pg.builder.graph(), eps, partition, arenas, host.get()});
  auto bytes = static_slot_bytes(plan, pg.builder.graph());
  RunMemoryOptions options;
  options.max_activation_bytes = 1024;
  try {
    RunMemory memory(plan, bytes, true, options, "p.onnx");
    FAIL() << "expected the cap to refuse the plan";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfMemory);
    EXPECT_NE(std::string(e.what()).find("over the cap of 1024 bytes"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace aruntime
