#include "core/parallel_executor.h"

#include <tbb/concurrent_queue.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "core/cost_model.h"

namespace aruntime {

ParallelExecutor::ParallelExecutor(const ExecutionPlan& plan, const std::string& origin, Allocator& output_allocator,
                                   RunMemory* memory, const Graph* graph, ParallelExecutorOptions options)
    : Executor(plan, origin, output_allocator, memory), max_concurrent_steps_(options.max_concurrent_steps) {
  const size_t n = plan.steps.size();
  successors_.resize(n);
  num_predecessors_.assign(n, 0);
  reads_.resize(n);
  unread_outputs_.resize(n);
  num_readers_.assign(plan.slot_names.size(), 0);
  keep_.assign(plan.slot_names.size(), 0);
  small_.assign(n, 0);
  for (int s : plan.graph_input_slots) keep_[s] = 1;
  for (int s : plan.graph_output_slots) keep_[s] = 1;
  for (const auto& [s, t] : plan.constants) keep_[s] = 1;

  std::vector<int> producer(plan.slot_names.size(), -1);
  for (size_t s = 0; s < n; ++s) {
    for (int slot : plan.steps[s].outputs) {
      if (slot >= 0) producer[slot] = static_cast<int>(s);
    }
  }
  for (size_t s = 0; s < n; ++s) {
    const ExecutionStep& step = plan.steps[s];
    std::vector<int>& reads = reads_[s];
    for (int slot : step.inputs) {
      if (slot >= 0) reads.push_back(slot);
    }
    for (const auto& [name, slot] : step.implicit_inputs) reads.push_back(slot);
    std::sort(reads.begin(), reads.end());
    reads.erase(std::unique(reads.begin(), reads.end()), reads.end());
    std::vector<int> preds;
    for (int slot : reads) {
      ++num_readers_[slot];
      if (producer[slot] >= 0) preds.push_back(producer[slot]);
    }
    std::sort(preds.begin(), preds.end());
    preds.erase(std::unique(preds.begin(), preds.end()), preds.end());
    num_predecessors_[s] = static_cast<int>(preds.size());
    for (int p : preds) successors_[p].push_back(static_cast<int>(s));
    if (graph != nullptr) {
      auto flops = estimate_flops(*graph, *step.node);
      small_[s] = flops && *flops < options.inline_flops;
    }
  }
  for (size_t s = 0; s < n; ++s) {
    for (int slot : plan.steps[s].outputs) {
      if (slot >= 0 && num_readers_[slot] == 0 && !keep_[slot]) unread_outputs_[s].push_back(slot);
    }
  }
  // Widest level of the dependency graph: whether branches exist at all.
  std::vector<int> level(n, 0), width;
  for (size_t s = 0; s < n; ++s) {
    for (int succ : successors_[s]) level[succ] = std::max(level[succ], level[s] + 1);
  }
  std::vector<int> large_width;
  for (size_t s = 0; s < n; ++s) {
    if (static_cast<size_t>(level[s]) >= width.size()) width.resize(level[s] + 1, 0);
    max_width_ = std::max(max_width_, ++width[level[s]]);
    if (small_[s]) continue;
    if (static_cast<size_t>(level[s]) >= large_width.size()) large_width.resize(level[s] + 1, 0);
    max_large_width_ = std::max(max_large_width_, ++large_width[level[s]]);
  }
}

// Scheduling. The thread that calls run (the "lead", an external thread of the session's arena)
// keeps one successor of each step it runs and leaves the others in a shared queue; helper tasks,
// spawned while fewer than the limit work, take steps from that queue. The lead never waits inside
// task_group::wait while steps remain: oneTBB lets an external thread sleep there until the group
// is done, without waking it for tasks spawned by other threads, so it would leave a whole
// parallel section to the arena's one worker on two cores. Instead the lead polls the queue while
// it has nothing to run, and a helper that finishes a step while the lead is idle hands the
// successors to the lead and returns to the arena, where it helps kernels' parallel loops: chains
// run on the lead with the worker free for intra-op work; only branches run side by side.
void ParallelExecutor::execute(RunFrame& frame) const {
  const int n = static_cast<int>(successors_.size());
  if (n == 0) return;
  auto pending = std::make_unique<std::atomic<int>[]>(static_cast<size_t>(n));
  for (int s = 0; s < n; ++s) pending[s].store(num_predecessors_[s], std::memory_order_relaxed);
  auto readers = std::make_unique<std::atomic<int>[]>(num_readers_.size());
  for (size_t v = 0; v < num_readers_.size(); ++v) readers[v].store(num_readers_[v], std::memory_order_relaxed);
  std::atomic<bool> failed{false};
  std::atomic<int> remaining{n};
  std::atomic<bool> lead_idle{false};
  std::atomic<int> helpers{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  tbb::task_group tasks;
  tbb::concurrent_queue<int> waiting;
  const int limit = max_concurrent_steps_ > 0 ? max_concurrent_steps_ : tbb::this_task_arena::max_concurrency();
  // A slot's buffer may be taken over in place only by its last remaining reader.
  const std::function<bool(int)> only_remaining_reader = [&](int slot) {
    return readers[slot].load(std::memory_order_acquire) == 1;
  };

  // Runs step s; appends the successors it readied to `readied`. False when the run has failed.
  auto run_step = [&](int s, std::vector<int>& readied) {
    if (failed.load(std::memory_order_relaxed)) return false;
    try {
      frame.check_cancelled();
      frame.run_step(static_cast<size_t>(s), only_remaining_reader);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      failed.store(true);
      return false;
    }
    for (int slot : reads_[s]) {
      if (readers[slot].fetch_sub(1, std::memory_order_acq_rel) == 1 && !keep_[slot]) frame.release(slot);
    }
    for (int slot : unread_outputs_[s]) frame.release(slot);
    for (int succ : successors_[s]) {
      if (pending[succ].fetch_sub(1, std::memory_order_acq_rel) == 1) readied.push_back(succ);
    }
    remaining.fetch_sub(1, std::memory_order_acq_rel);
    return true;
  };

  std::function<void()> help;
  auto share = [&](int s) {
    waiting.push(s);
    if (helpers.fetch_add(1) < limit - 1) {
      tasks.run(help);
    } else {
      helpers.fetch_sub(1);
    }
  };
  // Keeps small steps in `local` (run next, on this thread), and one large step when nothing else
  // waits there; shares the rest, so that siblings readied one at a time by small steps (the 1x1
  // convolutions that open Inception branches) still spread over the threads.
  auto distribute = [&](std::vector<int>& readied, std::vector<int>& local, bool keep_large) {
    keep_large = keep_large && local.empty();
    int kept = -1;
    for (int succ : readied) {
      if (small_[succ]) {
        local.push_back(succ);
      } else if (keep_large && kept < 0) {
        kept = succ;
      } else {
        share(succ);
      }
    }
    readied.clear();
    // Small steps first: they are cheap and often free memory (LIFO: the kept step runs last).
    if (kept >= 0) local.insert(local.begin(), kept);
  };

  // Waking an arena worker takes tens of microseconds, about a small step's time: a helper waits
  // a little for the next shared step before giving its thread back to the arena.
  constexpr auto kHelperPatience = std::chrono::microseconds(50);
  auto next_shared = [&](int& s) {
    if (waiting.try_pop(s)) return true;
    const auto give_up = std::chrono::steady_clock::now() + kHelperPatience;
    for (int spins = 0;; ++spins) {
      if (waiting.try_pop(s)) return true;
      if (failed.load(std::memory_order_relaxed) || remaining.load(std::memory_order_acquire) == 0) return false;
      if (spins > 64) {
        if (std::chrono::steady_clock::now() > give_up) return false;
        std::this_thread::yield();
      }
    }
  };
  help = [&] {
    std::vector<int> local, readied;
    int s;
    while (next_shared(s)) {
      local.push_back(s);
      while (!local.empty()) {
        const int t = local.back();
        local.pop_back();
        if (!run_step(t, readied)) break;
        // While the lead is idle it takes the successors, and this thread goes back to the arena.
        const bool lead_waits = lead_idle.load(std::memory_order_acquire);
        distribute(readied, local, !lead_waits);
        if (lead_waits) {
          for (int x : local) share(x);
          local.clear();
        }
      }
      if (failed.load(std::memory_order_relaxed)) break;
    }
    helpers.fetch_sub(1);
  };

  // A graph whose branches hold steps worth sharing gets its helper at once, so that it is awake
  // when the first branch point shares one.
  if (max_large_width_ > 1 && limit > 1) {
    helpers.fetch_add(1);
    tasks.run(help);
  }
  std::vector<int> local, readied;
  for (int s = n - 1; s >= 0; --s) {
    if (num_predecessors_[s] == 0) readied.push_back(s);
  }
  distribute(readied, local, true);
  for (;;) {
    while (!local.empty()) {
      const int t = local.back();
      local.pop_back();
      if (!run_step(t, readied)) break;
      distribute(readied, local, true);
    }
    if (failed.load() || remaining.load(std::memory_order_acquire) == 0) break;
    // Nothing of its own: take a shared step as soon as one appears, until every step has run.
    lead_idle.store(true, std::memory_order_release);
    int s = -1;
    for (int spins = 0; !waiting.try_pop(s); ++spins) {
      if (failed.load() || remaining.load(std::memory_order_acquire) == 0) break;
      if (spins > 64) std::this_thread::yield();
    }
    lead_idle.store(false, std::memory_order_release);
    if (s < 0) break;
    local.push_back(s);
  }
  tasks.wait();
  if (error) std::rethrow_exception(error);
}

}  // namespace aruntime
