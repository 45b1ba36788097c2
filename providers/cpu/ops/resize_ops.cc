// Resize, opsets 10 to 23, on kernels/resize.h.
//  10: inputs (X, scales); nearest or linear; coordinates are asymmetric.
//  11: inputs (X, roi, scales, sizes); coordinate_transformation_mode, nearest_mode, cubic,
//      exclude_outside, extrapolation_value.
//  13: roi and scales become optional.
//  18: antialias, axes, keep_aspect_ratio_policy.
//  19: half_pixel_symmetric.
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/resize.h"
#include "providers/cpu/ops/nn_common.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

using kernels::CoordinateTransform;
using kernels::NearestRounding;
using kernels::ResizeMode;

enum class AspectPolicy { kStretch, kNotLarger, kNotSmaller };

[[noreturn]] void bad_attribute(const Node& node, const std::string& name, const std::string& value,
                                const std::string& expected) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute " + name + " is '" + value +
                                            "', expected " + expected);
}

// Converts `value` to one element of `type`, saturating integers, into `out` (8 bytes).
void element_from_double(DataType type, double value, uint64_t* out) {
  *out = 0;
  auto store = [&](auto v) { std::memcpy(out, &v, sizeof(v)); };
  auto to_int = [&](auto tag) {
    using I = decltype(tag);
    const double lo = static_cast<double>(std::numeric_limits<I>::lowest());
    const double hi = static_cast<double>(std::numeric_limits<I>::max());
    if (std::isnan(value)) return I(0);
    if (value <= lo) return std::numeric_limits<I>::lowest();
    if (value >= hi) return std::numeric_limits<I>::max();
    return static_cast<I>(value);
  };
  switch (type) {
    case DataType::kFloat32:
      store(static_cast<float>(value));
      break;
    case DataType::kFloat64:
      store(value);
      break;
    case DataType::kFloat16:
      store(Float16(static_cast<float>(value)).bits);
      break;
    case DataType::kBFloat16:
      store(BFloat16(static_cast<float>(value)).bits);
      break;
    case DataType::kInt8:
      store(to_int(int8_t{}));
      break;
    case DataType::kInt16:
      store(to_int(int16_t{}));
      break;
    case DataType::kInt32:
      store(to_int(int32_t{}));
      break;
    case DataType::kInt64:
      store(to_int(int64_t{}));
      break;
    case DataType::kUInt8:
      store(to_int(uint8_t{}));
      break;
    case DataType::kUInt16:
      store(to_int(uint16_t{}));
      break;
    case DataType::kUInt32:
      store(to_int(uint32_t{}));
      break;
    case DataType::kUInt64:
      store(to_int(uint64_t{}));
      break;
    case DataType::kBool:
      store(static_cast<uint8_t>(value != 0.0));
      break;
    default:
      break;
  }
}

// Integer tensors interpolate in float and are written back truncated toward zero (saturated),
// as the ONNX reference casts its float result.
template <typename I>
void integers_to_float(const I* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
}
template <typename I>
void float_to_integers(const float* src, I* dst, int64_t n) {
  const float lo = static_cast<float>(std::numeric_limits<I>::lowest());
  const float hi = static_cast<float>(std::numeric_limits<I>::max());
  for (int64_t i = 0; i < n; ++i) {
    const float v = src[i];
    dst[i] = v <= lo ? std::numeric_limits<I>::lowest()
                     : (v >= hi ? std::numeric_limits<I>::max() : static_cast<I>(v));
  }
}

class Resize final : public OpKernel {
 public:
  explicit Resize(const KernelInfo& info) : opset_(info.opset()) {
    const Node& node = info.node();
    const std::string mode = node.attr_string("mode", "nearest");
    if (mode == "nearest") {
      options_.mode = ResizeMode::kNearest;
    } else if (mode == "linear" || (opset_ == 10 && mode == "bilinear")) {
      options_.mode = ResizeMode::kLinear;
    } else if (mode == "cubic" && opset_ >= 11) {
      options_.mode = ResizeMode::kCubic;
    } else {
      bad_attribute(node, "mode", mode,
                    opset_ >= 11 ? "nearest, linear or cubic" : "nearest or linear");
    }

    if (opset_ == 10) {
      options_.transform = CoordinateTransform::kAsymmetric;
      options_.rounding = NearestRounding::kSimple;
    } else {
      const std::string transform =
          node.attr_string("coordinate_transformation_mode", "half_pixel");
      if (transform == "half_pixel") {
        options_.transform = CoordinateTransform::kHalfPixel;
      } else if (transform == "half_pixel_symmetric") {
        options_.transform = CoordinateTransform::kHalfPixelSymmetric;
      } else if (transform == "pytorch_half_pixel") {
        options_.transform = CoordinateTransform::kPytorchHalfPixel;
      } else if (transform == "align_corners") {
        options_.transform = CoordinateTransform::kAlignCorners;
      } else if (transform == "asymmetric") {
        options_.transform = CoordinateTransform::kAsymmetric;
      } else if (transform == "tf_half_pixel_for_nn") {
        options_.transform = CoordinateTransform::kTfHalfPixelForNn;
      } else if (transform == "tf_crop_and_resize") {
        options_.transform = CoordinateTransform::kTfCropAndResize;
      } else {
        bad_attribute(node, "coordinate_transformation_mode", transform,
                      "half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, "
                      "asymmetric, tf_half_pixel_for_nn or tf_crop_and_resize");
      }
      const std::string rounding = node.attr_string("nearest_mode", "round_prefer_floor");
      if (rounding == "round_prefer_floor") {
        options_.rounding = NearestRounding::kRoundPreferFloor;
      } else if (rounding == "round_prefer_ceil") {
        options_.rounding = NearestRounding::kRoundPreferCeil;
      } else if (rounding == "floor") {
        options_.rounding = NearestRounding::kFloor;
      } else if (rounding == "ceil") {
        options_.rounding = NearestRounding::kCeil;
      } else {
        bad_attribute(node, "nearest_mode", rounding,
                      "round_prefer_floor, round_prefer_ceil, floor or ceil");
      }
      options_.cubic_coeff_a = node.attr_float("cubic_coeff_a", -0.75f);
      options_.exclude_outside = node.attr_int("exclude_outside", 0) != 0;
      extrapolation_value_ = node.attr_float("extrapolation_value", 0.0f);
    }
    if (opset_ >= 18) {
      options_.antialias =
          node.attr_int("antialias", 0) != 0 && options_.mode != ResizeMode::kNearest;
      axes_ = node.attr_ints("axes", {});
      const std::string policy = node.attr_string("keep_aspect_ratio_policy", "stretch");
      if (policy == "stretch") {
        policy_ = AspectPolicy::kStretch;
      } else if (policy == "not_larger") {
        policy_ = AspectPolicy::kNotLarger;
      } else if (policy == "not_smaller") {
        policy_ = AspectPolicy::kNotSmaller;
      } else {
        bad_attribute(node, "keep_aspect_ratio_policy", policy,
                      "stretch, not_larger or not_smaller");
      }
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const std::vector<kernels::AxisSampling> samplings = plan_axes(ctx, x);
    std::vector<int64_t> out_dims;
    for (const auto& s : samplings) out_dims.push_back(s.output_size);
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (y.num_elements() == 0) return;
    if (x.num_elements() == 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": cannot resize the empty input " + x.shape().to_string() +
                      " to " + y.shape().to_string());
    }
    if (x.dtype() == DataType::kString) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": string tensors are not supported");
    }

    if (options_.mode == ResizeMode::kNearest) {
      uint64_t fill;
      element_from_double(x.dtype(), extrapolation_value_, &fill);
      kernels::resize_nearest(samplings, x.raw_data(), y.raw_data(), element_size(x.dtype()),
                              &fill);
      return;
    }

    const kernels::ResizePlan plan = kernels::plan_resize(samplings);
    switch (x.dtype()) {
      case DataType::kFloat32:
        interpolate<float>(ctx, samplings, plan, x.data<float>(), y.data<float>());
        return;
      case DataType::kFloat64:
        interpolate<double>(ctx, samplings, plan, x.data<double>(), y.data<double>());
        return;
      case DataType::kBool:
        throw_error(ErrorCode::kNotImplemented,
                    node.describe() + ": linear/cubic resize of bool tensors is not supported");
      default:
        break;
    }
    // Other types run in float32.
    Tensor x_float = ctx.allocate_temp(x.shape(), DataType::kFloat32);
    Tensor y_float = ctx.allocate_temp(y.shape(), DataType::kFloat32);
    float* xf = x_float.data<float>();
    float* yf = y_float.data<float>();
    const int64_t n_in = x.num_elements(), n_out = y.num_elements();
    if (is_half(x.dtype())) {
      half_to_float(x, xf);
    } else {
      with_integer_type(node, x.dtype(), [&](auto tag) {
        using I = decltype(tag);
        integers_to_float(x.data<I>(), xf, n_in);
      });
    }
    interpolate<float>(ctx, samplings, plan, xf, yf);
    if (is_half(x.dtype())) {
      float_to_half(yf, y);
    } else {
      with_integer_type(node, x.dtype(), [&](auto tag) {
        using I = decltype(tag);
        float_to_integers(yf, y.data<I>(), n_out);
      });
    }
  }

 private:
  template <typename F>
  static void with_integer_type(const Node& node, DataType type, F&& f) {
    switch (type) {
      case DataType::kInt8:
        f(int8_t{});
        break;
      case DataType::kInt16:
        f(int16_t{});
        break;
      case DataType::kInt32:
        f(int32_t{});
        break;
      case DataType::kInt64:
        f(int64_t{});
        break;
      case DataType::kUInt8:
        f(uint8_t{});
        break;
      case DataType::kUInt16:
        f(uint16_t{});
        break;
      case DataType::kUInt32:
        f(uint32_t{});
        break;
      case DataType::kUInt64:
        f(uint64_t{});
        break;
      default:
        throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                    std::string(data_type_name(type)) +
                                                    " is not supported");
    }
  }

  template <typename T>
  void interpolate(KernelContext& ctx, const std::vector<kernels::AxisSampling>& samplings,
                   const kernels::ResizePlan& plan, const T* x, T* y) const {
    Tensor scratch = ctx.allocate_temp(Shape{plan.scratch_elements}, DataTypeOf<T>::value);
    kernels::resize_interpolate<T>(samplings, plan, x, y, scratch.data<T>(),
                                   static_cast<T>(extrapolation_value_));
  }

  // Resolves axes, scales or sizes and roi into one sampling per axis of X.
  std::vector<kernels::AxisSampling> plan_axes(KernelContext& ctx, const Tensor& x) const {
    const Node& node = ctx.node();
    const int64_t rank = static_cast<int64_t>(x.rank());
    const auto& in_dims = x.shape().dims();

    std::vector<size_t> axes;
    if (axes_.empty()) {
      for (int64_t d = 0; d < rank; ++d) axes.push_back(static_cast<size_t>(d));
    } else {
      std::vector<bool> seen(x.rank(), false);
      for (int64_t a : axes_) {
        if (a < -rank || a >= rank) {
          throw_error(ErrorCode::kInvalidArgument,
                      node.describe() + ": axes " + ints_to_string(axes_) +
                          " are out of range for input of shape " + x.shape().to_string());
        }
        const size_t d = static_cast<size_t>(a < 0 ? a + rank : a);
        if (seen[d]) {
          throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axes " +
                                                       ints_to_string(axes_) + " repeat axis " +
                                                       std::to_string(d));
        }
        seen[d] = true;
        axes.push_back(d);
      }
    }
    const size_t n_axes = axes.size();

    auto present = [](const Tensor* t) { return t != nullptr && t->num_elements() > 0; };
    const Tensor* roi = opset_ >= 11 ? ctx.input(1) : nullptr;
    const Tensor* scales = ctx.input(opset_ >= 11 ? 2 : 1);
    const Tensor* sizes = opset_ >= 11 ? ctx.input(3) : nullptr;
    if (present(scales) == present(sizes)) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": exactly one of scales and sizes must be given (non-empty)");
    }

    std::vector<kernels::ResizeAxis> params(x.rank());
    for (size_t d = 0; d < x.rank(); ++d) {
      params[d].input_size = in_dims[d];
      params[d].output_size = in_dims[d];
    }
    if (present(scales)) {
      const std::vector<double> values = tensor_to_doubles(*scales);
      if (values.size() != n_axes) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": scales has " +
                                                     std::to_string(values.size()) +
                                                     " values, expected " + std::to_string(n_axes));
      }
      for (size_t i = 0; i < n_axes; ++i) {
        const double s = values[i];
        if (!(s > 0) || !std::isfinite(s)) {
          throw_error(ErrorCode::kInvalidArgument,
                      node.describe() + ": scales[" + std::to_string(i) +
                          "] = " + std::to_string(s) + " must be positive");
        }
        kernels::ResizeAxis& p = params[axes[i]];
        p.scale = s;
        const double target = std::floor(s * static_cast<double>(p.input_size));
        if (target > 9.0e15) {
          throw_error(ErrorCode::kInvalidArgument,
                      node.describe() + ": scales[" + std::to_string(i) + "] is too large");
        }
        p.output_size = static_cast<int64_t>(target);
      }
    } else {
      if (sizes->dtype() != DataType::kInt64) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": sizes must be int64, got " +
                                                     std::string(data_type_name(sizes->dtype())));
      }
      const std::vector<int64_t> values = sizes->to_int64_vector();
      if (values.size() != n_axes) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": sizes has " +
                                                     std::to_string(values.size()) +
                                                     " values, expected " + std::to_string(n_axes));
      }
      for (size_t i = 0; i < n_axes; ++i) {
        if (values[i] < 0 || (values[i] > 0 && in_dims[axes[i]] == 0)) {
          throw_error(ErrorCode::kInvalidArgument,
                      node.describe() + ": sizes " + ints_to_string(values) +
                          " cannot be produced from input of shape " + x.shape().to_string());
        }
      }
      if (policy_ == AspectPolicy::kStretch) {
        for (size_t i = 0; i < n_axes; ++i) {
          kernels::ResizeAxis& p = params[axes[i]];
          p.output_size = values[i];
          p.scale = p.input_size > 0
                        ? static_cast<double>(values[i]) / static_cast<double>(p.input_size)
                        : 1.0;
        }
      } else {
        // One scale for all resized axes, the smallest (not_larger) or largest (not_smaller).
        double scale =
            policy_ == AspectPolicy::kNotLarger ? std::numeric_limits<double>::infinity() : 0.0;
        for (size_t i = 0; i < n_axes; ++i) {
          const double r = static_cast<double>(values[i]) /
                           static_cast<double>(std::max<int64_t>(in_dims[axes[i]], 1));
          scale = policy_ == AspectPolicy::kNotLarger ? std::min(scale, r) : std::max(scale, r);
        }
        for (size_t i = 0; i < n_axes; ++i) {
          kernels::ResizeAxis& p = params[axes[i]];
          p.scale = scale;
          p.output_size = static_cast<int64_t>(
              std::floor(scale * static_cast<double>(p.input_size) + 0.5));  // round half up
        }
      }
      for (const auto& p : params) {
        if (p.output_size > 0 && !(p.scale > 0)) {
          throw_error(ErrorCode::kInvalidArgument,
                      node.describe() + ": sizes " + ints_to_string(values) +
                          " give a zero scale for input of shape " + x.shape().to_string());
        }
      }
    }

    if (present(roi) && options_.transform == CoordinateTransform::kTfCropAndResize) {
      const std::vector<double> values = tensor_to_doubles(*roi);
      if (values.size() != 2 * n_axes) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": roi has " + std::to_string(values.size()) +
                        " values, expected " + std::to_string(2 * n_axes) + " (starts, ends)");
      }
      for (size_t i = 0; i < n_axes; ++i) {
        params[axes[i]].roi_start = values[i];
        params[axes[i]].roi_end = values[n_axes + i];
      }
    }

    std::vector<kernels::AxisSampling> samplings;
    samplings.reserve(params.size());
    for (const auto& p : params) samplings.push_back(kernels::compute_axis_sampling(p, options_));
    return samplings;
  }

  int64_t opset_;
  kernels::ResizeOptions options_;
  double extrapolation_value_ = 0.0;
  std::vector<int64_t> axes_;
  AspectPolicy policy_ = AspectPolicy::kStretch;
};

void add_resize(KernelRegistry& registry, int since, int end) {
  KernelDef def;
  def.op_type = "Resize";
  def.since_version = since;
  def.end_version = end;
  if (since == 10) {
    def.constraints = {{"T", {0}, {0}, types::kAllNonString},
                       {"tensor(float)", {1}, {}, {DataType::kFloat32}}};
  } else {
    def.constraints = {{"T1", {0}, {0}, types::kAllNonString},
                       {"T2", {1}, {}, types::kFloats},
                       {"tensor(float)", {2}, {}, {DataType::kFloat32}},
                       {"tensor(int64)", {3}, {}, {DataType::kInt64}}};
  }
  def.factory = make_kernel<Resize>();
  registry.add(std::move(def));
}

}  // namespace

void register_resize_kernels(KernelRegistry& registry) {
  add_resize(registry, 10, 10);
  add_resize(registry, 11, 12);
  add_resize(registry, 13, 17);
  add_resize(registry, 18, 18);
  add_resize(registry, 19, kMaxOpset);
}

}  // namespace aruntime::cpu
