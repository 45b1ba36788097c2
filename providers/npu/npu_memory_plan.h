// The static memory plan of a device program: every activation buffer gets an offset in one
// device-memory block, and buffers whose lifetimes do not overlap share space. Greedy by size:
// the largest buffers are placed first, each at the lowest offset that does not collide with an
// already placed buffer alive at the same time.
#pragma once

#include <cstddef>
#include <vector>

namespace aruntime::npu {

// A buffer alive from instruction `first` to instruction `last`, both inclusive. Program inputs
// start at -1 (loaded before the first instruction); outputs end at the instruction count (stored
// after the last). An instruction's output never shares space with its inputs, since both are
// alive at that instruction.
struct BufferLifetime {
  size_t bytes = 0;
  int first = 0;
  int last = 0;
};

struct MemoryPlan {
  std::vector<size_t> offsets;   // per buffer, multiples of the alignment
  size_t peak_bytes = 0;         // size of the block
  size_t lower_bound_bytes = 0;  // most (aligned) bytes alive at one instruction
};

inline constexpr size_t kDeviceAlignment = 64;

MemoryPlan plan_memory(const std::vector<BufferLifetime>& buffers,
                       size_t alignment = kDeviceAlignment);

}  // namespace aruntime::npu
