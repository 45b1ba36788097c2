// GridSample: opset 16 (4-D, modes bilinear/nearest/bicubic) and opset 20 (any number of spatial
// dims, modes linear/nearest/cubic). Padding modes zeros/border/reflection, align_corners.
#include <algorithm>
#include <cmath>

#include "providers/cpu/ops/nn_common.h"

namespace aruntime::cpu {
namespace {

enum class SampleMode { kNearest, kLinear, kCubic };
enum class PaddingMode { kZeros, kBorder, kReflection };

// Folds x back into [lo, hi] by reflecting at the bounds as many times as needed.
double reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  if (x < lo) {
    const double dx = lo - x;
    const int64_t n = static_cast<int64_t>(dx / range);
    const double r = dx - static_cast<double>(n) * range;
    return n % 2 == 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const double dx = x - hi;
    const int64_t n = static_cast<int64_t>(dx / range);
    const double r = dx - static_cast<double>(n) * range;
    return n % 2 == 0 ? hi - r : lo + r;
  }
  return x;
}

// Keys' cubic convolution weights (A = -0.75) for taps at -1, 0, 1, 2 from floor(x); t = x - floor.
void cubic_weights(double t, double w[4]) {
  constexpr double a = -0.75;
  auto near = [](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };
  auto far = [](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };
  w[0] = far(t + 1);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}

class GridSample final : public HalfAsFloat32Kernel {
 public:
  explicit GridSample(const KernelInfo& info) {
    const Node& node = info.node();
    const bool new_names = info.opset() >= 20;
    const std::string mode = node.attr_string("mode", new_names ? "linear" : "bilinear");
    if (mode == "nearest") {
      mode_ = SampleMode::kNearest;
    } else if (mode == (new_names ? "linear" : "bilinear")) {
      mode_ = SampleMode::kLinear;
    } else if (mode == (new_names ? "cubic" : "bicubic")) {
      mode_ = SampleMode::kCubic;
    } else {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": mode '" + mode + "' is not one of nearest, " +
                      (new_names ? "linear, cubic" : "bilinear, bicubic"));
    }
    const std::string padding = node.attr_string("padding_mode", "zeros");
    if (padding == "zeros") {
      padding_ = PaddingMode::kZeros;
    } else if (padding == "border") {
      padding_ = PaddingMode::kBorder;
    } else if (padding == "reflection") {
      padding_ = PaddingMode::kReflection;
    } else {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": padding_mode '" + padding +
                                                "' is not one of zeros, border, reflection");
    }
    align_corners_ = node.attr_int("align_corners", 0) != 0;
    four_d_only_ = info.opset() < 20;
  }

 private:
  void run(KernelContext& ctx) const override {
    dispatch_float32_or_64(ctx.node(), ctx.required_input(0).dtype(), [&](auto tag) { run_typed<decltype(tag)>(ctx); });
  }

  template <typename T>
  void run_typed(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& grid = ctx.required_input(1);
    const size_t rank = x.rank();
    if (rank < 3 || (four_d_only_ && rank != 4)) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": X must be " +
                                                   (four_d_only_ ? "4-D" : "at least 3-D") +
                                                   ", got " + x.shape().to_string());
    }
    const size_t k = rank - 2;
    if (grid.rank() != rank || grid.shape()[0] != x.shape()[0] ||
        grid.shape()[rank - 1] != static_cast<int64_t>(k)) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": grid must have shape [N, out spatial..., " +
                      std::to_string(k) + "] for X " + x.shape().to_string() + ", got " +
                      grid.shape().to_string());
    }
    const int64_t batch = x.shape()[0], channels = x.shape()[1];
    std::vector<int64_t> in_dims(k), out_dims = {batch, channels};
    int64_t in_size = 1, out_size = 1;
    for (size_t d = 0; d < k; ++d) {
      in_dims[d] = x.shape()[2 + d];
      in_size *= in_dims[d];
      out_dims.push_back(grid.shape()[1 + d]);
      out_size *= grid.shape()[1 + d];
    }
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (y.num_elements() == 0) return;
    const std::vector<double> g = tensor_to_doubles(grid);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    std::vector<int64_t> in_strides(k, 1);
    for (size_t d = k; d-- > 1;) in_strides[d - 1] = in_strides[d] * in_dims[d];

    // Per spatial dim: up to 4 taps of (flat offset or -1 for a zero pad, weight).
    const int taps = mode_ == SampleMode::kNearest ? 1 : (mode_ == SampleMode::kLinear ? 2 : 4);
    std::vector<int64_t> tap_offset(k * 4);
    std::vector<double> tap_weight(k * 4);
    std::vector<int> tap_index(k);
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t o = 0; o < out_size; ++o) {
        const double* gp = g.data() + (n * out_size + o) * static_cast<int64_t>(k);
        for (size_t d = 0; d < k; ++d) {
          // The grid's last axis lists coordinates innermost-first (x, y, z).
          const double normalized = gp[k - 1 - d];
          const double size = static_cast<double>(in_dims[d]);
          const double lo = align_corners_ ? 0.0 : -0.5;
          const double hi = align_corners_ ? size - 1 : size - 0.5;
          float c = static_cast<float>(align_corners_ ? (normalized + 1) / 2 * (size - 1)
                                                      : ((normalized + 1) * size - 1) / 2);
          if (mode_ == SampleMode::kNearest) c = std::nearbyint(c);
          if (c < lo || c > hi) {
            if (padding_ == PaddingMode::kBorder) {
              c = static_cast<float>(std::clamp<double>(c, 0, size - 1));
            } else if (padding_ == PaddingMode::kReflection) {
              c = static_cast<float>(reflect(c, lo, hi));
            }
          }
          int64_t first;
          double* w = tap_weight.data() + d * 4;
          if (mode_ == SampleMode::kNearest) {
            first = static_cast<int64_t>(c);
            w[0] = 1;
          } else {
            const double base = std::floor(static_cast<double>(c));
            const double t = static_cast<double>(c) - base;
            if (mode_ == SampleMode::kLinear) {
              first = static_cast<int64_t>(base);
              w[0] = 1 - t;
              w[1] = t;
            } else {
              first = static_cast<int64_t>(base) - 1;
              cubic_weights(t, w);
            }
          }
          for (int t = 0; t < taps; ++t) {
            tap_offset[d * 4 + t] = pad_index(first + t, in_dims[d], lo, hi) * in_strides[d];
            if (tap_offset[d * 4 + t] < 0) tap_offset[d * 4 + t] = -1;
          }
        }
        for (int64_t c = 0; c < channels; ++c) {
          const T* plane = px + (n * channels + c) * in_size;
          double sum = 0;
          std::fill(tap_index.begin(), tap_index.end(), 0);
          for (;;) {
            double weight = 1;
            int64_t offset = 0;
            for (size_t d = 0; d < k && offset >= 0; ++d) {
              const int64_t part = tap_offset[d * 4 + tap_index[d]];
              weight *= tap_weight[d * 4 + tap_index[d]];
              offset = part < 0 ? -1 : offset + part;
            }
            if (offset >= 0) sum += weight * static_cast<double>(plane[offset]);
            size_t d = k;
            while (d-- > 0) {
              if (++tap_index[d] < taps) break;
              tap_index[d] = 0;
            }
            if (d == static_cast<size_t>(-1)) break;
          }
          py[(n * channels + c) * out_size + o] = static_cast<T>(sum);
        }
      }
    }
  }

  // The input index read for tap `i` of an axis of `size`, or -1 where zero padding applies.
  int64_t pad_index(int64_t i, int64_t size, double lo, double hi) const {
    if (i >= 0 && i < size) return i;
    switch (padding_) {
      case PaddingMode::kZeros:
        return -1;
      case PaddingMode::kBorder:
        return std::clamp<int64_t>(i, 0, size - 1);
      case PaddingMode::kReflection:
        return std::clamp<int64_t>(static_cast<int64_t>(reflect(static_cast<double>(i), lo, hi)), 0,
                                   size - 1);
    }
    return -1;
  }

  SampleMode mode_ = SampleMode::kLinear;
  PaddingMode padding_ = PaddingMode::kZeros;
  bool align_corners_ = false;
  bool four_d_only_ = true;
};

}  // namespace

void register_grid_sample_kernels(KernelRegistry& registry) {
  KernelDef def;
  def.op_type = "GridSample";
  def.since_version = 16;
  def.end_version = kMaxOpset;
  def.constraints.push_back({"T1", {0}, {0}, types::kFloats});
  def.constraints.push_back({"T2", {1}, {}, types::kFloats});
  def.factory = make_kernel<GridSample>();
  registry.add(std::move(def));
}

}  // namespace aruntime::cpu
