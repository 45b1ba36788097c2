// Shape rules of data-movement and tensor-making ops: Reshape/Flatten/Transpose/Squeeze/Unsqueeze,
// Concat/Split/Slice, the Gather family, Expand/Tile/Pad, and ops whose output shape is a value
// (Shape, Constant, ConstantOfShape, Range...). Shape-like inputs come from tracked values
// (shape_inference_values.cc), so they may hold symbolic elements.
#include <algorithm>
#include <cmath>
#include <set>

#include "graph/shape_inference_internal.h"

namespace aruntime::shape_inference {
namespace {

// Rank of a 1-D shape-like input when its length is static (the values may still be unknown).
std::optional<size_t> static_length(const NodeContext& ctx, size_t i) {
  const Dims* d = ctx.shape(i);
  if (d == nullptr || d->size() != 1 || !(*d)[0].is_static()) return std::nullopt;
  return static_cast<size_t>((*d)[0].value);
}

// Non-negative, distinct axes for `rank`; fails naming `what` otherwise.
std::vector<int64_t> normalize_axes(const NodeContext& ctx, const std::vector<int64_t>& axes,
                                    int64_t rank, std::string_view what) {
  std::vector<int64_t> out;
  std::set<int64_t> seen;
  for (int64_t a : axes) {
    const int64_t n = ctx.normalize_axis(a, rank, what);
    if (!seen.insert(n).second)
      ctx.fail(std::string(what) + " " + ints_to_string(axes) + " repeats an axis");
    out.push_back(n);
  }
  return out;
}

Dims unknown_dims(size_t rank) {
  return Dims(rank);
}

// --- Reshape ---------------------------------------------------------------------------------

// Factors of a shape split into a static product, symbols and a count of unknown dims.
struct Factors {
  int64_t product = 1;
  std::multiset<std::string> symbols;
  int unknown = 0;
  bool overflow = false;

  void add(const Dim& d) {
    if (d.is_static()) {
      auto p = checked_mul(product, d.value);
      if (p)
        product = *p;
      else
        overflow = true;
    } else if (d.symbol.empty()) {
      ++unknown;
    } else {
      symbols.insert(d.symbol);
    }
  }
};

void reshape_rule(NodeContext& ctx) {
  const Dims* data = ctx.shape(0);
  const Values* target = ctx.values(1);
  const bool allow_zero = ctx.node().attr_int("allowzero", 0) != 0;
  if (target == nullptr) {
    if (auto n = static_length(ctx, 1)) ctx.set_shape(0, unknown_dims(*n));
    return;
  }
  Dims out;
  std::optional<size_t> infer_at;
  for (size_t i = 0; i < target->elems.size(); ++i) {
    const Elem& e = target->elems[i];
    if (!e.known()) {
      out.push_back(e.to_dim());
    } else if (*e.value == -1) {
      if (infer_at) ctx.fail("shape " + ctx.describe_input(1) + " has more than one -1");
      infer_at = i;
      out.push_back(Dim{});
    } else if (*e.value == 0 && !allow_zero) {
      if (data == nullptr) {
        out.push_back(Dim{});
      } else if (i >= data->size()) {
        ctx.fail("shape element " + std::to_string(i) + " is 0 (copy) but " +
                 ctx.describe_input(0) + " has rank " + std::to_string(data->size()));
      } else {
        out.push_back((*data)[i]);
      }
    } else if (*e.value < 0) {
      ctx.fail("shape element " + std::to_string(i) + " is " + std::to_string(*e.value) +
               ", expected -1 or a size");
    } else {
      out.push_back(Dim::fixed(*e.value));
    }
  }
  if (data != nullptr) {
    Factors in, known;
    for (const Dim& d : *data) in.add(d);
    for (size_t i = 0; i < out.size(); ++i) {
      if (infer_at != i) known.add(out[i]);
    }
    const bool comparable =
        !in.overflow && !known.overflow && in.unknown == 0 && known.unknown == 0;
    if (comparable && in.symbols.empty() && known.symbols.empty()) {
      // All static: the element counts must match (or -1 must divide evenly).
      if (infer_at) {
        if (known.product != 0 && in.product % known.product == 0) {
          out[*infer_at] = Dim::fixed(in.product / known.product);
        } else if (known.product != 0 || in.product != 0) {
          ctx.fail("cannot reshape " + ctx.describe_input(0) + " (" + std::to_string(in.product) +
                   " elements) to " + dims_to_string(out) + " given by " + ctx.describe_input(1));
        }
      } else if (known.product != in.product) {
        ctx.fail("cannot reshape " + ctx.describe_input(0) + " (" + std::to_string(in.product) +
                 " elements) to " + dims_to_string(out) + " (" + std::to_string(known.product) +
                 " elements) given by " + ctx.describe_input(1));
      }
    } else if (comparable && infer_at && known.product != 0) {
      // -1 takes what the known dims leave of the input: symbols cancel one for one.
      std::multiset<std::string> left = in.symbols;
      bool subset = true;
      for (const std::string& s : known.symbols) {
        auto it = left.find(s);
        if (it == left.end()) {
          subset = false;
          break;
        }
        left.erase(it);
      }
      if (subset && in.product % known.product == 0) {
        const int64_t rest = in.product / known.product;
        if (left.empty())
          out[*infer_at] = Dim::fixed(rest);
        else if (left.size() == 1 && rest == 1)
          out[*infer_at] = Dim::symbolic(*left.begin());
      }
    }
  }
  ctx.set_shape(0, std::move(out));
}

void flatten_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const int64_t rank = static_cast<int64_t>(x->size());
  int64_t axis = ctx.node().attr_int("axis", 1);
  if (axis < -rank || axis > rank) {
    ctx.fail("axis " + std::to_string(axis) + " is out of range for " + ctx.describe_input(0));
  }
  if (axis < 0) axis += rank;
  ctx.set_shape(0, {dim_product(*x, 0, static_cast<size_t>(axis)),
                    dim_product(*x, static_cast<size_t>(axis), x->size())});
}

void transpose_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const int64_t rank = static_cast<int64_t>(x->size());
  std::vector<int64_t> perm = ctx.node().attr_ints("perm", {});
  if (perm.empty()) {
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  }
  if (static_cast<int64_t>(perm.size()) != rank) {
    ctx.fail("perm " + ints_to_string(perm) + " does not match the rank of " +
             ctx.describe_input(0));
  }
  perm = normalize_axes(ctx, perm, rank, "perm");
  Dims out;
  for (int64_t p : perm) out.push_back((*x)[static_cast<size_t>(p)]);
  ctx.set_shape(0, std::move(out));
}

void squeeze_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  bool present = false;
  std::optional<std::vector<int64_t>> axes = axes_from_attr_or_input(ctx, "axes", 1, &present);
  if (!axes) return;
  const int64_t rank = static_cast<int64_t>(x->size());
  std::vector<bool> drop(x->size(), false);
  if (axes->empty()) {
    // No axes: every size-1 dim goes, so a dim that is not static leaves the rank unknown.
    for (size_t i = 0; i < x->size(); ++i) {
      if (!(*x)[i].is_static()) return;
      drop[i] = (*x)[i].value == 1;
    }
  } else {
    for (int64_t a : normalize_axes(ctx, *axes, rank, "axes")) {
      const Dim& d = (*x)[static_cast<size_t>(a)];
      if (d.is_static() && d.value != 1) {
        ctx.fail("axis " + std::to_string(a) + " of " + ctx.describe_input(0) + " has size " +
                 std::to_string(d.value) + ", expected 1");
      }
      drop[static_cast<size_t>(a)] = true;
    }
  }
  Dims out;
  for (size_t i = 0; i < x->size(); ++i) {
    if (!drop[i]) out.push_back((*x)[i]);
  }
  ctx.set_shape(0, std::move(out));
}

void unsqueeze_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  bool present = false;
  std::optional<std::vector<int64_t>> axes = axes_from_attr_or_input(ctx, "axes", 1, &present);
  if (!axes) {
    if (auto n = static_length(ctx, 1)) ctx.set_shape(0, unknown_dims(x->size() + *n));
    return;
  }
  if (axes->empty()) ctx.fail("axes is empty");
  const int64_t out_rank = static_cast<int64_t>(x->size() + axes->size());
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t a : normalize_axes(ctx, *axes, out_rank, "axes"))
    inserted[static_cast<size_t>(a)] = true;
  Dims out;
  size_t next = 0;
  for (int64_t i = 0; i < out_rank; ++i) {
    if (inserted[static_cast<size_t>(i)])
      out.push_back(Dim::fixed(1));
    else
      out.push_back((*x)[next++]);
  }
  ctx.set_shape(0, std::move(out));
}

void concat_rule(NodeContext& ctx) {
  const Dims* first = nullptr;
  size_t first_index = 0;
  bool all_known = true;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Dims* d = ctx.shape(i);
    if (d == nullptr) {
      all_known = false;
      continue;
    }
    if (first == nullptr) {
      first = d;
      first_index = i;
    } else if (d->size() != first->size()) {
      ctx.fail(ctx.describe_input(first_index) + " and " + ctx.describe_input(i) +
               " differ in rank");
    }
  }
  if (first == nullptr) return;
  const int64_t rank = static_cast<int64_t>(first->size());
  if (rank == 0)
    ctx.fail(ctx.describe_input(first_index) + " is a scalar, which Concat cannot join");
  const size_t axis = static_cast<size_t>(ctx.normalize_axis(ctx.node().attr_int("axis"), rank));
  Dims out(*first);
  out[axis] = all_known ? Dim::fixed(0) : Dim{};
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Dims* d = ctx.shape(i);
    if (d == nullptr) continue;
    for (size_t j = 0; j < out.size(); ++j) {
      if (j == axis) {
        if (all_known) out[j] = dim_add(out[j], (*d)[j]);
        continue;
      }
      const Dim& a = out[j];
      const Dim& b = (*d)[j];
      // The inputs agree on every other axis: a static size or a symbol from any of them holds.
      if (a.is_static() && b.is_static()) {
        if (a.value != b.value) {
          ctx.fail(ctx.describe_input(first_index) + " and " + ctx.describe_input(i) +
                   " differ on axis " + std::to_string(j) + " (" + a.to_string() + " vs " +
                   b.to_string() + ")");
        }
      } else if (b.is_static() || (!a.is_static() && a.symbol.empty())) {
        out[j] = b;
      }
    }
  }
  ctx.set_shape(0, std::move(out));
}

void split_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const int64_t rank = static_cast<int64_t>(x->size());
  const size_t axis = static_cast<size_t>(ctx.normalize_axis(ctx.node().attr_int("axis", 0), rank));
  const size_t n = ctx.num_outputs();
  const Dim& dim = (*x)[axis];
  auto with_axis = [&](const Dim& d) {
    Dims out(*x);
    out[axis] = d;
    return out;
  };
  std::optional<std::vector<int64_t>> split;
  bool split_given = false;
  if (ctx.node().has_attribute("split")) {
    split = ctx.node().attr_ints("split");
    split_given = true;
  } else if (ctx.has_input(1)) {
    split = ctx.ints(1);
    split_given = true;
  }
  if (split_given && !split) {
    for (size_t k = 0; k < n; ++k) ctx.set_shape(k, with_axis(Dim{}));
    return;
  }
  if (split_given) {
    if (split->size() != n) {
      ctx.fail("split " + ints_to_string(*split) + " has " + std::to_string(split->size()) +
               " sizes for " + std::to_string(n) + " outputs");
    }
    int64_t total = 0;
    for (int64_t s : *split) {
      if (s < 0) ctx.fail("split " + ints_to_string(*split) + " has a negative size");
      total += s;
    }
    if (dim.is_static() && total != dim.value) {
      ctx.fail("split " + ints_to_string(*split) + " sums to " + std::to_string(total) +
               " but axis " + std::to_string(axis) + " of " + ctx.describe_input(0) + " is " +
               dim.to_string());
    }
    for (size_t k = 0; k < n; ++k) ctx.set_shape(k, with_axis(Dim::fixed((*split)[k])));
    return;
  }
  if (!dim.is_static()) {
    for (size_t k = 0; k < n; ++k) ctx.set_shape(k, with_axis(Dim{}));
    return;
  }
  if (ctx.node().has_attribute("num_outputs")) {
    // Opset 18: equal chunks of ceil(dim / n), the last one smaller.
    const int64_t parts = ctx.node().attr_int("num_outputs");
    if (parts <= 0 || static_cast<size_t>(parts) != n) {
      ctx.fail("num_outputs is " + std::to_string(parts) + " but the node has " +
               std::to_string(n) + " outputs");
    }
    const int64_t chunk = (dim.value + parts - 1) / parts;
    const int64_t last = dim.value - chunk * (parts - 1);
    if (last < 0) return;  // fewer elements than chunks: leave it to the kernel
    for (size_t k = 0; k < n; ++k)
      ctx.set_shape(k, with_axis(Dim::fixed(k + 1 == n ? last : chunk)));
    return;
  }
  if (n == 0) return;
  if (dim.value % static_cast<int64_t>(n) != 0) {
    ctx.fail("axis " + std::to_string(axis) + " of " + ctx.describe_input(0) +
             " cannot be split into " + std::to_string(n) + " equal parts");
  }
  for (size_t k = 0; k < n; ++k)
    ctx.set_shape(k, with_axis(Dim::fixed(dim.value / static_cast<int64_t>(n))));
}

// Size of one sliced axis under the ONNX clamping rules; symbolic sizes survive only whole-axis
// slices.
Dim slice_dim(const Dim& dim, int64_t start, int64_t end, int64_t step) {
  constexpr int64_t kHuge =
      INT64_MAX / 4;  // exporters write INT64_MAX (or INT32_MAX) for "to the end"
  if (!dim.is_static()) {
    if (step == 1 && start == 0 && end >= INT32_MAX) return dim;
    if (step == -1 && start == -1 && end <= -kHuge) return dim;
    return Dim{};
  }
  const int64_t n = dim.value;
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, n);
    end = std::clamp<int64_t>(end, 0, n);
    return Dim::fixed(end > start ? (end - start - 1) / step + 1 : 0);
  }
  if (n == 0) return Dim::fixed(0);
  start = std::clamp<int64_t>(start, 0, n - 1);
  end = std::clamp<int64_t>(end, -1, n - 1);
  const int64_t stride = step == INT64_MIN ? INT64_MAX : -step;
  return Dim::fixed(start > end ? (start - end - 1) / stride + 1 : 0);
}

// Slice: starts/ends/axes as attributes before opset 10, as inputs 1..4 (with steps) after.
void slice_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const Node& node = ctx.node();
  const int64_t rank = static_cast<int64_t>(x->size());
  std::optional<std::vector<int64_t>> starts, ends, axes, steps;
  bool axes_given = false, steps_given = false;
  if (node.has_attribute("starts")) {
    starts = node.attr_ints("starts");
    ends = node.attr_ints("ends", {});
    axes_given = node.has_attribute("axes");
    if (axes_given) axes = node.attr_ints("axes");
  } else {
    starts = ctx.ints(1);
    ends = ctx.ints(2);
    axes_given = ctx.has_input(3);
    if (axes_given) axes = ctx.ints(3);
    steps_given = ctx.has_input(4);
    if (steps_given) steps = ctx.ints(4);
  }
  if ((axes_given && !axes) || (steps_given && !steps)) {
    ctx.set_shape(0, unknown_dims(x->size()));
    return;
  }
  if (!starts || !ends) {
    // Which axes change is known; by how much is not.
    Dims out(*x);
    if (!axes_given) {
      out = unknown_dims(x->size());
    } else {
      for (int64_t a : normalize_axes(ctx, *axes, rank, "axes"))
        out[static_cast<size_t>(a)] = Dim{};
    }
    ctx.set_shape(0, std::move(out));
    return;
  }
  if (!axes_given) {
    axes = std::vector<int64_t>();
    for (size_t i = 0; i < starts->size(); ++i) axes->push_back(static_cast<int64_t>(i));
  }
  if (!steps_given) steps = std::vector<int64_t>(starts->size(), 1);
  if (ends->size() != starts->size() || axes->size() != starts->size() ||
      steps->size() != starts->size()) {
    ctx.fail("starts " + ints_to_string(*starts) + ", ends " + ints_to_string(*ends) + ", axes " +
             ints_to_string(*axes) + " and steps " + ints_to_string(*steps) + " differ in length");
  }
  const std::vector<int64_t> norm_axes = normalize_axes(ctx, *axes, rank, "axes");
  Dims out(*x);
  for (size_t i = 0; i < norm_axes.size(); ++i) {
    if ((*steps)[i] == 0) ctx.fail("steps " + ints_to_string(*steps) + " has a 0 step");
    const size_t a = static_cast<size_t>(norm_axes[i]);
    out[a] = slice_dim((*x)[a], (*starts)[i], (*ends)[i], (*steps)[i]);
  }
  ctx.set_shape(0, std::move(out));
}

void gather_rule(NodeContext& ctx) {
  const Dims* data = ctx.shape(0);
  const Dims* indices = ctx.shape(1);
  if (data == nullptr || indices == nullptr) return;
  const int64_t rank = static_cast<int64_t>(data->size());
  if (rank == 0) ctx.fail(ctx.describe_input(0) + " is a scalar, which Gather cannot index");
  const size_t axis = static_cast<size_t>(ctx.normalize_axis(ctx.node().attr_int("axis", 0), rank));
  Dims out(data->begin(), data->begin() + static_cast<std::ptrdiff_t>(axis));
  out.insert(out.end(), indices->begin(), indices->end());
  out.insert(out.end(), data->begin() + static_cast<std::ptrdiff_t>(axis) + 1, data->end());
  ctx.set_shape(0, std::move(out));
}

void gather_elements_rule(NodeContext& ctx) {
  const Dims* data = ctx.shape(0);
  const Dims* indices = ctx.shape(1);
  if (indices == nullptr) return;
  if (data != nullptr && data->size() != indices->size()) {
    ctx.fail(ctx.describe_input(0) + " and " + ctx.describe_input(1) + " differ in rank");
  }
  ctx.set_shape(0, *indices);
}

void gather_nd_rule(NodeContext& ctx) {
  const Dims* data = ctx.shape(0);
  const Dims* indices = ctx.shape(1);
  if (data == nullptr || indices == nullptr || indices->empty()) return;
  const Dim& last = indices->back();
  if (!last.is_static()) return;
  const int64_t batch_dims = ctx.node().attr_int("batch_dims", 0);
  if (batch_dims < 0 || batch_dims + last.value > static_cast<int64_t>(data->size())) {
    ctx.fail(ctx.describe_input(1) + " indexes " + std::to_string(last.value) + " axes after " +
             std::to_string(batch_dims) + " batch dims, more than " + ctx.describe_input(0) +
             " has");
  }
  Dims out(indices->begin(), indices->end() - 1);
  out.insert(out.end(), data->begin() + batch_dims + last.value, data->end());
  ctx.set_shape(0, std::move(out));
}

// Broadcast of X's shape with a target shape given as values (Expand).
void expand_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  Dims target;
  if (const Values* v = ctx.values(1)) {
    for (const Elem& e : v->elems) target.push_back(e.to_dim());
  } else if (auto n = static_length(ctx, 1)) {
    target = unknown_dims(*n);
  } else {
    return;
  }
  Dims out(std::max(x->size(), target.size()));
  for (size_t j = 0; j < out.size(); ++j) {
    const size_t from_end = out.size() - j;
    const Dim one = Dim::fixed(1);
    const Dim& a = from_end <= x->size() ? (*x)[x->size() - from_end] : one;
    const Dim& b = from_end <= target.size() ? target[target.size() - from_end] : one;
    std::optional<Dim> d = broadcast_dim(a, b);
    if (!d) {
      ctx.fail(ctx.describe_input(0) + " cannot be expanded to " + dims_to_string(target) +
               " given by " + ctx.describe_input(1));
    }
    out[j] = *d;
  }
  ctx.set_shape(0, std::move(out));
}

void tile_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const Values* repeats = ctx.values(1);
  if (repeats == nullptr) {
    ctx.set_shape(0, unknown_dims(x->size()));
    return;
  }
  if (repeats->elems.size() != x->size()) {
    ctx.fail(ctx.describe_input(1) + " has " + std::to_string(repeats->elems.size()) +
             " repeats for " + ctx.describe_input(0));
  }
  Dims out(*x);
  for (size_t i = 0; i < out.size(); ++i) {
    const Elem& r = repeats->elems[i];
    out[i] = r.known() && *r.value >= 0 ? dim_mul((*x)[i], Dim::fixed(*r.value)) : Dim{};
  }
  ctx.set_shape(0, std::move(out));
}

// Pad: pads as attribute (named "pads", or "paddings" in opset 1) before opset 11, as input 1
// after, with optional axes at input 3 (opset 18).
void pad_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const Node& node = ctx.node();
  const int64_t rank = static_cast<int64_t>(x->size());
  std::optional<std::vector<int64_t>> pads;
  if (node.has_attribute("pads"))
    pads = node.attr_ints("pads");
  else if (node.has_attribute("paddings"))
    pads = node.attr_ints("paddings");
  else
    pads = ctx.ints(1);
  std::optional<std::vector<int64_t>> axes;
  if (ctx.has_input(3)) {
    axes = ctx.ints(3);
    if (axes) *axes = normalize_axes(ctx, *axes, rank, "axes");
  } else {
    axes = std::vector<int64_t>();
    for (int64_t i = 0; i < rank; ++i) axes->push_back(i);
  }
  if (!pads || !axes) {
    Dims out(*x);
    if (!axes)
      out = unknown_dims(x->size());
    else
      for (int64_t a : *axes) out[static_cast<size_t>(a)] = Dim{};
    ctx.set_shape(0, std::move(out));
    return;
  }
  if (pads->size() != 2 * axes->size()) {
    ctx.fail("pads " + ints_to_string(*pads) + " has " + std::to_string(pads->size()) +
             " values for " + std::to_string(axes->size()) + " padded axes of " +
             ctx.describe_input(0));
  }
  Dims out(*x);
  for (size_t i = 0; i < axes->size(); ++i) {
    const size_t a = static_cast<size_t>((*axes)[i]);
    const std::optional<int64_t> total = checked_add((*pads)[i], (*pads)[axes->size() + i]);
    if (total && *total == 0) continue;
    const std::optional<int64_t> size =
        total && out[a].is_static() ? checked_add(out[a].value, *total) : std::nullopt;
    if (!size) {
      out[a] = Dim{};
      continue;
    }
    if (*size < 0) {
      ctx.fail("pads " + ints_to_string(*pads) + " remove more than axis " + std::to_string(a) +
               " of " + ctx.describe_input(0) + " holds");
    }
    out[a] = Dim::fixed(*size);
  }
  ctx.set_shape(0, std::move(out));
}

// Shape's output length: end - start after clamping both to [0, rank] (opset 15's start/end).
void shape_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const auto [start, end] = shape_op_range(ctx.node(), static_cast<int64_t>(x->size()));
  ctx.set_shape(0, {Dim::fixed(std::max<int64_t>(0, end - start))});
}

void constant_rule(NodeContext& ctx) {
  const Node& node = ctx.node();
  for (const char* name : {"value", "sparse_value"}) {
    const Attribute* a = node.find_attribute(name);
    if (a != nullptr && a->type == Attribute::Type::kTensor && a->t.defined()) {
      Dims d;
      for (int64_t x : a->t.shape().dims()) d.push_back(Dim::fixed(x));
      ctx.set_shape(0, std::move(d));
      return;
    }
  }
  for (const char* name : {"value_float", "value_int", "value_string"}) {
    if (node.has_attribute(name)) ctx.set_shape(0, {});
  }
  if (const Attribute* a = node.find_attribute("value_floats"))
    ctx.set_shape(0, {Dim::fixed(static_cast<int64_t>(a->floats.size()))});
  if (const Attribute* a = node.find_attribute("value_ints"))
    ctx.set_shape(0, {Dim::fixed(static_cast<int64_t>(a->ints.size()))});
  if (const Attribute* a = node.find_attribute("value_strings"))
    ctx.set_shape(0, {Dim::fixed(static_cast<int64_t>(a->strings.size()))});
}

void constant_of_shape_rule(NodeContext& ctx) {
  if (const Values* v = ctx.values(0)) {
    Dims out;
    for (const Elem& e : v->elems) {
      if (e.known() && *e.value < 0) {
        ctx.fail(ctx.describe_input(0) + " holds a negative size " + std::to_string(*e.value));
      }
      out.push_back(e.to_dim());
    }
    ctx.set_shape(0, std::move(out));
  } else if (auto n = static_length(ctx, 0)) {
    ctx.set_shape(0, unknown_dims(*n));
  }
}

// Range: max(ceil((limit - start) / delta), 0) elements, from tracked or constant scalars.
void range_rule(NodeContext& ctx) {
  std::optional<double> bounds[3];
  for (size_t i = 0; i < 3; ++i) {
    if (auto v = ctx.ints(i); v && v->size() == 1) {
      bounds[i] = static_cast<double>((*v)[0]);
    } else if (auto d = ctx.doubles(i); d && d->size() == 1) {
      bounds[i] = (*d)[0];
    }
  }
  if (!bounds[0] || !bounds[1] || !bounds[2]) {
    ctx.set_shape(0, {Dim{}});
    return;
  }
  if (*bounds[2] == 0.0) ctx.fail("delta " + ctx.describe_input(2) + " is 0");
  const double n = std::ceil((*bounds[1] - *bounds[0]) / *bounds[2]);
  if (!std::isfinite(n) || n > 9.0e18) {
    ctx.set_shape(0, {Dim{}});
    return;
  }
  ctx.set_shape(0, {Dim::fixed(n > 0 ? static_cast<int64_t>(n) : 0)});
}

void one_hot_rule(NodeContext& ctx) {
  const Dims* indices = ctx.shape(0);
  if (indices == nullptr) return;
  const int64_t out_rank = static_cast<int64_t>(indices->size()) + 1;
  const size_t axis =
      static_cast<size_t>(ctx.normalize_axis(ctx.node().attr_int("axis", -1), out_rank));
  Dim depth;
  if (auto d = ctx.doubles(1);
      d && d->size() == 1 && std::isfinite((*d)[0]) && (*d)[0] >= 0.0 && (*d)[0] < 9.0e18) {
    depth = Dim::fixed(static_cast<int64_t>((*d)[0]));
  }
  Dims out(*indices);
  out.insert(out.begin() + static_cast<std::ptrdiff_t>(axis), depth);
  ctx.set_shape(0, std::move(out));
}

void depth_space_rule(NodeContext& ctx, bool to_space) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  if (x->size() != 4) ctx.fail(ctx.describe_input(0) + " must be 4-D (N, C, H, W)");
  const int64_t b = ctx.node().attr_int("blocksize");
  if (b <= 0 || b > (int64_t{1} << 30))
    ctx.fail("blocksize is " + std::to_string(b) + ", expected 1..2^30");
  const Dim block = Dim::fixed(b), area = Dim::fixed(b * b);
  auto divide = [&](const Dim& d, const Dim& by, const char* what) {
    if (d.is_static() && d.value % by.value != 0) {
      ctx.fail(std::string(what) + " of " + ctx.describe_input(0) + " is not a multiple of " +
               by.to_string());
    }
    return d.is_static() ? Dim::fixed(d.value / by.value) : (by.value == 1 ? d : Dim{});
  };
  if (to_space) {
    ctx.set_shape(0, {(*x)[0], divide((*x)[1], area, "channels"), dim_mul((*x)[2], block),
                      dim_mul((*x)[3], block)});
  } else {
    ctx.set_shape(0, {(*x)[0], dim_mul((*x)[1], area), divide((*x)[2], block, "height"),
                      divide((*x)[3], block, "width")});
  }
}

void random_rule(NodeContext& ctx) {
  Dims out;
  for (int64_t d : ctx.node().attr_ints("shape", {})) out.push_back(fixed_or_unknown(d));
  if (ctx.node().has_attribute("shape")) ctx.set_shape(0, std::move(out));
}

void nonzero_rule(NodeContext& ctx) {
  if (const Dims* x = ctx.shape(0))
    ctx.set_shape(0, {Dim::fixed(static_cast<int64_t>(x->size())), Dim{}});
}

void roi_align_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  const Dims* rois = ctx.shape(1);
  if (x == nullptr || x->size() != 4) return;
  const Dim num_rois = rois != nullptr && rois->size() == 2 ? (*rois)[0] : Dim{};
  ctx.set_shape(0, {num_rois, (*x)[1], fixed_or_unknown(ctx.node().attr_int("output_height", 1)),
                    fixed_or_unknown(ctx.node().attr_int("output_width", 1))});
}

void det_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr || x->size() < 2) return;
  ctx.set_shape(0, Dims(x->begin(), x->end() - 2));
}

}  // namespace

void add_tensor_rules(RuleTable& rules) {
  rules["Reshape"] = reshape_rule;
  rules["Flatten"] = flatten_rule;
  rules["Transpose"] = transpose_rule;
  rules["Squeeze"] = squeeze_rule;
  rules["Unsqueeze"] = unsqueeze_rule;
  rules["Concat"] = concat_rule;
  rules["Split"] = split_rule;
  rules["Slice"] = slice_rule;
  rules["Gather"] = gather_rule;
  rules["GatherElements"] = gather_elements_rule;
  rules["GatherND"] = gather_nd_rule;
  rules["Expand"] = expand_rule;
  rules["Tile"] = tile_rule;
  rules["Pad"] = pad_rule;
  rules["Shape"] = shape_rule;
  rules["Size"] = [](NodeContext& ctx) { ctx.set_shape(0, {}); };
  rules["Constant"] = constant_rule;
  rules["ConstantOfShape"] = constant_of_shape_rule;
  rules["Range"] = range_rule;
  rules["OneHot"] = one_hot_rule;
  rules["DepthToSpace"] = [](NodeContext& ctx) { depth_space_rule(ctx, true); };
  rules["SpaceToDepth"] = [](NodeContext& ctx) { depth_space_rule(ctx, false); };
  rules["RandomNormal"] = random_rule;
  rules["RandomUniform"] = random_rule;
  rules["NonZero"] = nonzero_rule;
  rules["NonMaxSuppression"] = [](NodeContext& ctx) { ctx.set_shape(0, {Dim{}, Dim::fixed(3)}); };
  rules["RoiAlign"] = roi_align_rule;
  rules["Det"] = det_rule;
}

}  // namespace aruntime::shape_inference
