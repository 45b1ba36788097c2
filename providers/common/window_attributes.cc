#include "providers/common/window_attributes.h"

#include <algorithm>

#include "aruntime/status.h"

namespace aruntime {
namespace {

[[noreturn]] void bad_attribute(const Node& node, const std::string& what) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": " + what);
}

}  // namespace

std::string ints_to_string(const std::vector<int64_t>& values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(values[i]);
  }
  return s + "]";
}

WindowAttributes read_window_attributes(const Node& node, bool kernel_shape_required) {
  WindowAttributes a;
  a.kernel_shape = node.attr_ints("kernel_shape", {});
  a.strides = node.attr_ints("strides", {});
  a.dilations = node.attr_ints("dilations", {});
  a.pads = node.attr_ints("pads", {});
  const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    a.auto_pad = AutoPad::kNotSet;
  } else if (auto_pad == "SAME_UPPER") {
    a.auto_pad = AutoPad::kSameUpper;
  } else if (auto_pad == "SAME_LOWER") {
    a.auto_pad = AutoPad::kSameLower;
  } else if (auto_pad == "VALID") {
    a.auto_pad = AutoPad::kValid;
  } else {
    bad_attribute(node, "attribute auto_pad is '" + auto_pad +
                            "', expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
  }
  if (kernel_shape_required && a.kernel_shape.empty()) {
    bad_attribute(node, "attribute kernel_shape is required");
  }
  auto check_all = [&](const std::vector<int64_t>& v, bool positive, const char* name) {
    for (int64_t x : v) {
      if (positive ? x <= 0 : x < 0) {
        bad_attribute(node, std::string(name) + " " + ints_to_string(v) + " must be " +
                                (positive ? "positive" : "non-negative"));
      }
    }
  };
  check_all(a.kernel_shape, true, "kernel_shape");
  check_all(a.strides, true, "strides");
  check_all(a.dilations, true, "dilations");
  check_all(a.pads, false, "pads");
  if (a.pads.size() % 2 != 0) {
    bad_attribute(node,
                  "pads " + ints_to_string(a.pads) + " must have an even count (begins, ends)");
  }
  // The counts that can be cross-checked before the input's rank is known.
  size_t rank = a.kernel_shape.size();
  auto check_count = [&](const std::vector<int64_t>& v, size_t per_axis_count, const char* name) {
    if (v.empty()) return;
    if (rank == 0) rank = v.size() / per_axis_count;
    if (v.size() != rank * per_axis_count) {
      bad_attribute(node, std::string(name) + " has " + std::to_string(v.size()) +
                              " values, expected " + std::to_string(rank * per_axis_count) +
                              " for " + std::to_string(rank) + " spatial axes");
    }
  };
  check_count(a.strides, 1, "strides");
  check_count(a.dilations, 1, "dilations");
  check_count(a.pads, 2, "pads");
  return a;
}

std::vector<int64_t> per_axis(const Node& node, const std::vector<int64_t>& values, size_t count,
                              int64_t fallback, const char* name) {
  if (values.empty()) return std::vector<int64_t>(count, fallback);
  if (values.size() != count) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": attribute " + std::string(name) +
                                                 " " + ints_to_string(values) + " has " +
                                                 std::to_string(values.size()) +
                                                 " values, expected " + std::to_string(count));
  }
  return values;
}

WindowGeometry resolve_window(const Node& node, const WindowAttributes& attrs,
                              const Dims& input_spatial, const Dims& kernel, bool ceil_mode) {
  const size_t rank = input_spatial.size();
  // Worded for the window's own counts, which read_window_attributes could not check against
  // the input's rank.
  auto window_axis = [&](const Dims& v, size_t count, int64_t fallback, const char* name) {
    if (v.empty()) return Dims(count, fallback);
    if (v.size() != count) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": " + name + " " + ints_to_string(v) + " has " +
                      std::to_string(v.size()) + " values but the input has " +
                      std::to_string(rank) + " spatial axes");
    }
    return v;
  };
  WindowGeometry g;
  g.kernel = window_axis(kernel, rank, 1, "kernel_shape");
  g.strides = window_axis(attrs.strides, rank, 1, "strides");
  g.dilations = window_axis(attrs.dilations, rank, 1, "dilations");
  const Dims pads = window_axis(attrs.pads, 2 * rank, 0, "pads");
  g.pads_begin.assign(rank, 0);
  g.pads_end.assign(rank, 0);
  g.output.assign(rank, 0);

  for (size_t i = 0; i < rank; ++i) {
    const int64_t in = input_spatial[i], s = g.strides[i];
    const int64_t extent = g.dilations[i] * (g.kernel[i] - 1) + 1;
    int64_t out = 0;
    switch (attrs.auto_pad) {
      case AutoPad::kNotSet: {
        g.pads_begin[i] = pads[i];
        g.pads_end[i] = pads[rank + i];
        const int64_t span = in + g.pads_begin[i] + g.pads_end[i] - extent;
        if (span < 0) break;
        out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
        // A last window that would start in the end padding is dropped.
        if (ceil_mode && (out - 1) * s >= in + g.pads_begin[i]) --out;
        break;
      }
      case AutoPad::kValid:
        if (in - extent >= 0) out = (in - extent) / s + 1;
        break;
      case AutoPad::kSameUpper:
      case AutoPad::kSameLower: {
        out = (in + s - 1) / s;
        const int64_t total = std::max<int64_t>(0, (out - 1) * s + extent - in);
        const int64_t smaller = total / 2;
        g.pads_begin[i] = attrs.auto_pad == AutoPad::kSameUpper ? smaller : total - smaller;
        g.pads_end[i] = total - g.pads_begin[i];
        break;
      }
    }
    if (out <= 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": spatial axis " + std::to_string(i) +
                      " of the input has size " + std::to_string(in) +
                      ", too small for a window of extent " + std::to_string(extent) +
                      " with pads " + std::to_string(g.pads_begin[i]) + "+" +
                      std::to_string(g.pads_end[i]));
    }
    g.output[i] = out;
  }
  return g;
}

void check_window_input_rank(const Node& node, const WindowAttributes& attrs, const Shape& x) {
  const size_t spatial = attrs.kernel_shape.size();
  if (x.rank() != spatial + 2) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": input X has shape " + x.to_string() + ", expected rank " +
                    std::to_string(spatial + 2) + " for kernel_shape " +
                    ints_to_string(attrs.kernel_shape));
  }
}

int64_t read_conv_group(const Node& node) {
  const int64_t group = node.attr_int("group", 1);
  if (group <= 0) {
    throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute group is " +
                                              std::to_string(group) +
                                              ", expected a positive count");
  }
  return group;
}

void check_conv_weight(const Node& node, const WindowAttributes& attrs, int64_t group,
                       const Shape& w, int64_t in_channels) {
  const ErrorCode code = in_channels < 0 ? ErrorCode::kInvalidModel : ErrorCode::kInvalidArgument;
  if (w.rank() < 3) {
    throw_error(code, node.describe() + ": weight W has shape " + w.to_string() +
                          ", expected [M, C/group, k1, ...] with at least one spatial axis");
  }
  const Dims kernel(w.dims().begin() + 2, w.dims().end());
  if (!attrs.kernel_shape.empty() && kernel != attrs.kernel_shape) {
    throw_error(code, node.describe() + ": attribute kernel_shape " +
                          ints_to_string(attrs.kernel_shape) + " does not match the spatial dims " +
                          ints_to_string(kernel) + " of weight W " + w.to_string());
  }
  if (w[0] % group != 0) {
    throw_error(code, node.describe() + ": weight W has " + std::to_string(w[0]) +
                          " output channels, not divisible by group " + std::to_string(group));
  }
  const size_t spatial = kernel.size();
  auto check_count = [&](const std::vector<int64_t>& v, size_t expected, const char* name) {
    if (!v.empty() && v.size() != expected) {
      throw_error(code, node.describe() + ": attribute " + name + " " + ints_to_string(v) +
                            " has " + std::to_string(v.size()) + " values, expected " +
                            std::to_string(expected) + " for weight W " + w.to_string());
    }
  };
  check_count(attrs.strides, spatial, "strides");
  check_count(attrs.dilations, spatial, "dilations");
  check_count(attrs.pads, 2 * spatial, "pads");
  if (in_channels >= 0 && w[1] * group != in_channels) {
    throw_error(code, node.describe() + ": input X has " + std::to_string(in_channels) +
                          " channels but weight W " + w.to_string() + " with group " +
                          std::to_string(group) + " expects " + std::to_string(w[1] * group));
  }
}

void check_conv_transpose_inputs(const Node& node, const WindowAttributes& attrs, int64_t group,
                                 const Shape& x, const Shape& w, const Shape* bias) {
  if (x.rank() < 3 || w.rank() != x.rank() || w[0] != x[1] || x[1] % group != 0) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": input X has shape " + x.to_string() + " and weight W " +
                    w.to_string() + " with group " + std::to_string(group) +
                    "; expected X [N, C, D1, ...] and W [C, M/group, k1, ...] of the same "
                    "rank, C divisible by group");
  }
  const int64_t out_channels = w[1] * group;
  if (bias != nullptr && (bias->rank() != 1 || (*bias)[0] != out_channels)) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": bias B has shape " +
                                                 bias->to_string() + ", expected [" +
                                                 std::to_string(out_channels) + "]");
  }
  const Dims kernel(w.dims().begin() + 2, w.dims().end());
  if (!attrs.kernel_shape.empty() && attrs.kernel_shape != kernel) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": attribute kernel_shape " +
                                                 ints_to_string(attrs.kernel_shape) +
                                                 " does not match weight W " + w.to_string());
  }
}

TransposedWindow resolve_transposed_window(const Node& node, const WindowAttributes& attrs,
                                           const std::vector<int64_t>& input_spatial,
                                           const std::vector<int64_t>& kernel,
                                           const std::vector<int64_t>& output_padding,
                                           const std::vector<int64_t>& output_shape) {
  const size_t rank = input_spatial.size();
  TransposedWindow t;
  t.strides = per_axis(node, attrs.strides, rank, 1, "strides");
  t.dilations = per_axis(node, attrs.dilations, rank, 1, "dilations");
  t.output_padding = per_axis(node, output_padding, rank, 0, "output_padding");
  std::vector<int64_t> requested = output_shape;
  if (requested.size() == rank + 2) requested.erase(requested.begin(), requested.begin() + 2);
  requested = per_axis(node, requested, rank, -1, "output_shape");
  const std::vector<int64_t> pads = per_axis(node, attrs.pads, 2 * rank, 0, "pads");
  const bool same = attrs.auto_pad == AutoPad::kSameUpper || attrs.auto_pad == AutoPad::kSameLower;
  t.output.assign(rank, 0);
  t.pads_begin.assign(rank, 0);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t in = input_spatial[d], s = t.strides[d];
    const int64_t full = s * (in - 1) + t.output_padding[d] + (kernel[d] - 1) * t.dilations[d] + 1;
    int64_t out = 0, begin = 0;
    if (requested[d] >= 0 || same) {
      // The pads split the difference between the full extent and the requested output: the
      // smaller half first for SAME_UPPER, last otherwise.
      out = requested[d] >= 0 ? requested[d] : in * s;
      // A negative total (output beyond the full extent) extends the end: floor division.
      const int64_t total = full - out;
      const int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);
      begin = attrs.auto_pad == AutoPad::kSameUpper ? half : total - half;
    } else if (attrs.auto_pad == AutoPad::kValid) {
      out = full;
    } else {
      begin = pads[d];
      out = full - pads[d] - pads[rank + d];
    }
    if (out < 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": spatial axis " + std::to_string(d) +
                      " would have a negative output size " + std::to_string(out));
    }
    t.output[d] = out;
    t.pads_begin[d] = begin;
  }
  return t;
}

}  // namespace aruntime
