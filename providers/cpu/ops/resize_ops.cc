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
#include "providers/common/movement_shapes.h"
#include "providers/cpu/ops/nn_common.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

using kernels::CoordinateTransform;
using kernels::ResizeMode;

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
  explicit Resize(const KernelInfo& info)
      : opset_(info.opset()), attributes_(movement::read_resize_attributes(info.node(), opset_)) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const std::vector<kernels::AxisSampling> samplings = plan_axes(ctx, x);
    std::vector<int64_t> out_dims;
    for (const auto& s : samplings) out_dims.push_back(s.output_size);
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (y.num_elements() == 0) return;
    movement::check_resize_source(node, x.shape(), y.shape());
    if (x.dtype() == DataType::kString) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": string tensors are not supported");
    }

    if (attributes_.options.mode == ResizeMode::kNearest) {
      uint64_t fill;
      element_from_double(x.dtype(), attributes_.extrapolation_value, &fill);
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
                                   static_cast<T>(attributes_.extrapolation_value));
  }

  // Resolves axes, scales or sizes and roi into one sampling per axis of X.
  std::vector<kernels::AxisSampling> plan_axes(KernelContext& ctx, const Tensor& x) const {
    const Node& node = ctx.node();
    const std::vector<size_t> axes = movement::resize_axes(node, x.shape(), attributes_.axes);
    const size_t n_axes = axes.size();
    const Tensor* roi = opset_ >= 11 ? ctx.input(1) : nullptr;
    const Tensor* scales = ctx.input(opset_ >= 11 ? 2 : 1);
    const Tensor* sizes = opset_ >= 11 ? ctx.input(3) : nullptr;
    std::vector<kernels::ResizeAxis> params =
        movement::resize_by_scales(node, scales, sizes)
            ? movement::resize_from_scales(node, x.shape(), axes, tensor_to_doubles(*scales))
            : movement::resize_from_sizes(node, x.shape(), axes, attributes_.policy, *sizes);

    if (roi != nullptr && roi->num_elements() > 0 &&
        attributes_.options.transform == CoordinateTransform::kTfCropAndResize) {
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
    for (const auto& p : params)
      samplings.push_back(kernels::compute_axis_sampling(p, attributes_.options));
    return samplings;
  }

  int64_t opset_;
  movement::ResizeAttributes attributes_;
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
