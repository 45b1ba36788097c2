#include "kernels/conv.h"

#include <algorithm>
#include <atomic>

#include "kernels/gemm.h"
#include "kernels/parallel.h"

namespace aruntime::kernels {
namespace {

int64_t product(const Dims& v) {
  int64_t p = 1;
  for (int64_t d : v) p *= d;
  return p;
}

// Output positions o in [0, out_size) whose input position o * stride + offset lies in
// [0, in_size), as the half-open range [*lo, *hi).
void valid_output_range(int64_t out_size, int64_t in_size, int64_t stride, int64_t offset,
                        int64_t* lo, int64_t* hi) {
  *lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  *hi = in_size - 1 - offset < 0 ? 0 : (in_size - 1 - offset) / stride + 1;
  *lo = std::min(*lo, out_size);
  *hi = std::clamp(*hi, *lo, out_size);
}

// Writes rows (c, k1..kn) x columns [first, first + cols) of the im2col matrix of one group's
// input channels into `col` (row-major, leading dimension cols). Out-of-image taps are zero.
template <typename T>
void im2col_tile(const ConvGeometry& g, const T* x, int64_t channels, int64_t first, int64_t cols,
                 T* col) {
  const size_t rank = g.input_spatial.size();
  const size_t last = rank - 1;
  const int64_t input_plane = product(g.input_spatial);
  const int64_t kernel_volume = product(g.kernel);
  Dims input_strides(rank, 1);
  for (size_t d = last; d > 0; --d) input_strides[d - 1] = input_strides[d] * g.input_spatial[d];

  Dims tap(rank, 0);
  Dims first_pos(rank, 0);
  for (int64_t rem = first, d = static_cast<int64_t>(last); d >= 0; --d) {
    first_pos[d] = rem % g.output_spatial[d];
    rem /= g.output_spatial[d];
  }
  Dims pos(rank);
  const int64_t out_last = g.output_spatial[last];
  const int64_t in_last = g.input_spatial[last];
  const int64_t stride_last = g.strides[last];

  for (int64_t c = 0; c < channels; ++c) {
    const T* x_channel = x + c * input_plane;
    for (int64_t k = 0; k < kernel_volume; ++k) {
      for (int64_t rem = k, d = static_cast<int64_t>(last); d >= 0; --d) {
        tap[d] = rem % g.kernel[d];
        rem /= g.kernel[d];
      }
      T* dst = col + (c * kernel_volume + k) * cols;
      const int64_t offset_last = tap[last] * g.dilations[last] - g.pads_begin[last];
      int64_t lo_last, hi_last;
      valid_output_range(out_last, in_last, stride_last, offset_last, &lo_last, &hi_last);
      pos = first_pos;
      int64_t p = 0;
      while (p < cols) {
        const int64_t run = std::min(out_last - pos[last], cols - p);
        bool inside = true;
        int64_t base = 0;
        for (size_t d = 0; d < last; ++d) {
          const int64_t i = pos[d] * g.strides[d] - g.pads_begin[d] + tap[d] * g.dilations[d];
          if (i < 0 || i >= g.input_spatial[d]) {
            inside = false;
            break;
          }
          base += i * input_strides[d];
        }
        T* out = dst + p;
        if (!inside) {
          std::fill(out, out + run, T(0));
        } else {
          const int64_t o0 = pos[last];
          const int64_t lo = std::clamp(lo_last, o0, o0 + run);
          const int64_t hi = std::clamp(hi_last, lo, o0 + run);
          std::fill(out, out + (lo - o0), T(0));
          // Index arithmetic, not a pointer, since base + offset_last may be negative.
          const T* row = x_channel + base;
          if (stride_last == 1) {
            std::copy(row + lo + offset_last, row + hi + offset_last, out + (lo - o0));
          } else {
            for (int64_t o = lo; o < hi; ++o) out[o - o0] = row[o * stride_last + offset_last];
          }
          std::fill(out + (hi - o0), out + run, T(0));
        }
        p += run;
        pos[last] += run;
        for (size_t d = last; d > 0 && pos[d] == g.output_spatial[d]; --d) {
          pos[d] = 0;
          ++pos[d - 1];
        }
      }
    }
  }
}

// Plane geometry of a depthwise convolution; rank 1 runs as a 1 x W image.
struct PlaneGeometry {
  int64_t in_h, in_w, out_h, out_w, k_h, k_w, s_h, s_w, d_h, d_w, p_h, p_w;
};

PlaneGeometry plane_geometry(const ConvGeometry& g) {
  const bool is_2d = g.input_spatial.size() == 2;
  return {is_2d ? g.input_spatial[0] : 1,  g.input_spatial.back(),
          is_2d ? g.output_spatial[0] : 1, g.output_spatial.back(),
          is_2d ? g.kernel[0] : 1,         g.kernel.back(),
          is_2d ? g.strides[0] : 1,        g.strides.back(),
          is_2d ? g.dilations[0] : 1,      g.dilations.back(),
          is_2d ? g.pads_begin[0] : 0,     g.pads_begin.back()};
}

// Square K x K filters with column stride S: each output row reads K input rows (rows outside the
// image read `zeros`), and on the interior columns, where every tap is inside the row, the taps
// are unrolled so that the column loop vectorises.
template <typename T, int K, int S>
void depthwise_plane_fixed(const PlaneGeometry& q, const T* x, const T* w, T bias, T* y,
                           const T* zeros) {
  T wk[K * K];
  std::copy(w, w + K * K, wk);
  int64_t lo = q.p_w > 0 ? (q.p_w + S - 1) / S : 0;
  const int64_t last = (K - 1) * q.d_w - q.p_w;
  int64_t hi = q.in_w - 1 - last < 0 ? 0 : (q.in_w - 1 - last) / S + 1;
  lo = std::min(lo, q.out_w);
  hi = std::clamp(hi, lo, q.out_w);
  for (int64_t oh = 0; oh < q.out_h; ++oh) {
    const T* rows[K];
    for (int kh = 0; kh < K; ++kh) {
      const int64_t ih = oh * q.s_h - q.p_h + kh * q.d_h;
      rows[kh] = ih >= 0 && ih < q.in_h ? x + ih * q.in_w : zeros;
    }
    T* y_row = y + oh * q.out_w;
    auto edge = [&](int64_t ow) {
      T acc = bias;
      for (int kh = 0; kh < K; ++kh) {
        for (int kw = 0; kw < K; ++kw) {
          const int64_t iw = ow * S + kw * q.d_w - q.p_w;
          if (iw >= 0 && iw < q.in_w) acc += wk[kh * K + kw] * rows[kh][iw];
        }
      }
      y_row[ow] = acc;
    };
    for (int64_t ow = 0; ow < lo; ++ow) edge(ow);
    for (int64_t ow = lo; ow < hi; ++ow) {
      T acc = bias;
      for (int kh = 0; kh < K; ++kh) {
        const T* row = rows[kh] + (ow * S - q.p_w);
        for (int kw = 0; kw < K; ++kw) acc += wk[kh * K + kw] * row[kw * q.d_w];
      }
      y_row[ow] = acc;
    }
    for (int64_t ow = hi; ow < q.out_w; ++ow) edge(ow);
  }
}

// Direct convolution of one input plane with one filter, any window: whole output rows are swept
// once per tap.
template <typename T>
void depthwise_plane(const PlaneGeometry& q, const T* x, const T* w, T bias, T* y) {
  Dims lo(q.k_w), hi(q.k_w);
  for (int64_t kw = 0; kw < q.k_w; ++kw) {
    valid_output_range(q.out_w, q.in_w, q.s_w, kw * q.d_w - q.p_w, &lo[kw], &hi[kw]);
  }
  for (int64_t oh = 0; oh < q.out_h; ++oh) {
    T* y_row = y + oh * q.out_w;
    std::fill(y_row, y_row + q.out_w, bias);
    for (int64_t kh = 0; kh < q.k_h; ++kh) {
      const int64_t ih = oh * q.s_h - q.p_h + kh * q.d_h;
      if (ih < 0 || ih >= q.in_h) continue;
      const T* x_row = x + ih * q.in_w;
      for (int64_t kw = 0; kw < q.k_w; ++kw) {
        const T wv = w[kh * q.k_w + kw];
        const int64_t offset = kw * q.d_w - q.p_w;
        if (q.s_w == 1) {
          for (int64_t ow = lo[kw]; ow < hi[kw]; ++ow) y_row[ow] += wv * x_row[ow + offset];
        } else {
          for (int64_t ow = lo[kw]; ow < hi[kw]; ++ow) y_row[ow] += wv * x_row[ow * q.s_w + offset];
        }
      }
    }
  }
}

// Picks the unrolled kernel for the common square windows.
template <typename T>
void depthwise_dispatch(const PlaneGeometry& q, const T* x, const T* w, T bias, T* y,
                        const T* zeros) {
  if (q.k_h == q.k_w) {
    if (q.k_w == 3 && q.s_w == 1) return depthwise_plane_fixed<T, 3, 1>(q, x, w, bias, y, zeros);
    if (q.k_w == 3 && q.s_w == 2) return depthwise_plane_fixed<T, 3, 2>(q, x, w, bias, y, zeros);
    if (q.k_w == 5 && q.s_w == 1) return depthwise_plane_fixed<T, 5, 1>(q, x, w, bias, y, zeros);
    if (q.k_w == 5 && q.s_w == 2) return depthwise_plane_fixed<T, 5, 2>(q, x, w, bias, y, zeros);
  }
  depthwise_plane(q, x, w, bias, y);
}

}  // namespace

ConvPlan plan_conv(const ConvGeometry& g) {
  ConvPlan plan;
  const size_t rank = g.input_spatial.size();
  const int64_t group_in = g.group > 0 ? g.in_channels / g.group : 0;
  const int64_t group_out = g.group > 0 ? g.out_channels / g.group : 0;
  const int64_t output_plane = product(g.output_spatial);
  const int64_t kernel_volume = product(g.kernel);

  bool pointwise = true;
  for (size_t d = 0; d < rank; ++d) {
    pointwise = pointwise && g.kernel[d] == 1 && g.strides[d] == 1 && g.pads_begin[d] == 0 &&
                g.output_spatial[d] == g.input_spatial[d];
  }
  if (pointwise) {
    plan.algorithm = ConvAlgorithm::kPointwise;
  } else if (group_in == 1 && g.group > 1 && rank >= 1 && rank <= 2) {
    plan.algorithm = ConvAlgorithm::kDepthwise;
    plan.tasks = g.batch * g.out_channels;
    return plan;
  } else {
    plan.algorithm = ConvAlgorithm::kIm2col;
  }

  // Column tiles keep the im2col scratch of one task around 512 KiB of floats (L2-sized) while
  // staying wide enough for an efficient GEMM.
  const int64_t col_rows = group_in * kernel_volume;
  constexpr int64_t kTargetScratch = 128 * 1024;
  constexpr int64_t kMinTile = 64;
  int64_t tile = output_plane;
  if (plan.algorithm == ConvAlgorithm::kIm2col && col_rows > 0) {
    tile = std::max(kMinTile, kTargetScratch / col_rows);
  }
  tile = std::clamp<int64_t>(tile, 1, std::max<int64_t>(output_plane, 1));

  // With few images and groups, split the columns (and then the output channels) further so that
  // every thread gets work, but only when the convolution is large enough to pay for it.
  const int64_t threads = available_parallelism();
  const int64_t images_groups = g.batch * g.group;
  const int64_t flops = images_groups * group_out * col_rows * output_plane;
  const int64_t wanted_tasks = flops >= (int64_t{1} << 22) ? 2 * threads : 1;
  int64_t tiles = (output_plane + tile - 1) / std::max<int64_t>(tile, 1);
  if (images_groups * tiles < wanted_tasks && output_plane > kMinTile) {
    const int64_t want_tiles =
        (wanted_tasks + images_groups - 1) / std::max<int64_t>(images_groups, 1);
    tile = std::max(kMinTile, (output_plane + want_tiles - 1) / want_tiles);
    tiles = (output_plane + tile - 1) / tile;
  }
  int64_t row_blocks = 1;
  if (images_groups * tiles < wanted_tasks && group_out >= 64) {
    const int64_t have = std::max<int64_t>(images_groups * tiles, 1);
    row_blocks = std::min((wanted_tasks + have - 1) / have, group_out / 32);
    row_blocks = std::max<int64_t>(row_blocks, 1);
  }
  plan.tile_columns = tile;
  plan.column_tiles = output_plane > 0 ? tiles : 0;
  plan.row_blocks = row_blocks;
  plan.tasks = images_groups * plan.column_tiles * row_blocks;
  plan.slots = std::min(plan.tasks, threads);
  plan.shared_columns =
      plan.algorithm == ConvAlgorithm::kIm2col && plan.column_tiles == 1 && row_blocks > 1;
  if (plan.shared_columns) {
    plan.scratch_elements = images_groups * col_rows * output_plane;
  } else if (plan.algorithm == ConvAlgorithm::kIm2col) {
    plan.scratch_elements = plan.slots * col_rows * tile;
  }
  return plan;
}

template <typename T>
void conv(const ConvGeometry& g, const ConvPlan& plan, const T* x, const T* w, const T* bias, T* y,
          T* scratch, const BlockEpilogue<T>& epilogue) {
  if (plan.tasks <= 0) return;
  const int64_t group_in = g.in_channels / g.group;
  const int64_t group_out = g.out_channels / g.group;
  const int64_t input_plane = product(g.input_spatial);
  const int64_t output_plane = product(g.output_spatial);
  const int64_t kernel_volume = product(g.kernel);
  const int64_t col_rows = group_in * kernel_volume;

  if (plan.algorithm == ConvAlgorithm::kDepthwise) {
    const PlaneGeometry q = plane_geometry(g);
    parallel_for(plan.tasks, output_plane * kernel_volume * 2, [&](int64_t begin, int64_t end) {
      const std::vector<T> zeros(static_cast<size_t>(q.in_w), T(0));
      for (int64_t plane = begin; plane < end; ++plane) {
        const int64_t n = plane / g.out_channels, m = plane % g.out_channels;
        const int64_t c = m / group_out;  // one input channel per group
        depthwise_dispatch(q, x + (n * g.in_channels + c) * input_plane, w + m * kernel_volume,
                           bias ? bias[m] : T(0), y + plane * output_plane, zeros.data());
        if (epilogue) epilogue(y + plane * output_plane, 1, output_plane, output_plane);
      }
    });
    return;
  }

  const int64_t rows_per_block = (group_out + plan.row_blocks - 1) / plan.row_blocks;
  auto add_bias = [&](T* y_block, int64_t out_channel, int64_t rows, int64_t cols) {
    if (bias == nullptr) return;
    for (int64_t r = 0; r < rows; ++r) {
      const T b = bias[out_channel + r];
      T* row = y_block + r * output_plane;
      for (int64_t j = 0; j < cols; ++j) row[j] += b;
    }
  };

  if (plan.shared_columns) {
    const int64_t images_groups = g.batch * g.group;
    const int64_t matrix = col_rows * output_plane;
    // Phase 1: the im2col matrix of every (image, group), one input channel per item.
    parallel_for(images_groups * group_in, kernel_volume * output_plane, [&](int64_t b, int64_t e) {
      for (int64_t item = b; item < e; ++item) {
        const int64_t ig = item / group_in, c = item % group_in;
        const int64_t n = ig / g.group, grp = ig % g.group;
        const T* x_channel = x + (n * g.in_channels + grp * group_in + c) * input_plane;
        im2col_tile(g, x_channel, 1, 0, output_plane,
                    scratch + ig * matrix + c * kernel_volume * output_plane);
      }
    });
    // Phase 2: one GEMM per output-channel block.
    parallel_for(
        images_groups * plan.row_blocks, rows_per_block * matrix * 2, [&](int64_t b, int64_t e) {
          for (int64_t item = b; item < e; ++item) {
            const int64_t ig = item / plan.row_blocks;
            const int64_t m0 = (item % plan.row_blocks) * rows_per_block;
            const int64_t rows = std::min(rows_per_block, group_out - m0);
            if (rows <= 0) continue;
            const int64_t n = ig / g.group, grp = ig % g.group;
            const int64_t out_channel = grp * group_out + m0;
            T* y_block = y + (n * g.out_channels + out_channel) * output_plane;
            gemm<T>(false, false, rows, output_plane, col_rows, T(1), w + out_channel * col_rows,
                    col_rows, scratch + ig * matrix, output_plane, T(0), y_block, output_plane);
            add_bias(y_block, out_channel, rows, output_plane);
            if (epilogue) epilogue(y_block, rows, output_plane, output_plane);
          }
        });
    return;
  }

  auto run_task = [&](int64_t task, T* col) {
    int64_t rest = task;
    const int64_t row_block = rest % plan.row_blocks;
    rest /= plan.row_blocks;
    const int64_t tile = rest % plan.column_tiles;
    rest /= plan.column_tiles;
    const int64_t grp = rest % g.group;
    const int64_t n = rest / g.group;
    const int64_t first = tile * plan.tile_columns;
    const int64_t cols = std::min(plan.tile_columns, output_plane - first);
    const int64_t m0 = row_block * rows_per_block;
    const int64_t rows = std::min(rows_per_block, group_out - m0);
    if (rows <= 0 || cols <= 0) return;

    const T* x_group = x + (n * g.in_channels + grp * group_in) * input_plane;
    const T* b_matrix;
    int64_t ldb;
    if (plan.algorithm == ConvAlgorithm::kPointwise) {
      b_matrix = x_group + first;
      ldb = input_plane;
    } else {
      im2col_tile(g, x_group, group_in, first, cols, col);
      b_matrix = col;
      ldb = cols;
    }
    const int64_t out_channel = grp * group_out + m0;
    T* y_block = y + (n * g.out_channels + out_channel) * output_plane + first;
    gemm<T>(false, false, rows, cols, col_rows, T(1), w + out_channel * col_rows, col_rows,
            b_matrix, ldb, T(0), y_block, output_plane);
    add_bias(y_block, out_channel, rows, cols);
    if (epilogue) epilogue(y_block, rows, cols, output_plane);
  };

  // Each slot owns one scratch buffer and pulls tasks until none are left, so a buffer is never
  // used by two tasks at once however the slots are scheduled.
  const int64_t slot_elements = col_rows * plan.tile_columns;
  std::atomic<int64_t> next_task{0};
  const int64_t cost_per_slot = plan.tasks * rows_per_block * plan.tile_columns *
                                std::max<int64_t>(col_rows, 1) * 2 /
                                std::max<int64_t>(plan.slots, 1);
  parallel_for(plan.slots, cost_per_slot, [&](int64_t begin, int64_t end) {
    for (int64_t slot = begin; slot < end; ++slot) {
      T* col = plan.algorithm == ConvAlgorithm::kIm2col ? scratch + slot * slot_elements : nullptr;
      for (int64_t task = next_task.fetch_add(1); task < plan.tasks;
           task = next_task.fetch_add(1)) {
        run_task(task, col);
      }
    }
  });
}

template void conv<float>(const ConvGeometry&, const ConvPlan&, const float*, const float*,
                          const float*, float*, float*, const BlockEpilogue<float>&);
template void conv<double>(const ConvGeometry&, const ConvPlan&, const double*, const double*,
                           const double*, double*, double*, const BlockEpilogue<double>&);

}  // namespace aruntime::kernels
