// Shape-value propagation: the values of small integer tensors computed from shapes. Exporters
// build Reshape/Expand/ConstantOfShape targets as Shape -> Gather -> Unsqueeze -> Concat (with
// arithmetic in between); following the values, with symbolic elements for symbolic dims, gives
// those ops static or symbolic output shapes. Only integer (or bool) tensors with a static shape of
// at most kMaxTrackedValues elements are followed.
#include <algorithm>

#include "graph/shape_inference_internal.h"

namespace aruntime::shape_inference {
namespace {

bool tracks(DataType t) {
  return is_integer(t) || t == DataType::kBool;
}

Elem unknown() {
  return Elem{};
}

Elem elem_add(const Elem& a, const Elem& b) {
  if (a.known() && b.known()) {
    auto s = checked_add(*a.value, *b.value);
    return s ? Elem::of(*s) : unknown();
  }
  if (a.known() && *a.value == 0) return b;
  if (b.known() && *b.value == 0) return a;
  return unknown();
}

Elem elem_sub(const Elem& a, const Elem& b) {
  if (a.known() && b.known()) {
    int64_t r = 0;
    if (__builtin_sub_overflow(*a.value, *b.value, &r)) return unknown();
    return Elem::of(r);
  }
  if (b.known() && *b.value == 0) return a;
  if (!a.known() && !b.known() && !a.symbol.empty() && a.symbol == b.symbol) return Elem::of(0);
  return unknown();
}

Elem elem_mul(const Elem& a, const Elem& b) {
  if (a.known() && b.known()) {
    auto p = checked_mul(*a.value, *b.value);
    return p ? Elem::of(*p) : unknown();
  }
  if (a.known() && *a.value == 1) return b;
  if (b.known() && *b.value == 1) return a;
  if ((a.known() && *a.value == 0) || (b.known() && *b.value == 0)) return Elem::of(0);
  return unknown();
}

// Integer Div truncates toward zero, as the CPU kernel's C++ division does.
Elem elem_div(const Elem& a, const Elem& b) {
  if (a.known() && b.known()) {
    if (*b.value == 0 || (*a.value == INT64_MIN && *b.value == -1)) return unknown();
    return Elem::of(*a.value / *b.value);
  }
  if (b.known() && *b.value == 1) return a;
  return unknown();
}

// Integer Mod with fmod=0 takes the divisor's sign (Python's %).
Elem elem_mod(const Elem& a, const Elem& b) {
  if (!a.known() || !b.known() || *b.value == 0 || (*a.value == INT64_MIN && *b.value == -1))
    return unknown();
  int64_t r = *a.value % *b.value;
  if (r != 0 && ((r < 0) != (*b.value < 0))) r += *b.value;
  return Elem::of(r);
}

Elem elem_max(const Elem& a, const Elem& b) {
  if (a.known() && b.known()) return Elem::of(std::max(*a.value, *b.value));
  if (!a.known() && !b.known() && !a.symbol.empty() && a.symbol == b.symbol) return a;
  return unknown();
}

Elem elem_min(const Elem& a, const Elem& b) {
  if (a.known() && b.known()) return Elem::of(std::min(*a.value, *b.value));
  if (!a.known() && !b.known() && !a.symbol.empty() && a.symbol == b.symbol) return a;
  return unknown();
}

Elem elem_equal(const Elem& a, const Elem& b) {
  if (a.known() && b.known()) return Elem::of(*a.value == *b.value ? 1 : 0);
  if (!a.known() && !b.known() && !a.symbol.empty() && a.symbol == b.symbol) return Elem::of(1);
  return unknown();
}

int64_t element_count(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || d > static_cast<int64_t>(kMaxTrackedValues)) return -1;
    n *= d;
    if (n > static_cast<int64_t>(kMaxTrackedValues)) return -1;
  }
  return n;
}

// Static numpy broadcast of two shapes; nullopt when they do not broadcast.
std::optional<std::vector<int64_t>> broadcast_static(const std::vector<int64_t>& a,
                                                     const std::vector<int64_t>& b) {
  std::vector<int64_t> out(std::max(a.size(), b.size()));
  for (size_t j = 0; j < out.size(); ++j) {
    const size_t from_end = out.size() - j;
    const int64_t x = from_end <= a.size() ? a[a.size() - from_end] : 1;
    const int64_t y = from_end <= b.size() ? b[b.size() - from_end] : 1;
    if (x != y && x != 1 && y != 1) return std::nullopt;
    out[j] = x == 1 ? y : x;
  }
  return out;
}

// For each element of a tensor of shape `out`, the flat index of the element of `in` (broadcast
// to `out`) that it reads.
std::vector<size_t> broadcast_map(const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
  const int64_t n = element_count(out);
  std::vector<size_t> map(static_cast<size_t>(std::max<int64_t>(n, 0)));
  const size_t offset = out.size() - in.size();
  for (size_t flat = 0; flat < map.size(); ++flat) {
    size_t rest = flat, index = 0, stride = 1;
    for (size_t j = out.size(); j-- > 0;) {
      const size_t coord = rest % static_cast<size_t>(out[j]);
      rest /= static_cast<size_t>(out[j]);
      if (j >= offset) {
        const int64_t d = in[j - offset];
        if (d != 1) index += coord * stride;
        stride *= static_cast<size_t>(d);
      }
    }
    map[flat] = index;
  }
  return map;
}

// Elementwise op over tracked values with numpy broadcasting.
template <typename F>
std::optional<Values> elementwise(const Values& a, const Values& b, F f) {
  std::optional<std::vector<int64_t>> dims = broadcast_static(a.dims, b.dims);
  if (!dims || element_count(*dims) < 0) return std::nullopt;
  const std::vector<size_t> ia = broadcast_map(a.dims, *dims), ib = broadcast_map(b.dims, *dims);
  Values out;
  out.dims = *dims;
  for (size_t i = 0; i < ia.size(); ++i) out.elems.push_back(f(a.elems[ia[i]], b.elems[ib[i]]));
  return out;
}

void binary(NodeContext& ctx, Elem (*f)(const Elem&, const Elem&)) {
  const Values* a = ctx.values(0);
  const Values* b = ctx.values(1);
  if (a == nullptr || b == nullptr) return;
  if (auto v = elementwise(*a, *b, f)) ctx.set_values(0, std::move(*v));
}

void variadic(NodeContext& ctx, Elem (*f)(const Elem&, const Elem&)) {
  if (ctx.num_inputs() == 0 || ctx.values(0) == nullptr) return;
  Values acc = *ctx.values(0);
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    const Values* v = ctx.values(i);
    if (v == nullptr) return;
    auto r = elementwise(acc, *v, f);
    if (!r) return;
    acc = std::move(*r);
  }
  ctx.set_values(0, std::move(acc));
}

void constant_values(NodeContext& ctx) {
  const Node& node = ctx.node();
  if (const Attribute* a = node.find_attribute("value");
      a != nullptr && a->type == Attribute::Type::kTensor) {
    if (auto v = values_of_tensor(a->t)) ctx.set_values(0, std::move(*v));
  } else if (const Attribute* i = node.find_attribute("value_int")) {
    ctx.set_values(0, Values{{Elem::of(i->i)}, {}});
  } else if (const Attribute* is = node.find_attribute("value_ints");
             is && is->ints.size() <= kMaxTrackedValues) {
    Values v;
    for (int64_t x : is->ints) v.elems.push_back(Elem::of(x));
    v.dims = {static_cast<int64_t>(v.elems.size())};
    ctx.set_values(0, std::move(v));
  }
}

void shape_values(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const auto [start, end] = shape_op_range(ctx.node(), static_cast<int64_t>(x->size()));
  Values v;
  for (int64_t i = start; i < end; ++i)
    v.elems.push_back(Elem::from_dim((*x)[static_cast<size_t>(i)]));
  v.dims = {static_cast<int64_t>(v.elems.size())};
  ctx.set_values(0, std::move(v));
}

void size_values(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const Dim n = dim_product(*x, 0, x->size());
  if (n.is_static() || !n.symbol.empty()) ctx.set_values(0, Values{{Elem::from_dim(n)}, {}});
}

void pass_through(NodeContext& ctx) {
  if (const Values* v = ctx.values(0)) ctx.set_values(0, *v);
}

// The dims of output 0 as the shape rule derived them, when all are static.
std::optional<std::vector<int64_t>> static_output_dims(const NodeContext& ctx) {
  const std::optional<Dims>& shape = ctx.output_shape(0);
  if (!shape) return std::nullopt;
  std::vector<int64_t> dims;
  for (const Dim& d : *shape) {
    if (!d.is_static()) return std::nullopt;
    dims.push_back(d.value);
  }
  return dims;
}

void gather_values(NodeContext& ctx) {
  const Values* data = ctx.values(0);
  const Values* indices = ctx.values(1);
  if (data == nullptr || indices == nullptr || data->scalar()) return;
  const int64_t rank = static_cast<int64_t>(data->dims.size());
  int64_t axis = ctx.node().attr_int("axis", 0);
  if (axis < -rank || axis >= rank) return;
  if (axis < 0) axis += rank;
  const size_t a = static_cast<size_t>(axis);
  const int64_t n = data->dims[a];
  size_t outer = 1, inner = 1;
  for (size_t i = 0; i < a; ++i) outer *= static_cast<size_t>(data->dims[i]);
  for (size_t i = a + 1; i < data->dims.size(); ++i) inner *= static_cast<size_t>(data->dims[i]);
  Values out;
  out.dims.assign(data->dims.begin(), data->dims.begin() + axis);
  out.dims.insert(out.dims.end(), indices->dims.begin(), indices->dims.end());
  out.dims.insert(out.dims.end(), data->dims.begin() + axis + 1, data->dims.end());
  if (element_count(out.dims) < 0) return;
  for (size_t o = 0; o < outer; ++o) {
    for (const Elem& e : indices->elems) {
      if (!e.known() || *e.value < -n || *e.value >= n) return;
      const size_t k = static_cast<size_t>(*e.value < 0 ? *e.value + n : *e.value);
      for (size_t i = 0; i < inner; ++i) {
        out.elems.push_back(data->elems[(o * static_cast<size_t>(n) + k) * inner + i]);
      }
    }
  }
  ctx.set_values(0, std::move(out));
}

// The elements at the cartesian product of per-axis index lists.
Values select(const Values& data, const std::vector<std::vector<int64_t>>& picks) {
  Values out;
  for (const auto& p : picks) out.dims.push_back(static_cast<int64_t>(p.size()));
  const int64_t n = element_count(out.dims);
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t rest = flat;
    size_t index = 0, stride = 1;
    for (size_t j = picks.size(); j-- > 0;) {
      const int64_t coord = rest % out.dims[j];
      rest /= out.dims[j];
      index += static_cast<size_t>(picks[j][static_cast<size_t>(coord)]) * stride;
      stride *= static_cast<size_t>(data.dims[j]);
    }
    out.elems.push_back(data.elems[index]);
  }
  return out;
}

void slice_values(NodeContext& ctx) {
  const Values* data = ctx.values(0);
  if (data == nullptr || data->scalar()) return;
  const Node& node = ctx.node();
  const int64_t rank = static_cast<int64_t>(data->dims.size());
  std::optional<std::vector<int64_t>> starts, ends, axes, steps;
  if (node.has_attribute("starts")) {
    starts = node.attr_ints("starts");
    ends = node.attr_ints("ends", {});
    if (node.has_attribute("axes")) axes = node.attr_ints("axes");
  } else {
    starts = ctx.ints(1);
    ends = ctx.ints(2);
    if (ctx.has_input(3)) {
      axes = ctx.ints(3);
      if (!axes) return;
    }
    if (ctx.has_input(4)) {
      steps = ctx.ints(4);
      if (!steps) return;
    }
  }
  if (!starts || !ends || ends->size() != starts->size()) return;
  if (!axes) {
    axes = std::vector<int64_t>();
    for (size_t i = 0; i < starts->size(); ++i) axes->push_back(static_cast<int64_t>(i));
  }
  if (!steps) steps = std::vector<int64_t>(starts->size(), 1);
  if (axes->size() != starts->size() || steps->size() != starts->size()) return;
  std::vector<std::vector<int64_t>> picks(data->dims.size());
  for (size_t j = 0; j < picks.size(); ++j) {
    for (int64_t i = 0; i < data->dims[j]; ++i) picks[j].push_back(i);
  }
  for (size_t k = 0; k < axes->size(); ++k) {
    int64_t axis = (*axes)[k];
    if (axis < -rank || axis >= rank || (*steps)[k] == 0) return;
    if (axis < 0) axis += rank;
    const int64_t n = data->dims[static_cast<size_t>(axis)];
    int64_t start = (*starts)[k], end = (*ends)[k];
    const int64_t step = (*steps)[k];
    if (start < 0) start += n;
    if (end < 0) end += n;
    std::vector<int64_t>& p = picks[static_cast<size_t>(axis)];
    p.clear();
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, n);
      end = std::clamp<int64_t>(end, 0, n);
      for (int64_t i = start; i < end; i += step) {
        p.push_back(i);
        if (step > n) break;
      }
    } else if (n > 0) {
      start = std::clamp<int64_t>(start, 0, n - 1);
      end = std::clamp<int64_t>(end, -1, n - 1);
      for (int64_t i = start; i > end; i += step) {
        p.push_back(i);
        if (step < -n) break;
      }
    }
  }
  ctx.set_values(0, select(*data, picks));
}

void transpose_values(NodeContext& ctx) {
  const Values* data = ctx.values(0);
  if (data == nullptr) return;
  const size_t rank = data->dims.size();
  std::vector<int64_t> perm = ctx.node().attr_ints("perm", {});
  if (perm.empty()) {
    for (size_t i = rank; i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  }
  if (perm.size() != rank) return;
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(p)]) return;
    seen[static_cast<size_t>(p)] = true;
  }
  std::vector<size_t> in_strides(rank, 1);
  for (size_t j = rank; j-- > 1;)
    in_strides[j - 1] = in_strides[j] * static_cast<size_t>(data->dims[j]);
  Values out;
  for (int64_t p : perm) out.dims.push_back(data->dims[static_cast<size_t>(p)]);
  for (size_t flat = 0; flat < data->elems.size(); ++flat) {
    size_t rest = flat, index = 0;
    for (size_t j = rank; j-- > 0;) {
      const size_t coord = rest % static_cast<size_t>(out.dims[j]);
      rest /= static_cast<size_t>(out.dims[j]);
      index += coord * in_strides[static_cast<size_t>(perm[j])];
    }
    out.elems.push_back(data->elems[index]);
  }
  ctx.set_values(0, std::move(out));
}

// Squeeze/Unsqueeze/Reshape/Flatten keep the elements in order; the shape rule gives the dims.
void reshaped_values(NodeContext& ctx) {
  const Values* data = ctx.values(0);
  std::optional<std::vector<int64_t>> dims = static_output_dims(ctx);
  if (data == nullptr || !dims || element_count(*dims) != static_cast<int64_t>(data->elems.size()))
    return;
  ctx.set_values(0, Values{data->elems, *dims});
}

void concat_values(NodeContext& ctx) {
  const Values* first = ctx.values(0);
  if (first == nullptr || first->scalar()) return;
  const int64_t rank = static_cast<int64_t>(first->dims.size());
  int64_t axis = ctx.node().attr_int("axis", 0);
  if (axis < -rank || axis >= rank) return;
  if (axis < 0) axis += rank;
  const size_t a = static_cast<size_t>(axis);
  size_t outer = 1;
  for (size_t i = 0; i < a; ++i) outer *= static_cast<size_t>(first->dims[i]);
  Values out;
  out.dims = first->dims;
  out.dims[a] = 0;
  std::vector<size_t> chunks;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Values* v = ctx.values(i);
    if (v == nullptr || v->dims.size() != first->dims.size()) return;
    for (size_t j = 0; j < v->dims.size(); ++j) {
      if (j != a && v->dims[j] != first->dims[j]) return;
    }
    out.dims[a] += v->dims[a];
    chunks.push_back(outer == 0 ? 0 : v->elems.size() / outer);
  }
  if (element_count(out.dims) < 0) return;
  for (size_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      const Values* v = ctx.values(i);
      out.elems.insert(out.elems.end(),
                       v->elems.begin() + static_cast<std::ptrdiff_t>(o * chunks[i]),
                       v->elems.begin() + static_cast<std::ptrdiff_t>((o + 1) * chunks[i]));
    }
  }
  ctx.set_values(0, std::move(out));
}

void neg_values(NodeContext& ctx) {
  const Values* v = ctx.values(0);
  if (v == nullptr) return;
  Values out = *v;
  for (Elem& e : out.elems)
    e = e.known() && *e.value != INT64_MIN ? Elem::of(-*e.value) : unknown();
  ctx.set_values(0, std::move(out));
}

void where_values(NodeContext& ctx) {
  const Values* cond = ctx.values(0);
  const Values* x = ctx.values(1);
  const Values* y = ctx.values(2);
  if (cond == nullptr || x == nullptr || y == nullptr) return;
  auto dims = broadcast_static(cond->dims, x->dims);
  if (dims) dims = broadcast_static(*dims, y->dims);
  if (!dims || element_count(*dims) < 0) return;
  const std::vector<size_t> ic = broadcast_map(cond->dims, *dims);
  const std::vector<size_t> ix = broadcast_map(x->dims, *dims);
  const std::vector<size_t> iy = broadcast_map(y->dims, *dims);
  Values out;
  out.dims = *dims;
  for (size_t i = 0; i < ic.size(); ++i) {
    const Elem& c = cond->elems[ic[i]];
    out.elems.push_back(!c.known() ? unknown()
                                   : (*c.value != 0 ? x->elems[ix[i]] : y->elems[iy[i]]));
  }
  ctx.set_values(0, std::move(out));
}

void constant_of_shape_values(NodeContext& ctx) {
  std::optional<std::vector<int64_t>> dims = static_output_dims(ctx);
  if (!dims) return;
  const int64_t n = element_count(*dims);
  if (n < 0) return;
  Elem fill = Elem::of(0);
  if (const Attribute* a = ctx.node().find_attribute("value");
      a != nullptr && a->type == Attribute::Type::kTensor) {
    std::optional<Values> v = values_of_tensor(a->t);
    if (!v || v->elems.size() != 1) return;
    fill = v->elems[0];
  }
  ctx.set_values(0, Values{std::vector<Elem>(static_cast<size_t>(n), fill), *dims});
}

void range_values(NodeContext& ctx) {
  auto scalar = [&](size_t i) -> std::optional<int64_t> {
    auto v = ctx.ints(i);
    return v && v->size() == 1 ? std::optional<int64_t>((*v)[0]) : std::nullopt;
  };
  auto start = scalar(0), limit = scalar(1), delta = scalar(2);
  if (!start || !limit || !delta || *delta == 0) return;
  Values out;
  for (int64_t x = *start; *delta > 0 ? x < *limit : x > *limit; x += *delta) {
    if (out.elems.size() == kMaxTrackedValues) return;
    out.elems.push_back(Elem::of(x));
    if ((*delta > 0 && x > INT64_MAX - *delta) || (*delta < 0 && x < INT64_MIN - *delta)) break;
  }
  out.dims = {static_cast<int64_t>(out.elems.size())};
  ctx.set_values(0, std::move(out));
}

using ValueRule = void (*)(NodeContext&);

const std::unordered_map<std::string, ValueRule>& value_rules() {
  static const std::unordered_map<std::string, ValueRule> rules = {
      {"Constant", constant_values},
      {"Shape", shape_values},
      {"Size", size_values},
      {"Identity", pass_through},
      {"Cast", pass_through},
      {"CastLike", pass_through},
      {"Gather", gather_values},
      {"Slice", slice_values},
      {"Transpose", transpose_values},
      {"Squeeze", reshaped_values},
      {"Unsqueeze", reshaped_values},
      {"Reshape", reshaped_values},
      {"Flatten", reshaped_values},
      {"Concat", concat_values},
      {"Add", [](NodeContext& c) { binary(c, elem_add); }},
      {"Sub", [](NodeContext& c) { binary(c, elem_sub); }},
      {"Mul", [](NodeContext& c) { binary(c, elem_mul); }},
      {"Div", [](NodeContext& c) { binary(c, elem_div); }},
      {"Mod",
       [](NodeContext& c) {
         if (c.node().attr_int("fmod", 0) == 0) binary(c, elem_mod);
       }},
      {"Equal", [](NodeContext& c) { binary(c, elem_equal); }},
      {"Max", [](NodeContext& c) { variadic(c, elem_max); }},
      {"Min", [](NodeContext& c) { variadic(c, elem_min); }},
      {"Neg", neg_values},
      {"Where", where_values},
      {"ConstantOfShape", constant_of_shape_values},
      {"Range", range_values},
  };
  return rules;
}

}  // namespace

std::optional<Values> values_of_tensor(const Tensor& t) {
  if (!t.device().is_cpu() || t.num_elements() > static_cast<int64_t>(kMaxTrackedValues))
    return std::nullopt;
  Values v;
  v.dims = t.shape().dims();
  if (t.dtype() == DataType::kBool) {
    for (int64_t i = 0; i < t.num_elements(); ++i)
      v.elems.push_back(Elem::of(t.data<bool>()[i] ? 1 : 0));
    return v;
  }
  if (!is_integer(t.dtype())) return std::nullopt;
  for (int64_t x : t.to_int64_vector()) v.elems.push_back(Elem::of(x));
  return v;
}

void propagate_values(NodeContext& ctx) {
  auto it = value_rules().find(ctx.node().op_type);
  if (it == value_rules().end() || ctx.num_outputs() == 0) return;
  // Values are followed in integer types only: a Cast to float leaves exact integer arithmetic.
  if (!tracks(ctx.output_dtype(0))) return;
  it->second(ctx);
  // A value that contradicts the shape rule's output (a mistake in either) is dropped.
  if (const auto& v = ctx.output_values(0); v && ctx.output_shape(0)) {
    const Dims& s = *ctx.output_shape(0);
    bool fits = s.size() == v->dims.size();
    for (size_t j = 0; fits && j < s.size(); ++j)
      fits = !s[j].is_static() || s[j].value == v->dims[j];
    if (!fits) ctx.out_values_[0].reset();
  }
}

}  // namespace aruntime::shape_inference
