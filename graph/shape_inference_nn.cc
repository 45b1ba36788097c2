// Shape rules of neural-network ops: convolutions and pooling windows, Gemm/MatMul, the
// normalisations with extra statistic outputs, recurrent layers, Resize/Upsample and their
// quantized and integer variants.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "graph/shape_inference_internal.h"

namespace aruntime::shape_inference {
namespace {

// Attributes of a sliding window (Conv, ConvTranspose, pools), expanded to one entry per axis.
struct Window {
  std::vector<int64_t> kernel, strides, dilations, pads;  // pads: begins then ends
  std::string auto_pad;
};

// Reads the window attributes for `spatial` axes; nullopt when the kernel size is not known
// (neither attribute nor weight shape). Sizes that do not match the spatial rank fail.
std::optional<Window> read_window(const NodeContext& ctx, size_t spatial, const Dims* weight) {
  const Node& node = ctx.node();
  Window w;
  auto per_axis = [&](const char* name, size_t count, int64_t fallback) {
    std::vector<int64_t> v = node.attr_ints(name, {});
    if (v.empty()) return std::vector<int64_t>(count, fallback);
    if (v.size() != count) {
      ctx.fail("attribute " + std::string(name) + " " + ints_to_string(v) + " has " +
               std::to_string(v.size()) + " values but the input has " + std::to_string(spatial) +
               " spatial axes");
    }
    return v;
  };
  if (node.has_attribute("kernel_shape")) {
    w.kernel = per_axis("kernel_shape", spatial, 1);
  } else if (weight != nullptr && weight->size() == spatial + 2) {
    for (size_t i = 0; i < spatial; ++i) {
      const Dim& d = (*weight)[i + 2];
      if (!d.is_static()) return std::nullopt;
      w.kernel.push_back(d.value);
    }
  } else {
    return std::nullopt;
  }
  w.strides = per_axis("strides", spatial, 1);
  w.dilations = per_axis("dilations", spatial, 1);
  w.pads = per_axis("pads", 2 * spatial, 0);
  w.auto_pad = node.attr_string("auto_pad", "NOTSET");
  if (w.auto_pad.empty()) w.auto_pad = "NOTSET";
  if (w.auto_pad != "NOTSET" && w.auto_pad != "VALID" && w.auto_pad != "SAME_UPPER" &&
      w.auto_pad != "SAME_LOWER") {
    ctx.fail("attribute auto_pad is '" + w.auto_pad +
             "', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
  }
  // Bounded so that window arithmetic on int64 sizes cannot overflow.
  constexpr int64_t kMaxWindowAttr = int64_t{1} << 30;
  for (size_t i = 0; i < spatial; ++i) {
    if (w.kernel[i] <= 0 || w.strides[i] <= 0 || w.dilations[i] <= 0 ||
        w.kernel[i] > kMaxWindowAttr || w.strides[i] > kMaxWindowAttr ||
        w.dilations[i] > kMaxWindowAttr) {
      ctx.fail("kernel_shape " + ints_to_string(w.kernel) + ", strides " +
               ints_to_string(w.strides) + " and dilations " + ints_to_string(w.dilations) +
               " must be positive and at most 2^30");
    }
  }
  for (int64_t p : w.pads) {
    if (p < -kMaxWindowAttr || p > kMaxWindowAttr)
      ctx.fail("pads " + ints_to_string(w.pads) + " are out of range");
  }
  return w;
}

// Output size of spatial axis `i` of a Conv or pool. Matches the CPU kernels' geometry: with
// ceil_mode a last window that would start inside the end padding is dropped.
Dim window_output(const NodeContext& ctx, const Window& w, size_t i, const Dim& in,
                  bool ceil_mode) {
  const int64_t s = w.strides[i];
  const int64_t extent = w.dilations[i] * (w.kernel[i] - 1) + 1;
  const size_t spatial = w.kernel.size();
  const int64_t pad_begin = w.auto_pad == "NOTSET" ? w.pads[i] : 0;
  const int64_t pad_end = w.auto_pad == "NOTSET" ? w.pads[spatial + i] : 0;
  const bool same = w.auto_pad == "SAME_UPPER" || w.auto_pad == "SAME_LOWER";
  if (!in.is_static() || in.value > (INT64_MAX >> 2)) {
    // Windows that map each position to one output keep a symbolic size.
    if (s == 1 && (same || (extent == 1 && pad_begin == 0 && pad_end == 0))) return in;
    return Dim{};
  }
  if (same) return Dim::fixed((in.value + s - 1) / s);
  const int64_t span = in.value + pad_begin + pad_end - extent;
  if (span < 0) {
    ctx.fail("spatial axis " + std::to_string(i) + " of " + ctx.describe_input(0) + " is " +
             std::to_string(in.value) + " (padded " +
             std::to_string(in.value + pad_begin + pad_end) + "), smaller than the window extent " +
             std::to_string(extent));
  }
  int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in.value + pad_begin) --out;
  return Dim::fixed(out);
}

// Conv-like ops: x at input `xi`, weight at input `wi`.
void conv_rule(NodeContext& ctx, size_t xi, size_t wi) {
  const Dims* x = ctx.shape(xi);
  const Dims* w = ctx.shape(wi);
  if (x == nullptr) return;
  if (x->size() < 3)
    ctx.fail(ctx.describe_input(xi) + " must have rank 3 or more (N, C, spatial...)");
  const size_t spatial = x->size() - 2;
  const int64_t group = ctx.node().attr_int("group", 1);
  if (group <= 0)
    ctx.fail("attribute group is " + std::to_string(group) + ", expected a positive value");
  if (w != nullptr) {
    if (w->size() != x->size()) {
      ctx.fail(ctx.describe_input(wi) + " must have the rank of " + ctx.describe_input(xi));
    }
    const Dim& c = (*x)[1];
    const Dim& wc = (*w)[1];
    if (c.is_static() && wc.is_static() && c.value != wc.value * group) {
      ctx.fail(ctx.describe_input(xi) + " has " + std::to_string(c.value) + " channels but " +
               ctx.describe_input(wi) + " expects " + std::to_string(wc.value) + " x group " +
               std::to_string(group));
    }
    const Dim& m = (*w)[0];
    if (m.is_static() && m.value % group != 0) {
      ctx.fail(ctx.describe_input(wi) + " has " + std::to_string(m.value) +
               " output channels, not a multiple of group " + std::to_string(group));
    }
  }
  std::optional<Window> win = read_window(ctx, spatial, w);
  Dims out{(*x)[0], w != nullptr ? (*w)[0] : Dim{}};
  for (size_t i = 0; i < spatial; ++i) {
    out.push_back(win ? window_output(ctx, *win, i, (*x)[i + 2], false) : Dim{});
  }
  ctx.set_shape(0, std::move(out));
}

void conv_transpose_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  const Dims* w = ctx.shape(1);
  if (x == nullptr) return;
  if (x->size() < 3)
    ctx.fail(ctx.describe_input(0) + " must have rank 3 or more (N, C, spatial...)");
  const size_t spatial = x->size() - 2;
  const int64_t group = ctx.node().attr_int("group", 1);
  if (group <= 0)
    ctx.fail("attribute group is " + std::to_string(group) + ", expected a positive value");
  Dim channels;
  if (w != nullptr) {
    if (w->size() != x->size()) {
      ctx.fail(ctx.describe_input(1) + " must have the rank of " + ctx.describe_input(0));
    }
    if ((*x)[1].is_static() && (*w)[0].is_static() && (*x)[1].value != (*w)[0].value) {
      ctx.fail(ctx.describe_input(0) + " has " + std::to_string((*x)[1].value) + " channels but " +
               ctx.describe_input(1) + " expects " + std::to_string((*w)[0].value));
    }
    channels = dim_mul((*w)[1], Dim::fixed(group));
  }
  Dims out{(*x)[0], channels};
  std::vector<int64_t> output_shape = ctx.node().attr_ints("output_shape", {});
  if (output_shape.size() == x->size())
    output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
  if (!output_shape.empty()) {
    if (output_shape.size() != spatial) {
      ctx.fail("attribute output_shape " + ints_to_string(output_shape) + " does not match " +
               std::to_string(spatial) + " spatial axes");
    }
    for (int64_t d : output_shape) out.push_back(fixed_or_unknown(d));
    ctx.set_shape(0, std::move(out));
    return;
  }
  std::optional<Window> win = read_window(ctx, spatial, w);
  std::vector<int64_t> output_padding = ctx.node().attr_ints("output_padding", {});
  if (output_padding.empty()) output_padding.assign(spatial, 0);
  for (size_t i = 0; i < spatial; ++i) {
    const Dim& in = (*x)[i + 2];
    if (!win || output_padding.size() != spatial) {
      out.push_back(Dim{});
      continue;
    }
    const int64_t s = win->strides[i];
    if (win->auto_pad == "SAME_UPPER" || win->auto_pad == "SAME_LOWER") {
      out.push_back(dim_mul(in, Dim::fixed(s)));
      continue;
    }
    if (!in.is_static() || in.value == 0 || in.value > (int64_t{1} << 32) ||
        std::abs(output_padding[i]) > (int64_t{1} << 30)) {
      out.push_back(Dim{});
      continue;
    }
    const int64_t extent = win->dilations[i] * (win->kernel[i] - 1) + 1;
    const int64_t pads = win->auto_pad == "VALID" ? 0 : win->pads[i] + win->pads[spatial + i];
    out.push_back(fixed_or_unknown(s * (in.value - 1) + output_padding[i] + extent - pads));
  }
  ctx.set_shape(0, std::move(out));
}

void pool_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  if (x->size() < 3)
    ctx.fail(ctx.describe_input(0) + " must have rank 3 or more (N, C, spatial...)");
  const size_t spatial = x->size() - 2;
  if (!ctx.node().has_attribute("kernel_shape")) return;
  std::optional<Window> win = read_window(ctx, spatial, nullptr);
  const bool ceil_mode = ctx.node().attr_int("ceil_mode", 0) != 0;
  Dims out{(*x)[0], (*x)[1]};
  for (size_t i = 0; i < spatial; ++i)
    out.push_back(window_output(ctx, *win, i, (*x)[i + 2], ceil_mode));
  ctx.set_shape(0, out);
  ctx.set_shape(1, out);  // MaxPool's indices
}

void global_pool_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  if (x->size() < 2)
    ctx.fail(ctx.describe_input(0) + " must have rank 2 or more (N, C, spatial...)");
  Dims out(*x);
  for (size_t i = 2; i < out.size(); ++i) out[i] = Dim::fixed(1);
  ctx.set_shape(0, std::move(out));
}

void gemm_rule(NodeContext& ctx) {
  const Dims* a = ctx.shape(0);
  const Dims* b = ctx.shape(1);
  if (a == nullptr || b == nullptr) return;
  if (a->size() != 2 || b->size() != 2) {
    ctx.fail(ctx.describe_input(0) + " and " + ctx.describe_input(1) + " must be 2-D");
  }
  const bool trans_a = ctx.node().attr_int("transA", 0) != 0;
  const bool trans_b = ctx.node().attr_int("transB", 0) != 0;
  const Dim& m = (*a)[trans_a ? 1 : 0];
  const Dim& ka = (*a)[trans_a ? 0 : 1];
  const Dim& kb = (*b)[trans_b ? 1 : 0];
  const Dim& n = (*b)[trans_b ? 0 : 1];
  if (ka.is_static() && kb.is_static() && ka.value != kb.value) {
    ctx.fail(ctx.describe_input(0) + " (transA=" + std::to_string(trans_a) + ") and " +
             ctx.describe_input(1) + " (transB=" + std::to_string(trans_b) + ") have inner dims " +
             ka.to_string() + " and " + kb.to_string());
  }
  ctx.set_shape(0, {m, n});
}

// numpy matmul: 1-D operands get a dim prepended (a) or appended (b) that the result drops.
void matmul_rule(NodeContext& ctx, size_t ai, size_t bi) {
  const Dims* a = ctx.shape(ai);
  const Dims* b = ctx.shape(bi);
  if (a == nullptr || b == nullptr) return;
  if (a->empty() || b->empty()) {
    ctx.fail(ctx.describe_input(ai) + " and " + ctx.describe_input(bi) + " must not be scalars");
  }
  Dims am = a->size() == 1 ? Dims{Dim::fixed(1), (*a)[0]} : *a;
  Dims bm = b->size() == 1 ? Dims{(*b)[0], Dim::fixed(1)} : *b;
  const Dim& ka = am[am.size() - 1];
  const Dim& kb = bm[bm.size() - 2];
  if (ka.is_static() && kb.is_static() && ka.value != kb.value) {
    ctx.fail(ctx.describe_input(ai) + " and " + ctx.describe_input(bi) + " have inner dims " +
             ka.to_string() + " and " + kb.to_string());
  }
  const size_t batch_a = am.size() - 2, batch_b = bm.size() - 2;
  const size_t batch = std::max(batch_a, batch_b);
  Dims out(batch);
  for (size_t j = 0; j < batch; ++j) {
    const size_t from_end = batch - j;
    const Dim one = Dim::fixed(1);
    const Dim& da = from_end <= batch_a ? am[batch_a - from_end] : one;
    const Dim& db = from_end <= batch_b ? bm[batch_b - from_end] : one;
    std::optional<Dim> d = broadcast_dim(da, db);
    if (!d) {
      ctx.fail(ctx.describe_input(ai) + " and " + ctx.describe_input(bi) +
               " have batch dims that cannot be broadcast (" + da.to_string() + " vs " +
               db.to_string() + ")");
    }
    out[j] = *d;
  }
  if (a->size() != 1) out.push_back(am[am.size() - 2]);
  if (b->size() != 1) out.push_back(bm[bm.size() - 1]);
  ctx.set_shape(0, std::move(out));
}

// Y has X's shape; the statistics outputs (running or saved mean/var) are per channel.
void batch_norm_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  ctx.set_shape(0, *x);
  if (x->size() < 2) return;
  for (size_t k = 1; k < ctx.num_outputs(); ++k) ctx.set_shape(k, {(*x)[1]});
}

// Mean and InvStdDev keep the dims before `axis` and have 1 for the normalised ones.
void layer_norm_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  ctx.set_shape(0, *x);
  const int64_t rank = static_cast<int64_t>(x->size());
  const int64_t axis = ctx.normalize_axis(ctx.node().attr_int("axis", -1), rank);
  Dims stats(*x);
  for (int64_t i = axis; i < rank; ++i) stats[static_cast<size_t>(i)] = Dim::fixed(1);
  ctx.set_shape(1, stats);
  ctx.set_shape(2, stats);
}

// RNN, GRU, LSTM: Y is [seq, directions, batch, hidden] (layout 0) or [batch, seq, directions,
// hidden] (layout 1); Y_h and Y_c are [directions, batch, hidden] or [batch, directions, hidden].
void recurrent_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  if (x->size() != 3) ctx.fail(ctx.describe_input(0) + " must be 3-D");
  const int64_t layout = ctx.node().attr_int("layout", 0);
  const std::string direction = ctx.node().attr_string("direction", "forward");
  const Dim directions = Dim::fixed(direction == "bidirectional" ? 2 : 1);
  Dim hidden;
  if (ctx.node().has_attribute("hidden_size")) {
    hidden = fixed_or_unknown(ctx.node().attr_int("hidden_size"));
  } else if (const Dims* r = ctx.shape(2); r != nullptr && r->size() == 3) {
    hidden = (*r)[2];  // R is [directions, gates * hidden, hidden]
  }
  const Dim& seq = (*x)[layout == 0 ? 0 : 1];
  const Dim& batch = (*x)[layout == 0 ? 1 : 0];
  if (layout == 0) {
    ctx.set_shape(0, {seq, directions, batch, hidden});
    ctx.set_shape(1, {directions, batch, hidden});
    ctx.set_shape(2, {directions, batch, hidden});
  } else {
    ctx.set_shape(0, {batch, seq, directions, hidden});
    ctx.set_shape(1, {batch, directions, hidden});
    ctx.set_shape(2, {batch, directions, hidden});
  }
}

// Output size of a resized axis: floor(in * scale), in double as the CPU kernel computes it.
Dim scaled_dim(const Dim& in, double scale) {
  if (scale == 1.0) return in;
  if (!in.is_static() || !(scale > 0.0) || !std::isfinite(scale)) return Dim{};
  const double out = std::floor(scale * static_cast<double>(in.value));
  if (out > 9.0e18) return Dim{};
  return Dim::fixed(static_cast<int64_t>(out));
}

// Upsample (scales as attribute before opset 9, as input 1 after) and Resize (10: scales at
// input 1; 11+: roi, scales, sizes at inputs 1..3, with the axes and keep_aspect_ratio_policy
// attributes of opset 18).
void resize_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  const Node& node = ctx.node();
  const int64_t rank = static_cast<int64_t>(x->size());
  const bool opset10_layout = node.op_type == "Upsample" || ctx.num_inputs() == 2;
  std::vector<int64_t> axes = node.attr_ints("axes", {});
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  for (int64_t& a : axes) a = ctx.normalize_axis(a, rank, "axes");
  Dims out(*x);
  const size_t sizes_input = 3;
  const size_t scales_input = opset10_layout ? 1 : 2;
  const bool has_sizes =
      !opset10_layout && ctx.has_input(sizes_input) &&
      !(ctx.shape(sizes_input) && ctx.shape(sizes_input)->size() == 1 &&
        (*ctx.shape(sizes_input))[0].is_static() && (*ctx.shape(sizes_input))[0].value == 0);
  if (has_sizes) {
    std::optional<std::vector<int64_t>> sizes = ctx.ints(sizes_input);
    if (!sizes) {
      // The rank is still known; only the resized axes are unknown.
      for (int64_t a : axes) out[static_cast<size_t>(a)] = Dim{};
      ctx.set_shape(0, std::move(out));
      return;
    }
    if (sizes->size() != axes.size()) {
      ctx.fail("sizes has " + std::to_string(sizes->size()) + " values for " +
               std::to_string(axes.size()) + " resized axes of " + ctx.describe_input(0));
    }
    const std::string policy = node.attr_string("keep_aspect_ratio_policy", "stretch");
    if (policy == "stretch") {
      for (size_t i = 0; i < axes.size(); ++i)
        out[static_cast<size_t>(axes[i])] = fixed_or_unknown((*sizes)[i]);
    } else {
      double scale = policy == "not_larger" ? INFINITY : 0.0;
      for (size_t i = 0; i < axes.size(); ++i) {
        const Dim& in = (*x)[static_cast<size_t>(axes[i])];
        if (!in.is_static() || in.value == 0) {
          for (int64_t a : axes) out[static_cast<size_t>(a)] = Dim{};
          ctx.set_shape(0, std::move(out));
          return;
        }
        const double s = static_cast<double>((*sizes)[i]) / static_cast<double>(in.value);
        scale = policy == "not_larger" ? std::min(scale, s) : std::max(scale, s);
      }
      for (int64_t a : axes) {
        const Dim& in = (*x)[static_cast<size_t>(a)];
        out[static_cast<size_t>(a)] = fixed_or_unknown(
            static_cast<int64_t>(std::floor(scale * static_cast<double>(in.value) + 0.5)));
      }
    }
    ctx.set_shape(0, std::move(out));
    return;
  }
  std::optional<std::vector<double>> scales;
  if (node.has_attribute("scales")) {
    std::vector<float> f = node.attr_floats("scales");
    scales = std::vector<double>(f.begin(), f.end());
  } else if (ctx.has_input(scales_input)) {
    scales = ctx.doubles(scales_input);
  }
  if (!scales) {
    for (int64_t a : axes) out[static_cast<size_t>(a)] = Dim{};
    ctx.set_shape(0, std::move(out));
    return;
  }
  if (scales->empty()) {  // an empty scales tensor next to absent sizes says nothing
    for (int64_t a : axes) out[static_cast<size_t>(a)] = Dim{};
    ctx.set_shape(0, std::move(out));
    return;
  }
  if (scales->size() != axes.size()) {
    ctx.fail("scales has " + std::to_string(scales->size()) + " values for " +
             std::to_string(axes.size()) + " resized axes of " + ctx.describe_input(0));
  }
  // tf_crop_and_resize scales the roi extent, not the whole axis.
  const bool crop =
      node.attr_string("coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize";
  std::optional<std::vector<double>> roi = crop ? ctx.doubles(1) : std::nullopt;
  if (crop && (!roi || roi->size() != 2 * axes.size())) {
    for (int64_t a : axes) out[static_cast<size_t>(a)] = Dim{};
    ctx.set_shape(0, std::move(out));
    return;
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    const Dim& in = (*x)[static_cast<size_t>(axes[i])];
    double scale = (*scales)[i];
    if (crop) scale *= (*roi)[axes.size() + i] - (*roi)[i];
    out[static_cast<size_t>(axes[i])] = scaled_dim(in, scale);
  }
  ctx.set_shape(0, std::move(out));
}

void dynamic_quantize_rule(NodeContext& ctx) {
  same_shape_as_input(ctx);
  ctx.set_shape(1, {});
  ctx.set_shape(2, {});
}

// aruntime.FusedGemm: Gemm, except that a non-transposed A of rank > 2 keeps its leading axes.
void fused_gemm_rule(NodeContext& ctx) {
  const Dims* a = ctx.shape(0);
  const Dims* b = ctx.shape(1);
  if (a == nullptr || b == nullptr || a->size() <= 2) return gemm_rule(ctx);
  if (b->size() != 2 || ctx.node().attr_int("transA", 0) != 0) {
    ctx.fail(ctx.describe_input(0) + " of rank > 2 needs transA 0 and a 2-D " +
             ctx.describe_input(1));
  }
  const bool trans_b = ctx.node().attr_int("transB", 0) != 0;
  const Dim& ka = a->back();
  const Dim& kb = (*b)[trans_b ? 1 : 0];
  if (ka.is_static() && kb.is_static() && ka.value != kb.value) {
    ctx.fail(ctx.describe_input(0) + " and " + ctx.describe_input(1) +
             " (transB=" + std::to_string(trans_b) + ") have inner dims " + ka.to_string() +
             " and " + kb.to_string());
  }
  Dims y(a->begin(), a->end() - 1);
  y.push_back((*b)[trans_b ? 0 : 1]);
  ctx.set_shape(0, std::move(y));
}

// aruntime.FusedMatMul: MatMul of operands of rank >= 2 whose last two axes are swapped first
// where transA / transB say so.
void fused_matmul_rule(NodeContext& ctx) {
  const Dims* a = ctx.shape(0);
  const Dims* b = ctx.shape(1);
  if (a == nullptr || b == nullptr) return;
  if (a->size() < 2 || b->size() < 2) {
    ctx.fail(ctx.describe_input(0) + " and " + ctx.describe_input(1) + " must have rank >= 2");
  }
  auto operand = [&](const Dims& dims, const char* flag) {
    Dims d(dims);
    if (ctx.node().attr_int(flag, 0) != 0) std::swap(d[d.size() - 2], d[d.size() - 1]);
    return d;
  };
  const Dims am = operand(*a, "transA");
  const Dims bm = operand(*b, "transB");
  const Dim& ka = am[am.size() - 1];
  const Dim& kb = bm[bm.size() - 2];
  if (ka.is_static() && kb.is_static() && ka.value != kb.value) {
    ctx.fail(ctx.describe_input(0) + " and " + ctx.describe_input(1) +
             " (transA=" + std::to_string(ctx.node().attr_int("transA", 0)) +
             ", transB=" + std::to_string(ctx.node().attr_int("transB", 0)) + ") have inner dims " +
             ka.to_string() + " and " + kb.to_string());
  }
  const size_t batch_a = am.size() - 2, batch_b = bm.size() - 2;
  const size_t batch = std::max(batch_a, batch_b);
  Dims y(batch);
  for (size_t j = 0; j < batch; ++j) {
    const size_t from_end = batch - j;
    const Dim one = Dim::fixed(1);
    const Dim& da = from_end <= batch_a ? am[batch_a - from_end] : one;
    const Dim& db = from_end <= batch_b ? bm[batch_b - from_end] : one;
    std::optional<Dim> d = broadcast_dim(da, db);
    if (!d) {
      ctx.fail(ctx.describe_input(0) + " and " + ctx.describe_input(1) +
               " have batch dims that cannot be broadcast (" + da.to_string() + " vs " +
               db.to_string() + ")");
    }
    y[j] = *d;
  }
  y.push_back(am[am.size() - 2]);
  y.push_back(bm[bm.size() - 1]);
  ctx.set_shape(0, std::move(y));
}

// The blocked layout of the aruntime Nchwc ops (providers/cpu/ops/nchwc_ops.cc): C channels as
// [N, ceil(C/16), H, W, 16].
constexpr int64_t kChannelBlock = 16;

Dim channel_blocks(const Dim& channels) {
  if (!channels.is_static()) return Dim{};
  return Dim::fixed(channels.value / kChannelBlock + (channels.value % kChannelBlock != 0));
}

Dims blocked_dims(const Dim& n, const Dim& blocks, const Dim& h, const Dim& w) {
  return Dims{n, blocks, h, w, Dim::fixed(kChannelBlock)};
}

// Input i's shape, checked to be blocked where known; nullptr when its rank is unknown.
const Dims* blocked_input(const NodeContext& ctx, size_t i) {
  const Dims* x = ctx.shape(i);
  if (x == nullptr) return nullptr;
  if (x->size() != 5 || ((*x)[4].is_static() && (*x)[4].value != kChannelBlock))
    ctx.fail(ctx.describe_input(i) + " must be blocked [N, ceil(C/16), H, W, 16]");
  return x;
}

void nchwc_reorder_input_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  if (x->size() != 4) ctx.fail(ctx.describe_input(0) + " must have rank 4 (N, C, H, W)");
  ctx.set_shape(0, blocked_dims((*x)[0], channel_blocks((*x)[1]), (*x)[2], (*x)[3]));
}

void nchwc_reorder_output_rule(NodeContext& ctx) {
  const int64_t channels = ctx.node().attr_int("channels");
  if (channels <= 0)
    ctx.fail("attribute channels is " + std::to_string(channels) + ", expected a positive count");
  const Dims* x = blocked_input(ctx, 0);
  if (x == nullptr) return;
  const Dim blocks = channel_blocks(Dim::fixed(channels));
  if ((*x)[1].is_static() && (*x)[1].value != blocks.value) {
    ctx.fail(ctx.describe_input(0) + " has " + std::to_string((*x)[1].value) +
             " channel blocks, expected " + std::to_string(blocks.value) + " for channels " +
             std::to_string(channels));
  }
  ctx.set_shape(0, Dims{(*x)[0], Dim::fixed(channels), (*x)[2], (*x)[3]});
}

// NchwcConv: X blocked (rank 5) or NCHW (rank 4), W [M, C/group, KH, KW]; Y blocked with M
// channels and Conv's output size.
void nchwc_conv_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  const Dims* w = ctx.shape(1);
  if (x == nullptr) return;
  const bool blocked = x->size() == 5;
  if (blocked) {
    blocked_input(ctx, 0);
  } else if (x->size() != 4) {
    ctx.fail(ctx.describe_input(0) +
             " must be blocked [N, ceil(C/16), H, W, 16] or NCHW [N, C, H, W]");
  }
  const int64_t group = ctx.node().attr_int("group", 1);
  if (group <= 0)
    ctx.fail("attribute group is " + std::to_string(group) + ", expected a positive value");
  if (w != nullptr) {
    if (w->size() != 4) ctx.fail(ctx.describe_input(1) + " must have rank 4 (M, C/group, KH, KW)");
    const Dim& wc = (*w)[1];
    const std::optional<int64_t> c = wc.is_static() ? checked_mul(wc.value, group) : std::nullopt;
    const Dim expected = !c ? Dim{} : blocked ? channel_blocks(Dim::fixed(*c)) : Dim::fixed(*c);
    if (expected.is_static() && (*x)[1].is_static() && (*x)[1].value != expected.value) {
      ctx.fail(ctx.describe_input(0) + " has " + std::to_string((*x)[1].value) +
               (blocked ? " channel blocks" : " channels") + " but " + ctx.describe_input(1) +
               " with group " + std::to_string(group) + " expects " + std::to_string(*c) +
               " channels" +
               (blocked ? " (" + std::to_string(expected.value) + " blocks)" : std::string()));
    }
  }
  std::optional<Window> win = read_window(ctx, 2, w);
  Dims out = blocked_dims((*x)[0], w != nullptr ? channel_blocks((*w)[0]) : Dim{}, Dim{}, Dim{});
  for (size_t i = 0; i < 2; ++i)
    if (win) out[i + 2] = window_output(ctx, *win, i, (*x)[i + 2], false);
  ctx.set_shape(0, std::move(out));
}

void nchwc_pool_rule(NodeContext& ctx) {
  const Dims* x = blocked_input(ctx, 0);
  if (x == nullptr || !ctx.node().has_attribute("kernel_shape")) return;
  std::optional<Window> win = read_window(ctx, 2, nullptr);
  const bool ceil_mode = ctx.node().attr_int("ceil_mode", 0) != 0;
  ctx.set_shape(0, blocked_dims((*x)[0], (*x)[1], window_output(ctx, *win, 0, (*x)[2], ceil_mode),
                                window_output(ctx, *win, 1, (*x)[3], ceil_mode)));
}

void nchwc_global_pool_rule(NodeContext& ctx) {
  const Dims* x = blocked_input(ctx, 0);
  if (x == nullptr) return;
  ctx.set_shape(0, blocked_dims((*x)[0], (*x)[1], Dim::fixed(1), Dim::fixed(1)));
}

}  // namespace

void add_nn_rules(RuleTable& rules) {
  rules["Conv"] = [](NodeContext& ctx) { conv_rule(ctx, 0, 1); };
  rules["ConvInteger"] = [](NodeContext& ctx) { conv_rule(ctx, 0, 1); };
  rules["QLinearConv"] = [](NodeContext& ctx) { conv_rule(ctx, 0, 3); };
  rules["ConvTranspose"] = conv_transpose_rule;
  for (const char* op : {"MaxPool", "AveragePool", "LpPool"}) rules[op] = pool_rule;
  for (const char* op : {"GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"})
    rules[op] = global_pool_rule;
  rules["Gemm"] = gemm_rule;
  rules["MatMul"] = [](NodeContext& ctx) { matmul_rule(ctx, 0, 1); };
  rules["MatMulInteger"] = [](NodeContext& ctx) { matmul_rule(ctx, 0, 1); };
  rules["QLinearMatMul"] = [](NodeContext& ctx) { matmul_rule(ctx, 0, 3); };
  rules["BatchNormalization"] = batch_norm_rule;
  rules["LayerNormalization"] = layer_norm_rule;
  for (const char* op : {"RNN", "GRU", "LSTM"}) rules[op] = recurrent_rule;
  rules["Resize"] = resize_rule;
  rules["Upsample"] = resize_rule;
  rules["DynamicQuantizeLinear"] = dynamic_quantize_rule;
  // The optimizer's fused ops (providers/cpu/ops/fused_ops.cc), as in models `aruntime optimize`
  // saved.
  rules["aruntime:FusedConv"] = [](NodeContext& ctx) { conv_rule(ctx, 0, 1); };
  // The blocked layout's ops (level 3, providers/cpu/ops/nchwc_ops.cc).
  rules["aruntime:NchwcReorderInput"] = nchwc_reorder_input_rule;
  rules["aruntime:NchwcReorderOutput"] = nchwc_reorder_output_rule;
  rules["aruntime:NchwcConv"] = nchwc_conv_rule;
  rules["aruntime:NchwcMaxPool"] = nchwc_pool_rule;
  rules["aruntime:NchwcAveragePool"] = nchwc_pool_rule;
  rules["aruntime:NchwcGlobalAveragePool"] = nchwc_global_pool_rule;
  rules["aruntime:NchwcGlobalMaxPool"] = nchwc_global_pool_rule;
  rules["aruntime:FusedGemm"] = fused_gemm_rule;
  rules["aruntime:LayerNormalization"] = layer_norm_rule;
  rules["aruntime:Gelu"] = [](NodeContext& ctx) { same_shape_as_input(ctx); };
  rules["aruntime:RMSNormalization"] = [](NodeContext& ctx) { same_shape_as_input(ctx); };
  // SkipLayerNormalization: Y and the optional residual sum (output 1) have X's shape.
  rules["aruntime:SkipLayerNormalization"] = [](NodeContext& ctx) {
    const Dims* x = ctx.shape(0);
    if (x == nullptr) return;
    ctx.set_shape(0, *x);
    ctx.set_shape(1, *x);
  };
  rules["aruntime:FusedMatMul"] = fused_matmul_rule;
  // aruntime.Attention: Q's shape with V's last axis.
  rules["aruntime:Attention"] = [](NodeContext& ctx) {
    const Dims* q = ctx.shape(0);
    const Dims* v = ctx.shape(2);
    if (q == nullptr || v == nullptr || q->empty() || v->empty()) return;
    Dims y(*q);
    y.back() = v->back();
    ctx.set_shape(0, std::move(y));
  };
}

}  // namespace aruntime::shape_inference
