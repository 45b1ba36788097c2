#include <cstdlib>
#include <new>

#include "aruntime/allocator.h"
#include "aruntime/status.h"

namespace aruntime {
namespace {

class CpuHeapAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    // aligned_alloc needs a size that is a multiple of the alignment.
    size_t rounded = (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
    if (rounded == 0) rounded = kBufferAlignment;
    if (rounded < bytes) throw_error(ErrorCode::kOutOfMemory, "allocation size overflows");
    void* p = std::aligned_alloc(kBufferAlignment, rounded);
    if (p == nullptr) {
      throw_error(ErrorCode::kOutOfMemory,
                  "host allocation of " + std::to_string(bytes) + " bytes failed");
    }
    return p;
  }
  void deallocate(void* ptr) override { std::free(ptr); }
  Device device() const override { return Device::cpu(); }
  std::string name() const override { return "cpu-heap"; }
};

}  // namespace

std::shared_ptr<Allocator> cpu_heap_allocator() {
  static std::shared_ptr<Allocator> instance = std::make_shared<CpuHeapAllocator>();
  return instance;
}

}  // namespace aruntime
