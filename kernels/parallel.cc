#include "kernels/parallel.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>

namespace aruntime::kernels {

int64_t available_parallelism() { return std::max(1, tbb::this_task_arena::max_concurrency()); }

void parallel_for(int64_t n, int64_t cost_per_item, FunctionRef<void(int64_t, int64_t)> fn) {
  if (n <= 0) return;
  constexpr int64_t kMinWorkPerTask = 32 * 1024;
  const int64_t cost = std::max<int64_t>(1, cost_per_item);
  const int threads = tbb::this_task_arena::max_concurrency();
  if (threads <= 1 || n * cost < 2 * kMinWorkPerTask || n == 1) {
    fn(0, n);
    return;
  }
  // Enough chunks to balance load, each with at least kMinWorkPerTask of work.
  int64_t grain = std::max<int64_t>(1, kMinWorkPerTask / cost);
  grain = std::max(grain, n / (threads * 4));
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, n, grain),
                    [&](const tbb::blocked_range<int64_t>& r) { fn(r.begin(), r.end()); });
}

}  // namespace aruntime::kernels
