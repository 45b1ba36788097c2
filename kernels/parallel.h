// Intra-op parallelism. Kernels split loops through this helper so that small loops run inline
// (dispatching a task costs microseconds) and large ones are shared over the TBB arena the
// session runs in, whose size is the session's thread budget.
#pragma once

#include <cstdint>
#include <functional>

namespace aruntime::kernels {

// Number of threads that parallel loops may use from the calling context (at least 1).
int64_t available_parallelism();

// Calls fn(begin, end) over sub-ranges covering [0, n). `cost_per_item` is a rough count of
// scalar operations per item; the loop runs inline when n * cost_per_item is below ~32k.
void parallel_for(int64_t n, int64_t cost_per_item, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace aruntime::kernels
