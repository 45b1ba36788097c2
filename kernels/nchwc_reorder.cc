// NCHW <-> blocked ("NCHWc") reorders: a transpose of each [16, spatial] channel slab into
// [spatial, 16], done a 16 x 16 tile at a time so that both sides of the copy stay in a few cache
// lines and the compiler turns the tile into vector loads, shuffles and stores.
#include <algorithm>
#include <cstring>

#include "kernels/nchwc.h"
#include "kernels/parallel.h"

namespace aruntime::kernels::nchwc {
namespace {

// Spatial positions one parallel item covers: big images with few channel blocks (the first
// layers of a CNN) still split into enough items to share over the threads.
constexpr int64_t kSpatialChunk = 512;
constexpr int64_t kTile = 16;  // spatial positions per transposed tile

// dst[s * 16 + c] = src[c * stride + s] for s < kTile, c < lanes; lanes [lanes, 16) get 0.
inline void tile_to_blocked(const float* src, int64_t stride, int64_t lanes, float* dst) {
  float tile[kBlock][kTile];
  for (int64_t c = 0; c < lanes; ++c) std::memcpy(tile[c], src + c * stride, sizeof(tile[c]));
  for (int64_t c = lanes; c < kBlock; ++c) std::fill(tile[c], tile[c] + kTile, 0.0f);
  for (int64_t s = 0; s < kTile; ++s) {
    for (int64_t c = 0; c < kBlock; ++c) dst[s * kBlock + c] = tile[c][s];
  }
}

// dst[c * stride + s] = src[s * 16 + c] for s < kTile, c < lanes.
inline void tile_from_blocked(const float* src, int64_t lanes, float* dst, int64_t stride) {
  float tile[kBlock][kTile];
  for (int64_t c = 0; c < kBlock; ++c) {
    for (int64_t s = 0; s < kTile; ++s) tile[c][s] = src[s * kBlock + c];
  }
  for (int64_t c = 0; c < lanes; ++c) std::memcpy(dst + c * stride, tile[c], sizeof(tile[c]));
}

// Positions [s_begin, s_end) of channel block cb of image n.
void to_blocked_chunk(const float* x, float* y, int64_t channels, int64_t spatial, int64_t n,
                      int64_t cb, int64_t s_begin, int64_t s_end) {
  const int64_t lanes = std::min(kBlock, channels - cb * kBlock);
  const float* src = x + (n * channels + cb * kBlock) * spatial;
  float* dst = y + (n * blocks(channels) + cb) * spatial * kBlock;
  int64_t s = s_begin;
  for (; s + kTile <= s_end; s += kTile) tile_to_blocked(src + s, spatial, lanes, dst + s * kBlock);
  for (; s < s_end; ++s) {
    float* out = dst + s * kBlock;
    for (int64_t c = 0; c < lanes; ++c) out[c] = src[c * spatial + s];
    for (int64_t c = lanes; c < kBlock; ++c) out[c] = 0.0f;
  }
}

void from_blocked_chunk(const float* x, float* y, int64_t channels, int64_t spatial, int64_t n,
                        int64_t cb, int64_t s_begin, int64_t s_end) {
  const int64_t lanes = std::min(kBlock, channels - cb * kBlock);
  const float* src = x + (n * blocks(channels) + cb) * spatial * kBlock;
  float* dst = y + (n * channels + cb * kBlock) * spatial;
  int64_t s = s_begin;
  for (; s + kTile <= s_end; s += kTile)
    tile_from_blocked(src + s * kBlock, lanes, dst + s, spatial);
  for (; s < s_end; ++s) {
    for (int64_t c = 0; c < lanes; ++c) dst[c * spatial + s] = src[s * kBlock + c];
  }
}

using ChunkFn = void (*)(const float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t,
                         int64_t);

// Runs chunk_fn over every (image, channel block, spatial chunk), in parallel.
void for_each_chunk(ChunkFn chunk_fn, const float* x, float* y, int64_t batch, int64_t channels,
                    int64_t spatial) {
  if (batch <= 0 || channels <= 0 || spatial <= 0) return;
  const int64_t channel_blocks = blocks(channels);
  const int64_t chunks = (spatial + kSpatialChunk - 1) / kSpatialChunk;
  const int64_t cost = std::min(spatial, kSpatialChunk) * kBlock * 2;
  parallel_for(batch * channel_blocks * chunks, cost, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t plane = item / chunks;  // image * channel_blocks + block
      const int64_t s_begin = (item % chunks) * kSpatialChunk;
      chunk_fn(x, y, channels, spatial, plane / channel_blocks, plane % channel_blocks, s_begin,
               std::min(spatial, s_begin + kSpatialChunk));
    }
  });
}

}  // namespace

void reorder_to_blocked(const float* x, float* y, int64_t batch, int64_t channels,
                        int64_t spatial) {
  for_each_chunk(to_blocked_chunk, x, y, batch, channels, spatial);
}

void reorder_from_blocked(const float* x, float* y, int64_t batch, int64_t channels,
                          int64_t spatial) {
  for_each_chunk(from_blocked_chunk, x, y, batch, channels, spatial);
}

}  // namespace aruntime::kernels::nchwc
