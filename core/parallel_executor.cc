#include "core/parallel_executor.h"

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <mutex>

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
  for (size_t s = 0; s < n; ++s) {
    if (static_cast<size_t>(level[s]) >= width.size()) width.resize(level[s] + 1, 0);
    max_width_ = std::max(max_width_, ++width[level[s]]);
  }
}

void ParallelExecutor::execute(RunFrame& frame) const {
  const size_t n = successors_.size();
  auto pending = std::make_unique<std::atomic<int>[]>(n);
  for (size_t s = 0; s < n; ++s) pending[s].store(num_predecessors_[s], std::memory_order_relaxed);
  auto readers = std::make_unique<std::atomic<int>[]>(num_readers_.size());
  for (size_t v = 0; v < num_readers_.size(); ++v) readers[v].store(num_readers_[v], std::memory_order_relaxed);
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::exception_ptr error;
  tbb::task_group tasks;
  // Threads working through ready steps; a ready step becomes a task only while fewer than the
  // limit work, else the thread that readied it runs it later.
  const int limit = max_concurrent_steps_ > 0 ? max_concurrent_steps_ : tbb::this_task_arena::max_concurrency();
  std::atomic<int> workers{1};
  // A slot's buffer may be taken over in place only by its last remaining reader.
  const std::function<bool(int)> only_remaining_reader = [&](int slot) {
    return readers[slot].load(std::memory_order_acquire) == 1;
  };

  std::function<void(int)> run_from = [&](int first) {
    std::vector<int> ready{first};
    while (!ready.empty()) {
      const int s = ready.back();
      ready.pop_back();
      if (failed.load(std::memory_order_relaxed)) return;
      try {
        frame.check_cancelled();
        frame.run_step(static_cast<size_t>(s), only_remaining_reader);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed.store(true);
        return;
      }
      for (int slot : reads_[s]) {
        if (readers[slot].fetch_sub(1, std::memory_order_acq_rel) == 1 && !keep_[slot]) frame.release(slot);
      }
      for (int slot : unread_outputs_[s]) frame.release(slot);
      // Successors that became ready: large ones become tasks (but one, which this thread keeps),
      // small ones run here.
      int kept = -1;
      for (int succ : successors_[s]) {
        if (pending[succ].fetch_sub(1, std::memory_order_acq_rel) != 1) continue;
        if (small_[succ]) {
          ready.push_back(succ);
        } else if (kept < 0) {
          kept = succ;
        } else if (workers.fetch_add(1) < limit) {
          tasks.run([&run_from, &workers, succ] {
            run_from(succ);
            workers.fetch_sub(1);
          });
        } else {
          workers.fetch_sub(1);
          ready.push_back(succ);
        }
      }
      if (kept >= 0) ready.insert(ready.begin(), kept);
    }
  };
  std::vector<int> roots;
  for (size_t s = 0; s < n; ++s) {
    if (num_predecessors_[s] == 0) roots.push_back(static_cast<int>(s));
  }
  std::vector<int> deferred;
  for (size_t i = 1; i < roots.size(); ++i) {
    const int r = roots[i];
    if (workers.fetch_add(1) < limit) {
      tasks.run([&run_from, &workers, r] {
        run_from(r);
        workers.fetch_sub(1);
      });
    } else {
      workers.fetch_sub(1);
      deferred.push_back(r);
    }
  }
  if (!roots.empty()) run_from(roots[0]);
  for (int r : deferred) run_from(r);
  tasks.wait();
  if (error) std::rethrow_exception(error);
}

}  // namespace aruntime
