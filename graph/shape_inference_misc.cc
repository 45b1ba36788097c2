// Shape rules of the remaining ops with a fixed output layout: grid sampling, centre crop/pad,
// window functions and the loss functions.
#include <cmath>

#include "graph/shape_inference_internal.h"

namespace aruntime::shape_inference {
namespace {

// GridSample: [N, C] of X followed by the grid's output positions (grid is [N, out..., rank]).
void grid_sample_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  const Dims* grid = ctx.shape(1);
  if (x == nullptr || grid == nullptr || x->size() < 3 || grid->size() != x->size()) return;
  Dims out{(*x)[0], (*x)[1]};
  out.insert(out.end(), grid->begin() + 1, grid->end() - 1);
  ctx.set_shape(0, std::move(out));
}

// AffineGrid: size is [N, C, H, W] (or [N, C, D, H, W]); the grid is [N, H, W, 2] ([N, D, H, W,
// 3]).
void affine_grid_rule(NodeContext& ctx) {
  const Values* size = ctx.values(1);
  if (size == nullptr) {
    // The rank still follows from the length of size.
    const Dims* s = ctx.shape(1);
    if (s != nullptr && s->size() == 1 && (*s)[0].is_static() &&
        ((*s)[0].value == 4 || (*s)[0].value == 5)) {
      Dims out(static_cast<size_t>((*s)[0].value - 1));
      out.push_back(Dim::fixed((*s)[0].value - 2));
      ctx.set_shape(0, std::move(out));
    }
    return;
  }
  if (size->elems.size() != 4 && size->elems.size() != 5) return;
  Dims out{size->elems[0].to_dim()};
  for (size_t i = 2; i < size->elems.size(); ++i) out.push_back(size->elems[i].to_dim());
  out.push_back(Dim::fixed(static_cast<int64_t>(size->elems.size()) - 2));
  ctx.set_shape(0, std::move(out));
}

// CenterCropPad: the axes (all, or the `axes` attribute) take the sizes of input 1.
void center_crop_pad_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const int64_t rank = static_cast<int64_t>(x->size());
  std::vector<int64_t> axes = ctx.node().attr_ints("axes", {});
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  Dims out(*x);
  const Values* sizes = ctx.values(1);
  if (sizes != nullptr && sizes->elems.size() != axes.size()) {
    ctx.fail(ctx.describe_input(1) + " has " + std::to_string(sizes->elems.size()) + " sizes for " +
             std::to_string(axes.size()) + " axes");
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    const size_t a = static_cast<size_t>(ctx.normalize_axis(axes[i], rank, "axes"));
    out[a] = sizes != nullptr ? sizes->elems[i].to_dim() : Dim{};
  }
  ctx.set_shape(0, std::move(out));
}

// HannWindow/HammingWindow/BlackmanWindow: a 1-D window of `size` elements.
void window_rule(NodeContext& ctx) {
  const Values* size = ctx.values(0);
  if (size != nullptr && size->elems.size() == 1) {
    ctx.set_shape(0, {size->elems[0].to_dim()});
  } else {
    ctx.set_shape(0, {Dim{}});
  }
}

// NegativeLogLikelihoodLoss/SoftmaxCrossEntropyLoss: per-element losses ([N, d1...], the target's
// shape) without reduction, a scalar with it; SoftmaxCrossEntropyLoss's log_prob has the scores'.
void loss_rule(NodeContext& ctx) {
  const std::string reduction = ctx.node().attr_string("reduction", "mean");
  if (reduction == "none") {
    if (const Dims* scores = ctx.shape(0); scores != nullptr && scores->size() >= 2) {
      Dims out{(*scores)[0]};
      out.insert(out.end(), scores->begin() + 2, scores->end());
      ctx.set_shape(0, std::move(out));
    }
  } else {
    ctx.set_shape(0, {});
  }
  same_shape_as_input(ctx, 0, 1);
}

}  // namespace

void add_misc_rules(RuleTable& rules) {
  rules["GridSample"] = grid_sample_rule;
  rules["AffineGrid"] = affine_grid_rule;
  rules["CenterCropPad"] = center_crop_pad_rule;
  for (const char* op : {"HannWindow", "HammingWindow", "BlackmanWindow"}) rules[op] = window_rule;
  rules["NegativeLogLikelihoodLoss"] = loss_rule;
  rules["SoftmaxCrossEntropyLoss"] = loss_rule;
}

}  // namespace aruntime::shape_inference
