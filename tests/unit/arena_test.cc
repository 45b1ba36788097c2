#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "aruntime/tensor.h"
#include "core/arena.h"

namespace aruntime {
namespace {

TEST(Arena, HandsOutAlignedDisjointBlocksFromOneChunk) {
  ArenaAllocator arena(cpu_heap_allocator(), {.initial_chunk_bytes = 4096});
  void* a = arena.allocate(100);
  void* b = arena.allocate(200);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % kBufferAlignment, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % kBufferAlignment, 0u);
  // 100 bytes round up to 128: b starts right after a.
  EXPECT_EQ(static_cast<char*>(b) - static_cast<char*>(a), 128);
  std::memset(a, 1, 100);
  std::memset(b, 2, 200);
  EXPECT_EQ(static_cast<unsigned char*>(a)[99], 1);
  EXPECT_EQ(arena.stats().num_chunks, 1u);
  EXPECT_EQ(arena.stats().in_use_bytes, 128u + 256u);
  arena.deallocate(a);
  arena.deallocate(b);
  EXPECT_EQ(arena.stats().in_use_bytes, 0u);
  EXPECT_EQ(arena.stats().peak_in_use_bytes, 384u);
}

TEST(Arena, ReusesAndCoalescesFreedBlocks) {
  ArenaAllocator arena(cpu_heap_allocator(), {.initial_chunk_bytes = 1024});
  void* a = arena.allocate(256);
  void* b = arena.allocate(256);
  void* c = arena.allocate(256);
  arena.deallocate(a);
  arena.deallocate(b);
  // a and b coalesced into one 512-byte block at a's address.
  void* d = arena.allocate(512);
  EXPECT_EQ(d, a);
  arena.deallocate(c);
  arena.deallocate(d);
  // The whole chunk is free again: a full-chunk request fits without growing.
  void* e = arena.allocate(1024);
  EXPECT_EQ(e, a);
  EXPECT_EQ(arena.stats().num_chunks, 1u);
  arena.deallocate(e);
}

TEST(Arena, GrowsGeometricallyAndShrinks) {
  ArenaAllocator arena(cpu_heap_allocator(), {.initial_chunk_bytes = 1024});
  void* a = arena.allocate(1024);
  void* b = arena.allocate(64);  // needs a second chunk, twice the first
  EXPECT_EQ(arena.stats().num_chunks, 2u);
  EXPECT_EQ(arena.stats().reserved_bytes, 1024u + 2048u);
  arena.deallocate(b);
  arena.shrink();
  EXPECT_EQ(arena.stats().num_chunks, 1u);  // a's chunk is still in use
  arena.deallocate(a);
  arena.shrink();
  EXPECT_EQ(arena.stats().num_chunks, 0u);
  EXPECT_EQ(arena.stats().reserved_bytes, 0u);
  EXPECT_EQ(arena.stats().peak_reserved_bytes, 3072u);
}

TEST(Arena, RefusesAllocationsAboveTheCapWithAClearError) {
  ArenaAllocator arena(cpu_heap_allocator(), {.max_allocation_bytes = 1000});
  try {
    arena.allocate(2000);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfMemory);
    EXPECT_NE(std::string(e.what()).find("2000 bytes exceeds the limit of 1000"), std::string::npos);
  }
}

TEST(Arena, TensorsReturnTheirBlocksWhenDestroyed) {
  ArenaAllocator arena(cpu_heap_allocator());
  {
    Tensor t(DataType::kFloat32, Shape{16, 16}, arena);
    EXPECT_EQ(arena.stats().in_use_bytes, 1024u);
    Tensor view = t.reshaped(Shape{256});
    t = Tensor();
    EXPECT_EQ(arena.stats().in_use_bytes, 1024u);  // the view keeps the buffer alive
  }
  EXPECT_EQ(arena.stats().in_use_bytes, 0u);
}

}  // namespace
}  // namespace aruntime
