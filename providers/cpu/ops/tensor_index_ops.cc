// Ops driven by index values or by data-dependent selections: GatherElements, GatherND,
// ScatterElements (and its deprecated alias Scatter), ScatterND, Compress, NonZero, TopK, Unique,
// ReverseSequence and CumSum. Out-of-range indices are rejected with an error naming the node
// before any element moves, so no kernel here reads or writes outside its tensors.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <type_traits>

#include "kernels/copy.h"
#include "kernels/elementwise.h"
#include "kernels/gather_scatter.h"
#include "kernels/parallel.h"
#include "providers/cpu/ops/tensor_ops.h"

namespace aruntime::cpu {
namespace {

using kernels::ScatterReduction;

std::string type_text(const Tensor& t) {
  return std::string(data_type_name(t.dtype())) + t.shape().to_string();
}

// Integer index tensor values, throwing naming the node when the tensor is not int32/int64.
std::vector<int64_t> index_values(const Node& node, const Tensor& t, const char* what) {
  if (t.dtype() != DataType::kInt64 && t.dtype() != DataType::kInt32) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": " + what + " must be int32 or int64, got " + type_text(t));
  }
  if (t.num_elements() == 0) return {};
  return t.to_int64_vector();
}

// `index` normalised into [0, dim) (negative values count from the end), or an error naming the
// node, the index's flat position in its tensor and the axis it indexes.
int64_t checked_index(const Node& node, int64_t index, int64_t dim, size_t position,
                      const char* what, int64_t axis, const Shape& data_shape) {
  if (index < -dim || index >= dim) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": " + what + " value " + std::to_string(index) +
                    " at flat position " + std::to_string(position) + " is out of range [" +
                    std::to_string(-dim) + ", " + std::to_string(dim - 1) + "] for axis " +
                    std::to_string(axis) + " of data shape " + data_shape.to_string());
  }
  return index < 0 ? index + dim : index;
}

// The scalar axis input of CumSum (a 0-D or 1-element int32/int64 tensor).
int64_t scalar_int_input(const KernelContext& ctx, size_t i, const char* what) {
  const Tensor& t = ctx.required_input(i);
  if ((t.dtype() != DataType::kInt64 && t.dtype() != DataType::kInt32) || t.num_elements() != 1 ||
      t.rank() > 1) {
    throw_error(ErrorCode::kRuntimeError,
                ctx.node().describe() + ": input " + std::to_string(i) + " (" + what +
                    ") must be an int32 or int64 scalar, got " + type_text(t));
  }
  return t.to_int64_vector()[0];
}

ScatterReduction parse_reduction(const KernelInfo& info) {
  const Node& node = info.node();
  const std::string name = node.attr_string("reduction", "none");
  const int64_t opset = info.opset();
  if (name == "none") return ScatterReduction::kNone;
  if (opset >= 16 && name == "add") return ScatterReduction::kAdd;
  if (opset >= 16 && name == "mul") return ScatterReduction::kMul;
  if (opset >= 18 && name == "max") return ScatterReduction::kMax;
  if (opset >= 18 && name == "min") return ScatterReduction::kMin;
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": reduction '" + name +
                                            "' is not supported at opset " + std::to_string(opset) +
                                            " (none" + (opset >= 16 ? ", add, mul" : "") +
                                            (opset >= 18 ? ", max, min" : "") + ")");
}

void scatter_into(const Node& node, Tensor& out, int64_t inner, const std::vector<int64_t>& rows,
                  const Tensor& updates, ScatterReduction reduction) {
  if (!kernels::scatter_rows(out.dtype(), out.raw_data(), inner, rows.data(),
                             static_cast<int64_t>(rows.size()), updates.raw_data(), reduction)) {
    throw_error(ErrorCode::kNotImplemented, node.describe() +
                                                ": the reduction is not defined for element type " +
                                                std::string(data_type_name(out.dtype())));
  }
}

// ---- GatherElements / ScatterElements --------------------------------------------------------

// Checks that `indices` (same rank as `data`, each dim but `axis` no larger than data's) can index
// `data` and returns the flat data offset of each index position.
std::vector<int64_t> element_offsets(const Node& node, const Tensor& data, const Tensor& indices_t,
                                     int64_t axis_attr, int64_t* axis_out) {
  const int64_t rank = static_cast<int64_t>(data.rank());
  if (rank == 0) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": data must have rank >= 1");
  }
  const int64_t axis = checked_axis(node, axis_attr, rank, "axis");
  *axis_out = axis;
  bool fits = indices_t.rank() == data.rank();
  for (int64_t d = 0; fits && d < rank; ++d) {
    fits = d == axis || indices_t.shape()[d] <= data.shape()[d];
  }
  if (!fits) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": indices shape " + indices_t.shape().to_string() +
                    " must have the rank of data shape " + data.shape().to_string() +
                    " and no larger dims outside axis " + std::to_string(axis));
  }
  std::vector<int64_t> indices = index_values(node, indices_t, "indices");
  const int64_t dim = data.shape()[axis];
  for (size_t i = 0; i < indices.size(); ++i) {
    indices[i] = checked_index(node, indices[i], dim, i, "index", axis, data.shape());
  }
  if (indices.empty()) return {};
  return kernels::offsets_along_axis(data.shape().dims(), indices_t.shape().dims(), axis,
                                     indices.data());
}

class GatherElementsKernel final : public OpKernel {
 public:
  explicit GatherElementsKernel(const KernelInfo& info) : axis_(info.node().attr_int("axis", 0)) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.required_input(0);
    const Tensor& indices = ctx.required_input(1);
    int64_t axis = 0;
    const std::vector<int64_t> offsets = element_offsets(ctx.node(), data, indices, axis_, &axis);
    Tensor& out = ctx.allocate_output(0, indices.shape(), data.dtype());
    if (offsets.empty()) return;
    kernels::gather_rows(data.dtype(), data.raw_data(), 1, data.num_elements(), 1, offsets.data(),
                         static_cast<int64_t>(offsets.size()), out.raw_data());
  }

 private:
  int64_t axis_;
};

class ScatterElementsKernel final : public OpKernel {
 public:
  explicit ScatterElementsKernel(const KernelInfo& info)
      : axis_(info.node().attr_int("axis", 0)), reduction_(parse_reduction(info)) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& data = ctx.required_input(0);
    const Tensor& indices = ctx.required_input(1);
    const Tensor& updates = ctx.required_input(2);
    if (updates.shape() != indices.shape() || updates.dtype() != data.dtype()) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": updates " + type_text(updates) +
                                                " must have the shape of indices " +
                                                indices.shape().to_string() +
                                                " and the type of data " + type_text(data));
    }
    int64_t axis = 0;
    const std::vector<int64_t> offsets = element_offsets(node, data, indices, axis_, &axis);
    Tensor& out = ctx.allocate_output(0, data.shape(), data.dtype());
    out.copy_from(data);
    if (offsets.empty()) return;
    scatter_into(node, out, 1, offsets, updates, reduction_);
  }

 private:
  int64_t axis_;
  ScatterReduction reduction_;
};

// ---- GatherND / ScatterND --------------------------------------------------------------------

// The rows of `data` addressed by the index tuples in the last dim of `indices`: data is viewed as
// [batch, indexed rows, slice] where batch covers the first `batch_dims` dims and the tuple
// components index the next indices.shape[-1] dims. Returns one absolute row per tuple and sets
// the slice size.
std::vector<int64_t> nd_rows(const Node& node, const Tensor& data, const Tensor& indices_t,
                             int64_t batch_dims, int64_t* slice_size) {
  const int64_t r = static_cast<int64_t>(data.rank());
  const int64_t q = static_cast<int64_t>(indices_t.rank());
  if (r < 1 || q < 1 || batch_dims < 0 || batch_dims >= std::min(r, q)) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": data shape " + data.shape().to_string() + ", indices shape " +
                    indices_t.shape().to_string() + " and batch_dims " +
                    std::to_string(batch_dims) + " need ranks >= 1 and batch_dims < both ranks");
  }
  const int64_t m = indices_t.shape()[q - 1];
  if (m < 1 || m > r - batch_dims) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": the last dim of indices shape " +
                                              indices_t.shape().to_string() + " must be in [1, " +
                                              std::to_string(r - batch_dims) + "] for data shape " +
                                              data.shape().to_string() + " and batch_dims " +
                                              std::to_string(batch_dims));
  }
  for (int64_t d = 0; d < batch_dims; ++d) {
    if (indices_t.shape()[d] != data.shape()[d]) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": batch dim " + std::to_string(d) + " of indices shape " +
                      indices_t.shape().to_string() + " differs from data shape " +
                      data.shape().to_string());
    }
  }
  *slice_size = data.shape().size_from_to(batch_dims + m, r);
  const int64_t rows_per_batch = data.shape().size_from_to(batch_dims, batch_dims + m);
  const int64_t tuples = indices_t.shape().size_from_to(0, q - 1);
  const int64_t tuples_per_batch = indices_t.shape().size_from_to(batch_dims, q - 1);
  const std::vector<int64_t> values = index_values(node, indices_t, "indices");
  std::vector<int64_t> rows(static_cast<size_t>(tuples));
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t row = 0;
    for (int64_t k = 0; k < m; ++k) {
      const size_t position = static_cast<size_t>(t * m + k);
      const int64_t dim = data.shape()[batch_dims + k];
      row = row * dim + checked_index(node, values[position], dim, position, "index",
                                      batch_dims + k, data.shape());
    }
    rows[t] = (t / tuples_per_batch) * rows_per_batch + row;
  }
  return rows;
}

class GatherNDKernel final : public OpKernel {
 public:
  explicit GatherNDKernel(const KernelInfo& info)
      : batch_dims_(info.opset() >= 12 ? info.node().attr_int("batch_dims", 0) : 0) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.required_input(0);
    const Tensor& indices = ctx.required_input(1);
    int64_t slice = 1;
    const std::vector<int64_t> rows = nd_rows(ctx.node(), data, indices, batch_dims_, &slice);
    const int64_t m = indices.shape()[indices.rank() - 1];
    std::vector<int64_t> out_dims(indices.shape().dims().begin(), indices.shape().dims().end() - 1);
    for (size_t d = static_cast<size_t>(batch_dims_ + m); d < data.rank(); ++d) {
      out_dims.push_back(data.shape()[d]);
    }
    Tensor& out = ctx.allocate_output(0, Shape(std::move(out_dims)), data.dtype());
    if (out.num_elements() == 0) return;
    kernels::gather_rows(data.dtype(), data.raw_data(), 1, data.num_elements() / slice, slice,
                         rows.data(), static_cast<int64_t>(rows.size()), out.raw_data());
  }

 private:
  int64_t batch_dims_;
};

class ScatterNDKernel final : public OpKernel {
 public:
  explicit ScatterNDKernel(const KernelInfo& info) : reduction_(parse_reduction(info)) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& data = ctx.required_input(0);
    const Tensor& indices = ctx.required_input(1);
    const Tensor& updates = ctx.required_input(2);
    int64_t slice = 1;
    const std::vector<int64_t> rows = nd_rows(node, data, indices, 0, &slice);
    const int64_t m = indices.shape()[indices.rank() - 1];
    std::vector<int64_t> expected(indices.shape().dims().begin(), indices.shape().dims().end() - 1);
    for (size_t d = static_cast<size_t>(m); d < data.rank(); ++d) {
      expected.push_back(data.shape()[d]);
    }
    if (updates.shape() != Shape(expected) || updates.dtype() != data.dtype()) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": updates " + type_text(updates) + " should be " +
                      std::string(data_type_name(data.dtype())) + Shape(expected).to_string());
    }
    Tensor& out = ctx.allocate_output(0, data.shape(), data.dtype());
    out.copy_from(data);
    if (rows.empty() || slice == 0) return;
    scatter_into(node, out, slice, rows, updates, reduction_);
  }

 private:
  ScatterReduction reduction_;
};

// ---- Compress --------------------------------------------------------------------------------

// Compress keeps the slices (or, without axis, the flattened elements) whose condition is true; a
// condition shorter than the axis drops the rest, a longer one may only add false entries.
class CompressKernel final : public OpKernel {
 public:
  explicit CompressKernel(const KernelInfo& info) {
    if (info.node().has_attribute("axis")) axis_ = info.node().attr_int("axis");
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& condition = ctx.required_input(1);
    if (condition.dtype() != DataType::kBool || condition.rank() != 1) {
      throw_error(
          ErrorCode::kRuntimeError,
          node.describe() + ": condition must be a 1-D bool tensor, got " + type_text(condition));
    }
    int64_t outer = 1, dim = x.num_elements(), inner = 1;
    std::vector<int64_t> out_dims;
    size_t axis = 0;
    if (axis_) {
      axis =
          static_cast<size_t>(checked_axis(node, *axis_, static_cast<int64_t>(x.rank()), "axis"));
      outer = x.shape().size_from_to(0, axis);
      dim = x.shape()[axis];
      inner = x.shape().size_from_to(axis + 1, x.rank());
      out_dims = x.shape().dims();
    }
    const bool* keep = condition.data<bool>();
    std::vector<int64_t> selected;
    for (int64_t i = 0; i < condition.num_elements(); ++i) {
      if (!keep[i]) continue;
      if (i >= dim) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": condition " + condition.shape().to_string() +
                        " selects position " + std::to_string(i) + " beyond the " +
                        std::to_string(dim) + " entries of input " + x.shape().to_string() +
                        (axis_ ? " along axis " + std::to_string(axis) : " (flattened)"));
      }
      selected.push_back(i);
    }
    const int64_t count = static_cast<int64_t>(selected.size());
    if (axis_) {
      out_dims[axis] = count;
    } else {
      out_dims = {count};
    }
    Tensor& out = ctx.allocate_output(0, Shape(std::move(out_dims)), x.dtype());
    if (out.num_elements() == 0) return;
    kernels::gather_rows(x.dtype(), x.raw_data(), outer, dim, inner, selected.data(), count,
                         out.raw_data());
  }

 private:
  std::optional<int64_t> axis_;
};

// ---- NonZero ---------------------------------------------------------------------------------

// Flat positions of the non-zero elements (non-empty strings), in row-major order.
std::vector<int64_t> nonzero_positions(const Tensor& x) {
  std::vector<int64_t> positions;
  kernels::dispatch_type(kernels::AllTypes{}, x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* v = x.data<T>();
    for (int64_t i = 0; i < x.num_elements(); ++i) {
      bool nonzero;
      if constexpr (std::is_same_v<T, std::string>) {
        nonzero = !v[i].empty();
      } else {
        nonzero = kernels::to_compute(v[i]) != 0;
      }
      if (nonzero) positions.push_back(i);
    }
  });
  return positions;
}

class NonZeroKernel final : public OpKernel {
 public:
  explicit NonZeroKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const std::vector<int64_t> positions = nonzero_positions(x);
    const int64_t rank = static_cast<int64_t>(x.rank());
    const int64_t count = static_cast<int64_t>(positions.size());
    Tensor& out = ctx.allocate_output(0, Shape{rank, count}, DataType::kInt64);
    int64_t* coords = out.data<int64_t>();
    for (int64_t j = 0; j < count; ++j) {
      int64_t rest = positions[j];
      for (int64_t d = rank; d-- > 0;) {
        coords[d * count + j] = rest % x.shape()[d];
        rest /= x.shape()[d];
      }
    }
  }
};

// ---- TopK ------------------------------------------------------------------------------------

// NaN-aware ordering: NaN is larger than every number (as numpy sorts), so the comparison stays
// a strict weak order.
template <typename C>
bool value_less(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return a < b;
}

template <typename T>
void top_k(const T* x, T* values, int64_t* indices, int64_t outer, int64_t dim, int64_t inner,
           int64_t k, bool largest) {
  using C = kernels::compute_type_t<T>;
  kernels::parallel_for(outer * inner, dim * 8, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> order(static_cast<size_t>(dim));
    std::vector<C> row(static_cast<size_t>(dim));
    for (int64_t w = begin; w < end; ++w) {
      const int64_t o = w / inner;
      const int64_t i = w % inner;
      const T* in = x + o * dim * inner + i;
      for (int64_t j = 0; j < dim; ++j) row[j] = kernels::to_compute(in[j * inner]);
      std::iota(order.begin(), order.end(), int64_t{0});
      // Equal values keep the lower index first.
      auto before = [&](int64_t a, int64_t b) {
        if (largest ? value_less(row[b], row[a]) : value_less(row[a], row[b])) return true;
        if (largest ? value_less(row[a], row[b]) : value_less(row[b], row[a])) return false;
        return a < b;
      };
      std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
      const int64_t out_base = o * k * inner + i;
      for (int64_t j = 0; j < k; ++j) {
        values[out_base + j * inner] = in[order[j] * inner];
        indices[out_base + j * inner] = order[j];
      }
    }
  });
}

// TopK: k is an attribute before opset 10 and input 1 from 10; largest/sorted from 11. Results
// are always sorted (sorted=0 leaves the order unspecified, so sorted order is valid too).
class TopKKernel final : public OpKernel {
 public:
  explicit TopKKernel(const KernelInfo& info)
      : k_from_input_(info.opset() >= 10), axis_(info.node().attr_int("axis", -1)) {
    const Node& node = info.node();
    if (!k_from_input_) k_attr_ = node.attr_int("k");
    if (info.opset() >= 11) largest_ = node.attr_int("largest", 1) != 0;
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    if (rank == 0) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": input must have rank >= 1");
    }
    const size_t axis = static_cast<size_t>(checked_axis(node, axis_, rank, "axis"));
    int64_t k = k_attr_;
    if (k_from_input_) {
      const std::vector<int64_t> kv = int_list_input(ctx, 1, "K");
      if (kv.size() != 1) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": K must hold one value, got " + std::to_string(kv.size()));
      }
      k = kv[0];
    }
    const int64_t dim = x.shape()[axis];
    if (k < 0 || k > dim) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": k = " + std::to_string(k) +
                                                " is out of range [0, " + std::to_string(dim) +
                                                "] for axis " + std::to_string(axis) +
                                                " of input shape " + x.shape().to_string());
    }
    std::vector<int64_t> out_dims = x.shape().dims();
    out_dims[axis] = k;
    Tensor& values = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    Tensor& indices = ctx.allocate_output(1, Shape(out_dims), DataType::kInt64);
    if (values.num_elements() == 0) return;
    const int64_t outer = x.shape().size_from_to(0, axis);
    const int64_t inner = x.shape().size_from_to(axis + 1, x.rank());
    const bool handled = kernels::dispatch_type(kernels::NumericTypes{}, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      top_k(x.data<T>(), values.data<T>(), indices.data<int64_t>(), outer, dim, inner, k, largest_);
    });
    if (!handled) {
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                  std::string(data_type_name(x.dtype())) +
                                                  " is not supported");
    }
  }

 private:
  bool k_from_input_;
  int64_t axis_;
  int64_t k_attr_ = 0;
  bool largest_ = true;
};

// ---- Unique ----------------------------------------------------------------------------------

template <typename T>
bool element_less(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool>) {
    return a < b;
  } else {
    return value_less(kernels::to_compute(a), kernels::to_compute(b));
  }
}

// Groups the `count` slices of x (viewed as [outer, count, inner]; slice j is x[:, j, :]) into
// classes of equal slices ordered like numpy.unique: lexicographically by slice content. Returns
// the slice indices ordered so and the position in that order where each class starts.
struct SliceClasses {
  std::vector<int64_t> order;
  std::vector<int64_t> starts;  // plus order.size() at the end
};

template <typename T>
SliceClasses classify_slices(const T* x, int64_t outer, int64_t count, int64_t inner) {
  auto compare = [&](int64_t a, int64_t b) {  // -1, 0, 1 like a three-way comparison
    for (int64_t o = 0; o < outer; ++o) {
      const T* row = x + o * count * inner;
      for (int64_t i = 0; i < inner; ++i) {
        const T& va = row[a * inner + i];
        const T& vb = row[b * inner + i];
        if (element_less(va, vb)) return -1;
        if (element_less(vb, va)) return 1;
      }
    }
    return 0;
  };
  SliceClasses c;
  c.order.resize(static_cast<size_t>(count));
  std::iota(c.order.begin(), c.order.end(), int64_t{0});
  // Stable, so the first slice of each class is its first occurrence.
  std::stable_sort(c.order.begin(), c.order.end(),
                   [&](int64_t a, int64_t b) { return compare(a, b) < 0; });
  for (int64_t j = 0; j < count; ++j) {
    if (j == 0 || compare(c.order[j - 1], c.order[j]) != 0) c.starts.push_back(j);
  }
  c.starts.push_back(count);
  return c;
}

// Unique over the flattened input or the slices along `axis`, with outputs Y, indices (first
// occurrences), inverse_indices and counts. sorted=1 orders the classes by value, sorted=0 by
// first occurrence.
class UniqueKernel final : public OpKernel {
 public:
  explicit UniqueKernel(const KernelInfo& info) : sorted_(info.node().attr_int("sorted", 1) != 0) {
    if (info.node().has_attribute("axis")) axis_ = info.node().attr_int("axis");
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    int64_t outer = 1, count = x.num_elements(), inner = 1;
    size_t axis = 0;
    if (axis_) {
      axis =
          static_cast<size_t>(checked_axis(node, *axis_, static_cast<int64_t>(x.rank()), "axis"));
      outer = x.shape().size_from_to(0, axis);
      count = x.shape()[axis];
      inner = x.shape().size_from_to(axis + 1, x.rank());
    }
    SliceClasses classes;
    if (count > 0) {
      kernels::dispatch_type(kernels::AllTypes{}, x.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        classes = classify_slices(x.data<T>(), outer, count, inner);
      });
    }
    const int64_t num_classes =
        classes.starts.empty() ? 0 : static_cast<int64_t>(classes.starts.size()) - 1;
    // Per class: first occurrence and size; output order of the classes.
    std::vector<int64_t> first(num_classes), sizes(num_classes), class_order(num_classes);
    for (int64_t c = 0; c < num_classes; ++c) {
      first[c] = classes.order[classes.starts[c]];
      sizes[c] = classes.starts[c + 1] - classes.starts[c];
    }
    std::iota(class_order.begin(), class_order.end(), int64_t{0});
    if (!sorted_) {
      std::sort(class_order.begin(), class_order.end(),
                [&](int64_t a, int64_t b) { return first[a] < first[b]; });
    }
    std::vector<int64_t> rank_of_class(num_classes);
    for (int64_t r = 0; r < num_classes; ++r) rank_of_class[class_order[r]] = r;

    std::vector<int64_t> y_dims = {num_classes};
    if (axis_) {
      y_dims = x.shape().dims();
      y_dims[axis] = num_classes;
    }
    std::vector<int64_t> selected(num_classes);
    for (int64_t r = 0; r < num_classes; ++r) selected[r] = first[class_order[r]];
    Tensor& y = ctx.allocate_output(0, Shape(std::move(y_dims)), x.dtype());
    if (y.num_elements() > 0) {
      kernels::gather_rows(x.dtype(), x.raw_data(), outer, count, inner, selected.data(),
                           num_classes, y.raw_data());
    }
    if (ctx.num_outputs() > 1 && ctx.output_requested(1)) {
      Tensor& out = ctx.allocate_output(1, Shape{num_classes}, DataType::kInt64);
      std::copy(selected.begin(), selected.end(), out.data<int64_t>());
    }
    if (ctx.num_outputs() > 2 && ctx.output_requested(2)) {
      Tensor& out = ctx.allocate_output(2, Shape{count}, DataType::kInt64);
      int64_t* inverse = out.data<int64_t>();
      for (int64_t c = 0; c < num_classes; ++c) {
        for (int64_t p = classes.starts[c]; p < classes.starts[c + 1]; ++p) {
          inverse[classes.order[p]] = rank_of_class[c];
        }
      }
    }
    if (ctx.num_outputs() > 3 && ctx.output_requested(3)) {
      Tensor& out = ctx.allocate_output(3, Shape{num_classes}, DataType::kInt64);
      for (int64_t r = 0; r < num_classes; ++r) out.data<int64_t>()[r] = sizes[class_order[r]];
    }
  }

 private:
  bool sorted_;
  std::optional<int64_t> axis_;
};

// ---- ReverseSequence -------------------------------------------------------------------------

// Reverses the first sequence_lens[b] entries along time_axis for each batch entry b; the axes are
// 0 and 1 in either order, so the tensor is rows over (axis 0, axis 1) of `inner` elements.
class ReverseSequenceKernel final : public OpKernel {
 public:
  explicit ReverseSequenceKernel(const KernelInfo& info)
      : batch_axis_(info.node().attr_int("batch_axis", 1)),
        time_axis_(info.node().attr_int("time_axis", 0)) {
    if (!((batch_axis_ == 0 && time_axis_ == 1) || (batch_axis_ == 1 && time_axis_ == 0))) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() + ": batch_axis " +
                                                std::to_string(batch_axis_) + " and time_axis " +
                                                std::to_string(time_axis_) + " must be 0 and 1");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& lens_t = ctx.required_input(1);
    if (x.rank() < 2) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": input must have rank >= 2, got " + x.shape().to_string());
    }
    const int64_t batch = x.shape()[batch_axis_];
    const int64_t time = x.shape()[time_axis_];
    const std::vector<int64_t> lens = index_values(node, lens_t, "sequence_lens");
    if (lens_t.rank() != 1 || static_cast<int64_t>(lens.size()) != batch) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": sequence_lens shape " +
                                                lens_t.shape().to_string() + " should be [" +
                                                std::to_string(batch) + "] (batch axis of input " +
                                                x.shape().to_string() + ")");
    }
    for (size_t b = 0; b < lens.size(); ++b) {
      if (lens[b] < 0 || lens[b] > time) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": sequence_lens[" + std::to_string(b) +
                        "] = " + std::to_string(lens[b]) + " is out of range [0, " +
                        std::to_string(time) + "]");
      }
    }
    const int64_t dim1 = x.shape()[1];
    const int64_t inner = x.shape().size_from_to(2, x.rank());
    std::vector<int64_t> rows(static_cast<size_t>(x.shape()[0] * dim1));
    for (int64_t a0 = 0; a0 < x.shape()[0]; ++a0) {
      for (int64_t a1 = 0; a1 < dim1; ++a1) {
        const int64_t t = time_axis_ == 0 ? a0 : a1;
        const int64_t b = batch_axis_ == 0 ? a0 : a1;
        const int64_t src_t = t < lens[b] ? lens[b] - 1 - t : t;
        rows[a0 * dim1 + a1] = time_axis_ == 0 ? src_t * dim1 + a1 : a0 * dim1 + src_t;
      }
    }
    Tensor& out = ctx.allocate_output(0, x.shape(), x.dtype());
    if (out.num_elements() == 0) return;
    kernels::gather_rows(x.dtype(), x.raw_data(), 1, static_cast<int64_t>(rows.size()), inner,
                         rows.data(), static_cast<int64_t>(rows.size()), out.raw_data());
  }

 private:
  int64_t batch_axis_;
  int64_t time_axis_;
};

// ---- CumSum ----------------------------------------------------------------------------------

template <typename T>
void cumulative_sum(const T* x, T* y, int64_t outer, int64_t dim, int64_t inner, bool exclusive,
                    bool reverse) {
  using C = kernels::compute_type_t<T>;
  kernels::parallel_for(outer, dim * inner, [&](int64_t begin, int64_t end) {
    std::vector<C> sum(static_cast<size_t>(inner));
    for (int64_t o = begin; o < end; ++o) {
      std::fill(sum.begin(), sum.end(), C{});
      for (int64_t step = 0; step < dim; ++step) {
        const int64_t j = reverse ? dim - 1 - step : step;
        const int64_t base = (o * dim + j) * inner;
        for (int64_t i = 0; i < inner; ++i) {
          const C v = kernels::to_compute(x[base + i]);
          if (exclusive) {
            y[base + i] = kernels::from_compute<T>(sum[i]);
            sum[i] = static_cast<C>(sum[i] + v);
          } else {
            sum[i] = static_cast<C>(sum[i] + v);
            y[base + i] = kernels::from_compute<T>(sum[i]);
          }
        }
      }
    }
  });
}

class CumSumKernel final : public OpKernel {
 public:
  explicit CumSumKernel(const KernelInfo& info)
      : exclusive_(info.node().attr_int("exclusive", 0) != 0),
        reverse_(info.node().attr_int("reverse", 0) != 0) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    if (rank == 0) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": input must have rank >= 1");
    }
    const size_t axis =
        static_cast<size_t>(checked_axis(node, scalar_int_input(ctx, 1, "axis"), rank, "axis"));
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    const int64_t outer = x.shape().size_from_to(0, axis);
    const int64_t dim = x.shape()[axis];
    const int64_t inner = x.shape().size_from_to(axis + 1, x.rank());
    const bool handled = kernels::dispatch_type(kernels::NumericTypes{}, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      cumulative_sum(x.data<T>(), y.data<T>(), outer, dim, inner, exclusive_, reverse_);
    });
    if (!handled) {
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                  std::string(data_type_name(x.dtype())) +
                                                  " is not supported");
    }
  }

 private:
  bool exclusive_;
  bool reverse_;
};

}  // namespace

void register_tensor_index_kernels(KernelRegistry& registry) {
  using DT = DataType;
  const std::vector<DataType> indices = types::kIndices;
  const std::vector<DataType> int64_only = {DT::kInt64};
  const std::vector<DataType> bool_only = {DT::kBool};

  add_kernel_def(registry, "GatherElements", 11, 23,
                 {{"T", {0}, {0}, types::kAll}, {"Tind", {1}, {}, indices}},
                 make_kernel<GatherElementsKernel>());
  add_kernel_def(registry, "GatherND", 11, 23,
                 {{"T", {0}, {0}, types::kAll}, {"indices", {1}, {}, int64_only}},
                 make_kernel<GatherNDKernel>());
  // Scatter (9-10) is ScatterElements under its old name; reductions arrive at 16 and 18.
  add_kernel_def(registry, "Scatter", 9, 10,
                 {{"T", {0, 2}, {0}, types::kAll}, {"Tind", {1}, {}, indices}},
                 make_kernel<ScatterElementsKernel>());
  add_kernel_def(registry, "ScatterElements", 11, 23,
                 {{"T", {0, 2}, {0}, types::kAll}, {"Tind", {1}, {}, indices}},
                 make_kernel<ScatterElementsKernel>());
  add_kernel_def(registry, "ScatterND", 11, 23,
                 {{"T", {0, 2}, {0}, types::kAll}, {"indices", {1}, {}, int64_only}},
                 make_kernel<ScatterNDKernel>());
  add_kernel_def(registry, "Compress", 9, 23,
                 {{"T", {0}, {0}, types::kAll}, {"T1", {1}, {}, bool_only}},
                 make_kernel<CompressKernel>());
  add_kernel_def(registry, "NonZero", 9, 23,
                 {{"T", {0}, {}, types::kAll}, {"Y", {}, {0}, int64_only}},
                 make_kernel<NonZeroKernel>());
  // TopK: float types only before opset 11.
  add_kernel_def(
      registry, "TopK", 1, 10,
      {{"T", {0}, {0}, types::kFloats}, {"I", {}, {1}, int64_only}, {"K", {1}, {}, int64_only}},
      make_kernel<TopKKernel>());
  add_kernel_def(
      registry, "TopK", 11, 23,
      {{"T", {0}, {0}, types::kNumeric}, {"I", {}, {1}, int64_only}, {"K", {1}, {}, int64_only}},
      make_kernel<TopKKernel>());
  add_kernel_def(registry, "Unique", 11, 23,
                 {{"T", {0}, {0}, types::kAll}, {"indices", {}, {1, 2, 3}, int64_only}},
                 make_kernel<UniqueKernel>());
  add_kernel_def(registry, "ReverseSequence", 10, 23,
                 {{"T", {0}, {0}, types::kAll}, {"sequence_lens", {1}, {}, int64_only}},
                 make_kernel<ReverseSequenceKernel>());
  const std::vector<DataType> cumsum_types = {DT::kFloat32,  DT::kFloat64, DT::kFloat16,
                                              DT::kBFloat16, DT::kInt32,   DT::kInt64,
                                              DT::kUInt32,   DT::kUInt64};
  add_kernel_def(registry, "CumSum", 11, 23,
                 {{"T", {0}, {0}, cumsum_types}, {"T2", {1}, {}, indices}},
                 make_kernel<CumSumKernel>());
}

}  // namespace aruntime::cpu
