#include "providers/npu/npu_memory_plan.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace aruntime::npu {
namespace {

size_t align_up(size_t bytes, size_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

bool overlap(const BufferLifetime& a, const BufferLifetime& b) {
  return a.first <= b.last && b.first <= a.last;
}

}  // namespace

MemoryPlan plan_memory(const std::vector<BufferLifetime>& buffers, size_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Largest first; among equals, the one that starts earlier, so the plan is deterministic.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (buffers[a].bytes != buffers[b].bytes) return buffers[a].bytes > buffers[b].bytes;
    return buffers[a].first < buffers[b].first;
  });
  std::vector<size_t> placed;
  for (size_t i : order) {
    const size_t size = align_up(buffers[i].bytes, alignment);
    // Intervals [offset, offset + size) taken by placed buffers alive at the same time.
    std::vector<std::pair<size_t, size_t>> taken;
    for (size_t j : placed) {
      if (overlap(buffers[i], buffers[j])) {
        taken.emplace_back(plan.offsets[j],
                           plan.offsets[j] + align_up(buffers[j].bytes, alignment));
      }
    }
    std::sort(taken.begin(), taken.end());
    size_t offset = 0;
    for (const auto& [begin, end] : taken) {
      if (begin >= offset + size) break;  // the gap before this interval fits
      offset = std::max(offset, end);
    }
    plan.offsets[i] = offset;
    plan.peak_bytes = std::max(plan.peak_bytes, offset + size);
    placed.push_back(i);
  }
  // The bound no plan can beat: the largest sum of sizes alive at one instruction.
  std::map<int, size_t> live;
  for (const BufferLifetime& b : buffers) {
    for (int t = b.first; t <= b.last; ++t) live[t] += align_up(b.bytes, alignment);
  }
  for (const auto& [t, bytes] : live)
    plan.lower_bound_bytes = std::max(plan.lower_bound_bytes, bytes);
  return plan;
}

}  // namespace aruntime::npu
