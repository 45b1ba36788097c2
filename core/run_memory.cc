#include "core/run_memory.h"

#include "core/logging.h"

namespace aruntime {

size_t planned_activation_bytes(const AllocationPlan& plan) {
  size_t total = 0;
  for (const auto& m : plan.memories) total += m.block_bytes;
  return total;
}

RunMemory::RunMemory(const ExecutionPlan& plan, std::vector<std::optional<size_t>> static_bytes, bool complete,
                     RunMemoryOptions options, std::string origin)
    : plan_(plan), static_bytes_(std::move(static_bytes)), complete_(complete), options_(options),
      origin_(std::move(origin)) {
  static_plan_ = options_.enabled ? make_plan(static_bytes_) : std::make_shared<AllocationPlan>();
  check_cap(*static_plan_, "the planned activation memory");
}

std::shared_ptr<const AllocationPlan> RunMemory::make_plan(const std::vector<std::optional<size_t>>& bytes) const {
  return std::make_shared<AllocationPlan>(plan_allocations(plan_, bytes, options_.planner));
}

void RunMemory::check_cap(const AllocationPlan& plan, const std::string& what) const {
  const size_t total = planned_activation_bytes(plan);
  if (options_.max_activation_bytes != 0 && total > options_.max_activation_bytes) {
    throw_error(ErrorCode::kOutOfMemory, origin_ + ": " + what + " is " + std::to_string(total) +
                                             " bytes, over the cap of " + std::to_string(options_.max_activation_bytes) +
                                             " bytes (SessionOptions::max_activation_bytes, --max-activation-bytes)");
  }
}

RunMemory::Lease RunMemory::acquire(const std::vector<Value>& inputs) {
  Lease lease;
  // Only shape-dependent plans are looked up by signature; a static plan needs none (and building
  // one would allocate on every run).
  if (options_.enabled && !complete_) {
    lease.signature.resize(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i].is_tensor() && inputs[i].defined()) lease.signature[i] = inputs[i].tensor().shape().dims();
    }
  }
  const ShapeSignature& signature = lease.signature;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!options_.enabled) {
      // No plan: every value from the arena.
    } else if (complete_) {
      lease.plan = static_plan_;
    } else {
      for (auto it = cache_.begin(); it != cache_.end(); ++it) {
        if (it->first == signature) {
          cache_.splice(cache_.begin(), cache_, it);
          lease.plan = it->second;
          break;
        }
      }
      lease.recording = lease.plan == nullptr;
    }
    if (!pool_.empty()) {
      lease.blocks = std::move(pool_.back().blocks);
      lease.values = std::move(pool_.back().values);
      lease.by_memory = std::move(pool_.back().by_memory);
      lease.by_memory.clear();
      pool_.pop_back();
    }
    if (lease.plan) {
      ++stats_.runs_planned;
    } else if (lease.recording) {
      ++stats_.runs_recorded;
    }
  }
  if (lease.recording) {
    lease.observed = static_bytes_;
    return lease;
  }
  if (!lease.plan) return lease;
  for (const MemoryPlan& m : lease.plan->memories) {
    PlannedBlock* block = nullptr;
    for (auto& b : lease.blocks) {
      if (&b->arena() == m.arena) block = b.get();
    }
    if (block == nullptr) {
      lease.blocks.push_back(std::make_unique<PlannedBlock>(*m.arena));
      block = lease.blocks.back().get();
    }
    block->reserve(m.block_bytes);
    lease.by_memory.push_back(block);
  }
  return lease;
}

void RunMemory::release(Lease lease, bool completed, size_t values_planned, size_t values_fallback) {
  std::shared_ptr<const AllocationPlan> recorded;
  std::string over_cap;
  if (lease.recording && completed) {
    recorded = make_plan(lease.observed);
    try {
      check_cap(*recorded, "the activation memory planned for the input shapes of this run");
    } catch (const Error& e) {
      over_cap = e.what();
      recorded.reset();
    }
  }
  for (auto& b : lease.blocks) {
    // A value still holding a region (something kept a reference past the run) keeps the block
    // alive with it: the block is not reused, and is freed when the value goes... which cannot
    // happen after the run, so this is only a guard against kernel bugs.
    if (b->live_regions() != 0) {
      log::warn("{}: {} planned values outlived their run; their block is not reused", origin_, b->live_regions());
      (void)b.release();
    } else if (options_.release_after_run) {
      b->release();
    }
  }
  std::erase_if(lease.blocks, [](const auto& b) { return b == nullptr; });
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.values_planned += values_planned;
  stats_.values_fallback += values_fallback;
  if (recorded) {
    bool present = false;
    for (const auto& [sig, p] : cache_) present = present || sig == lease.signature;
    if (!present) {
      cache_.emplace_front(std::move(lease.signature), std::move(recorded));
      while (cache_.size() > std::max<size_t>(1, options_.max_cached_plans)) cache_.pop_back();
    }
  }
  stats_.cached_plans = cache_.size();
  if (!options_.release_after_run) {
    pool_.push_back({std::move(lease.blocks), std::move(lease.values), std::move(lease.by_memory)});
  }
  if (!over_cap.empty()) throw Error(ErrorCode::kOutOfMemory, over_cap);
}

RunMemoryStats RunMemory::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  RunMemoryStats s = stats_;
  s.pooled_block_sets = pool_.size();
  s.pooled_block_bytes = 0;
  for (const auto& set : pool_) {
    for (const auto& b : set.blocks) s.pooled_block_bytes += b->capacity();
  }
  return s;
}

}  // namespace aruntime
