#include "kernels/normalization.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/parallel.h"

namespace aruntime::kernels {
namespace {

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t d : v) p *= d;
  return p;
}

// Advances a row-major multi-index over `dims`; false after the last one.
bool next_index(std::vector<int64_t>& index, const std::vector<int64_t>& dims) {
  for (size_t d = index.size(); d-- > 0;) {
    if (++index[d] < dims[d]) return true;
    index[d] = 0;
  }
  return false;
}

}  // namespace

template <typename T>
void normalize_rows(const T* x, T* y, int64_t rows, int64_t row_size, const RowNormalization& opt) {
  const int64_t segment_size = std::max<int64_t>(opt.segment_size, 1);
  const int64_t segments = row_size / segment_size;
  const int64_t period = std::max<int64_t>(opt.param_period, 1);
  parallel_for(rows, row_size * 6 + 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* in = x + r * row_size;
      T* out = y + r * row_size;
      const double count = static_cast<double>(row_size);
      double mean = 0.0, second = 0.0;
      if (opt.center) {
        for (int64_t i = 0; i < row_size; ++i) mean += static_cast<double>(in[i]);
        mean /= count;
        for (int64_t i = 0; i < row_size; ++i) {
          const double d = static_cast<double>(in[i]) - mean;
          second += d * d;
        }
      } else {
        for (int64_t i = 0; i < row_size; ++i) {
          const double v = static_cast<double>(in[i]);
          second += v * v;
        }
      }
      const double inv_std = 1.0 / std::sqrt(second / count + opt.epsilon);
      if (opt.mean != nullptr) opt.mean[r] = opt.center ? mean : 0.0;
      if (opt.inv_std != nullptr) opt.inv_std[r] = inv_std;
      const int64_t param_base = (r % period) * segments;
      for (int64_t s = 0; s < segments; ++s) {
        const double scale = opt.scale != nullptr ? opt.scale[param_base + s] : 1.0;
        const double bias = opt.bias != nullptr ? opt.bias[param_base + s] : 0.0;
        const double multiplier = inv_std * scale;
        const int64_t first = s * segment_size;
        for (int64_t i = first; i < first + segment_size; ++i) {
          out[i] = static_cast<T>((static_cast<double>(in[i]) - mean) * multiplier + bias);
        }
      }
    }
  });
}

template <typename T>
void mean_variance_normalize(const T* x, T* y, const std::vector<int64_t>& dims,
                             const std::vector<bool>& reduced, double epsilon) {
  // Strides into the statistics tensor, which keeps the non-reduced axes; 0 on reduced axes.
  std::vector<int64_t> kept_strides(dims.size(), 0);
  int64_t kept = 1;
  for (size_t d = dims.size(); d-- > 0;) {
    if (!reduced[d]) {
      kept_strides[d] = kept;
      kept *= dims[d];
    }
  }
  const int64_t total = product(dims);
  if (total == 0) return;
  const double count = static_cast<double>(total / kept);
  std::vector<double> mean(static_cast<size_t>(kept), 0.0), var(static_cast<size_t>(kept), 0.0);
  // Walks every element with its statistics slot; `visit(flat, slot)`.
  auto for_each = [&](auto&& visit) {
    std::vector<int64_t> index(dims.size(), 0);
    int64_t flat = 0;
    do {
      int64_t slot = 0;
      for (size_t d = 0; d < dims.size(); ++d) slot += index[d] * kept_strides[d];
      visit(flat++, slot);
    } while (next_index(index, dims));
  };
  for_each([&](int64_t i, int64_t s) { mean[s] += static_cast<double>(x[i]); });
  for (double& m : mean) m /= count;
  for_each([&](int64_t i, int64_t s) {
    const double d = static_cast<double>(x[i]) - mean[s];
    var[s] += d * d;
  });
  std::vector<double> divisor(static_cast<size_t>(kept));
  for (size_t s = 0; s < divisor.size(); ++s) divisor[s] = std::sqrt(var[s] / count) + epsilon;
  for_each([&](int64_t i, int64_t s) {
    y[i] = static_cast<T>((static_cast<double>(x[i]) - mean[s]) / divisor[s]);
  });
}

template <typename T>
void lp_normalize(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, int64_t p) {
  parallel_for(outer * inner, n * 4 + 1, [&](int64_t begin, int64_t end) {
    for (int64_t line = begin; line < end; ++line) {
      const int64_t o = line / inner, i = line % inner;
      const T* in = x + o * n * inner + i;
      T* out = y + o * n * inner + i;
      double norm = 0.0;
      for (int64_t k = 0; k < n; ++k) {
        const double v = static_cast<double>(in[k * inner]);
        norm += p == 1 ? std::abs(v) : v * v;
      }
      if (p == 2) norm = std::sqrt(norm);
      const double inverse = norm == 0.0 ? 0.0 : 1.0 / norm;
      for (int64_t k = 0; k < n; ++k) {
        out[k * inner] = static_cast<T>(static_cast<double>(in[k * inner]) * inverse);
      }
    }
  });
}

template <typename T>
void local_response_normalize(const T* x, T* y, int64_t batch, int64_t channels, int64_t spatial,
                              int64_t size, double alpha, double beta, double bias) {
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  const double coefficient = alpha / static_cast<double>(size);
  // Each task takes a run of spatial positions of one sample and slides the channel window down
  // the channels: one add and one subtract of a square per element instead of `size`, over
  // contiguous memory. The usual beta of 0.75 (AlexNet, GoogLeNet) and 0.5 and 1 avoid pow.
  constexpr int64_t kChunk = 256;
  const int64_t chunks = (spatial + kChunk - 1) / kChunk;
  auto scale = [beta](double base) {
    if (beta == 0.75) {
      const double root = std::sqrt(base);
      return 1.0 / (root * std::sqrt(root));
    }
    if (beta == 0.5) return 1.0 / std::sqrt(base);
    if (beta == 1.0) return 1.0 / base;
    return std::pow(base, -beta);
  };
  parallel_for(batch * chunks, kChunk * channels * 8, [&](int64_t begin, int64_t end) {
    double sum[kChunk];
    for (int64_t task = begin; task < end; ++task) {
      const int64_t n = task / chunks, s0 = (task % chunks) * kChunk;
      const int64_t len = std::min(kChunk, spatial - s0);
      const T* xs = x + n * channels * spatial + s0;
      T* ys = y + n * channels * spatial + s0;
      std::fill(sum, sum + len, 0.0);
      auto add = [&](int64_t channel, double sign) {
        const T* row = xs + channel * spatial;
        for (int64_t s = 0; s < len; ++s) {
          const double v = static_cast<double>(row[s]);
          sum[s] += sign * v * v;
        }
      };
      for (int64_t c = 0; c <= std::min(after, channels - 1); ++c) add(c, 1.0);
      for (int64_t c = 0; c < channels; ++c) {
        // `sum` holds the squares of channels [c - before, c + after] within range.
        const T* in = xs + c * spatial;
        T* out = ys + c * spatial;
        for (int64_t s = 0; s < len; ++s) {
          out[s] = static_cast<T>(static_cast<double>(in[s]) * scale(bias + coefficient * sum[s]));
        }
        if (c + after + 1 < channels) add(c + after + 1, 1.0);
        if (c - before >= 0) add(c - before, -1.0);
      }
    }
  });
}

template <typename T>
void lp_pool(const WindowSpec& window, int64_t planes, const T* x, T* y, double p) {
  const size_t rank = window.kernel.size();
  const int64_t in_size = product(window.input_spatial);
  const int64_t out_size = product(window.output_spatial);
  const int64_t taps = product(window.kernel);
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) in_strides[d - 1] = in_strides[d] * window.input_spatial[d];
  parallel_for(planes, out_size * taps * 4 + 1, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> out_index(rank), tap(rank);
    for (int64_t plane = begin; plane < end; ++plane) {
      const T* in = x + plane * in_size;
      T* out = y + plane * out_size;
      std::fill(out_index.begin(), out_index.end(), 0);
      for (int64_t o = 0; o < out_size; ++o, next_index(out_index, window.output_spatial)) {
        double sum = 0.0;
        std::fill(tap.begin(), tap.end(), 0);
        do {
          int64_t offset = 0;
          bool inside = true;
          for (size_t d = 0; d < rank && inside; ++d) {
            const int64_t pos = out_index[d] * window.strides[d] - window.pads_begin[d] +
                                tap[d] * window.dilations[d];
            inside = pos >= 0 && pos < window.input_spatial[d];
            offset += pos * in_strides[d];
          }
          if (!inside) continue;
          const double v = std::abs(static_cast<double>(in[offset]));
          sum += p == 2.0 ? v * v : (p == 1.0 ? v : std::pow(v, p));
        } while (next_index(tap, window.kernel));
        out[o] =
            static_cast<T>(p == 2.0 ? std::sqrt(sum) : (p == 1.0 ? sum : std::pow(sum, 1.0 / p)));
      }
    }
  });
}

template <typename T>
void col2im_add(const WindowSpec& window, int64_t channels, const T* cols, T* image) {
  const size_t rank = window.kernel.size();
  const int64_t image_size = product(window.input_spatial);
  const int64_t positions = product(window.output_spatial);
  const int64_t taps = product(window.kernel);
  if (rank == 0 || positions == 0) return;
  std::vector<int64_t> image_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) image_strides[d - 1] = image_strides[d] * window.input_spatial[d];
  const size_t last = rank - 1;
  const int64_t last_count = window.output_spatial[last];
  const int64_t last_stride = window.strides[last];
  parallel_for(channels, taps * positions * 2 + 1, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> tap(rank), position(rank);
    for (int64_t c = begin; c < end; ++c) {
      T* plane = image + c * image_size;
      std::fill(tap.begin(), tap.end(), 0);
      for (int64_t k = 0; k < taps; ++k, next_index(tap, window.kernel)) {
        const T* row = cols + (c * taps + k) * positions;
        // The last axis is walked as a run of positions; the leading ones with a multi-index.
        std::fill(position.begin(), position.end(), 0);
        for (int64_t l = 0; l < positions; l += last_count) {
          int64_t offset = 0;
          bool inside = true;
          for (size_t d = 0; d < last && inside; ++d) {
            const int64_t pos = position[d] * window.strides[d] - window.pads_begin[d] +
                                tap[d] * window.dilations[d];
            inside = pos >= 0 && pos < window.input_spatial[d];
            offset += pos * image_strides[d];
          }
          if (inside) {
            const int64_t start = tap[last] * window.dilations[last] - window.pads_begin[last];
            for (int64_t j = 0; j < last_count; ++j) {
              const int64_t pos = j * last_stride + start;
              if (pos >= 0 && pos < window.input_spatial[last]) plane[offset + pos] += row[l + j];
            }
          }
          // Step the leading axes (the last one is covered by the run above).
          for (size_t d = last; d-- > 0;) {
            if (++position[d] < window.output_spatial[d]) break;
            position[d] = 0;
          }
        }
      }
    }
  });
}

namespace {

// One bilinear sample of an [height, width] plane: four corner offsets and weights, all zero
// when the point lies more than one pixel outside the plane.
struct BilinearTap {
  int64_t offsets[4] = {0, 0, 0, 0};
  double weights[4] = {0, 0, 0, 0};
};

BilinearTap bilinear_tap(double y, double x, int64_t height, int64_t width) {
  BilinearTap tap;
  if (y < -1.0 || y > static_cast<double>(height) || x < -1.0 || x > static_cast<double>(width)) {
    return tap;
  }
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  int64_t y_low = static_cast<int64_t>(y), x_low = static_cast<int64_t>(x);
  int64_t y_high, x_high;
  if (y_low >= height - 1) {
    y_low = y_high = height - 1;
    y = static_cast<double>(y_low);
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= width - 1) {
    x_low = x_high = width - 1;
    x = static_cast<double>(x_low);
  } else {
    x_high = x_low + 1;
  }
  const double ly = y - static_cast<double>(y_low), lx = x - static_cast<double>(x_low);
  const double hy = 1.0 - ly, hx = 1.0 - lx;
  tap.offsets[0] = y_low * width + x_low;
  tap.offsets[1] = y_low * width + x_high;
  tap.offsets[2] = y_high * width + x_low;
  tap.offsets[3] = y_high * width + x_high;
  tap.weights[0] = hy * hx;
  tap.weights[1] = hy * lx;
  tap.weights[2] = ly * hx;
  tap.weights[3] = ly * lx;
  return tap;
}

}  // namespace

template <typename T>
void roi_align(const RoiAlignSpec& spec, const T* x, const T* rois, const int64_t* batch_indices,
               int64_t num_rois, T* y) {
  const int64_t out_h = spec.output_height, out_w = spec.output_width;
  const int64_t plane_size = spec.height * spec.width;
  parallel_for(num_rois, spec.channels * out_h * out_w * 16 + 1, [&](int64_t begin, int64_t end) {
    std::vector<BilinearTap> taps;
    for (int64_t r = begin; r < end; ++r) {
      const T* roi = rois + r * 4;
      const double shift = spec.half_pixel ? 0.5 : 0.0;
      const double start_w = static_cast<double>(roi[0]) * spec.spatial_scale - shift;
      const double start_h = static_cast<double>(roi[1]) * spec.spatial_scale - shift;
      double roi_w = static_cast<double>(roi[2]) * spec.spatial_scale - shift - start_w;
      double roi_h = static_cast<double>(roi[3]) * spec.spatial_scale - shift - start_h;
      if (!spec.half_pixel) {
        // The legacy mode forces rois to be at least one pixel wide.
        roi_w = std::max(roi_w, 1.0);
        roi_h = std::max(roi_h, 1.0);
      }
      const double bin_h = roi_h / static_cast<double>(out_h);
      const double bin_w = roi_w / static_cast<double>(out_w);
      const int64_t grid_h =
          spec.sampling_ratio > 0
              ? spec.sampling_ratio
              : static_cast<int64_t>(std::ceil(roi_h / static_cast<double>(out_h)));
      const int64_t grid_w =
          spec.sampling_ratio > 0
              ? spec.sampling_ratio
              : static_cast<int64_t>(std::ceil(roi_w / static_cast<double>(out_w)));
      const int64_t samples = std::max<int64_t>(grid_h, 0) * std::max<int64_t>(grid_w, 0);
      const double count = static_cast<double>(std::max<int64_t>(samples, 1));
      // The sample positions are the same for every channel.
      taps.clear();
      for (int64_t ph = 0; ph < out_h; ++ph) {
        for (int64_t pw = 0; pw < out_w; ++pw) {
          for (int64_t iy = 0; iy < grid_h; ++iy) {
            const double sy = start_h + static_cast<double>(ph) * bin_h +
                              (static_cast<double>(iy) + 0.5) * bin_h / static_cast<double>(grid_h);
            for (int64_t ix = 0; ix < grid_w; ++ix) {
              const double sx =
                  start_w + static_cast<double>(pw) * bin_w +
                  (static_cast<double>(ix) + 0.5) * bin_w / static_cast<double>(grid_w);
              taps.push_back(bilinear_tap(sy, sx, spec.height, spec.width));
            }
          }
        }
      }
      for (int64_t c = 0; c < spec.channels; ++c) {
        const T* plane = x + (batch_indices[r] * spec.channels + c) * plane_size;
        T* out = y + (r * spec.channels + c) * out_h * out_w;
        const BilinearTap* tap = taps.data();
        for (int64_t bin = 0; bin < out_h * out_w; ++bin) {
          double value = 0.0;
          for (int64_t s = 0; s < samples; ++s, ++tap) {
            if (spec.max_mode) {
              double best = tap->weights[0] * static_cast<double>(plane[tap->offsets[0]]);
              for (int corner = 1; corner < 4; ++corner) {
                best = std::max(
                    best, tap->weights[corner] * static_cast<double>(plane[tap->offsets[corner]]));
              }
              value = s == 0 ? best : std::max(value, best);
            } else {
              for (int corner = 0; corner < 4; ++corner) {
                value += tap->weights[corner] * static_cast<double>(plane[tap->offsets[corner]]);
              }
            }
          }
          out[bin] = static_cast<T>(spec.max_mode ? value : value / count);
        }
      }
    }
  });
}

template <typename T>
void max_roi_pool(const T* x, int64_t channels, int64_t height, int64_t width, const T* rois,
                  int64_t num_rois, int64_t pooled_height, int64_t pooled_width,
                  double spatial_scale, T* y) {
  parallel_for(
      num_rois * channels, pooled_height * pooled_width * 16 + 1, [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task) {
          const int64_t r = task / channels, c = task % channels;
          const T* roi = rois + r * 5;
          const int64_t batch_index = static_cast<int64_t>(roi[0]);
          auto scaled = [&](int i) {
            return static_cast<int64_t>(std::round(static_cast<double>(roi[i]) * spatial_scale));
          };
          const int64_t start_w = scaled(1), start_h = scaled(2), end_w = scaled(3),
                        end_h = scaled(4);
          // Rois include both corner pixels and are at least one pixel in size.
          const double roi_h = static_cast<double>(std::max<int64_t>(end_h - start_h + 1, 1));
          const double roi_w = static_cast<double>(std::max<int64_t>(end_w - start_w + 1, 1));
          const double bin_h = roi_h / static_cast<double>(pooled_height);
          const double bin_w = roi_w / static_cast<double>(pooled_width);
          const T* plane = x + (batch_index * channels + c) * height * width;
          T* out = y + task * pooled_height * pooled_width;
          for (int64_t ph = 0; ph < pooled_height; ++ph) {
            auto clip_h = [&](int64_t v) { return std::clamp<int64_t>(v + start_h, 0, height); };
            const int64_t h0 =
                clip_h(static_cast<int64_t>(std::floor(static_cast<double>(ph) * bin_h)));
            const int64_t h1 =
                clip_h(static_cast<int64_t>(std::ceil(static_cast<double>(ph + 1) * bin_h)));
            for (int64_t pw = 0; pw < pooled_width; ++pw) {
              auto clip_w = [&](int64_t v) { return std::clamp<int64_t>(v + start_w, 0, width); };
              const int64_t w0 =
                  clip_w(static_cast<int64_t>(std::floor(static_cast<double>(pw) * bin_w)));
              const int64_t w1 =
                  clip_w(static_cast<int64_t>(std::ceil(static_cast<double>(pw + 1) * bin_w)));
              T best = std::numeric_limits<T>::lowest();
              bool empty = true;
              for (int64_t h = h0; h < h1; ++h) {
                for (int64_t w = w0; w < w1; ++w) {
                  best = std::max(best, plane[h * width + w]);
                  empty = false;
                }
              }
              out[ph * pooled_width + pw] = empty ? T(0) : best;
            }
          }
        }
      });
}

#define ARUNTIME_NORMALIZATION_INSTANTIATE(T)                                                    \
  template void normalize_rows<T>(const T*, T*, int64_t, int64_t, const RowNormalization&);      \
  template void mean_variance_normalize<T>(const T*, T*, const std::vector<int64_t>&,            \
                                           const std::vector<bool>&, double);                    \
  template void lp_normalize<T>(const T*, T*, int64_t, int64_t, int64_t, int64_t);               \
  template void local_response_normalize<T>(const T*, T*, int64_t, int64_t, int64_t, int64_t,    \
                                            double, double, double);                             \
  template void lp_pool<T>(const WindowSpec&, int64_t, const T*, T*, double);                    \
  template void col2im_add<T>(const WindowSpec&, int64_t, const T*, T*);                         \
  template void roi_align<T>(const RoiAlignSpec&, const T*, const T*, const int64_t*, int64_t,   \
                             T*);                                                                \
  template void max_roi_pool<T>(const T*, int64_t, int64_t, int64_t, const T*, int64_t, int64_t, \
                                int64_t, double, T*);

ARUNTIME_NORMALIZATION_INSTANTIATE(float)
ARUNTIME_NORMALIZATION_INSTANTIATE(double)

#undef ARUNTIME_NORMALIZATION_INSTANTIATE

}  // namespace aruntime::kernels
