#include "core/allocation_planner.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "core/logging.h"

namespace aruntime {
namespace {

size_t aligned(size_t bytes) {
  return std::max<size_t>(kBufferAlignment, (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment);
}

// Slots a step reads, subgraph (outer-scope) reads included.
template <typename Fn>
void for_each_read(const ExecutionStep& step, Fn&& fn) {
  for (int slot : step.inputs) {
    if (slot >= 0) fn(slot);
  }
  for (const auto& [name, slot] : step.implicit_inputs) fn(slot);
}

// A set of slots sharing one buffer: the value that owns it, views of it, and values computed in
// place over it. The steps that produce or read any of them are its lifetime.
struct BufferGroup {
  int root = -1;
  int memory = -1;
  size_t bytes = 0;
  int first = 0;  // sequential order: first and last step touching the buffer
  int last = 0;
  std::vector<int> steps;  // every step producing or reading a member (parallel schedules)
  std::vector<int> members;
};

// Proper ancestors of each step in the data-dependency graph, as bitsets.
class StepOrder {
 public:
  explicit StepOrder(const ExecutionPlan& plan) : n_(plan.steps.size()), words_((n_ + 63) / 64) {
    std::vector<int> producer(plan.slot_names.size(), -1);
    ancestors_.assign(n_ * words_, 0);
    for (size_t s = 0; s < n_; ++s) {
      const ExecutionStep& step = plan.steps[s];
      uint64_t* mine = &ancestors_[s * words_];
      for_each_read(step, [&](int slot) {
        const int p = producer[slot];
        if (p < 0) return;
        const uint64_t* theirs = &ancestors_[static_cast<size_t>(p) * words_];
        for (size_t w = 0; w < words_; ++w) mine[w] |= theirs[w];
        mine[p / 64] |= uint64_t{1} << (p % 64);
      });
      for (int slot : step.outputs) {
        if (slot >= 0) producer[slot] = static_cast<int>(s);
      }
    }
  }
  // True when step a must finish before step b starts.
  bool before(int a, int b) const {
    return (ancestors_[static_cast<size_t>(b) * words_ + a / 64] >> (a % 64)) & 1;
  }

 private:
  size_t n_, words_;
  std::vector<uint64_t> ancestors_;
};

}  // namespace

std::vector<size_t> assign_offsets(const std::vector<BufferRequest>& requests,
                                   const std::function<bool(size_t, size_t)>& interferes, size_t& block_bytes) {
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return requests[a].bytes > requests[b].bytes; });
  std::vector<size_t> offsets(requests.size(), 0);
  std::vector<size_t> placed;
  block_bytes = 0;
  std::vector<std::pair<size_t, size_t>> busy;  // (offset, end) of interfering placed requests
  for (size_t r : order) {
    const size_t size = aligned(requests[r].bytes);
    busy.clear();
    for (size_t p : placed) {
      if (interferes(r, p)) busy.emplace_back(offsets[p], offsets[p] + aligned(requests[p].bytes));
    }
    std::sort(busy.begin(), busy.end());
    // Best fit: the smallest gap between interfering buffers that holds this one; else past the end.
    size_t best = SIZE_MAX, best_gap = SIZE_MAX, cursor = 0;
    for (const auto& [begin, end] : busy) {
      if (begin >= cursor && begin - cursor >= size && begin - cursor < best_gap) {
        best = cursor;
        best_gap = begin - cursor;
      }
      cursor = std::max(cursor, end);
    }
    offsets[r] = best != SIZE_MAX ? best : cursor;
    block_bytes = std::max(block_bytes, offsets[r] + size);
    placed.push_back(r);
  }
  return offsets;
}

std::vector<std::optional<size_t>> static_slot_bytes(const ExecutionPlan& plan, const Graph& graph) {
  std::vector<std::optional<size_t>> bytes(plan.slot_names.size());
  for (size_t s = 0; s < plan.slot_values.size(); ++s) {
    auto it = graph.value_types.find(plan.slot_values[s]);
    if (it == graph.value_types.end()) continue;
    const TypeInfo& type = it->second;
    if (type.kind != ValueKind::kTensor || type.dtype == DataType::kString || type.dtype == DataType::kUndefined ||
        !type.has_static_shape()) {
      continue;
    }
    size_t n = 1;
    bool overflow = false;
    for (const Dim& d : *type.shape) {
      const auto v = static_cast<size_t>(d.value);
      if (v != 0 && n > SIZE_MAX / 2 / v) overflow = true;
      n *= v;
    }
    if (!overflow) bytes[s] = n * element_size(type.dtype);
  }
  return bytes;
}

namespace {

// Slots a step allocates (its outputs) that no one else owns: not graph outputs.
std::vector<char> intermediate_slots(const ExecutionPlan& plan) {
  std::vector<char> is(plan.slot_names.size(), 0);
  for (const ExecutionStep& step : plan.steps) {
    for (int slot : step.outputs) {
      if (slot >= 0 && !plan.slot_is_output[slot]) is[slot] = 1;
    }
  }
  return is;
}

bool is_plannable_type(const Graph& graph, const std::string& value) {
  auto it = graph.value_types.find(value);
  return it != graph.value_types.end() && it->second.kind == ValueKind::kTensor &&
         it->second.dtype != DataType::kString;
}

}  // namespace

bool covers_all_intermediates(const ExecutionPlan& plan, const std::vector<std::optional<size_t>>& slot_bytes,
                              const Graph& graph) {
  const std::vector<char> intermediate = intermediate_slots(plan);
  for (size_t s = 0; s < intermediate.size(); ++s) {
    if (intermediate[s] && is_plannable_type(graph, plan.slot_values[s]) && !slot_bytes[s]) return false;
  }
  return true;
}

AllocationPlan plan_allocations(const ExecutionPlan& plan, const std::vector<std::optional<size_t>>& slot_bytes,
                                const PlannerOptions& options) {
  AllocationPlan result;
  result.schedule = options.schedule;
  const size_t num_slots = plan.slot_names.size();
  result.slots.resize(num_slots);
  const std::vector<char> intermediate = intermediate_slots(plan);

  std::vector<int> producer(num_slots, -1), out_index(num_slots, -1);
  std::vector<std::vector<int>> readers(num_slots);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const ExecutionStep& step = plan.steps[s];
    for (size_t o = 0; o < step.outputs.size(); ++o) {
      if (step.outputs[o] >= 0) {
        producer[step.outputs[o]] = static_cast<int>(s);
        out_index[step.outputs[o]] = static_cast<int>(o);
      }
    }
    for_each_read(step, [&](int slot) { readers[slot].push_back(static_cast<int>(s)); });
  }
  std::optional<StepOrder> order;
  if (options.schedule == ScheduleKind::kParallel) order.emplace(plan);

  // Memories: one per distinct arena that steps allocate from.
  std::map<Allocator*, int> memory_of;
  auto memory_index = [&](Allocator* arena) {
    auto [it, inserted] = memory_of.emplace(arena, static_cast<int>(result.memories.size()));
    if (inserted) {
      MemoryPlan m;
      m.arena = arena;
      m.device = arena->device();
      result.memories.push_back(m);
    }
    return it->second;
  };

  // --- Buffer groups, in step order so that a view's or in-place value's source is grouped first.
  std::vector<BufferGroup> groups;
  std::vector<int> group_of(num_slots, -1);
  auto touch = [&](BufferGroup& g, int step) {
    g.first = std::min(g.first, step);
    g.last = std::max(g.last, step);
    g.steps.push_back(step);
  };
  auto add_member = [&](BufferGroup& g, int slot) {
    g.members.push_back(slot);
    group_of[slot] = static_cast<int>(&g - groups.data());
    touch(g, producer[slot]);
    for (int r : readers[slot]) touch(g, r);
  };
  groups.reserve(num_slots);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const ExecutionStep& step = plan.steps[s];
    for (size_t o = 0; o < step.outputs.size(); ++o) {
      const int slot = step.outputs[o];
      if (slot < 0 || !intermediate[slot]) continue;
      const int view = step.kernel->output_view_of(o);
      if (view >= 0 && static_cast<size_t>(view) < step.inputs.size() && step.inputs[view] >= 0 &&
          group_of[step.inputs[view]] >= 0) {
        // The output may share the input's buffer: keep the buffer alive while the output is read.
        add_member(groups[group_of[step.inputs[view]]], slot);
        continue;
      }
      if (!slot_bytes[slot]) {
        result.unknown_size_slots.push_back(slot);
        continue;
      }
      const int memory = memory_index(step.allocator);
      const int source = options.in_place ? step.kernel->output_in_place_of(o) : -1;
      if (source >= 0 && static_cast<size_t>(source) < step.inputs.size() && step.inputs[source] >= 0) {
        const int in_slot = step.inputs[source];
        const int gi = group_of[in_slot];
        if (gi >= 0 && groups[gi].memory == memory && groups[gi].bytes == *slot_bytes[slot] &&
            result.slots[in_slot].memory >= 0) {
          BufferGroup& g = groups[gi];
          bool dies_here = g.last <= static_cast<int>(s);
          if (dies_here && order) {
            // Every other reader of the buffer must be done before this step starts.
            for (int t : g.steps) dies_here = dies_here && (t == static_cast<int>(s) || order->before(t, static_cast<int>(s)));
          }
          // A second output of this step cannot take the same buffer.
          for (int m : g.members) dies_here = dies_here && producer[m] != static_cast<int>(s);
          if (dies_here) {
            add_member(g, slot);
            result.slots[slot] = {memory, gi, 0, *slot_bytes[slot], in_slot};
            continue;
          }
        }
      }
      BufferGroup g;
      g.root = slot;
      g.memory = memory;
      g.bytes = *slot_bytes[slot];
      g.first = g.last = static_cast<int>(s);
      groups.push_back(std::move(g));
      add_member(groups.back(), slot);
      result.slots[slot] = {memory, static_cast<int>(groups.size() - 1), 0, *slot_bytes[slot], -1};
    }
  }

  // --- Pack each memory's groups.
  for (size_t m = 0; m < result.memories.size(); ++m) {
    std::vector<int> members;
    std::vector<BufferRequest> requests;
    for (size_t g = 0; g < groups.size(); ++g) {
      if (groups[g].memory == static_cast<int>(m)) {
        members.push_back(static_cast<int>(g));
        requests.push_back({groups[g].bytes});
      }
    }
    auto interferes = [&](size_t a, size_t b) {
      const BufferGroup& x = groups[members[a]];
      const BufferGroup& y = groups[members[b]];
      if (!order) return !(x.last < y.first || y.last < x.first);
      auto all_before = [&](const BufferGroup& p, const BufferGroup& q) {
        const int q_start = producer[q.root];
        for (int t : p.steps) {
          if (!order->before(t, q_start)) return false;
        }
        return true;
      };
      return !(all_before(x, y) || all_before(y, x));
    };
    MemoryPlan& mp = result.memories[m];
    const std::vector<size_t> offsets = assign_offsets(requests, interferes, mp.block_bytes);
    for (size_t i = 0; i < members.size(); ++i) {
      for (int slot : groups[members[i]].members) {
        if (result.slots[slot].memory >= 0) result.slots[slot].offset = offsets[i];
      }
    }
    // The report: naive total and the live set at the sequential peak.
    std::vector<size_t> live(plan.steps.size(), 0);
    for (int g : members) {
      for (int t = groups[g].first; t <= groups[g].last; ++t) live[t] += groups[g].bytes;
      for (int slot : groups[g].members) {
        if (result.slots[slot].memory >= 0) {
          mp.naive_bytes += result.slots[slot].bytes;
          ++mp.planned_values;
        }
      }
    }
    if (!live.empty()) {
      mp.peak_step = static_cast<int>(std::max_element(live.begin(), live.end()) - live.begin());
      mp.live_bytes_at_peak = live[mp.peak_step];
      std::vector<int> at_peak;
      for (int g : members) {
        if (groups[g].first <= mp.peak_step && mp.peak_step <= groups[g].last) at_peak.push_back(groups[g].root);
      }
      std::stable_sort(at_peak.begin(), at_peak.end(),
                       [&](int a, int b) { return result.slots[a].bytes > result.slots[b].bytes; });
      mp.live_at_peak = std::move(at_peak);
    }
  }
  return result;
}

}  // namespace aruntime
