// Normalization operators (LayerNormalization, RMSNormalization, InstanceNormalization,
// GroupNormalization, LpNormalization, MeanVarianceNormalization, LRN), Dropout, and the window
// operators that sit beside them: LpPool, MaxRoiPool, RoiAlign, MaxUnpool, Col2Im and
// ConvTranspose (GEMM + col2im). Numerics live in kernels/normalization.h.
#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "kernels/gemm.h"
#include "kernels/normalization.h"
#include "providers/common/op_checks.h"
#include "providers/cpu/ops/nn_common.h"

namespace aruntime::cpu {
namespace {

[[noreturn]] void unsupported_type(const Node& node, DataType type) {
  throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                              std::string(data_type_name(type)) +
                                              " is not supported");
}

// Calls go(float{}) or go(double{}) for the element type `type`.
template <typename F>
void dispatch_float(const Node& node, DataType type, F&& go) {
  if (type == DataType::kFloat32) {
    go(float{});
  } else if (type == DataType::kFloat64) {
    go(double{});
  } else {
    unsupported_type(node, type);
  }
}

int64_t checked_axis(const Node& node, int64_t axis, const Tensor& x) {
  const int64_t rank = static_cast<int64_t>(x.rank());
  if (axis < -rank || axis >= rank) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axis " + std::to_string(axis) +
                                                 " is out of range for input of shape " +
                                                 x.shape().to_string());
  }
  return axis < 0 ? axis + rank : axis;
}

// The values of `param` broadcast (numpy rules, towards `target`) to the row-major shape
// `target`: what Mul/Add do with a Scale or B of the normalised axes' shape or any shape that
// broadcasts to it.
std::vector<double> broadcast_parameter(const Node& node, const char* name, const Tensor& param,
                                        const std::vector<int64_t>& target) {
  const auto& dims = param.shape().dims();
  bool ok = dims.size() <= target.size();
  const size_t lead = ok ? target.size() - dims.size() : 0;
  for (size_t d = 0; ok && d < dims.size(); ++d) ok = dims[d] == 1 || dims[d] == target[lead + d];
  if (!ok) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": " + name + " has shape " +
                                                 param.shape().to_string() +
                                                 ", which does not broadcast to " +
                                                 ints_to_string(target) + " (trailing axes of X)");
  }
  const std::vector<double> values = tensor_to_doubles(param);
  int64_t total = 1;
  for (int64_t d : target) total *= d;
  if (static_cast<int64_t>(values.size()) == total) return values;
  // Strides of `param` over the target axes, 0 where it broadcasts.
  std::vector<int64_t> strides(target.size(), 0);
  int64_t stride = 1;
  for (size_t d = dims.size(); d-- > 0;) {
    if (dims[d] != 1) strides[lead + d] = stride;
    stride *= dims[d];
  }
  std::vector<double> out(static_cast<size_t>(total));
  std::vector<int64_t> index(target.size(), 0);
  for (int64_t i = 0; i < total; ++i) {
    int64_t source = 0;
    for (size_t d = 0; d < target.size(); ++d) source += index[d] * strides[d];
    out[i] = values[source];
    for (size_t d = target.size(); d-- > 0;) {
      if (++index[d] < target[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

// Checks that a per-channel (or per-group) parameter is 1-D with `count` entries.
std::vector<double> vector_parameter(const Node& node, const char* name, const Tensor& param,
                                     int64_t count, const std::string& what) {
  if (param.rank() != 1 || param.shape()[0] != count) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": " + name + " has shape " +
                                                 param.shape().to_string() + ", expected [" +
                                                 std::to_string(count) + "] (" + what + ")");
  }
  return tensor_to_doubles(param);
}

// Writes per-row statistics as the LayerNormalization Mean/InvStdDev output `index` (type U:
// float32 or bfloat16), of shape `shape`.
void write_statistic(KernelContext& ctx, size_t index, const Shape& shape, DataType type,
                     const std::vector<double>& values) {
  const std::vector<float> narrowed(values.begin(), values.end());
  Tensor& out = ctx.allocate_output(index, shape, type);
  if (type == DataType::kFloat32) {
    std::copy(narrowed.begin(), narrowed.end(), out.data<float>());
  } else if (is_half(type)) {
    float_to_half(narrowed.data(), out);
  } else if (type == DataType::kFloat64) {
    std::copy(values.begin(), values.end(), out.data<double>());
  } else {
    unsupported_type(ctx.node(), type);
  }
}

// ---------------------------------------------------------------------------------------------
// LayerNormalization (17) and RMSNormalization (23): normalise over the axes [axis, rank).

class AxisNormalization final : public OpKernel {
 public:
  AxisNormalization(const KernelInfo& info, bool center)
      : center_(center),
        axis_(info.node().attr_int("axis", -1)),
        epsilon_(info.node().attr_float("epsilon", 1e-5f)),
        stat_types_(axis_norm_stat_types(info)) {}

  void compute(KernelContext& ctx) const override {
    const DataType type = ctx.required_input(0).dtype();
    // The statistics outputs have their own type U, so they bypass the half-to-float32 view.
    if (is_half(type)) {
      compute_in_float32(ctx, type, [&](KernelContext& c) { run(c, ctx); });
    } else {
      run(ctx, ctx);
    }
  }

 private:
  void run(KernelContext& ctx, KernelContext& stats_ctx) const {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const size_t axis = static_cast<size_t>(checked_axis(node, axis_, x));
    const std::vector<int64_t> normalized(x.shape().dims().begin() + axis, x.shape().dims().end());
    const int64_t rows = x.shape().size_from_to(0, axis);
    const int64_t row_size = x.shape().size_from_to(axis, x.rank());
    // Scale and B normally span the normalised axes; as Mul/Add operands they may also reach
    // into the leading axes, and then repeat with a period of several rows.
    const Tensor& scale_tensor = ctx.required_input(1);
    const Tensor* bias_tensor = center_ ? ctx.input(2) : nullptr;
    size_t param_rank = std::max(normalized.size(), scale_tensor.rank());
    if (bias_tensor != nullptr) param_rank = std::max(param_rank, bias_tensor->rank());
    param_rank = std::min(param_rank, x.rank());
    const std::vector<int64_t> param_dims(x.shape().dims().end() - static_cast<int64_t>(param_rank),
                                          x.shape().dims().end());
    const std::vector<double> scale = broadcast_parameter(node, "Scale", scale_tensor, param_dims);
    std::vector<double> bias;
    if (bias_tensor != nullptr) bias = broadcast_parameter(node, "B", *bias_tensor, param_dims);
    std::vector<double> mean(static_cast<size_t>(rows)), inv_std(static_cast<size_t>(rows));
    kernels::RowNormalization opt;
    opt.epsilon = epsilon_;
    opt.center = center_;
    opt.scale = scale.data();
    opt.bias = bias.empty() ? nullptr : bias.data();
    opt.param_period = row_size > 0 ? static_cast<int64_t>(scale.size()) / row_size : 1;
    opt.param_segments = row_size;
    opt.segment_size = 1;
    opt.mean = mean.data();
    opt.inv_std = inv_std.data();
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (rows > 0 && row_size > 0) {
      dispatch_float(node, x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        kernels::normalize_rows(x.data<T>(), y.data<T>(), rows, row_size, opt);
      });
    } else {
      std::fill(mean.begin(), mean.end(), std::nan(""));
      std::fill(inv_std.begin(), inv_std.end(), std::nan(""));
    }
    if (!center_) return;
    std::vector<int64_t> stat_dims = x.shape().dims();
    std::fill(stat_dims.begin() + axis, stat_dims.end(), 1);
    for (size_t i = 1; i < 3; ++i) {
      if (i < stats_ctx.num_outputs() && node.has_output(i) && stats_ctx.output_requested(i)) {
        write_statistic(stats_ctx, i, Shape(stat_dims), stat_types_[i - 1],
                        i == 1 ? mean : inv_std);
      }
    }
  }

  bool center_;
  int64_t axis_;
  double epsilon_;
  std::array<DataType, 2> stat_types_;
};

class LayerNormalization final : public OpKernel {
 public:
  explicit LayerNormalization(const KernelInfo& info) : impl_(info, true) {}
  void compute(KernelContext& ctx) const override { impl_.compute(ctx); }

 private:
  AxisNormalization impl_;
};

class RMSNormalization final : public OpKernel {
 public:
  explicit RMSNormalization(const KernelInfo& info) : impl_(info, false) {}
  void compute(KernelContext& ctx) const override { impl_.compute(ctx); }

 private:
  AxisNormalization impl_;
};

// ---------------------------------------------------------------------------------------------
// InstanceNormalization and GroupNormalization: statistics per (sample, group of channels).

const Tensor& check_nc_input(const Node& node, const Tensor& x) {
  if (x.rank() < 2) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input X has shape " +
                                                 x.shape().to_string() +
                                                 ", expected [N, C, D1, ...]");
  }
  return x;
}

class InstanceNormalization final : public HalfAsFloat32Kernel {
 public:
  explicit InstanceNormalization(const KernelInfo& info)
      : epsilon_(info.node().attr_float("epsilon", 1e-5f)) {}

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = check_nc_input(node, ctx.required_input(0));
    const int64_t batch = x.shape()[0], channels = x.shape()[1];
    const int64_t spatial = x.shape().size_from_to(2, x.rank());
    const std::vector<double> scale =
        vector_parameter(node, "scale", ctx.required_input(1), channels, "one per channel");
    const std::vector<double> bias =
        vector_parameter(node, "B", ctx.required_input(2), channels, "one per channel");
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    kernels::RowNormalization opt;
    opt.epsilon = epsilon_;
    opt.scale = scale.data();
    opt.bias = bias.data();
    opt.param_period = channels;
    opt.param_segments = 1;
    opt.segment_size = spatial;
    dispatch_float(node, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      kernels::normalize_rows(x.data<T>(), y.data<T>(), batch * channels, spatial, opt);
    });
  }

  double epsilon_;
};

// GroupNormalization-18 takes scale/bias per group; 21 takes them per channel (18 was deprecated
// for that reason).
class GroupNormalization final : public HalfAsFloat32Kernel {
 public:
  explicit GroupNormalization(const KernelInfo& info)
      : per_channel_(info.opset() >= 21),
        groups_(info.node().attr_int("num_groups")),
        epsilon_(info.node().attr_float("epsilon", 1e-5f)) {
    if (groups_ <= 0) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() + ": attribute num_groups is " +
                                                std::to_string(groups_) +
                                                ", expected a positive count");
    }
  }

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = check_nc_input(node, ctx.required_input(0));
    const int64_t batch = x.shape()[0], channels = x.shape()[1];
    const int64_t spatial = x.shape().size_from_to(2, x.rank());
    if (channels % groups_ != 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": input X has " + std::to_string(channels) +
                      " channels, not divisible by num_groups " + std::to_string(groups_));
    }
    const int64_t params = per_channel_ ? channels : groups_;
    const std::string what = per_channel_ ? "one per channel" : "one per group";
    const std::vector<double> scale =
        vector_parameter(node, "scale", ctx.required_input(1), params, what);
    const std::vector<double> bias =
        vector_parameter(node, "bias", ctx.required_input(2), params, what);
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    const int64_t group_channels = channels / groups_;
    kernels::RowNormalization opt;
    opt.epsilon = epsilon_;
    opt.scale = scale.data();
    opt.bias = bias.data();
    opt.param_period = groups_;
    opt.param_segments = per_channel_ ? group_channels : 1;
    opt.segment_size = per_channel_ ? spatial : group_channels * spatial;
    dispatch_float(node, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      kernels::normalize_rows(x.data<T>(), y.data<T>(), batch * groups_, group_channels * spatial,
                              opt);
    });
  }

  bool per_channel_;
  int64_t groups_;
  double epsilon_;
};

// ---------------------------------------------------------------------------------------------
// LpNormalization, MeanVarianceNormalization, LRN

class LpNormalization final : public HalfAsFloat32Kernel {
 public:
  explicit LpNormalization(const KernelInfo& info)
      : axis_(info.node().attr_int("axis", -1)), p_(info.node().attr_int("p", 2)) {
    if (p_ != 1 && p_ != 2) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() + ": attribute p is " +
                                                std::to_string(p_) + ", expected 1 or 2");
    }
  }

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const size_t axis = static_cast<size_t>(checked_axis(node, axis_, x));
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    dispatch_float(node, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      kernels::lp_normalize(x.data<T>(), y.data<T>(), x.shape().size_from_to(0, axis),
                            x.shape()[axis], x.shape().size_from_to(axis + 1, x.rank()), p_);
    });
  }

  int64_t axis_;
  int64_t p_;
};

class MeanVarianceNormalization final : public HalfAsFloat32Kernel {
 public:
  explicit MeanVarianceNormalization(const KernelInfo& info)
      : axes_(info.node().attr_ints("axes", {0, 2, 3})) {}

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    std::vector<bool> reduced(x.rank(), false);
    for (int64_t a : axes_) reduced[static_cast<size_t>(checked_axis(node, a, x))] = true;
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    // The epsilon of the ONNX function body, added to the standard deviation.
    constexpr double kEpsilon = 1e-9;
    dispatch_float(node, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      kernels::mean_variance_normalize(x.data<T>(), y.data<T>(), x.shape().dims(), reduced,
                                       kEpsilon);
    });
  }

  std::vector<int64_t> axes_;
};

class LRN final : public HalfAsFloat32Kernel {
 public:
  explicit LRN(const KernelInfo& info)
      : size_(info.node().attr_int("size")),
        alpha_(info.node().attr_float("alpha", 1e-4f)),
        beta_(info.node().attr_float("beta", 0.75f)),
        bias_(info.node().attr_float("bias", 1.0f)) {
    if (size_ <= 0) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() + ": attribute size is " +
                                                std::to_string(size_) +
                                                ", expected a positive count");
    }
  }

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = check_nc_input(node, ctx.required_input(0));
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    dispatch_float(node, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      kernels::local_response_normalize(x.data<T>(), y.data<T>(), x.shape()[0], x.shape()[1],
                                        x.shape().size_from_to(2, x.rank()), size_, alpha_, beta_,
                                        bias_);
    });
  }

  int64_t size_;
  double alpha_, beta_, bias_;
};

// ---------------------------------------------------------------------------------------------
// Dropout
//
// Inference (every opset from 7, and opsets 1-6 with is_test=1): Y = X and a mask of ones.
// Training (training_mode input from 12, is_test=0 before 7): each element is kept with
// probability 1 - ratio and scaled by 1 / (1 - ratio). The keep draw is u >= ratio for u uniform
// in [0, 1) taken from MT19937 seeded with `seed`, two 32-bit words per draw (53 bits), the
// generator and draw order of numpy's legacy RandomState; without a seed every run draws a fresh
// one.

class Dropout final : public OpKernel {
 public:
  explicit Dropout(const KernelInfo& info)
      : opset_(info.opset()),
        ratio_attr_(info.node().attr_float("ratio", 0.5f)),
        legacy_training_(info.opset() < 7 && info.node().attr_int("is_test", 0) == 0),
        has_seed_(info.node().has_attribute("seed")),
        seed_(has_seed_ ? info.node().attr_int("seed") : 0) {}

  // In inference the output is the input.
  int output_view_of(size_t output) const override { return output == 0 ? 0 : -1; }
  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    double ratio = ratio_attr_;
    bool training = legacy_training_;
    if (opset_ >= 12) {
      if (const Tensor* r = ctx.input(1)) {
        if (r->num_elements() != 1) {
          throw_error(ErrorCode::kInvalidArgument, node.describe() + ": ratio has shape " +
                                                       r->shape().to_string() +
                                                       ", expected a scalar");
        }
        ratio = tensor_to_doubles(*r)[0];
      }
      if (const Tensor* t = ctx.input(2)) {
        if (t->dtype() != DataType::kBool || t->num_elements() != 1) {
          throw_error(ErrorCode::kInvalidArgument, node.describe() + ": training_mode is " +
                                                       t->summary(1) + ", expected a bool scalar");
        }
        training = t->data<bool>()[0];
      }
    }
    const bool want_mask = node.has_output(1) && ctx.output_requested(1);
    if (!training || ratio == 0.0) {
      ctx.set_output(0, x);
      if (want_mask) fill_mask(ctx, x.shape(), nullptr);
      return;
    }
    if (!(ratio >= 0.0 && ratio < 1.0)) {
      throw_error(
          ErrorCode::kInvalidArgument,
          node.describe() + ": ratio is " + std::to_string(ratio) + ", expected a value in [0, 1)");
    }
    const int64_t n = x.num_elements();
    std::vector<uint8_t> keep(static_cast<size_t>(n));
    std::mt19937 generator(has_seed_ ? static_cast<uint32_t>(seed_) : std::random_device{}());
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t high = generator() >> 5, low = generator() >> 6;
      const double u =
          (static_cast<double>(high) * 67108864.0 + static_cast<double>(low)) / 9007199254740992.0;
      keep[i] = u >= ratio;
    }
    const double scale = 1.0 / (1.0 - ratio);
    auto apply = [&](const float* in, float* out) {
      for (int64_t i = 0; i < n; ++i) {
        out[i] = keep[i] ? static_cast<float>(static_cast<double>(in[i]) * scale) : 0.0f;
      }
    };
    if (x.dtype() == DataType::kFloat32) {
      apply(x.data<float>(), ctx.allocate_output(0, x.shape(), x.dtype()).data<float>());
    } else if (x.dtype() == DataType::kFloat64) {
      const double* in = x.data<double>();
      double* out = ctx.allocate_output(0, x.shape(), x.dtype()).data<double>();
      for (int64_t i = 0; i < n; ++i) out[i] = keep[i] ? in[i] * scale : 0.0;
    } else if (is_half(x.dtype())) {
      Tensor wide = ctx.allocate_temp(x.shape(), DataType::kFloat32);
      half_to_float(x, wide.data<float>());
      apply(wide.data<float>(), wide.data<float>());
      float_to_half(wide.data<float>(), ctx.allocate_output(0, x.shape(), x.dtype()));
    } else {
      unsupported_type(node, x.dtype());
    }
    if (want_mask) fill_mask(ctx, x.shape(), keep.data());
  }

 private:
  // The mask is bool from opset 10 and has X's type before.
  void fill_mask(KernelContext& ctx, const Shape& shape, const uint8_t* keep) const {
    const DataType type = opset_ >= 10 ? DataType::kBool : ctx.required_input(0).dtype();
    Tensor& mask = ctx.allocate_output(1, shape, type);
    const int64_t n = mask.num_elements();
    auto fill = [&](auto* out, auto one, auto zero) {
      for (int64_t i = 0; i < n; ++i) out[i] = keep == nullptr || keep[i] ? one : zero;
    };
    switch (type) {
      case DataType::kBool:
        fill(mask.data<bool>(), true, false);
        break;
      case DataType::kFloat32:
        fill(mask.data<float>(), 1.0f, 0.0f);
        break;
      case DataType::kFloat64:
        fill(mask.data<double>(), 1.0, 0.0);
        break;
      case DataType::kFloat16:
        fill(mask.data<Float16>(), Float16(1.0f), Float16(0.0f));
        break;
      case DataType::kBFloat16:
        fill(mask.data<BFloat16>(), BFloat16(1.0f), BFloat16(0.0f));
        break;
      default:
        unsupported_type(ctx.node(), type);
    }
  }

  int64_t opset_;
  double ratio_attr_;
  bool legacy_training_;
  bool has_seed_;
  int64_t seed_;
};

// ---------------------------------------------------------------------------------------------
// LpPool

class LpPool final : public HalfAsFloat32Kernel {
 public:
  explicit LpPool(const KernelInfo& info)
      : attrs_(read_window_attributes(info.node(), true)),
        ceil_mode_(info.node().attr_int("ceil_mode", 0) != 0) {
    const Node& node = info.node();
    // LpPool-1 has a float p; from 2 it is an int.
    const Attribute* p = node.find_attribute("p");
    if (p != nullptr && p->type == Attribute::Type::kFloat) {
      p_ = p->f;
    } else {
      p_ = static_cast<double>(node.attr_int("p", 2));
    }
    if (!(p_ > 0.0)) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute p is " +
                                                std::to_string(p_) + ", expected a positive value");
    }
  }

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    check_window_input_rank(node, attrs_, x.shape());
    const auto& xd = x.shape().dims();
    kernels::WindowSpec w;
    w.input_spatial.assign(xd.begin() + 2, xd.end());
    const WindowGeometry g =
        resolve_window(node, attrs_, w.input_spatial, attrs_.kernel_shape, ceil_mode_);
    w.output_spatial = g.output;
    w.kernel = g.kernel;
    w.strides = g.strides;
    w.dilations = g.dilations;
    w.pads_begin = g.pads_begin;
    std::vector<int64_t> out_dims = {xd[0], xd[1]};
    out_dims.insert(out_dims.end(), g.output.begin(), g.output.end());
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (y.num_elements() == 0) return;
    dispatch_float(node, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      kernels::lp_pool(w, xd[0] * xd[1], x.data<T>(), y.data<T>(), p_);
    });
  }

  WindowAttributes attrs_;
  bool ceil_mode_;
  double p_ = 2.0;
};

// ---------------------------------------------------------------------------------------------
// MaxRoiPool and RoiAlign

void check_rois(const Node& node, const Tensor& x, const Tensor& rois, int64_t columns) {
  if (x.rank() != 4) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input X has shape " +
                                                 x.shape().to_string() + ", expected [N, C, H, W]");
  }
  if (rois.rank() != 2 || rois.shape()[1] != columns) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": rois has shape " + rois.shape().to_string() +
                    ", expected [num_rois, " + std::to_string(columns) + "]");
  }
  if (rois.dtype() != x.dtype()) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": rois has type " + std::string(data_type_name(rois.dtype())) +
                    ", expected the type of X " + std::string(data_type_name(x.dtype())));
  }
}

void check_batch_index(const Node& node, double index, int64_t roi, int64_t batch) {
  if (!(index >= 0.0 && index < static_cast<double>(batch)) || index != std::floor(index)) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": roi " + std::to_string(roi) +
                                                 " has batch index " + std::to_string(index) +
                                                 ", expected an integer in [0, " +
                                                 std::to_string(batch) + ")");
  }
}

class MaxRoiPool final : public HalfAsFloat32Kernel {
 public:
  explicit MaxRoiPool(const KernelInfo& info)
      : pooled_(info.node().attr_ints("pooled_shape")),
        spatial_scale_(info.node().attr_float("spatial_scale", 1.0f)) {
    if (pooled_.size() != 2 || pooled_[0] <= 0 || pooled_[1] <= 0) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() + ": attribute pooled_shape " +
                                                ints_to_string(pooled_) +
                                                ", expected two positive sizes");
    }
  }

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& rois = ctx.required_input(1);
    check_rois(node, x, rois, 5);
    const int64_t num_rois = rois.shape()[0];
    const std::vector<double> roi_values = tensor_to_doubles(rois);
    for (int64_t r = 0; r < num_rois; ++r) {
      check_batch_index(node, roi_values[r * 5], r, x.shape()[0]);
    }
    const auto& xd = x.shape().dims();
    Tensor& y = ctx.allocate_output(0, Shape{num_rois, xd[1], pooled_[0], pooled_[1]}, x.dtype());
    if (y.num_elements() == 0) return;
    dispatch_float(node, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      kernels::max_roi_pool(x.data<T>(), xd[1], xd[2], xd[3], rois.data<T>(), num_rois, pooled_[0],
                            pooled_[1], spatial_scale_, y.data<T>());
    });
  }

  std::vector<int64_t> pooled_;
  double spatial_scale_;
};

class RoiAlign final : public HalfAsFloat32Kernel {
 public:
  explicit RoiAlign(const KernelInfo& info) {
    const Node& node = info.node();
    spec_.output_height = node.attr_int("output_height", 1);
    spec_.output_width = node.attr_int("output_width", 1);
    spec_.sampling_ratio = node.attr_int("sampling_ratio", 0);
    spec_.spatial_scale = node.attr_float("spatial_scale", 1.0f);
    const std::string mode = node.attr_string("mode", "avg");
    // Opset 10 behaves as output_half_pixel; 16 added the attribute, defaulting to half_pixel.
    const std::string transform =
        info.opset() >= 16 ? node.attr_string("coordinate_transformation_mode", "half_pixel")
                           : "output_half_pixel";
    if (mode != "avg" && mode != "max") {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": attribute mode is '" + mode + "', expected 'avg' or 'max'");
    }
    if (transform != "half_pixel" && transform != "output_half_pixel") {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": attribute coordinate_transformation_mode is '" + transform +
                      "', expected 'half_pixel' or 'output_half_pixel'");
    }
    if (spec_.output_height <= 0 || spec_.output_width <= 0 || spec_.sampling_ratio < 0) {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() + ": output_height " + std::to_string(spec_.output_height) +
                      ", output_width " + std::to_string(spec_.output_width) +
                      " and sampling_ratio " + std::to_string(spec_.sampling_ratio) +
                      " must be positive (sampling_ratio may be 0)");
    }
    spec_.max_mode = mode == "max";
    spec_.half_pixel = transform == "half_pixel";
  }

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& rois = ctx.required_input(1);
    const Tensor& batch_indices = ctx.required_input(2);
    check_rois(node, x, rois, 4);
    const int64_t num_rois = rois.shape()[0];
    if (batch_indices.rank() != 1 || batch_indices.shape()[0] != num_rois) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": batch_indices has shape " +
                                                   batch_indices.shape().to_string() +
                                                   ", expected [" + std::to_string(num_rois) + "]");
    }
    const std::vector<int64_t> indices = batch_indices.to_int64_vector();
    for (int64_t r = 0; r < num_rois; ++r) {
      check_batch_index(node, static_cast<double>(indices[r]), r, x.shape()[0]);
    }
    kernels::RoiAlignSpec spec = spec_;
    spec.channels = x.shape()[1];
    spec.height = x.shape()[2];
    spec.width = x.shape()[3];
    Tensor& y = ctx.allocate_output(
        0, Shape{num_rois, spec.channels, spec.output_height, spec.output_width}, x.dtype());
    if (y.num_elements() == 0) return;
    if (spec.height == 0 || spec.width == 0) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input X of shape " +
                                                   x.shape().to_string() + " has an empty image");
    }
    dispatch_float(node, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      kernels::roi_align(spec, x.data<T>(), rois.data<T>(), indices.data(), num_rois, y.data<T>());
    });
  }

  kernels::RoiAlignSpec spec_;
};

// ---------------------------------------------------------------------------------------------
// MaxUnpool: scatters X into a zero tensor at the flat indices I (as MaxPool's Indices output).

class MaxUnpool final : public HalfAsFloat32Kernel {
 public:
  explicit MaxUnpool(const KernelInfo& info) : attrs_(read_window_attributes(info.node(), true)) {
    if (attrs_.auto_pad != AutoPad::kNotSet) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() +
                                                ": attribute auto_pad is not defined for "
                                                "MaxUnpool");
    }
  }

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& indices = ctx.required_input(1);
    const size_t spatial = attrs_.kernel_shape.size();
    if (x.rank() != spatial + 2 || indices.shape() != x.shape()) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": input X has shape " + x.shape().to_string() + " and I " +
                      indices.shape().to_string() + ", expected equal shapes of rank " +
                      std::to_string(spatial + 2) + " for kernel_shape " +
                      ints_to_string(attrs_.kernel_shape));
    }
    std::vector<int64_t> out_dims;
    if (const Tensor* shape = ctx.input(2)) {
      out_dims = shape->to_int64_vector();
      if (out_dims.size() != x.rank() || out_dims[0] != x.shape()[0] ||
          out_dims[1] != x.shape()[1]) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": output_shape " + ints_to_string(out_dims) +
                        " does not keep the batch and channels of X " + x.shape().to_string());
      }
    } else {
      const std::vector<int64_t> ones(spatial, 1), zeros(2 * spatial, 0);
      const std::vector<int64_t>& strides = attrs_.strides.empty() ? ones : attrs_.strides;
      const std::vector<int64_t>& pads = attrs_.pads.empty() ? zeros : attrs_.pads;
      if (strides.size() != spatial || pads.size() != 2 * spatial) {
        throw_error(ErrorCode::kInvalidModel,
                    node.describe() + ": strides " + ints_to_string(strides) + " or pads " +
                        ints_to_string(pads) + " do not match kernel_shape " +
                        ints_to_string(attrs_.kernel_shape));
      }
      out_dims = {x.shape()[0], x.shape()[1]};
      for (size_t d = 0; d < spatial; ++d) {
        out_dims.push_back((x.shape()[d + 2] - 1) * strides[d] + attrs_.kernel_shape[d] - pads[d] -
                           pads[spatial + d]);
      }
    }
    for (int64_t d : out_dims) {
      if (d < 0) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": output shape " +
                                                     ints_to_string(out_dims) +
                                                     " has a negative dimension");
      }
    }
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    const std::vector<int64_t> where = indices.to_int64_vector();
    const int64_t total = y.num_elements();
    for (size_t i = 0; i < where.size(); ++i) {
      if (where[i] < 0 || where[i] >= total) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": index I[" + std::to_string(i) +
                        "] = " + std::to_string(where[i]) + " is outside the output of " +
                        std::to_string(total) + " elements");
      }
    }
    dispatch_float(node, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* out = y.data<T>();
      std::fill(out, out + total, T(0));
      const T* in = x.data<T>();
      for (size_t i = 0; i < where.size(); ++i) out[where[i]] = in[i];
    });
  }

  WindowAttributes attrs_;
};

// ---------------------------------------------------------------------------------------------
// Col2Im and ConvTranspose

class Col2Im final : public HalfAsFloat32Kernel {
 public:
  explicit Col2Im(const KernelInfo& info) : attrs_(read_window_attributes(info.node(), false)) {}

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const std::vector<int64_t> image = ctx.required_input(1).to_int64_vector();
    const std::vector<int64_t> block = ctx.required_input(2).to_int64_vector();
    const size_t rank = image.size();
    if (rank == 0 || block.size() != rank) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": image_shape " + ints_to_string(image) + " and block_shape " +
                      ints_to_string(block) + " must have the same, non-zero length");
    }
    kernels::WindowSpec w;
    w.input_spatial = image;
    w.kernel = block;
    w.strides = per_axis(node, attrs_.strides, rank, 1, "strides");
    w.dilations = per_axis(node, attrs_.dilations, rank, 1, "dilations");
    const std::vector<int64_t> pads = per_axis(node, attrs_.pads, 2 * rank, 0, "pads");
    w.pads_begin.assign(pads.begin(), pads.begin() + static_cast<int64_t>(rank));
    int64_t block_size = 1, positions = 1;
    for (size_t d = 0; d < rank; ++d) {
      if (image[d] < 0 || block[d] <= 0) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": image_shape " +
                                                     ints_to_string(image) +
                                                     " must be non-negative and block_shape " +
                                                     ints_to_string(block) + " positive");
      }
      const int64_t extent = w.dilations[d] * (block[d] - 1) + 1;
      const int64_t span = image[d] + pads[d] + pads[rank + d] - extent;
      w.output_spatial.push_back(span < 0 ? 0 : span / w.strides[d] + 1);
      block_size *= block[d];
      positions *= w.output_spatial.back();
    }
    if (x.rank() != 3 || x.shape()[1] % block_size != 0 || x.shape()[2] != positions) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": input has shape " + x.shape().to_string() +
                      ", expected [N, C * " + std::to_string(block_size) + ", " +
                      std::to_string(positions) + "] for image_shape " + ints_to_string(image) +
                      " and block_shape " + ints_to_string(block));
    }
    const int64_t batch = x.shape()[0], channels = x.shape()[1] / block_size;
    std::vector<int64_t> out_dims = {batch, channels};
    out_dims.insert(out_dims.end(), image.begin(), image.end());
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (y.num_elements() == 0) return;
    const int64_t image_size = y.num_elements() / batch;
    dispatch_float(node, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* out = y.data<T>();
      std::fill(out, out + y.num_elements(), T(0));
      for (int64_t n = 0; n < batch; ++n) {
        kernels::col2im_add(w, channels, x.data<T>() + n * x.shape()[1] * positions,
                            out + n * image_size);
      }
    });
  }

  WindowAttributes attrs_;
};

// ConvTranspose: for each image and group, columns = W_g^T * X_g (one GEMM), then col2im adds
// every column into the output, which starts as the bias.
class ConvTranspose final : public HalfAsFloat32Kernel {
 public:
  explicit ConvTranspose(const KernelInfo& info)
      : attrs_(read_window_attributes(info.node(), false)),
        group_(read_conv_group(info.node())),
        output_padding_(info.node().attr_ints("output_padding", {})),
        output_shape_(info.node().attr_ints("output_shape", {})) {}

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& w = ctx.required_input(1);
    const Tensor* bias = ctx.input(2);
    for (const Tensor* t : {&w, bias}) {
      if (t != nullptr && t->dtype() != x.dtype()) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": inputs mix element types " +
                                                     std::string(data_type_name(x.dtype())) +
                                                     " and " +
                                                     std::string(data_type_name(t->dtype())));
      }
    }
    check_conv_transpose_inputs(node, attrs_, group_, x.shape(), w.shape(),
                                bias != nullptr ? &bias->shape() : nullptr);
    const int64_t batch = x.shape()[0], in_channels = x.shape()[1];
    const int64_t group_out = w.shape()[1], out_channels = group_out * group_;
    const int64_t group_in = in_channels / group_;
    const std::vector<int64_t> kernel(w.shape().dims().begin() + 2, w.shape().dims().end());

    kernels::WindowSpec win;  // the output is the "image" that col2im scatters into
    win.kernel = kernel;
    win.output_spatial.assign(x.shape().dims().begin() + 2, x.shape().dims().end());
    const TransposedWindow t = resolve_transposed_window(node, attrs_, win.output_spatial, kernel,
                                                         output_padding_, output_shape_);
    win.strides = t.strides;
    win.dilations = t.dilations;
    win.input_spatial = t.output;
    win.pads_begin = t.pads_begin;

    std::vector<int64_t> out_dims = {batch, out_channels};
    out_dims.insert(out_dims.end(), win.input_spatial.begin(), win.input_spatial.end());
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (y.num_elements() == 0) return;
    const int64_t out_size = y.num_elements() / (batch * out_channels);
    const int64_t in_size = x.shape().size_from_to(2, x.rank());
    const int64_t taps = w.shape().size_from_to(2, w.rank());
    const int64_t col_rows = group_out * taps;
    // The column matrix of a whole group can be large (channels x taps x input positions); it
    // is built for blocks of output channels that fit a fixed scratch budget.
    constexpr int64_t kScratchBudget = int64_t{1} << 22;  // elements
    const int64_t per_channel = std::max<int64_t>(taps * in_size, 1);
    const int64_t block = std::clamp<int64_t>(kScratchBudget / per_channel, 1, group_out);
    Tensor columns = ctx.allocate_temp(Shape{block * per_channel}, x.dtype());
    dispatch_float(node, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* out = y.data<T>();
      for (int64_t n = 0; n < batch; ++n) {
        for (int64_t c = 0; c < out_channels; ++c) {
          const T b = bias != nullptr ? bias->data<T>()[c] : T(0);
          T* plane = out + (n * out_channels + c) * out_size;
          std::fill(plane, plane + out_size, b);
        }
      }
      if (in_size == 0 || taps == 0) return;
      T* cols = columns.data<T>();
      for (int64_t n = 0; n < batch; ++n) {
        for (int64_t g = 0; g < group_; ++g) {
          const T* xg = x.data<T>() + (n * in_channels + g * group_in) * in_size;
          const T* wg = w.data<T>() + g * group_in * col_rows;
          for (int64_t first = 0; first < group_out; first += block) {
            const int64_t count = std::min(block, group_out - first);
            // columns [count * taps x in_size] = (W_g^T)[rows of this block] * X_g
            kernels::gemm_parallel<T>(true, false, count * taps, in_size, group_in, T(1),
                                      wg + first * taps, col_rows, xg, in_size, T(0), cols,
                                      in_size);
            kernels::col2im_add(win, count, cols,
                                out + (n * out_channels + g * group_out + first) * out_size);
          }
        }
      }
    });
  }

  WindowAttributes attrs_;
  int64_t group_;
  std::vector<int64_t> output_padding_;
  std::vector<int64_t> output_shape_;
};

}  // namespace

void register_norm_kernels(KernelRegistry& registry) {
  // LayerNormalization-17: T for X/Scale/B/Y, U (float32 or bfloat16) for Mean/InvStdDev.
  KernelDef layer_norm;
  layer_norm.op_type = "LayerNormalization";
  layer_norm.since_version = 17;
  layer_norm.end_version = kMaxOpset;
  layer_norm.constraints = {{"T", {0, 1, 2}, {0}, types::kFloats},
                            {"U", {}, {1, 2}, {DataType::kFloat32, DataType::kBFloat16}}};
  layer_norm.factory = make_kernel<LayerNormalization>();
  registry.add(std::move(layer_norm));

  // RMSNormalization-23: scale has its own type V.
  KernelDef rms_norm;
  rms_norm.op_type = "RMSNormalization";
  rms_norm.since_version = 23;
  rms_norm.end_version = kMaxOpset;
  rms_norm.constraints = {{"T", {0}, {0}, types::kFloats}, {"V", {1}, {}, types::kFloats}};
  rms_norm.factory = make_kernel<RMSNormalization>();
  registry.add(std::move(rms_norm));

  // InstanceNormalization 1 (consumed_inputs, ignored), 6, 22 (bfloat16).
  registry.add("InstanceNormalization", 1, kMaxOpset, {0, 1, 2}, types::kFloats,
               make_kernel<InstanceNormalization>());
  // GroupNormalization 18 (scale/bias per group), 21 (per channel, stash_type).
  registry.add("GroupNormalization", 18, kMaxOpset, {0, 1, 2}, types::kFloats,
               make_kernel<GroupNormalization>());
  registry.add("LpNormalization", 1, kMaxOpset, {0}, types::kFloats,
               make_kernel<LpNormalization>());
  // MeanVarianceNormalization 9 (the experimental opset-1 form is not part of ONNX), 13.
  registry.add("MeanVarianceNormalization", 9, kMaxOpset, {0}, types::kFloats,
               make_kernel<MeanVarianceNormalization>());
  registry.add("LRN", 1, kMaxOpset, {0}, types::kFloats, make_kernel<LRN>());

  // Dropout 1/6 (is_test), 7 (mask of type T), 10 (bool mask), 12 (ratio and training_mode
  // inputs, seed), 13, 22.
  KernelDef dropout;
  dropout.op_type = "Dropout";
  dropout.since_version = 1;
  dropout.end_version = kMaxOpset;
  dropout.constraints = {{"T", {0}, {0}, types::kFloats},
                         {"T1", {1}, {}, types::kFloats},
                         {"T2", {2}, {}, {DataType::kBool}}};
  dropout.factory = make_kernel<Dropout>();
  registry.add(std::move(dropout));

  // LpPool 1 (float p), 2 (int p), 11, 18 (dilations, ceil_mode), 22.
  registry.add("LpPool", 1, kMaxOpset, {0}, types::kFloats, make_kernel<LpPool>());
  registry.add("MaxRoiPool", 1, kMaxOpset, {0, 1}, types::kFloats, make_kernel<MaxRoiPool>());

  // RoiAlign 10, 16 (coordinate_transformation_mode), 22.
  KernelDef roi_align;
  roi_align.op_type = "RoiAlign";
  roi_align.since_version = 10;
  roi_align.end_version = kMaxOpset;
  roi_align.constraints = {{"T1", {0, 1}, {0}, types::kFloats},
                           {"T2", {2}, {}, {DataType::kInt64}}};
  roi_align.factory = make_kernel<RoiAlign>();
  registry.add(std::move(roi_align));

  // MaxUnpool 9, 11 (output_shape semantics clarified), 22.
  KernelDef max_unpool;
  max_unpool.op_type = "MaxUnpool";
  max_unpool.since_version = 9;
  max_unpool.end_version = kMaxOpset;
  max_unpool.constraints = {{"T1", {0}, {0}, types::kFloats},
                            {"T2", {1, 2}, {}, {DataType::kInt64}}};
  max_unpool.factory = make_kernel<MaxUnpool>();
  registry.add(std::move(max_unpool));

  registry.add("Col2Im", 18, kMaxOpset, {0}, types::kFloats, make_kernel<Col2Im>());
  // ConvTranspose 1, 11 (output_shape/pads wording), 22 (bfloat16).
  registry.add("ConvTranspose", 1, kMaxOpset, {0, 1, 2}, types::kFloats,
               make_kernel<ConvTranspose>());
}

}  // namespace aruntime::cpu
