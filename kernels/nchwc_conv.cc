// Direct convolutions on the blocked layout. The input is first copied into a zero-bordered
// buffer when the convolution pads, so every tap of every tile is in bounds and the inner loops
// carry no checks. A tile is F output-channel blocks by T output pixels of one row held in
// registers: each input value is broadcast once and multiplied into F blocks, each weight vector
// is loaded once and used for T pixels. Work items are (image, F blocks, chunk of rows) so that a
// block's weights stay in cache across the rows of its chunk.
#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "kernels/nchwc.h"
#include "kernels/nchwc_vector.h"
#include "kernels/parallel.h"

namespace aruntime::kernels::nchwc {
namespace {

// The input as the tiles read it: padded so that output pixel (oh, ow) reads rows
// oh * stride_h + kh * dilation_h and columns ow * stride_w + kw * dilation_w.
struct PaddedInput {
  const float* data = nullptr;
  int64_t height = 0, width = 0;
  int64_t pixel = 0;        // floats per pixel of one block: 16 (blocked) or 1 (NCHW)
  int64_t block_count = 0;  // input blocks per image: blocks(C), or C for NCHW input
  int64_t block_stride() const { return height * width * pixel; }
  int64_t image_stride() const { return block_count * block_stride(); }
};

// A 1x1 stride-1 unpadded convolution reads its input pixel for pixel: one long row tiles
// better than many short ones (no short remainder tile per row).
// Only when the images and output blocks alone give every thread work: rows are what the work
// items split otherwise.
Conv2dGeometry flatten_pointwise(const Conv2dGeometry& geometry) {
  Conv2dGeometry g = geometry;
  const bool enough_items = g.batch * blocks(g.out_channels) >= 16 * available_parallelism();
  if (enough_items && g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
      g.pad_top == 0 && g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w) {
    g.in_w = g.out_w = g.in_h * g.in_w;
    g.in_h = g.out_h = 1;
  }
  return g;
}

// Floats per pixel of one input block, and input blocks per image.
int64_t input_pixel(ConvKind kind) {
  return kind == ConvKind::kNchwInput ? 1 : kBlock;
}
int64_t input_blocks(ConvKind kind, const Conv2dGeometry& g) {
  return kind == ConvKind::kNchwInput ? g.in_channels : blocks(g.in_channels);
}

// The padded extent the tiles read, or nullopt when they read x as it is.
struct PaddedExtent {
  int64_t height = 0, width = 0;
};
std::optional<PaddedExtent> padded_extent(const Conv2dGeometry& g) {
  const int64_t need_h = (g.out_h - 1) * g.stride_h + (g.kernel_h - 1) * g.dilation_h + 1;
  const int64_t need_w = (g.out_w - 1) * g.stride_w + (g.kernel_w - 1) * g.dilation_w + 1;
  if (g.pad_top == 0 && g.pad_left == 0 && need_h <= g.in_h && need_w <= g.in_w)
    return std::nullopt;
  return PaddedExtent{need_h, need_w};
}

PaddedInput pad_input(const Conv2dGeometry& g, const float* x, int64_t pixel, int64_t block_count,
                      float* scratch) {
  PaddedInput in;
  in.pixel = pixel;
  in.block_count = block_count;
  const std::optional<PaddedExtent> extent = padded_extent(g);
  if (!extent) {
    in.data = x;
    in.height = g.in_h;
    in.width = g.in_w;
    return in;
  }
  const int64_t need_h = extent->height;
  const int64_t need_w = extent->width;
  in.height = need_h;
  in.width = need_w;
  float* out = scratch;
  const int64_t planes = g.batch * block_count;
  const int64_t row = need_w * pixel;
  // Columns [left, right) of a padded row come from the image, the rest are zero.
  const int64_t left = std::min(g.pad_left, need_w);
  const int64_t right = std::min(need_w, g.pad_left + g.in_w);
  parallel_for(planes, need_h * row, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const float* src_plane = x + p * g.in_h * g.in_w * pixel;
      float* dst_plane = out + p * in.block_stride();
      for (int64_t h = 0; h < need_h; ++h) {
        float* dst = dst_plane + h * row;
        const int64_t ih = h - g.pad_top;
        if (ih < 0 || ih >= g.in_h || right <= left) {
          std::fill(dst, dst + row, 0.0f);
          continue;
        }
        std::fill(dst, dst + left * pixel, 0.0f);
        const float* src = src_plane + (ih * g.in_w + (left - g.pad_left)) * pixel;
        std::copy(src, src + (right - left) * pixel, dst + left * pixel);
        std::fill(dst + right * pixel, dst + row, 0.0f);
      }
    }
  });
  in.data = out;
  return in;
}

// Bias, residual and activation on one finished vector of output.
struct Epilogue {
  const float* residual;  // blocked like y, or nullptr
  Activation activation;
  bool vector_activation;  // applied to registers; otherwise to the stored row by apply_activation

  static bool in_registers(ActivationKind kind) {
    switch (kind) {
      case ActivationKind::kIdentity:
      case ActivationKind::kRelu:
      case ActivationKind::kClip:
      case ActivationKind::kLeakyRelu:
      case ActivationKind::kHardSigmoid:
      case ActivationKind::kHardSwish:
        return true;
      default:
        return false;
    }
  }

  Vec apply(Vec v) const {
    switch (activation.kind) {
      case ActivationKind::kRelu:
        return max(v, Vec{});
      case ActivationKind::kClip:
        return min(max(v, splat(activation.alpha)), splat(activation.beta));
      case ActivationKind::kLeakyRelu:
        return v < Vec{} ? v * activation.alpha : v;
      case ActivationKind::kHardSigmoid:
        return min(max(fmadd(v, splat(activation.alpha), splat(activation.beta)), Vec{}),
                   splat(1.0f));
      case ActivationKind::kHardSwish:
        return v * min(max(fmadd(v, splat(1.0f / 6.0f), splat(0.5f)), Vec{}), splat(1.0f));
      default:
        return v;
    }
  }

  // Stores T pixels of one output block at y (residual at the same offset from y_base).
  template <int T>
  void finish(Vec (&acc)[T], float* y, const float* y_base) const {
    if (residual != nullptr) {
      const float* z = residual + (y - y_base);
      for (int t = 0; t < T; ++t) acc[t] += load(z + t * kBlock);
    }
    if (vector_activation) {
      for (int t = 0; t < T; ++t) store(y + t * kBlock, apply(acc[t]));
    } else {
      for (int t = 0; t < T; ++t) store(y + t * kBlock, acc[t]);
      apply_activation(activation, y, T * kBlock);
    }
  }
};

// What a dense tile needs besides its position.
struct DenseTask {
  const Conv2dGeometry* g;
  PaddedInput in;
  const float* w;          // packed
  int64_t w_block_stride;  // floats between output-channel blocks of w
  int64_t w_input_stride;  // floats between input blocks of w
  const float* bias;       // packed
  float* y;
  int64_t y_block_stride;  // out_h * out_w * 16
  Epilogue epilogue;
};

// F output-channel blocks x T pixels starting at output (oh, ow) of image n, block ob. `Inner` is
// the number of input channels per input block (16 blocked, 1 NCHW).
template <int F, int T, int Inner>
void dense_tile(const DenseTask& task, int64_t n, int64_t ob, int64_t oh, int64_t ow) {
  const Conv2dGeometry& g = *task.g;
  const PaddedInput& in = task.in;
  Vec acc[F][T];
  for (int f = 0; f < F; ++f) {
    const Vec b = load(task.bias + (ob + f) * kBlock);
    for (int t = 0; t < T; ++t) acc[f][t] = b;
  }
  const int64_t step = g.stride_w * Inner;  // floats between the taps of neighbouring pixels
  const float* x_image =
      in.data + n * in.image_stride() + (oh * g.stride_h * in.width + ow * g.stride_w) * Inner;
  const float* w_ob = task.w + ob * task.w_block_stride;
  for (int64_t ib = 0; ib < in.block_count; ++ib) {
    const float* x_block = x_image + ib * in.block_stride();
    const float* w_block = w_ob + ib * task.w_input_stride;
    for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const float* x_row = x_block + kh * g.dilation_h * in.width * Inner;
      for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const float* xp = x_row + kw * g.dilation_w * Inner;
        const float* wp = w_block + (kh * g.kernel_w + kw) * Inner * kBlock;
        for (int i = 0; i < Inner; ++i) {
          Vec wv[F];
          for (int f = 0; f < F; ++f) wv[f] = load(wp + f * task.w_block_stride + i * kBlock);
          for (int t = 0; t < T; ++t) {
            const Vec xv = splat(xp[t * step + i]);
            for (int f = 0; f < F; ++f) acc[f][t] = fmadd(wv[f], xv, acc[f][t]);
          }
        }
      }
    }
  }
  for (int f = 0; f < F; ++f) {
    float* y = task.y + ((n * blocks(g.out_channels) + ob + f) * g.out_h + oh) * g.out_w * kBlock +
               ow * kBlock;
    task.epilogue.finish<T>(acc[f], y, task.y);
  }
}

inline constexpr int kDenseTile = 12;  // pixels per tile: 2 blocks x 12 pixels = 24 registers

template <int F, int Inner, size_t... Ts>
constexpr auto dense_tiles(std::index_sequence<Ts...>) {
  using Fn = void (*)(const DenseTask&, int64_t, int64_t, int64_t, int64_t);
  return std::array<Fn, sizeof...(Ts)>{&dense_tile<F, static_cast<int>(Ts) + 1, Inner>...};
}

// Rows of at most this many pixels, or of a multiple of it, take four output blocks per tile
// instead of two, in tiles of this width: each broadcast input value then feeds four
// multiply-adds instead of two, and the 7·2^k widths of most CNNs leave no short remainder tile.
// Measured on one core (bench in bench/results/2026-11-27-blocked-layout.md): 3x3 512->512 at 7x7
// 149 -> 216 GF/s, 1x1 stride-2 512->1024 172 -> 220 GF/s, no case slower beyond noise except
// the NCHW-input stem, which keeps pairs.
inline constexpr int kNarrowRow = 7;

// One output row of F blocks, in tiles of kDenseTile pixels and one shorter tile.
template <int F, int Inner>
void dense_row(const DenseTask& task, int64_t n, int64_t ob, int64_t oh) {
  static constexpr int kMaxTile = F > 2 ? kNarrowRow : kDenseTile;
  static constexpr auto tiles = dense_tiles<F, Inner>(std::make_index_sequence<kMaxTile>());
  const int64_t width = task.g->out_w;
  int64_t ow = 0;
  for (; ow + kMaxTile <= width; ow += kMaxTile) tiles[kMaxTile - 1](task, n, ob, oh, ow);
  if (ow < width) tiles[static_cast<size_t>(width - ow - 1)](task, n, ob, oh, ow);
}

// Rows per work item: whole images' rows when the (image, block pair) items alone keep every
// thread busy, else chunks small enough for about four items per thread.
int64_t rows_per_item(int64_t items, int64_t rows) {
  const int64_t wanted = 4 * available_parallelism();
  if (items >= wanted) return rows;
  const int64_t chunks = std::min(rows, (wanted + items - 1) / items);
  return (rows + chunks - 1) / chunks;
}

template <int Inner>
void dense_conv(const Conv2dGeometry& geometry, const float* x, const float* packed_w,
                const float* packed_bias, const Epilogue& epilogue, float* y, float* scratch) {
  const Conv2dGeometry g = flatten_pointwise(geometry);
  const int64_t in_blocks = Inner == 1 ? g.in_channels : blocks(g.in_channels);
  DenseTask task;
  task.g = &g;
  task.in = pad_input(g, x, Inner, in_blocks, scratch);
  task.w = packed_w;
  task.w_input_stride = g.kernel_h * g.kernel_w * Inner * kBlock;
  task.w_block_stride = in_blocks * task.w_input_stride;
  task.bias = packed_bias;
  task.y = y;
  task.y_block_stride = g.out_h * g.out_w * kBlock;
  task.epilogue = epilogue;

  const int64_t out_blocks = blocks(g.out_channels);
  // Output blocks per work item (the last item may have fewer).
  const int64_t span = Inner > 1 && (g.out_w <= kNarrowRow || g.out_w % kNarrowRow == 0) ? 4 : 2;
  const int64_t groups = (out_blocks + span - 1) / span;
  const int64_t rows = rows_per_item(g.batch * groups, g.out_h);
  const int64_t row_chunks = (g.out_h + rows - 1) / rows;
  const int64_t cost =
      2 * span * kBlock * rows * g.out_w * in_blocks * Inner * g.kernel_h * g.kernel_w;
  parallel_for(g.batch * groups * row_chunks, cost, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t chunk = item % row_chunks;
      const int64_t group = (item / row_chunks) % groups;
      const int64_t n = item / (row_chunks * groups);
      const int64_t row_end = std::min(g.out_h, (chunk + 1) * rows);
      for (int64_t oh = chunk * rows; oh < row_end; ++oh) {
        int64_t ob = group * span;
        const int64_t ob_end = std::min(out_blocks, ob + span);
        if (ob + 4 <= ob_end) {
          dense_row<4, Inner>(task, n, ob, oh);
          continue;
        }
        for (; ob + 2 <= ob_end; ob += 2) dense_row<2, Inner>(task, n, ob, oh);
        if (ob < ob_end) dense_row<1, Inner>(task, n, ob, oh);
      }
    }
  });
}

// Depthwise: each output block reads only its own input block; T pixels per tile.
inline constexpr int kDepthwiseTile = 8;

template <int T>
void depthwise_tile(const Conv2dGeometry& g, const PaddedInput& in, const float* w,
                    const float* bias, const Epilogue& epilogue, float* y_base, int64_t n,
                    int64_t b, int64_t oh, int64_t ow) {
  Vec acc[T];
  const Vec bv = load(bias + b * kBlock);
  for (int t = 0; t < T; ++t) acc[t] = bv;
  const float* x_plane = in.data + n * in.image_stride() + b * in.block_stride();
  const float* wb = w + b * g.kernel_h * g.kernel_w * kBlock;
  const int64_t step = g.stride_w * kBlock;
  for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
    const float* x_row =
        x_plane + ((oh * g.stride_h + kh * g.dilation_h) * in.width + ow * g.stride_w) * kBlock;
    for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
      const Vec wv = load(wb + (kh * g.kernel_w + kw) * kBlock);
      const float* xp = x_row + kw * g.dilation_w * kBlock;
      for (int t = 0; t < T; ++t) acc[t] = fmadd(load(xp + t * step), wv, acc[t]);
    }
  }
  float* y =
      y_base + ((n * blocks(g.out_channels) + b) * g.out_h + oh) * g.out_w * kBlock + ow * kBlock;
  epilogue.finish<T>(acc, y, y_base);
}

template <size_t... Ts>
constexpr auto depthwise_tiles(std::index_sequence<Ts...>) {
  using Fn = void (*)(const Conv2dGeometry&, const PaddedInput&, const float*, const float*,
                      const Epilogue&, float*, int64_t, int64_t, int64_t, int64_t);
  return std::array<Fn, sizeof...(Ts)>{&depthwise_tile<static_cast<int>(Ts) + 1>...};
}

void depthwise_conv(const Conv2dGeometry& g, const float* x, const float* packed_w,
                    const float* packed_bias, const Epilogue& epilogue, float* y, float* scratch) {
  static constexpr auto tiles = depthwise_tiles(std::make_index_sequence<kDepthwiseTile>());
  const int64_t block_count = blocks(g.in_channels);
  const PaddedInput in = pad_input(g, x, kBlock, block_count, scratch);
  const int64_t planes = g.batch * block_count;
  const int64_t rows = rows_per_item(planes, g.out_h);
  const int64_t row_chunks = (g.out_h + rows - 1) / rows;
  const int64_t cost = 2 * kBlock * rows * g.out_w * g.kernel_h * g.kernel_w;
  parallel_for(planes * row_chunks, cost, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t chunk = item % row_chunks;
      const int64_t b = (item / row_chunks) % block_count;
      const int64_t n = item / (row_chunks * block_count);
      const int64_t row_end = std::min(g.out_h, (chunk + 1) * rows);
      for (int64_t oh = chunk * rows; oh < row_end; ++oh) {
        int64_t ow = 0;
        for (; ow + kDepthwiseTile <= g.out_w; ow += kDepthwiseTile) {
          tiles[kDepthwiseTile - 1](g, in, packed_w, packed_bias, epilogue, y, n, b, oh, ow);
        }
        if (ow < g.out_w) {
          tiles[static_cast<size_t>(g.out_w - ow - 1)](g, in, packed_w, packed_bias, epilogue, y, n,
                                                       b, oh, ow);
        }
      }
    }
  });
}

}  // namespace

int64_t packed_weights_size(ConvKind kind, const Conv2dGeometry& g) {
  const int64_t taps = g.kernel_h * g.kernel_w;
  switch (kind) {
    case ConvKind::kDense:
      return padded(g.out_channels) * padded(g.in_channels) * taps;
    case ConvKind::kDepthwise:
      return padded(g.in_channels) * taps;
    case ConvKind::kNchwInput:
      return padded(g.out_channels) * g.in_channels * taps;
  }
  return 0;
}

void pack_weights(ConvKind kind, const Conv2dGeometry& g, const float* w, float* packed) {
  const int64_t taps = g.kernel_h * g.kernel_w;
  std::fill(packed, packed + packed_weights_size(kind, g), 0.0f);
  switch (kind) {
    case ConvKind::kDense: {
      const int64_t in_blocks = blocks(g.in_channels);
      for (int64_t m = 0; m < g.out_channels; ++m) {
        for (int64_t c = 0; c < g.in_channels; ++c) {
          for (int64_t k = 0; k < taps; ++k) {
            const int64_t block = (m / kBlock) * in_blocks + c / kBlock;
            packed[((block * taps + k) * kBlock + c % kBlock) * kBlock + m % kBlock] =
                w[(m * g.in_channels + c) * taps + k];
          }
        }
      }
      return;
    }
    case ConvKind::kDepthwise:
      for (int64_t c = 0; c < g.in_channels; ++c) {
        for (int64_t k = 0; k < taps; ++k) {
          packed[((c / kBlock) * taps + k) * kBlock + c % kBlock] = w[c * taps + k];
        }
      }
      return;
    case ConvKind::kNchwInput:
      for (int64_t m = 0; m < g.out_channels; ++m) {
        for (int64_t c = 0; c < g.in_channels; ++c) {
          for (int64_t k = 0; k < taps; ++k) {
            packed[(((m / kBlock) * g.in_channels + c) * taps + k) * kBlock + m % kBlock] =
                w[(m * g.in_channels + c) * taps + k];
          }
        }
      }
      return;
  }
}

void pack_bias(const float* bias, int64_t out_channels, float* packed) {
  std::fill(packed, packed + padded(out_channels), 0.0f);
  if (bias != nullptr) std::copy(bias, bias + out_channels, packed);
}

int64_t conv_scratch_size(ConvKind kind, const Conv2dGeometry& geometry) {
  const Conv2dGeometry g = flatten_pointwise(geometry);
  const std::optional<PaddedExtent> extent = padded_extent(g);
  if (!extent || g.batch == 0 || g.out_h == 0 || g.out_w == 0) return 0;
  return g.batch * input_blocks(kind, g) * extent->height * extent->width * input_pixel(kind);
}

void conv(ConvKind kind, const Conv2dGeometry& geometry, const float* x, const float* packed_w,
          const float* packed_bias, const float* residual, const Activation& activation, float* y,
          float* scratch) {
  if (geometry.batch == 0 || geometry.out_h == 0 || geometry.out_w == 0 ||
      geometry.out_channels == 0) {
    return;
  }
  Epilogue epilogue{residual, activation, Epilogue::in_registers(activation.kind)};
  switch (kind) {
    case ConvKind::kDense:
      dense_conv<kBlock>(geometry, x, packed_w, packed_bias, epilogue, y, scratch);
      return;
    case ConvKind::kNchwInput:
      dense_conv<1>(geometry, x, packed_w, packed_bias, epilogue, y, scratch);
      return;
    case ConvKind::kDepthwise:
      depthwise_conv(geometry, x, packed_w, packed_bias, epilogue, y, scratch);
      return;
  }
}

}  // namespace aruntime::kernels::nchwc
