// Ops that generate or rearrange tensors from shapes and positions: Expand, Tile, DepthToSpace,
// SpaceToDepth, Trilu, EyeLike, OneHot, Range, Size, plus the axis-wise normalisers LogSoftmax and
// Hardmax. The pure rearrangements are strided copies or transposes (kernels/copy.h,
// kernels/transpose.h) and so work on every element type, strings included.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "kernels/broadcast.h"
#include "kernels/cast.h"
#include "kernels/copy.h"
#include "kernels/elementwise.h"
#include "kernels/parallel.h"
#include "kernels/shape_ops.h"
#include "kernels/transpose.h"
#include "providers/cpu/ops/tensor_ops.h"

namespace aruntime::cpu {
namespace {

using NonStringTypes = kernels::TypeList<float, double, Float16, BFloat16, int8_t, int16_t, int32_t,
                                         int64_t, uint8_t, uint16_t, uint32_t, uint64_t, bool>;

std::string type_text(const Tensor& t) {
  return std::string(data_type_name(t.dtype())) + t.shape().to_string();
}

[[noreturn]] void unsupported_type(const Node& node, DataType type) {
  throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                              std::string(data_type_name(type)) +
                                              " is not supported");
}

// ---- Expand ----------------------------------------------------------------------------------

// Expand broadcasts the input and the requested shape against each other (a requested 1 keeps the
// input's dim), then copies with stride 0 along the broadcast dims.
class ExpandKernel final : public OpKernel {
 public:
  explicit ExpandKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const Shape out_shape =
        movement::expand_shape(ctx.node(), x.shape(), int_list_input(ctx, 1, "shape"));
    Tensor& out = ctx.allocate_output(0, out_shape, x.dtype());
    if (out.num_elements() == 0) return;
    const kernels::StridedView view = kernels::expand_view(x.shape().dims(), out_shape.dims());
    kernels::strided_copy(x.dtype(), x.raw_data(), view.src_strides, out.raw_data(),
                          kernels::contiguous_strides(view.dims), view.dims);
  }
};

// ---- Tile ------------------------------------------------------------------------------------

// The output viewed as [r0, d0, r1, d1, ...] reads the input with stride 0 along each repeat dim.
class TileKernel final : public OpKernel {
 public:
  explicit TileKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const std::vector<int64_t> repeats = int_list_input(ctx, 1, "repeats");
    movement::check_tile_repeats(ctx.node(), x.shape(), repeats);
    std::vector<int64_t> out_dims(x.rank());
    for (size_t d = 0; d < x.rank(); ++d) out_dims[d] = repeats[d] * x.shape()[d];
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (out.num_elements() == 0) return;
    const kernels::StridedView view = kernels::tile_view(x.shape().dims(), repeats);
    kernels::strided_copy(x.dtype(), x.raw_data(), view.src_strides, out.raw_data(),
                          kernels::contiguous_strides(view.dims), view.dims);
  }
};

// ---- DepthToSpace / SpaceToDepth -------------------------------------------------------------

// DepthToSpace moves channel blocks into b x b spatial blocks: DCR reads the channel index as
// (row, column, channel), CRD (opset 11+) as (channel, row, column). Both are a 6-D transpose.
class DepthToSpaceKernel final : public OpKernel {
 public:
  explicit DepthToSpaceKernel(const KernelInfo& info)
      : blocksize_(movement::read_blocksize(info.node())),
        crd_(movement::depth_to_space_is_crd(info.node(), info.opset())) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const Shape out_shape = movement::depth_to_space_shape(ctx.node(), x.shape(), blocksize_);
    Tensor& out = ctx.allocate_output(0, out_shape, x.dtype());
    if (out.num_elements() == 0) return;
    const kernels::TransposeView view =
        kernels::depth_to_space_view(x.shape().dims(), blocksize_, crd_);
    kernels::transpose(x.dtype(), x.raw_data(), view.dims, view.perm, out.raw_data());
  }

 private:
  int64_t blocksize_;
  bool crd_ = false;
};

// SpaceToDepth is the inverse of DCR DepthToSpace.
class SpaceToDepthKernel final : public OpKernel {
 public:
  explicit SpaceToDepthKernel(const KernelInfo& info)
      : blocksize_(movement::read_blocksize(info.node())) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const Shape out_shape = movement::space_to_depth_shape(ctx.node(), x.shape(), blocksize_);
    Tensor& out = ctx.allocate_output(0, out_shape, x.dtype());
    if (out.num_elements() == 0) return;
    const kernels::TransposeView view = kernels::space_to_depth_view(x.shape().dims(), blocksize_);
    kernels::transpose(x.dtype(), x.raw_data(), view.dims, view.perm, out.raw_data());
  }

 private:
  int64_t blocksize_;
};

// ---- Trilu -----------------------------------------------------------------------------------

// Keeps the upper (j - i >= k) or lower (j - i <= k) triangle of each trailing matrix and zeroes
// the rest (empty strings for string tensors).
class TriluKernel final : public OpKernel {
 public:
  explicit TriluKernel(const KernelInfo& info) : upper_(info.node().attr_int("upper", 1) != 0) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    if (x.rank() < 2) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": input must have rank >= 2, got " + x.shape().to_string());
    }
    int64_t k = 0;
    if (ctx.input(1) != nullptr) {
      const Tensor& kt = *ctx.input(1);
      if (kt.dtype() != DataType::kInt64 || kt.num_elements() != 1) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": k must be an int64 scalar, got " + type_text(kt));
      }
      k = kt.data<int64_t>()[0];
    }
    Tensor& out = ctx.allocate_output(0, x.shape(), x.dtype());
    if (out.num_elements() == 0) return;
    const int64_t rows = x.shape()[x.rank() - 2];
    const int64_t cols = x.shape()[x.rank() - 1];
    const int64_t matrices = x.num_elements() / (rows * cols);
    kernels::dispatch_type(kernels::AllTypes{}, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* in = x.data<T>();
      T* o = out.data<T>();
      kernels::parallel_for(matrices * rows, cols, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const int64_t i = r % rows;
          for (int64_t j = 0; j < cols; ++j) {
            const bool keep = upper_ ? j - i >= k : j - i <= k;
            o[r * cols + j] = keep ? in[r * cols + j] : T{};
          }
        }
      });
    });
  }

 private:
  bool upper_;
};

// ---- EyeLike ---------------------------------------------------------------------------------

// Ones on the k-th diagonal of a 2-D tensor shaped like the input, of type `dtype` (default: the
// input's type).
class EyeLikeKernel final : public OpKernel {
 public:
  explicit EyeLikeKernel(const KernelInfo& info) : k_(info.node().attr_int("k", 0)) {
    const Node& node = info.node();
    if (node.has_attribute("dtype")) {
      dtype_ = data_type_from_onnx(static_cast<int32_t>(node.attr_int("dtype")));
      if (dtype_ == DataType::kUndefined || dtype_ == DataType::kString) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": dtype " +
                                                  std::to_string(node.attr_int("dtype")) +
                                                  " is not a supported numeric or bool type");
      }
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    if (x.rank() != 2) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": input must be 2-D, got " + x.shape().to_string());
    }
    const DataType dtype = dtype_ == DataType::kUndefined ? x.dtype() : dtype_;
    Tensor& out = ctx.allocate_output(0, x.shape(), dtype);
    const int64_t rows = x.shape()[0], cols = x.shape()[1];
    const bool handled = kernels::dispatch_type(NonStringTypes{}, dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* o = out.data<T>();
      std::fill(o, o + out.num_elements(), T{});
      const T one = kernels::from_compute<T>(1);
      for (int64_t i = std::max<int64_t>(0, -k_); i < rows; ++i) {
        const int64_t j = i + k_;
        if (j >= cols) break;
        o[i * cols + j] = one;
      }
    });
    if (!handled) unsupported_type(node, dtype);
  }

 private:
  int64_t k_;
  DataType dtype_ = DataType::kUndefined;
};

// ---- OneHot ----------------------------------------------------------------------------------

// OneHot inserts a depth axis at `axis`; position d of that axis holds values[1] where the index
// (negative ones count from the end) equals d, values[0] elsewhere. Each output element is a
// gather from the two-element values tensor.
class OneHotKernel final : public OpKernel {
 public:
  explicit OneHotKernel(const KernelInfo& info) : axis_(info.node().attr_int("axis", -1)) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& indices_t = ctx.required_input(0);
    const Tensor& depth_t = ctx.required_input(1);
    const Tensor& values = ctx.required_input(2);
    if (depth_t.num_elements() != 1 || depth_t.rank() > 1 || depth_t.dtype() == DataType::kString ||
        depth_t.dtype() == DataType::kBool) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": depth must be a numeric scalar, got " + type_text(depth_t));
    }
    if (values.num_elements() != 2 || values.rank() != 1) {
      throw_error(
          ErrorCode::kRuntimeError,
          node.describe() + ": values must be [off_value, on_value], got " + type_text(values));
    }
    double depth_value = 0;
    kernels::cast(depth_t.dtype(), depth_t.raw_data(), DataType::kFloat64, &depth_value, 1);
    const int64_t depth = kernels::double_to_int64(depth_value);
    if (depth < 1) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": depth must be positive, got " + std::to_string(depth));
    }
    const int64_t out_rank = static_cast<int64_t>(indices_t.rank()) + 1;
    const size_t axis = static_cast<size_t>(checked_axis(node, axis_, out_rank, "axis"));
    std::vector<int64_t> out_dims = indices_t.shape().dims();
    out_dims.insert(out_dims.begin() + static_cast<std::ptrdiff_t>(axis), depth);

    // Indices of any numeric type become int64 (floats truncate toward zero).
    std::vector<int64_t> indices(static_cast<size_t>(indices_t.num_elements()));
    if (!indices.empty()) {
      kernels::cast(indices_t.dtype(), indices_t.raw_data(), DataType::kInt64, indices.data(),
                    indices_t.num_elements());
    }
    Tensor& out = ctx.allocate_output(0, Shape(out_dims), values.dtype());
    if (out.num_elements() == 0) return;
    const int64_t outer = indices_t.shape().size_from_to(0, axis);
    const int64_t inner = indices_t.shape().size_from_to(axis, indices_t.rank());
    std::vector<int64_t> pick(static_cast<size_t>(out.num_elements()), 0);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        int64_t idx = indices[o * inner + i];
        if (idx < 0) idx += depth;
        if (idx >= 0 && idx < depth) pick[(o * depth + idx) * inner + i] = 1;
      }
    }
    kernels::gather_rows(values.dtype(), values.raw_data(), 1, 2, 1, pick.data(),
                         out.num_elements(), out.raw_data());
  }

 private:
  int64_t axis_;
};

// ---- Range -----------------------------------------------------------------------------------

template <typename T>
int64_t range_count(T start, T limit, T delta) {
  if constexpr (std::is_floating_point_v<T>) {
    const double n = std::ceil((static_cast<double>(limit) - static_cast<double>(start)) /
                               static_cast<double>(delta));
    // Beyond 2^62 no tensor could be allocated anyway; saturating keeps the cast defined and
    // lets the allocation report the size.
    if (!(n < 4.6e18)) return int64_t{1} << 62;
    return n > 0 ? static_cast<int64_t>(n) : 0;
  } else {
    // ceil(|limit - start| / |delta|) in uint64, where neither the distance nor the step can
    // overflow; 0 when delta points away from limit.
    const int64_t s = static_cast<int64_t>(start), l = static_cast<int64_t>(limit);
    const int64_t d = static_cast<int64_t>(delta);
    if (l == s || (l > s) != (d > 0)) return 0;
    const uint64_t distance = l > s ? static_cast<uint64_t>(l) - static_cast<uint64_t>(s)
                                    : static_cast<uint64_t>(s) - static_cast<uint64_t>(l);
    const uint64_t step = d > 0 ? static_cast<uint64_t>(d) : 0 - static_cast<uint64_t>(d);
    const uint64_t n = distance / step + (distance % step != 0 ? 1 : 0);
    return n > (uint64_t{1} << 62) ? int64_t{1} << 62 : static_cast<int64_t>(n);
  }
}

class RangeKernel final : public OpKernel {
 public:
  explicit RangeKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& start = ctx.required_input(0);
    const Tensor& limit = ctx.required_input(1);
    const Tensor& delta = ctx.required_input(2);
    for (const Tensor* t : {&start, &limit, &delta}) {
      if (t->num_elements() != 1 || t->rank() > 1 || t->dtype() != start.dtype()) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": start, limit and delta must be scalars of one type, got " +
                        type_text(start) + ", " + type_text(limit) + ", " + type_text(delta));
      }
    }
    using RangeTypes = kernels::TypeList<float, double, int16_t, int32_t, int64_t>;
    const bool handled = kernels::dispatch_type(RangeTypes{}, start.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T s = start.data<T>()[0], l = limit.data<T>()[0], d = delta.data<T>()[0];
      if (d == T(0)) {
        throw_error(ErrorCode::kRuntimeError, node.describe() + ": delta must not be 0");
      }
      if constexpr (std::is_floating_point_v<T>) {
        if (!std::isfinite(s) || !std::isfinite(l) || !std::isfinite(d)) {
          throw_error(ErrorCode::kRuntimeError,
                      node.describe() + ": start, limit and delta must be finite");
        }
      }
      const int64_t n = range_count(s, l, d);
      Tensor& out = ctx.allocate_output(0, Shape{n}, start.dtype());
      T* o = out.data<T>();
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(s + static_cast<T>(i) * d);
    });
    if (!handled) unsupported_type(node, start.dtype());
  }
};

// ---- Size ------------------------------------------------------------------------------------

class SizeKernel final : public OpKernel {
 public:
  explicit SizeKernel(const KernelInfo&) {}
  bool reads_input_metadata_only(size_t input) const override { return input == 0; }
  void compute(KernelContext& ctx) const override {
    const int64_t count = ctx.required_input(0).num_elements();
    ctx.allocate_output(0, Shape{}, DataType::kInt64).data<int64_t>()[0] = count;
  }
};

// ---- LogSoftmax / Hardmax --------------------------------------------------------------------

// The [outer, axis, inner] view of LogSoftmax and Hardmax: before opset 13 the input is coerced to
// 2-D at `axis` (default 1), from 13 the op runs along the single axis `axis` (default -1).
struct AxisView {
  int64_t outer, dim, inner;
};

class AxiswiseKernel : public OpKernel {
 public:
  explicit AxiswiseKernel(const KernelInfo& info)
      : coerce_2d_(info.opset() < 13), axis_(info.node().attr_int("axis", coerce_2d_ ? 1 : -1)) {}

  void compute(KernelContext& ctx) const final {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    if (rank == 0 || axis_ < -rank || axis_ >= rank) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": axis " + std::to_string(axis_) +
                                                " is out of range for input of shape " +
                                                x.shape().to_string());
    }
    const size_t axis = static_cast<size_t>(axis_ < 0 ? axis_ + rank : axis_);
    AxisView view{x.shape().size_from_to(0, axis), 0, 1};
    if (coerce_2d_) {
      view.dim = x.shape().size_from_to(axis, x.rank());
    } else {
      view.dim = x.shape()[axis];
      view.inner = x.shape().size_from_to(axis + 1, x.rank());
    }
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    const bool handled = kernels::dispatch_type(kernels::FloatTypes{}, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* in = x.data<T>();
      T* out = y.data<T>();
      kernels::parallel_for(
          view.outer * view.inner, view.dim * 16, [&](int64_t begin, int64_t end) {
            std::vector<kernels::compute_type_t<T>> line(static_cast<size_t>(view.dim));
            for (int64_t w = begin; w < end; ++w) {
              const int64_t base = (w / view.inner) * view.dim * view.inner + w % view.inner;
              for (int64_t j = 0; j < view.dim; ++j) {
                line[j] = kernels::to_compute(in[base + j * view.inner]);
              }
              transform_line(line);
              for (int64_t j = 0; j < view.dim; ++j) {
                out[base + j * view.inner] = kernels::from_compute<T>(line[j]);
              }
            }
          });
    });
    if (!handled) unsupported_type(node, x.dtype());
  }

 protected:
  // Replaces one line of values along the axis by the op's result.
  virtual void transform_line(std::vector<float>& line) const = 0;
  virtual void transform_line(std::vector<double>& line) const = 0;

 private:
  bool coerce_2d_;
  int64_t axis_;
};

// log(softmax(x)) = x - max - log(sum(exp(x - max))), which stays finite for large inputs.
class LogSoftmaxKernel final : public AxiswiseKernel {
 public:
  using AxiswiseKernel::AxiswiseKernel;

 protected:
  void transform_line(std::vector<float>& line) const override { log_softmax(line); }
  void transform_line(std::vector<double>& line) const override { log_softmax(line); }

 private:
  template <typename C>
  static void log_softmax(std::vector<C>& line) {
    const C max = *std::max_element(line.begin(), line.end());
    C sum = 0;
    for (C v : line) sum += std::exp(v - max);
    const C offset = max + std::log(sum);
    for (C& v : line) v -= offset;
  }
};

// 1 at the first maximum of each line, 0 elsewhere.
class HardmaxKernel final : public AxiswiseKernel {
 public:
  using AxiswiseKernel::AxiswiseKernel;

 protected:
  void transform_line(std::vector<float>& line) const override { hardmax(line); }
  void transform_line(std::vector<double>& line) const override { hardmax(line); }

 private:
  template <typename C>
  static void hardmax(std::vector<C>& line) {
    const auto first_max = std::max_element(line.begin(), line.end());
    const auto winner = first_max - line.begin();
    for (size_t j = 0; j < line.size(); ++j) line[j] = static_cast<ptrdiff_t>(j) == winner ? 1 : 0;
  }
};

}  // namespace

void register_tensor_generate_kernels(KernelRegistry& registry) {
  using DT = DataType;
  const std::vector<DataType> int64_only = {DT::kInt64};

  add_kernel_def(registry, "Expand", 8, 23,
                 {{"T", {0}, {0}, types::kAll}, {"shape", {1}, {}, int64_only}},
                 make_kernel<ExpandKernel>());
  add_kernel_def(registry, "Tile", 6, 23,
                 {{"T", {0}, {0}, types::kAll}, {"T1", {1}, {}, int64_only}},
                 make_kernel<TileKernel>());
  registry.add("DepthToSpace", 1, 23, {0}, types::kAll, make_kernel<DepthToSpaceKernel>());
  registry.add("SpaceToDepth", 1, 23, {0}, types::kAll, make_kernel<SpaceToDepthKernel>());
  add_kernel_def(registry, "Trilu", 14, 23,
                 {{"T", {0}, {0}, types::kAll}, {"k", {1}, {}, int64_only}},
                 make_kernel<TriluKernel>());
  add_kernel_def(registry, "EyeLike", 9, 23,
                 {{"T1", {0}, {}, types::kAllNonString}, {"T2", {}, {0}, types::kAllNonString}},
                 make_kernel<EyeLikeKernel>());
  add_kernel_def(registry, "OneHot", 9, 23,
                 {{"T1", {0}, {}, types::kNumeric},
                  {"T2", {1}, {}, types::kNumeric},
                  {"T3", {2}, {0}, types::kAll}},
                 make_kernel<OneHotKernel>());
  const std::vector<DataType> range_types = {DT::kFloat32, DT::kFloat64, DT::kInt16, DT::kInt32,
                                             DT::kInt64};
  registry.add("Range", 11, 23, {0, 1, 2}, range_types, make_kernel<RangeKernel>());
  add_kernel_def(registry, "Size", 1, 23,
                 {{"T", {0}, {}, types::kAll}, {"T1", {}, {0}, int64_only}},
                 make_kernel<SizeKernel>());
  // LogSoftmax and Hardmax change from "coerce to 2-D" to "one axis" at opset 13.
  registry.add("LogSoftmax", 1, 12, {0}, types::kFloats, make_kernel<LogSoftmaxKernel>());
  registry.add("LogSoftmax", 13, 23, {0}, types::kFloats, make_kernel<LogSoftmaxKernel>());
  registry.add("Hardmax", 1, 12, {0}, types::kFloats, make_kernel<HardmaxKernel>());
  registry.add("Hardmax", 13, 23, {0}, types::kFloats, make_kernel<HardmaxKernel>());
}

}  // namespace aruntime::cpu
