// ONNX Resize on raw memory. Every mode is separable: each output coordinate along an axis reads a
// few input coordinates of that axis with fixed weights (the axis "sampling"). Nearest is then a
// gather with one index table per axis; linear and cubic run one 1-D pass per resized axis.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aruntime::kernels {

enum class ResizeMode { kNearest, kLinear, kCubic };

enum class CoordinateTransform {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,  // Resize-11 only
  kTfCropAndResize,
};

enum class NearestRounding {
  kRoundPreferFloor,
  kRoundPreferCeil,
  kFloor,
  kCeil,
  kSimple,  // Resize-10: ceil when downsampling, floor otherwise
};

struct ResizeOptions {
  ResizeMode mode = ResizeMode::kNearest;
  CoordinateTransform transform = CoordinateTransform::kHalfPixel;
  NearestRounding rounding = NearestRounding::kRoundPreferFloor;
  double cubic_coeff_a = -0.75;
  bool exclude_outside = false;
  bool antialias = false;  // linear and cubic only: widen the filter by 1/scale when downsampling
};

struct ResizeAxis {
  int64_t input_size = 0;
  int64_t output_size = 0;
  // The scale that maps coordinates: the given scale, or output_size / input_size for sizes. The
  // fractional target length scale * input_size enters align_corners and tf_crop_and_resize.
  double scale = 1.0;
  double roi_start = 0.0;  // tf_crop_and_resize only, normalised coordinates
  double roi_end = 1.0;
};

// Which input coordinates (clamped into the axis) each output coordinate reads, and with which
// weights; `taps` entries per output coordinate.
struct AxisSampling {
  int64_t input_size = 0;
  int64_t output_size = 0;
  int64_t taps = 1;
  std::vector<int64_t> index;
  std::vector<double> weight;
  std::vector<uint8_t> extrapolate;  // 1 where tf_crop_and_resize samples outside the input
  bool any_extrapolated = false;
  bool identity = false;  // output equals input along this axis
};

AxisSampling compute_axis_sampling(const ResizeAxis& axis, const ResizeOptions& options);

// Nearest resize of any element type of size 1, 2, 4 or 8 bytes. `fill` points to one element
// written where an axis extrapolates.
void resize_nearest(const std::vector<AxisSampling>& axes, const void* x, void* y,
                    size_t element_size, const void* fill);

struct ResizePlan {
  std::vector<size_t> pass_axes;  // axes with a 1-D pass, in execution order
  int64_t scratch_elements = 0;
};

ResizePlan plan_resize(const std::vector<AxisSampling>& axes);

// Linear/cubic resize with the samplings' weights; `scratch` holds plan.scratch_elements. Outputs
// of extrapolated coordinates are `extrapolation_value`. Instantiated for float and double.
template <typename T>
void resize_interpolate(const std::vector<AxisSampling>& axes, const ResizePlan& plan, const T* x,
                        T* y, T* scratch, T extrapolation_value);

}  // namespace aruntime::kernels
