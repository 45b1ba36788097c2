// Shape rules of reductions and selections along axes: Reduce* (axes as attribute or input,
// keepdims, noop_with_empty_axes), ArgMax/ArgMin and TopK.
#include <set>

#include "graph/shape_inference_internal.h"

namespace aruntime::shape_inference {
namespace {

constexpr const char* kReduceOps[] = {
    "ReduceL1",   "ReduceL2",  "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
    "ReduceMean", "ReduceMin", "ReduceProd",   "ReduceSum",       "ReduceSumSquare"};

Dims reduce_dims(const Dims& x, const std::set<int64_t>& axes, bool keepdims) {
  Dims out;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!axes.count(static_cast<int64_t>(i)))
      out.push_back(x[i]);
    else if (keepdims)
      out.push_back(Dim::fixed(1));
  }
  return out;
}

void reduce_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const bool keepdims = ctx.node().attr_int("keepdims", 1) != 0;
  const bool noop_with_empty_axes = ctx.node().attr_int("noop_with_empty_axes", 0) != 0;
  const int64_t rank = static_cast<int64_t>(x->size());
  bool present = false;
  std::optional<std::vector<int64_t>> axes = axes_from_attr_or_input(ctx, "axes", 1, &present);
  if (!axes) {
    // Unknown axes keep the rank with keepdims, and each dim is either itself or 1.
    if (!keepdims) return;
    Dims out(x->size());
    for (size_t i = 0; i < x->size(); ++i) {
      if ((*x)[i].is_static() && (*x)[i].value == 1) out[i] = (*x)[i];
    }
    ctx.set_shape(0, std::move(out));
    return;
  }
  std::set<int64_t> reduced;
  if (axes->empty()) {
    if (noop_with_empty_axes) {
      ctx.set_shape(0, *x);
      return;
    }
    for (int64_t i = 0; i < rank; ++i) reduced.insert(i);
  } else {
    for (int64_t a : *axes) reduced.insert(ctx.normalize_axis(a, rank, "axes"));
  }
  ctx.set_shape(0, reduce_dims(*x, reduced, keepdims));
}

void arg_reduce_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const int64_t rank = static_cast<int64_t>(x->size());
  const int64_t axis = ctx.normalize_axis(ctx.node().attr_int("axis", 0), rank);
  ctx.set_shape(0, reduce_dims(*x, {axis}, ctx.node().attr_int("keepdims", 1) != 0));
}

// TopK: k as input 1 (opset 10+) or attribute (opset 1).
void topk_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const int64_t rank = static_cast<int64_t>(x->size());
  const size_t axis =
      static_cast<size_t>(ctx.normalize_axis(ctx.node().attr_int("axis", -1), rank));
  Dim k;
  if (ctx.node().has_attribute("k")) {
    k = fixed_or_unknown(ctx.node().attr_int("k"));
  } else if (auto v = ctx.ints(1); v && v->size() == 1) {
    if ((*v)[0] < 0) ctx.fail("k " + ctx.describe_input(1) + " is negative");
    k = Dim::fixed((*v)[0]);
  }
  const Dim& dim = (*x)[axis];
  if (k.is_static() && dim.is_static() && k.value > dim.value) {
    ctx.fail("k is " + std::to_string(k.value) + " but axis " + std::to_string(axis) + " of " +
             ctx.describe_input(0) + " has " + std::to_string(dim.value) + " elements");
  }
  Dims out(*x);
  out[axis] = k;
  ctx.set_shape(0, out);
  ctx.set_shape(1, out);
}

}  // namespace

void add_reduce_rules(RuleTable& rules) {
  for (const char* op : kReduceOps) rules[op] = reduce_rule;
  rules["ArgMax"] = arg_reduce_rule;
  rules["ArgMin"] = arg_reduce_rule;
  rules["TopK"] = topk_rule;
}

}  // namespace aruntime::shape_inference
