#include "kernels/resize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "kernels/parallel.h"

namespace aruntime::kernels {
namespace {

// Coordinate in the input axis that output coordinate `o` maps to. `outside` is set when
// tf_crop_and_resize falls off the input.
double original_coordinate(const ResizeAxis& a, CoordinateTransform transform, int64_t o,
                           bool* outside) {
  const double in = static_cast<double>(a.input_size);
  const double target = a.scale * in;  // may be fractional when a scale was given
  const double x = static_cast<double>(o);
  *outside = false;
  switch (transform) {
    case CoordinateTransform::kHalfPixel:
      return (x + 0.5) / a.scale - 0.5;
    case CoordinateTransform::kHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(a.output_size) / target;
      const double offset = in / 2 * (1 - adjustment);
      return offset + (x + 0.5) / a.scale - 0.5;
    }
    case CoordinateTransform::kPytorchHalfPixel:
      return a.output_size > 1 ? (x + 0.5) / a.scale - 0.5 : 0.0;
    case CoordinateTransform::kAlignCorners:
      return target == 1.0 ? 0.0 : x * (in - 1) / (target - 1);
    case CoordinateTransform::kAsymmetric:
      return x / a.scale;
    case CoordinateTransform::kTfHalfPixelForNn:
      return (x + 0.5) / a.scale;
    case CoordinateTransform::kTfCropAndResize: {
      const double span = (a.roi_end - a.roi_start) * (in - 1);
      const double c = target == 1.0 ? a.roi_start * (in - 1) + span / 2
                                     : a.roi_start * (in - 1) + x * span / (target - 1);
      *outside = c < 0 || c > in - 1;
      return c;
    }
  }
  return 0.0;
}

int64_t nearest_index(double c, NearestRounding rounding, double scale) {
  const double fl = std::floor(c);
  const double frac = c - fl;
  double r = fl;
  switch (rounding) {
    case NearestRounding::kRoundPreferFloor:
      r = frac <= 0.5 ? fl : fl + 1;
      break;
    case NearestRounding::kRoundPreferCeil:
      r = (frac < 0.5) ? fl : fl + 1;
      break;
    case NearestRounding::kFloor:
      r = fl;
      break;
    case NearestRounding::kCeil:
      r = std::ceil(c);
      break;
    case NearestRounding::kSimple:
      r = scale < 1.0 ? std::ceil(c) : fl;
      break;
  }
  // Coordinates far outside the axis are clamped below; keep the double->int conversion defined.
  r = std::clamp(r, -1.0, 9.0e15);
  return static_cast<int64_t>(r);
}

double cubic_weight(double distance, double a) {
  const double x = std::fabs(distance);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0.0;
}

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t d : v) p *= d;
  return p;
}

template <typename U>
void gather_rows(const std::vector<AxisSampling>& axes, const U* x, U* y, U fill) {
  const size_t rank = axes.size();
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) in_strides[d - 1] = in_strides[d] * axes[d].input_size;
  const AxisSampling& last = axes[rank - 1];
  const int64_t out_w = last.output_size;
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < rank; ++d) rows *= axes[d].output_size;

  parallel_for(rows, out_w, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> pos(rank, 0);
    for (int64_t rem = begin, d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
      pos[d] = rem % axes[d].output_size;
      rem /= axes[d].output_size;
    }
    for (int64_t row = begin; row < end; ++row) {
      int64_t base = 0;
      bool extrapolated = false;
      for (size_t d = 0; d + 1 < rank; ++d) {
        base += axes[d].index[pos[d]] * in_strides[d];
        extrapolated = extrapolated || (axes[d].any_extrapolated && axes[d].extrapolate[pos[d]]);
      }
      U* out = y + row * out_w;
      if (extrapolated) {
        std::fill(out, out + out_w, fill);
      } else {
        const U* in = x + base;
        for (int64_t o = 0; o < out_w; ++o) {
          out[o] = (last.any_extrapolated && last.extrapolate[o]) ? fill : in[last.index[o]];
        }
      }
      for (size_t d = rank - 1; d-- > 0;) {
        if (++pos[d] < axes[d].output_size) break;
        pos[d] = 0;
      }
    }
  });
}

// One 1-D pass along `axis` of a tensor whose current dims are `dims`: [outer, in, inner] ->
// [outer, out, inner]. Taps are stored tap-major so that every loop runs over output positions.
template <typename T>
void interpolate_axis(const AxisSampling& s, const std::vector<int64_t>& dims, size_t axis,
                      const T* src, T* dst) {
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= dims[d];
  for (size_t d = axis + 1; d < dims.size(); ++d) inner *= dims[d];
  const int64_t in_size = s.input_size, out_size = s.output_size, taps = s.taps;
  std::vector<int64_t> index(static_cast<size_t>(taps * out_size));
  std::vector<T> weight(static_cast<size_t>(taps * out_size));
  for (int64_t o = 0; o < out_size; ++o) {
    for (int64_t t = 0; t < taps; ++t) {
      index[t * out_size + o] = s.index[o * taps + t];
      weight[t * out_size + o] = static_cast<T>(s.weight[o * taps + t]);
    }
  }

  if (inner == 1) {
    // Innermost axis: gathers along each row.
    parallel_for(outer, out_size * taps * 2, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const T* in = src + row * in_size;
        T* out = dst + row * out_size;
        const int64_t* i0 = index.data();
        const T* w0 = weight.data();
        if (taps == 2) {
          const int64_t* i1 = i0 + out_size;
          const T* w1 = w0 + out_size;
          for (int64_t o = 0; o < out_size; ++o) out[o] = w0[o] * in[i0[o]] + w1[o] * in[i1[o]];
          continue;
        }
        for (int64_t o = 0; o < out_size; ++o) out[o] = w0[o] * in[i0[o]];
        for (int64_t t = 1; t < taps; ++t) {
          const int64_t* it = i0 + t * out_size;
          const T* wt = w0 + t * out_size;
          for (int64_t o = 0; o < out_size; ++o) out[o] += wt[o] * in[it[o]];
        }
      }
    });
    return;
  }

  // Outer axes: each output row is a weighted sum of whole input rows.
  parallel_for(outer * out_size, taps * inner * 2, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t o = item % out_size;
      const T* src_block = src + (item / out_size) * in_size * inner;
      T* out = dst + item * inner;
      const T* row = src_block + index[o] * inner;
      const T w0 = weight[o];
      for (int64_t i = 0; i < inner; ++i) out[i] = w0 * row[i];
      for (int64_t t = 1; t < taps; ++t) {
        const T wt = weight[t * out_size + o];
        if (wt == T(0)) continue;
        row = src_block + index[t * out_size + o] * inner;
        for (int64_t i = 0; i < inner; ++i) out[i] += wt * row[i];
      }
    }
  });
}

}  // namespace

AxisSampling compute_axis_sampling(const ResizeAxis& a, const ResizeOptions& opt) {
  AxisSampling s;
  s.input_size = a.input_size;
  s.output_size = a.output_size;
  const int64_t out = a.output_size, in = a.input_size;
  s.extrapolate.assign(out, 0);

  // Filter support (in taps) and the offset of the first tap relative to the base coordinate.
  int64_t first_tap = 0;
  const double filter_scale = opt.antialias ? std::min(a.scale, 1.0) : 1.0;
  switch (opt.mode) {
    case ResizeMode::kNearest:
      s.taps = 1;
      break;
    case ResizeMode::kLinear:
      first_tap = static_cast<int64_t>(std::floor(-1.0 / filter_scale)) + 1;
      s.taps = 2 - 2 * first_tap;
      break;
    case ResizeMode::kCubic:
      first_tap = static_cast<int64_t>(std::floor(-2.0 / filter_scale)) + 1;
      s.taps = 2 - 2 * first_tap;
      break;
  }
  s.index.assign(out * s.taps, 0);
  s.weight.assign(out * s.taps, 0.0);

  for (int64_t o = 0; o < out; ++o) {
    bool outside = false;
    const double c = original_coordinate(a, opt.transform, o, &outside);
    if (outside) {
      s.extrapolate[o] = 1;
      s.any_extrapolated = true;
    }
    int64_t* idx = s.index.data() + o * s.taps;
    double* w = s.weight.data() + o * s.taps;
    if (opt.mode == ResizeMode::kNearest) {
      idx[0] = std::clamp<int64_t>(nearest_index(c, opt.rounding, a.scale), 0,
                                   std::max<int64_t>(in - 1, 0));
      w[0] = 1.0;
      continue;
    }
    // The base is the input coordinate left of c; ratio in (0, 1], so a c on an input coordinate
    // takes that coordinate as the right-hand neighbour of the base.
    double base = std::floor(c);
    double ratio = c - base;
    if (ratio == 0.0) {
      ratio = 1.0;
      base -= 1.0;
    }
    base = std::clamp(base, -1.0e15, 1.0e15);
    const int64_t base_index = static_cast<int64_t>(base);
    double sum = 0.0;
    for (int64_t t = 0; t < s.taps; ++t) {
      const int64_t offset = first_tap + t;
      const double distance = (static_cast<double>(offset) - ratio) * filter_scale;
      double weight;
      if (opt.mode == ResizeMode::kLinear) {
        weight = std::max(0.0, 1.0 - std::fabs(distance));
      } else {
        weight = cubic_weight(distance, opt.cubic_coeff_a);
      }
      const int64_t i = base_index + offset;
      if (opt.exclude_outside && (i < 0 || i >= in)) weight = 0.0;
      idx[t] = i;
      w[t] = weight;
      sum += weight;
    }
    // Without antialias or exclusion the weights already sum to one; normalising anyway only
    // changes rounding, so it is done only where the reference normalises.
    if ((opt.antialias || opt.exclude_outside) && sum != 0.0) {
      for (int64_t t = 0; t < s.taps; ++t) w[t] /= sum;
    }
    for (int64_t t = 0; t < s.taps; ++t)
      idx[t] = std::clamp<int64_t>(idx[t], 0, std::max<int64_t>(in - 1, 0));
  }

  // Identity: every output reads its own input coordinate with total weight one, nothing else.
  s.identity = in == out && !s.any_extrapolated;
  for (int64_t o = 0; o < out && s.identity; ++o) {
    double own = 0.0;
    for (int64_t t = 0; t < s.taps; ++t) {
      const double w = s.weight[o * s.taps + t];
      if (s.index[o * s.taps + t] == o) {
        own += w;
      } else if (w != 0.0) {
        s.identity = false;
      }
    }
    if (own != 1.0) s.identity = false;
  }
  return s;
}

void resize_nearest(const std::vector<AxisSampling>& axes, const void* x, void* y,
                    size_t element_size, const void* fill) {
  int64_t out_count = 1;
  for (const auto& a : axes) out_count *= a.output_size;
  if (out_count == 0) return;
  if (axes.empty()) {
    std::memcpy(y, x, element_size);
    return;
  }
  switch (element_size) {
    case 1: {
      uint8_t f;
      std::memcpy(&f, fill, 1);
      gather_rows(axes, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y), f);
      break;
    }
    case 2: {
      uint16_t f;
      std::memcpy(&f, fill, 2);
      gather_rows(axes, static_cast<const uint16_t*>(x), static_cast<uint16_t*>(y), f);
      break;
    }
    case 4: {
      uint32_t f;
      std::memcpy(&f, fill, 4);
      gather_rows(axes, static_cast<const uint32_t*>(x), static_cast<uint32_t*>(y), f);
      break;
    }
    default: {
      uint64_t f;
      std::memcpy(&f, fill, 8);
      gather_rows(axes, static_cast<const uint64_t*>(x), static_cast<uint64_t*>(y), f);
      break;
    }
  }
}

ResizePlan plan_resize(const std::vector<AxisSampling>& axes) {
  ResizePlan plan;
  std::vector<size_t> pass_axes;
  for (size_t d = 0; d < axes.size(); ++d) {
    if (!axes[d].identity) pass_axes.push_back(d);
  }
  const size_t innermost = axes.empty() ? 0 : axes.size() - 1;
  // Work of an order: output elements times taps of every pass, gathers along the innermost axis
  // counting double. Every order is tried when there are few axes to resize (the usual case).
  auto cost = [&](const std::vector<size_t>& order) {
    std::vector<int64_t> dims;
    for (const auto& a : axes) dims.push_back(a.input_size);
    double total = 0;
    for (size_t axis : order) {
      dims[axis] = axes[axis].output_size;
      total += static_cast<double>(product(dims)) * static_cast<double>(axes[axis].taps) *
               (axis == innermost ? 2.0 : 1.0);
    }
    return total;
  };
  plan.pass_axes = pass_axes;
  if (pass_axes.size() <= 4) {
    std::vector<size_t> order = pass_axes;
    double best = cost(order);
    while (std::next_permutation(order.begin(), order.end())) {
      const double c = cost(order);
      if (c < best) {
        best = c;
        plan.pass_axes = order;
      }
    }
  } else {
    // Shrinking axes first keeps the intermediate tensors small.
    std::stable_sort(plan.pass_axes.begin(), plan.pass_axes.end(), [&](size_t a, size_t b) {
      return axes[a].output_size * axes[b].input_size < axes[b].output_size * axes[a].input_size;
    });
  }
  std::vector<int64_t> dims;
  for (const auto& a : axes) dims.push_back(a.input_size);
  int64_t largest = 0;
  for (size_t p = 0; p + 1 < plan.pass_axes.size(); ++p) {
    dims[plan.pass_axes[p]] = axes[plan.pass_axes[p]].output_size;
    largest = std::max(largest, product(dims));
  }
  plan.scratch_elements = plan.pass_axes.size() > 2 ? 2 * largest : largest;
  return plan;
}

template <typename T>
void resize_interpolate(const std::vector<AxisSampling>& axes, const ResizePlan& plan, const T* x,
                        T* y, T* scratch, T extrapolation_value) {
  std::vector<int64_t> dims, out_dims;
  for (const auto& a : axes) {
    dims.push_back(a.input_size);
    out_dims.push_back(a.output_size);
  }
  const int64_t out_count = product(out_dims);
  if (out_count == 0) return;
  if (plan.pass_axes.empty()) {
    std::copy(x, x + out_count, y);
  } else {
    const int64_t half = plan.pass_axes.size() > 2 ? plan.scratch_elements / 2 : 0;
    const T* src = x;
    for (size_t p = 0; p < plan.pass_axes.size(); ++p) {
      const size_t axis = plan.pass_axes[p];
      T* dst = p + 1 == plan.pass_axes.size() ? y : scratch + (p % 2) * half;
      interpolate_axis(axes[axis], dims, axis, src, dst);
      dims[axis] = axes[axis].output_size;
      src = dst;
    }
  }

  bool any_extrapolated = false;
  for (const auto& a : axes) any_extrapolated = any_extrapolated || a.any_extrapolated;
  if (!any_extrapolated) return;
  const size_t rank = axes.size();
  std::vector<int64_t> pos(rank, 0);
  for (int64_t i = 0; i < out_count; ++i) {
    for (size_t d = 0; d < rank; ++d) {
      if (axes[d].any_extrapolated && axes[d].extrapolate[pos[d]]) {
        y[i] = extrapolation_value;
        break;
      }
    }
    for (size_t d = rank; d-- > 0;) {
      if (++pos[d] < out_dims[d]) break;
      pos[d] = 0;
    }
  }
}

template void resize_interpolate<float>(const std::vector<AxisSampling>&, const ResizePlan&,
                                        const float*, float*, float*, float);
template void resize_interpolate<double>(const std::vector<AxisSampling>&, const ResizePlan&,
                                         const double*, double*, double*, double);

}  // namespace aruntime::kernels
