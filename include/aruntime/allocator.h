// Memory allocators. Each execution provider brings allocators for its device; the session routes
// every intermediate tensor of a run through an arena built on them.
#pragma once

#include <cstddef>
#include <memory>
#include <memory_resource>
#include <string>

#include "aruntime/device.h"

namespace aruntime {

// Alignment of every buffer handed out by an aruntime allocator (one AVX-512 line).
inline constexpr size_t kBufferAlignment = 64;

class Allocator {
 public:
  virtual ~Allocator() = default;
  // Returns `bytes` of memory aligned to kBufferAlignment. Throws Error(kOutOfMemory) when refused.
  // A zero-byte request returns a valid, unique pointer.
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* ptr) = 0;
  virtual Device device() const = 0;
  virtual std::string name() const = 0;
  // Where tensors on this allocator keep their buffers' shared ownership records, or nullptr for
  // the heap. Arenas recycle them, so that creating a tensor costs no system allocation; the
  // resource must be thread-safe (tensors are released on any thread) and outlive the tensors.
  virtual std::pmr::memory_resource* bookkeeping() { return nullptr; }
};

// Plain aligned host memory, one system allocation per request. Used for session-lifetime data
// (weights, graph outputs handed to the caller), never for per-run intermediates.
std::shared_ptr<Allocator> cpu_heap_allocator();

}  // namespace aruntime
