// Smaller ops without a family of their own: AffineGrid, DeformConv, Det, TfIdfVectorizer,
// Upsample (the deprecated scales-only Resize) and SequenceMap (a subgraph run per sequence
// element).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <unordered_map>

#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "kernels/resize.h"
#include "providers/cpu/ops/nn_common.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

[[noreturn]] void unsupported_type(const Node& node, DataType type) {
  throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                              std::string(data_type_name(type)) +
                                              " is not supported");
}

// Runs f(T{}) for float32 and float64 (half types reach run() already promoted to float32).
template <typename F>
void dispatch_float(const Node& node, DataType type, F&& f) {
  switch (type) {
    case DataType::kFloat32:
      f(float{});
      return;
    case DataType::kFloat64:
      f(double{});
      return;
    default:
      unsupported_type(node, type);
  }
}

// ---- AffineGrid ------------------------------------------------------------------------------

// Normalised coordinate of sample i of n along one axis, in [-1, 1].
double grid_coordinate(int64_t i, int64_t n, bool align_corners) {
  if (align_corners)
    return n == 1 ? -1.0 : -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(n - 1);
  return (2.0 * static_cast<double>(i) + 1.0) / static_cast<double>(n) - 1.0;
}

class AffineGrid final : public HalfAsFloat32Kernel {
 public:
  explicit AffineGrid(const KernelInfo& info)
      : align_corners_(info.node().attr_int("align_corners", 0) != 0) {}

 private:
  void run(KernelContext& ctx) const override {
    dispatch_float(ctx.node(), ctx.required_input(0).dtype(),
                   [&](auto tag) { run_typed<decltype(tag)>(ctx); });
  }

  template <typename T>
  void run_typed(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& theta = ctx.required_input(0);
    const std::vector<int64_t> size = ctx.required_input(1).to_int64_vector();
    if (size.size() != 4 && size.size() != 5) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": size must hold 4 (N,C,H,W) or 5 (N,C,D,H,W) values, got " +
                      ints_to_string(size));
    }
    for (int64_t s : size) {
      if (s < 0) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": size must not be negative, got " + ints_to_string(size));
      }
    }
    const int64_t k = static_cast<int64_t>(size.size()) - 2;  // spatial dims
    const int64_t batch = size[0];
    if (theta.rank() != 3 || theta.shape()[0] != batch || theta.shape()[1] != k ||
        theta.shape()[2] != k + 1) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": theta must have shape [" + std::to_string(batch) + "," +
                      std::to_string(k) + "," + std::to_string(k + 1) + "] for size " +
                      ints_to_string(size) + ", got " + theta.shape().to_string());
    }
    // Spatial sizes outermost first (D, H, W); grid points list coordinates innermost first
    // (x along W, then y, then z).
    const std::vector<int64_t> spatial(size.begin() + 2, size.end());
    std::vector<int64_t> out_dims = {batch};
    out_dims.insert(out_dims.end(), spatial.begin(), spatial.end());
    out_dims.push_back(k);
    Tensor& grid = ctx.allocate_output(0, Shape(out_dims), theta.dtype());
    if (grid.num_elements() == 0) return;
    const T* th = theta.data<T>();
    T* out = grid.data<T>();
    const int64_t points = Shape(spatial).num_elements();
    std::vector<double> base(static_cast<size_t>(k) + 1, 1.0);  // homogeneous (x, y[, z], 1)
    for (int64_t n = 0; n < batch; ++n) {
      const T* m = th + n * k * (k + 1);
      for (int64_t p = 0; p < points; ++p) {
        int64_t rest = p;
        for (int64_t d = k - 1; d >= 0; --d) {  // d indexes spatial (outermost first)
          const int64_t i = rest % spatial[d];
          rest /= spatial[d];
          base[k - 1 - d] = grid_coordinate(i, spatial[d], align_corners_);
        }
        T* g = out + (n * points + p) * k;
        for (int64_t r = 0; r < k; ++r) {
          double acc = 0.0;
          for (int64_t c = 0; c <= k; ++c) acc += static_cast<double>(m[r * (k + 1) + c]) * base[c];
          g[r] = static_cast<T>(acc);
        }
      }
    }
  }

  bool align_corners_;
};

// ---- DeformConv ------------------------------------------------------------------------------

class DeformConv final : public HalfAsFloat32Kernel {
 public:
  explicit DeformConv(const KernelInfo& info) {
    const Node& node = info.node();
    group_ = node.attr_int("group", 1);
    offset_group_ = node.attr_int("offset_group", 1);
    kernel_shape_ = node.attr_ints("kernel_shape", {});
    strides_ = node.attr_ints("strides", {});
    dilations_ = node.attr_ints("dilations", {});
    pads_ = node.attr_ints("pads", {});
    if (group_ < 1 || offset_group_ < 1) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": group (" + std::to_string(group_) +
                                                ") and offset_group (" +
                                                std::to_string(offset_group_) + ") must be >= 1");
    }
    auto check_positive = [&](const std::vector<int64_t>& v, const char* name) {
      for (int64_t x : v) {
        if (x < 1) {
          throw_error(ErrorCode::kInvalidModel, node.describe() + ": " + name +
                                                    " must be positive, got " + ints_to_string(v));
        }
      }
    };
    check_positive(kernel_shape_, "kernel_shape");
    check_positive(strides_, "strides");
    check_positive(dilations_, "dilations");
    for (int64_t p : pads_) {
      if (p < 0) {
        throw_error(ErrorCode::kInvalidModel,
                    node.describe() + ": pads must not be negative, got " + ints_to_string(pads_));
      }
    }
  }

 private:
  void run(KernelContext& ctx) const override {
    dispatch_float(ctx.node(), ctx.required_input(0).dtype(),
                   [&](auto tag) { run_typed<decltype(tag)>(ctx); });
  }

  template <typename T>
  void run_typed(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& w = ctx.required_input(1);
    const Tensor& offset = ctx.required_input(2);
    const Tensor* bias = ctx.input(3);
    const Tensor* mask = ctx.input(4);
    if (x.rank() < 3) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": X must be at least 3-D, got " + x.shape().to_string());
    }
    const size_t nd = x.rank() - 2;
    if (nd > kMaxSpatialDims) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": at most " + std::to_string(kMaxSpatialDims) +
                      " spatial dimensions are supported, got X " + x.shape().to_string());
    }
    const int64_t batch = x.shape()[0], channels = x.shape()[1];
    if (w.rank() != x.rank() || w.dtype() != x.dtype()) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": W must be a " +
                                                   std::to_string(x.rank()) + "-D " +
                                                   std::string(data_type_name(x.dtype())) +
                                                   " tensor, got " + w.shape().to_string());
    }
    const int64_t out_channels = w.shape()[0];
    if (channels % group_ != 0 || w.shape()[1] * group_ != channels || out_channels % group_ != 0) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": X " + x.shape().to_string() +
                                                   " and W " + w.shape().to_string() +
                                                   " do not fit group " + std::to_string(group_));
    }
    if (channels % offset_group_ != 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": " + std::to_string(channels) +
                      " input channels are not divisible by offset_group " +
                      std::to_string(offset_group_));
    }
    std::vector<int64_t> kernel(nd), stride(nd, 1), dilation(nd, 1), pad_begin(nd, 0),
        pad_end(nd, 0), in_size(nd), out_size(nd);
    auto check_count = [&](const std::vector<int64_t>& v, size_t count, const char* name) {
      if (!v.empty() && v.size() != count) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": " + name + " has " +
                                                     std::to_string(v.size()) +
                                                     " values, expected " + std::to_string(count) +
                                                     " for X " + x.shape().to_string());
      }
    };
    check_count(kernel_shape_, nd, "kernel_shape");
    check_count(strides_, nd, "strides");
    check_count(dilations_, nd, "dilations");
    check_count(pads_, 2 * nd, "pads");
    for (size_t d = 0; d < nd; ++d) {
      kernel[d] = kernel_shape_.empty() ? w.shape()[2 + d] : kernel_shape_[d];
      if (kernel[d] != w.shape()[2 + d]) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": kernel_shape " +
                                                     ints_to_string(kernel_shape_) +
                                                     " does not match W " + w.shape().to_string());
      }
      if (!strides_.empty()) stride[d] = strides_[d];
      if (!dilations_.empty()) dilation[d] = dilations_[d];
      if (!pads_.empty()) {
        pad_begin[d] = pads_[d];
        pad_end[d] = pads_[nd + d];
      }
      in_size[d] = x.shape()[2 + d];
      const int64_t span = (kernel[d] - 1) * dilation[d] + 1;
      const int64_t padded = in_size[d] + pad_begin[d] + pad_end[d];
      if (padded < span) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": the dilated kernel does not fit X " +
                        x.shape().to_string() + " with pads " + ints_to_string(pads_));
      }
      out_size[d] = (padded - span) / stride[d] + 1;
    }
    const int64_t kernel_points = Shape(kernel).num_elements();
    const int64_t out_points = Shape(out_size).num_elements();
    const int64_t in_points = Shape(in_size).num_elements();

    std::vector<int64_t> offset_dims = {batch,
                                        offset_group_ * kernel_points * static_cast<int64_t>(nd)};
    offset_dims.insert(offset_dims.end(), out_size.begin(), out_size.end());
    if (offset.shape() != Shape(offset_dims) || offset.dtype() != x.dtype()) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": offset must have shape " +
                                                   Shape(offset_dims).to_string() + ", got " +
                                                   offset.shape().to_string());
    }
    if (bias != nullptr && (bias->dtype() != x.dtype() || bias->shape() != Shape{out_channels})) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": B must have shape [" +
                                                   std::to_string(out_channels) + "], got " +
                                                   bias->shape().to_string());
    }
    if (mask != nullptr) {
      std::vector<int64_t> mask_dims = {batch, offset_group_ * kernel_points};
      mask_dims.insert(mask_dims.end(), out_size.begin(), out_size.end());
      if (mask->shape() != Shape(mask_dims) || mask->dtype() != x.dtype()) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": mask must have shape " +
                                                     Shape(mask_dims).to_string() + ", got " +
                                                     mask->shape().to_string());
      }
    }

    std::vector<int64_t> y_dims = {batch, out_channels};
    y_dims.insert(y_dims.end(), out_size.begin(), out_size.end());
    Tensor& y = ctx.allocate_output(0, Shape(y_dims), x.dtype());
    if (y.num_elements() == 0) return;
    const T* px = x.data<T>();
    const T* pw = w.data<T>();
    const T* poff = offset.data<T>();
    const T* pmask = mask ? mask->data<T>() : nullptr;
    T* py = y.data<T>();

    std::vector<int64_t> in_stride(nd, 1);
    for (size_t d = nd; d-- > 1;) in_stride[d - 1] = in_stride[d] * in_size[d];
    const int64_t channels_per_offset_group = channels / offset_group_;
    const int64_t rows = channels * kernel_points;
    // Deformable im2col: row (c, kernel point), column (output point) holds X[c] sampled
    // multilinearly (zero outside X) at the kernel point's position moved by its offset.
    Tensor columns = ctx.allocate_temp(Shape{rows, out_points}, x.dtype());
    T* cols = columns.data<T>();
    const int64_t corners = int64_t{1} << nd;

    for (int64_t n = 0; n < batch; ++n) {
      const T* xn = px + n * channels * in_points;
      const T* off_n =
          poff + n * offset_group_ * kernel_points * static_cast<int64_t>(nd) * out_points;
      const T* mask_n = pmask ? pmask + n * offset_group_ * kernel_points * out_points : nullptr;
      kernels::parallel_for(
          offset_group_ * kernel_points, out_points * channels_per_offset_group * corners,
          [&](int64_t begin, int64_t end) {
            std::vector<int64_t> kpos(nd), opos(nd), base(nd);
            std::vector<double> frac(nd);
            for (int64_t task = begin; task < end; ++task) {
              const int64_t og = task / kernel_points, kp = task % kernel_points;
              int64_t rest = kp;
              for (size_t d = nd; d-- > 0;) {
                kpos[d] = rest % kernel[d];
                rest /= kernel[d];
              }
              for (int64_t p = 0; p < out_points; ++p) {
                rest = p;
                for (size_t d = nd; d-- > 0;) {
                  opos[d] = rest % out_size[d];
                  rest /= out_size[d];
                }
                for (size_t d = 0; d < nd; ++d) {
                  const int64_t off_channel = (og * kernel_points + kp) * static_cast<int64_t>(nd) +
                                              static_cast<int64_t>(d);
                  const double pos = static_cast<double>(opos[d] * stride[d] - pad_begin[d] +
                                                         kpos[d] * dilation[d]) +
                                     static_cast<double>(off_n[off_channel * out_points + p]);
                  // Far-off (or NaN) positions clamp to a cell whose corners all lie outside X.
                  const double fl = std::isfinite(pos) ? std::floor(pos) : -2.0;
                  base[d] = static_cast<int64_t>(
                      std::clamp(fl, -2.0, static_cast<double>(in_size[d]) + 1.0));
                  frac[d] = std::isfinite(pos) ? pos - fl : 0.0;
                }
                const double scale =
                    mask_n ? static_cast<double>(mask_n[(og * kernel_points + kp) * out_points + p])
                           : 1.0;
                // Corner offsets and weights are shared by the channels of this offset group.
                int64_t corner_offset[int64_t{1} << kMaxSpatialDims];
                double corner_weight[int64_t{1} << kMaxSpatialDims];
                int64_t used = 0;
                for (int64_t c = 0; c < corners; ++c) {
                  double weight = scale;
                  int64_t flat = 0;
                  bool inside = true;
                  for (size_t d = 0; d < nd; ++d) {
                    const bool upper = ((c >> d) & 1) != 0;
                    const int64_t idx = base[d] + (upper ? 1 : 0);
                    weight *= upper ? frac[d] : 1.0 - frac[d];
                    if (idx < 0 || idx >= in_size[d]) inside = false;
                    flat += idx * in_stride[d];
                  }
                  if (inside && weight != 0.0) {
                    corner_offset[used] = flat;
                    corner_weight[used] = weight;
                    ++used;
                  }
                }
                for (int64_t ci = 0; ci < channels_per_offset_group; ++ci) {
                  const int64_t c = og * channels_per_offset_group + ci;
                  const T* xc = xn + c * in_points;
                  double v = 0.0;
                  for (int64_t u = 0; u < used; ++u)
                    v += corner_weight[u] * static_cast<double>(xc[corner_offset[u]]);
                  cols[(c * kernel_points + kp) * out_points + p] = static_cast<T>(v);
                }
              }
            }
          });
      const int64_t out_per_group = out_channels / group_;
      const int64_t depth = (channels / group_) * kernel_points;
      T* yn = py + n * out_channels * out_points;
      for (int64_t g = 0; g < group_; ++g) {
        kernels::gemm_parallel<T>(false, false, out_per_group, out_points, depth, T(1),
                                  pw + g * out_per_group * depth, depth,
                                  cols + g * depth * out_points, out_points, T(0),
                                  yn + g * out_per_group * out_points, out_points);
      }
      if (bias != nullptr) {
        const T* pb = bias->data<T>();
        for (int64_t m = 0; m < out_channels; ++m) {
          for (int64_t p = 0; p < out_points; ++p) yn[m * out_points + p] += pb[m];
        }
      }
    }
  }

  static constexpr size_t kMaxSpatialDims = 5;
  int64_t group_ = 1;
  int64_t offset_group_ = 1;
  std::vector<int64_t> kernel_shape_, strides_, dilations_, pads_;
};

// ---- Det -------------------------------------------------------------------------------------

// Determinant of the n x n row-major matrix `a` (overwritten) by LU factorisation with partial
// pivoting: det = (-1)^swaps * prod(diagonal of U).
double lu_determinant(std::vector<double>& a, int64_t n) {
  double det = 1.0;
  for (int64_t col = 0; col < n; ++col) {
    int64_t pivot = col;
    for (int64_t r = col + 1; r < n; ++r) {
      if (std::fabs(a[r * n + col]) > std::fabs(a[pivot * n + col])) pivot = r;
    }
    const double p = a[pivot * n + col];
    if (p == 0.0) return 0.0;
    if (pivot != col) {
      for (int64_t c = 0; c < n; ++c) std::swap(a[col * n + c], a[pivot * n + c]);
      det = -det;
    }
    det *= p;
    for (int64_t r = col + 1; r < n; ++r) {
      const double factor = a[r * n + col] / p;
      if (factor == 0.0) continue;
      for (int64_t c = col + 1; c < n; ++c) a[r * n + c] -= factor * a[col * n + c];
    }
  }
  return det;
}

class Det final : public HalfAsFloat32Kernel {
 public:
  explicit Det(const KernelInfo&) {}

 private:
  void run(KernelContext& ctx) const override {
    dispatch_float(ctx.node(), ctx.required_input(0).dtype(),
                   [&](auto tag) { run_typed<decltype(tag)>(ctx); });
  }

  template <typename T>
  void run_typed(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const size_t rank = x.rank();
    if (rank < 2 || x.shape()[rank - 1] != x.shape()[rank - 2]) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() +
                                                   ": X must be [*, M, M] (square matrices), got " +
                                                   x.shape().to_string());
    }
    const int64_t n = x.shape()[rank - 1];
    std::vector<int64_t> out_dims(x.shape().dims().begin(), x.shape().dims().end() - 2);
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    const int64_t count = y.num_elements();
    const T* px = x.data<T>();
    T* py = y.data<T>();
    kernels::parallel_for(count, n * n * n, [&](int64_t begin, int64_t end) {
      std::vector<double> a(static_cast<size_t>(n * n));
      for (int64_t b = begin; b < end; ++b) {
        for (int64_t i = 0; i < n * n; ++i) a[i] = static_cast<double>(px[b * n * n + i]);
        py[b] = static_cast<T>(lu_determinant(a, n));
      }
    });
  }
};

// ---- TfIdfVectorizer -------------------------------------------------------------------------

class TfIdfVectorizer final : public OpKernel {
 public:
  explicit TfIdfVectorizer(const KernelInfo& info) {
    const Node& node = info.node();
    const std::string mode = node.attr_string("mode");
    if (mode == "TF") {
      mode_ = Mode::kTf;
    } else if (mode == "IDF") {
      mode_ = Mode::kIdf;
    } else if (mode == "TFIDF") {
      mode_ = Mode::kTfIdf;
    } else {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": mode '" + mode + "' is not one of TF, IDF, TFIDF");
    }
    min_gram_ = node.attr_int("min_gram_length");
    max_gram_ = node.attr_int("max_gram_length");
    max_skip_ = node.attr_int("max_skip_count");
    if (min_gram_ < 1 || max_gram_ < min_gram_ || max_skip_ < 0) {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() +
                      ": need 1 <= min_gram_length <= max_gram_length and "
                      "max_skip_count >= 0, got " +
                      std::to_string(min_gram_) + ", " + std::to_string(max_gram_) + ", " +
                      std::to_string(max_skip_));
    }
    const std::vector<int64_t> counts = node.attr_ints("ngram_counts");
    ngram_indexes_ = node.attr_ints("ngram_indexes");
    weights_ = node.attr_floats("weights", {});
    const bool has_ints = node.has_attribute("pool_int64s");
    const bool has_strings = node.has_attribute("pool_strings");
    if (has_ints == has_strings) {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": exactly one of pool_int64s and pool_strings must be set");
    }
    strings_ = has_strings;
    std::vector<int64_t> pool;
    if (has_ints) {
      pool = node.attr_ints("pool_int64s");
    } else {
      // Strings become ids; input strings outside the pool cannot start or continue an n-gram.
      for (const std::string& s : node.attr_strings("pool_strings")) {
        auto [it, added] = string_ids_.emplace(s, static_cast<int64_t>(string_ids_.size()));
        pool.push_back(it->second);
      }
    }
    const int64_t pool_size = static_cast<int64_t>(pool.size());
    output_size_ = 0;
    for (int64_t i : ngram_indexes_) {
      if (i < 0) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": ngram_indexes " +
                                                  ints_to_string(ngram_indexes_) +
                                                  " holds a negative index");
      }
      output_size_ = std::max(output_size_, i + 1);
    }
    // weights[i] scales the i-th n-gram of the pool (as onnxruntime does), whichever output
    // column ngram_indexes sends it to.
    if (!weights_.empty() && weights_.size() < ngram_indexes_.size()) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": weights has " +
                                                std::to_string(weights_.size()) + " values for " +
                                                std::to_string(ngram_indexes_.size()) + " n-grams");
    }
    // ngram_counts[i] is where the (i+1)-grams start in the pool.
    int64_t ngram_number = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
      const int64_t gram = static_cast<int64_t>(i) + 1;
      const int64_t begin = counts[i];
      const int64_t end = i + 1 < counts.size() ? counts[i + 1] : pool_size;
      if (begin < 0 || end < begin || end > pool_size) {
        throw_error(ErrorCode::kInvalidModel,
                    node.describe() + ": ngram_counts " + ints_to_string(counts) +
                        " do not fit a pool of " + std::to_string(pool_size));
      }
      const int64_t ngrams = (end - begin) / gram;
      for (int64_t g = 0; g < ngrams; ++g, ++ngram_number) {
        if (gram < min_gram_ || gram > max_gram_) continue;
        if (ngram_number >= static_cast<int64_t>(ngram_indexes_.size())) {
          throw_error(ErrorCode::kInvalidModel, node.describe() + ": ngram_indexes has " +
                                                    std::to_string(ngram_indexes_.size()) +
                                                    " entries, the pool holds more n-grams");
        }
        size_t trie_node = 0;
        for (int64_t t = 0; t < gram; ++t)
          trie_node = add_child(trie_node, pool[begin + g * gram + t]);
        trie_[trie_node].ngram = ngram_number;
      }
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    if (strings_ != (x.dtype() == DataType::kString) ||
        (!strings_ && x.dtype() != DataType::kInt32 && x.dtype() != DataType::kInt64)) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": input 0 has type " + std::string(data_type_name(x.dtype())) +
                      ", expected " +
                      (strings_ ? "string (pool_strings)" : "int32 or int64 (pool_int64s)"));
    }
    if (x.rank() > 2) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": X must be [C] or [N, C], got " + x.shape().to_string());
    }
    const bool batched = x.rank() == 2;
    const int64_t rows = batched ? x.shape()[0] : 1;
    const int64_t row_size = x.rank() == 0 ? 1 : x.shape()[x.rank() - 1];
    Tensor& y = ctx.allocate_output(0, batched ? Shape{rows, output_size_} : Shape{output_size_},
                                    DataType::kFloat32);
    float* py = y.data<float>();
    std::fill(py, py + y.num_elements(), 0.0f);

    // Tokens as trie keys: pool ids for strings (-1 when absent), the values for integers.
    std::vector<int64_t> tokens(static_cast<size_t>(x.num_elements()));
    if (strings_) {
      const std::string* s = x.data<std::string>();
      for (size_t i = 0; i < tokens.size(); ++i) {
        auto it = string_ids_.find(s[i]);
        tokens[i] = it == string_ids_.end() ? -1 : it->second;
      }
    } else {
      tokens = x.to_int64_vector();
    }
    std::vector<int64_t> counts(ngram_indexes_.size());
    for (int64_t r = 0; r < rows; ++r) {
      std::fill(counts.begin(), counts.end(), 0);
      const int64_t* row = tokens.data() + r * row_size;
      for (int64_t skip = 0; skip <= max_skip_; ++skip) {
        const int64_t step = skip + 1;
        // Unigrams do not depend on the skip: count them in the first pass only.
        const int64_t shortest = skip == 0 ? min_gram_ : std::max<int64_t>(min_gram_, 2);
        if (shortest > max_gram_) break;
        for (int64_t start = 0; start + step * (shortest - 1) < row_size; ++start) {
          size_t trie_node = 0;
          for (int64_t len = 1, pos = start; len <= max_gram_ && pos < row_size;
               ++len, pos += step) {
            const size_t next = find_child(trie_node, row[pos]);
            if (next == 0) break;
            trie_node = next;
            if (len >= shortest && trie_[trie_node].ngram >= 0) ++counts[trie_[trie_node].ngram];
          }
        }
      }
      float* out = py + r * output_size_;
      for (size_t g = 0; g < counts.size(); ++g) {
        if (counts[g] == 0) continue;
        const float w = weights_.empty() ? 1.0f : weights_[g];
        const float count = static_cast<float>(counts[g]);
        out[ngram_indexes_[g]] +=
            mode_ == Mode::kTf ? count : (mode_ == Mode::kIdf ? w : w * count);
      }
    }
  }

 private:
  enum class Mode { kTf, kIdf, kTfIdf };
  struct TrieNode {
    std::map<int64_t, size_t> children;
    int64_t ngram = -1;  // pool n-gram number of the n-gram ending here, or -1
  };

  // Child of trie_[parent] for `key`, or 0 (the root, never a child) when there is none.
  size_t find_child(size_t parent, int64_t key) const {
    auto it = trie_[parent].children.find(key);
    return it == trie_[parent].children.end() ? 0 : it->second;
  }
  size_t add_child(size_t parent, int64_t key) {
    if (size_t existing = find_child(parent, key); existing != 0) return existing;
    trie_.emplace_back();
    trie_[parent].children.emplace(key, trie_.size() - 1);
    return trie_.size() - 1;
  }

  Mode mode_ = Mode::kTf;
  int64_t min_gram_ = 1, max_gram_ = 1, max_skip_ = 0, output_size_ = 0;
  std::vector<int64_t> ngram_indexes_;
  std::vector<float> weights_;
  bool strings_ = false;
  std::unordered_map<std::string, int64_t> string_ids_;
  // Prefix tree of the pool's n-grams (node 0 is the root); built in the constructor.
  std::vector<TrieNode> trie_ = std::vector<TrieNode>(1);
};

// ---- Upsample --------------------------------------------------------------------------------

// Upsample-7 (scales attribute) and Upsample-9/10 (scales input): Resize-10 semantics, i.e.
// asymmetric coordinates, output size floor(input * scale), nearest rounding as Resize-10.
class Upsample final : public OpKernel {
 public:
  explicit Upsample(const KernelInfo& info) : opset_(info.opset()) {
    const Node& node = info.node();
    const std::string mode = node.attr_string("mode", "nearest");
    if (mode == "nearest") {
      options_.mode = kernels::ResizeMode::kNearest;
    } else if (mode == "linear" || mode == "bilinear") {
      options_.mode = kernels::ResizeMode::kLinear;
    } else {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": mode '" + mode + "' is not one of nearest, linear");
    }
    options_.transform = kernels::CoordinateTransform::kAsymmetric;
    options_.rounding = kernels::NearestRounding::kSimple;
    if (opset_ < 9) {
      for (float s : node.attr_floats("scales")) scales_.push_back(s);
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const std::vector<double> scales =
        opset_ < 9 ? scales_ : tensor_to_doubles(ctx.required_input(1));
    if (scales.size() != x.rank()) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": scales has " +
                                                   std::to_string(scales.size()) +
                                                   " values for the " + std::to_string(x.rank()) +
                                                   "-D input " + x.shape().to_string());
    }
    std::vector<kernels::AxisSampling> samplings;
    std::vector<int64_t> out_dims;
    for (size_t d = 0; d < x.rank(); ++d) {
      if (!(scales[d] >= 1.0) || !std::isfinite(scales[d]) ||
          scales[d] * static_cast<double>(x.shape()[d]) > 9.0e15) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": scales[" + std::to_string(d) +
                                                     "] = " + std::to_string(scales[d]) +
                                                     " must be a finite value >= 1");
      }
      kernels::ResizeAxis axis;
      axis.input_size = x.shape()[d];
      axis.scale = scales[d];
      axis.output_size =
          static_cast<int64_t>(std::floor(scales[d] * static_cast<double>(axis.input_size)));
      samplings.push_back(kernels::compute_axis_sampling(axis, options_));
      out_dims.push_back(axis.output_size);
    }
    if (options_.mode == kernels::ResizeMode::kNearest) {
      if (x.dtype() == DataType::kString) unsupported_type(node, x.dtype());
      Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
      if (y.num_elements() == 0) return;
      const uint64_t fill = 0;
      kernels::resize_nearest(samplings, x.raw_data(), y.raw_data(), element_size(x.dtype()),
                              &fill);
      return;
    }
    if (is_half(x.dtype())) {
      compute_in_float32(ctx, x.dtype(),
                         [&](KernelContext& c) { interpolate<float>(c, samplings, out_dims); });
      return;
    }
    dispatch_float(node, x.dtype(),
                   [&](auto tag) { interpolate<decltype(tag)>(ctx, samplings, out_dims); });
  }

 private:
  template <typename T>
  void interpolate(KernelContext& ctx, const std::vector<kernels::AxisSampling>& samplings,
                   const std::vector<int64_t>& out_dims) const {
    const Tensor& x = ctx.required_input(0);
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (y.num_elements() == 0) return;
    const kernels::ResizePlan plan = kernels::plan_resize(samplings);
    Tensor scratch = ctx.allocate_temp(Shape{plan.scratch_elements}, x.dtype());
    kernels::resize_interpolate<T>(samplings, plan, x.data<T>(), y.data<T>(), scratch.data<T>(),
                                   T(0));
  }

  int64_t opset_;
  kernels::ResizeOptions options_;
  std::vector<double> scales_;
};

// ---- SequenceMap -----------------------------------------------------------------------------

class SequenceMap final : public OpKernel {
 public:
  explicit SequenceMap(const KernelInfo& info)
      : body_(info.compile_subgraph(*info.node().attr_graph("body"))) {
    const Node& node = info.node();
    const Graph& body = *node.attr_graph("body");
    if (body.inputs.size() != info.num_inputs() || body.outputs.size() != info.num_outputs()) {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": the body takes " + std::to_string(body.inputs.size()) +
                      " inputs and gives " + std::to_string(body.outputs.size()) +
                      " outputs for a node with " + std::to_string(info.num_inputs()) +
                      " inputs and " + std::to_string(info.num_outputs()) + " outputs");
    }
    for (size_t k = 0; k < body.outputs.size(); ++k) {
      DataType t = info.output_type(k);
      if (t == DataType::kUndefined) t = body.outputs[k].type.dtype;
      if (t == DataType::kUndefined) {
        if (const TypeInfo* inner = body.find_type(body.outputs[k].name)) t = inner->dtype;
      }
      output_types_.push_back(t);
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    std::vector<const Value*> inputs(ctx.num_inputs());
    int64_t length = -1;
    for (size_t i = 0; i < inputs.size(); ++i) {
      inputs[i] = ctx.input_value(i);
      if (inputs[i] == nullptr) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": input " + std::to_string(i) + " is required");
      }
      const ValueKind kind = inputs[i]->kind();
      if (kind != ValueKind::kSequence && (i == 0 || kind != ValueKind::kTensor)) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": input " + std::to_string(i) + " must be a " +
                        (i == 0 ? "sequence" : "sequence or a tensor") + ", got " +
                        inputs[i]->type_string());
      }
      if (kind != ValueKind::kSequence) continue;
      const int64_t n = static_cast<int64_t>(inputs[i]->elements().size());
      if (length >= 0 && n != length) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": input " + std::to_string(i) + " holds " +
                        std::to_string(n) + " elements, input 0 holds " + std::to_string(length));
      }
      length = n;
    }
    std::vector<std::vector<Tensor>> results(ctx.num_outputs());
    for (int64_t e = 0; e < length; ++e) {
      std::vector<Value> args;
      args.reserve(inputs.size());
      for (const Value* v : inputs) {
        args.push_back(v->kind() == ValueKind::kSequence ? Value(v->elements()[e]) : *v);
      }
      std::vector<Value> outs =
          body_->run(std::move(args), [&ctx](const std::string& n) { return ctx.outer_value(n); });
      if (outs.size() != results.size()) {
        throw_error(ErrorCode::kInvalidModel,
                    node.describe() + ": the body gave " + std::to_string(outs.size()) +
                        " outputs, expected " + std::to_string(results.size()));
      }
      for (size_t k = 0; k < outs.size(); ++k) {
        if (!outs[k].is_tensor()) {
          throw_error(ErrorCode::kInvalidModel, node.describe() + ": body output " +
                                                    std::to_string(k) + " must be a tensor, got " +
                                                    outs[k].type_string());
        }
        results[k].push_back(std::move(outs[k].tensor()));
      }
    }
    for (size_t k = 0; k < results.size(); ++k) {
      DataType t = results[k].empty() ? output_types_[k] : results[k][0].dtype();
      for (const Tensor& r : results[k]) {
        if (r.dtype() != t) {
          throw_error(ErrorCode::kInvalidModel,
                      node.describe() + ": body output " + std::to_string(k) +
                          " changes type from " + std::string(data_type_name(t)) + " to " +
                          std::string(data_type_name(r.dtype())) + " between elements");
        }
      }
      ctx.set_output_value(k, Value::sequence(std::move(results[k]), t));
    }
  }

 private:
  std::unique_ptr<CompiledSubgraph> body_;
  std::vector<DataType> output_types_;
};

}  // namespace

void register_extra_kernels(KernelRegistry& registry) {
  const std::vector<DataType> int64_only = {DataType::kInt64};
  registry.add({"",
                "AffineGrid",
                20,
                kMaxOpset,
                {{"T1", {0}, {0}, types::kFloats}, {"T2", {1}, {}, int64_only}},
                make_kernel<AffineGrid>()});
  registry.add({"",
                "DeformConv",
                19,
                kMaxOpset,
                {{"T", {0, 1, 2, 3, 4}, {0}, types::kFloats}},
                make_kernel<DeformConv>()});
  registry.add({"", "Det", 11, kMaxOpset, {{"T", {0}, {0}, types::kFloats}}, make_kernel<Det>()});
  registry.add({"",
                "TfIdfVectorizer",
                9,
                kMaxOpset,
                {{"T", {0}, {}, {DataType::kString, DataType::kInt32, DataType::kInt64}}},
                make_kernel<TfIdfVectorizer>()});
  registry.add(
      {"", "Upsample", 7, 8, {{"T", {0}, {0}, types::kAllNonString}}, make_kernel<Upsample>()});
  registry.add({"",
                "Upsample",
                9,
                10,
                {{"T", {0}, {0}, types::kAllNonString}, {"scales", {1}, {}, types::kFloat32Only}},
                make_kernel<Upsample>()});
  // Additional inputs (1...) may be sequences or tensors; the kernel checks each one.
  registry.add({"",
                "SequenceMap",
                17,
                kMaxOpset,
                {{"S", {0}, {}, types::kAll, {ValueKind::kSequence}}},
                make_kernel<SequenceMap>()});
}

}  // namespace aruntime::cpu
