#include "providers/common/movement_shapes.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "kernels/broadcast.h"

namespace aruntime::movement {
namespace {

std::string list_text(const std::vector<int64_t>& v) {
  return Shape(v).to_string();
}

std::string type_text(const Tensor& t) {
  return std::string(data_type_name(t.dtype())) + t.shape().to_string();
}

void check_4d(const Node& node, const Shape& input) {
  if (input.rank() != 4) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": input must be 4-D [N,C,H,W], got " + input.to_string());
  }
}

[[noreturn]] void bad_attribute(const Node& node, const std::string& name, const std::string& value,
                                const std::string& expected) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute " + name + " is '" + value +
                                            "', expected " + expected);
}

// Every dim of `input` unresized, before scales or sizes change some.
std::vector<kernels::ResizeAxis> unresized(const Shape& input) {
  std::vector<kernels::ResizeAxis> params(input.rank());
  for (size_t d = 0; d < input.rank(); ++d) {
    params[d].input_size = input[d];
    params[d].output_size = input[d];
  }
  return params;
}

}  // namespace

int64_t checked_axis(const Node& node, int64_t axis, int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": " + what + " " + std::to_string(axis) +
                    " is out of range for rank " + std::to_string(rank) + " (expected [" +
                    std::to_string(-rank) + ", " + std::to_string(rank - 1) + "])");
  }
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> int_list_values(const Node& node, const Tensor& t, size_t index,
                                     const char* what) {
  if ((t.dtype() != DataType::kInt64 && t.dtype() != DataType::kInt32) || t.rank() > 1) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": input " + std::to_string(index) + " (" + what +
                    ") must be a 1-D int64 or int32 tensor, got " + type_text(t));
  }
  if (t.num_elements() == 0) return {};
  return t.to_int64_vector();
}

std::vector<int64_t> checked_perm(const Node& node, std::vector<int64_t> perm) {
  std::vector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(perm.size()) || seen[p]) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": perm " + list_text(perm) +
                                                " is not a permutation of 0.." +
                                                std::to_string(perm.size() - 1));
    }
    seen[p] = true;
  }
  return perm;
}

std::vector<int64_t> transpose_perm(const Node& node, bool has_perm,
                                    const std::vector<int64_t>& perm, const Shape& input) {
  const int64_t rank = static_cast<int64_t>(input.rank());
  if (!has_perm) {
    std::vector<int64_t> reversed(rank);
    for (int64_t d = 0; d < rank; ++d) reversed[d] = rank - 1 - d;
    return reversed;
  }
  if (static_cast<int64_t>(perm.size()) != rank) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": perm " + list_text(perm) + " has " +
                                              std::to_string(perm.size()) +
                                              " entries but the input shape " + input.to_string() +
                                              " has rank " + std::to_string(rank));
  }
  return perm;
}

std::vector<int64_t> reshape_dims(const Node& node, const Shape& input,
                                  const std::vector<int64_t>& requested, bool allow_zero) {
  auto fail = [&](const std::string& why) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": cannot reshape input of shape " +
                                              input.to_string() + " to requested shape " +
                                              list_text(requested) + ": " + why);
  };
  std::vector<int64_t> dims(requested);
  int64_t inferred = -1;
  int64_t known = 1;  // product of the dims other than the inferred one
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 0 && !allow_zero) {
      if (i >= input.rank())
        fail("dim " + std::to_string(i) + " is 0 but the input has no such dim");
      dims[i] = input[i];
    } else if (dims[i] == -1) {
      if (inferred >= 0) fail("more than one -1");
      inferred = static_cast<int64_t>(i);
      continue;
    } else if (dims[i] < -1) {
      fail("negative dim " + std::to_string(dims[i]));
    }
    if (dims[i] != 0 && known > INT64_MAX / dims[i]) fail("too many elements");
    known *= dims[i];
  }
  const int64_t total = input.num_elements();
  if (inferred >= 0) {
    if (known == 0) fail("the -1 dim cannot be inferred next to a 0 dim");
    if (total % known != 0) {
      fail(std::to_string(total) + " elements are not divisible by " + std::to_string(known));
    }
    dims[inferred] = total / known;
  } else if (known != total) {
    fail(std::to_string(total) + " elements cannot become " + std::to_string(known));
  }
  return dims;
}

Shape flatten_shape(const Node& node, const Shape& input, int64_t axis) {
  const int64_t rank = static_cast<int64_t>(input.rank());
  if (axis < -rank || axis > rank) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": axis " + std::to_string(axis) +
                    " is out of range for input of shape " + input.to_string() + " (expected [" +
                    std::to_string(-rank) + ", " + std::to_string(rank) + "])");
  }
  const size_t split = static_cast<size_t>(axis < 0 ? axis + rank : axis);
  return Shape{input.size_from_to(0, split), input.size_from_to(split, input.rank())};
}

std::vector<int64_t> squeeze_dims(const Node& node, const Shape& input,
                                  const std::vector<int64_t>& axes) {
  const int64_t rank = static_cast<int64_t>(input.rank());
  std::vector<bool> remove(input.rank(), false);
  if (axes.empty()) {
    for (size_t d = 0; d < input.rank(); ++d) remove[d] = input[d] == 1;
  }
  for (int64_t a : axes) {
    const int64_t axis = checked_axis(node, a, rank, "axis");
    if (input[axis] != 1) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": cannot squeeze axis " +
                                                std::to_string(a) + " of input shape " +
                                                input.to_string() + ": its size is not 1");
    }
    remove[axis] = true;
  }
  std::vector<int64_t> dims;
  for (size_t d = 0; d < input.rank(); ++d) {
    if (!remove[d]) dims.push_back(input[d]);
  }
  return dims;
}

std::vector<int64_t> unsqueeze_dims(const Node& node, const Shape& input,
                                    const std::vector<int64_t>& axes) {
  if (axes.empty()) throw_error(ErrorCode::kRuntimeError, node.describe() + ": axes are required");
  const int64_t out_rank = static_cast<int64_t>(input.rank() + axes.size());
  std::vector<bool> inserted(out_rank, false);
  for (int64_t a : axes) {
    const int64_t axis = checked_axis(node, a, out_rank, "axis");
    if (inserted[axis]) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": axis " + std::to_string(a) +
                                                " is repeated in axes " + list_text(axes));
    }
    inserted[axis] = true;
  }
  std::vector<int64_t> dims(out_rank);
  size_t next_input_dim = 0;
  for (int64_t d = 0; d < out_rank; ++d) dims[d] = inserted[d] ? 1 : input[next_input_dim++];
  return dims;
}

ConcatPlan concat_plan(const KernelContext& ctx, int64_t axis_attr) {
  const Node& node = ctx.node();
  const Tensor& first = ctx.required_input(0);
  const int64_t rank = static_cast<int64_t>(first.rank());
  if (rank == 0)
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": cannot concatenate scalars");
  const int64_t axis = checked_axis(node, axis_attr, rank, "axis");
  std::vector<int64_t> out_dims = first.shape().dims();
  out_dims[axis] = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor& in = ctx.required_input(i);
    bool compatible = in.dtype() == first.dtype() && in.rank() == first.rank();
    for (int64_t d = 0; compatible && d < rank; ++d) {
      compatible = d == axis || in.shape()[d] == first.shape()[d];
    }
    if (!compatible) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": input " + std::to_string(i) +
                                                " (" + type_text(in) +
                                                ") does not match input 0 (" + type_text(first) +
                                                ") outside axis " + std::to_string(axis));
    }
    out_dims[axis] += in.shape()[axis];
  }
  return {axis, std::move(out_dims)};
}

void check_split_outputs(const Node& node, int64_t opset, size_t num_outputs) {
  if (opset < 18 || !node.has_attribute("num_outputs")) return;
  const int64_t n = node.attr_int("num_outputs");
  if (n != static_cast<int64_t>(num_outputs)) {
    throw_error(ErrorCode::kInvalidModel, node.describe() + ": num_outputs is " +
                                              std::to_string(n) + " but the node has " +
                                              std::to_string(num_outputs) + " outputs");
  }
}

std::vector<int64_t> split_sizes(const Node& node, int64_t opset, const Shape& input, int64_t axis,
                                 int64_t parts, std::vector<int64_t> sizes) {
  const int64_t dim = input[axis];
  const int64_t n = parts;
  if (sizes.empty()) {
    if (dim % n == 0) {
      sizes.assign(n, dim / n);
    } else if (opset >= 18) {
      sizes.assign(n, dim / n + 1);
      sizes.back() = dim - (dim / n + 1) * (n - 1);
    } else {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": axis " + std::to_string(axis) +
                                                " of size " + std::to_string(dim) +
                                                " cannot be split evenly into " +
                                                std::to_string(n) + " outputs");
    }
  }
  int64_t total = 0;
  bool valid = static_cast<int64_t>(sizes.size()) == n;
  for (int64_t s : sizes) {
    valid = valid && s >= 0;
    total += s;
  }
  if (!valid || total != dim) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": split sizes " + list_text(sizes) +
                                              " do not divide axis " + std::to_string(axis) +
                                              " of input shape " + input.to_string() + " into " +
                                              std::to_string(n) + " non-negative parts");
  }
  return sizes;
}

std::vector<kernels::AxisSlice> slice_plan(const Node& node, const Shape& input,
                                           const std::vector<int64_t>& starts,
                                           const std::vector<int64_t>& ends,
                                           std::vector<int64_t> axes, std::vector<int64_t> steps) {
  const int64_t rank = static_cast<int64_t>(input.rank());
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": starts " + list_text(starts) +
                                              ", ends " + list_text(ends) + ", axes " +
                                              list_text(axes) + " and steps " + list_text(steps) +
                                              " must have the same length");
  }
  std::vector<kernels::AxisSlice> slices(rank);
  for (int64_t d = 0; d < rank; ++d) slices[d] = {0, 1, input[d]};
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t axis = checked_axis(node, axes[i], rank, "axis");
    if (seen[axis]) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": axis " + std::to_string(axes[i]) +
                                                " appears twice in axes " + list_text(axes));
    }
    seen[axis] = true;
    if (steps[i] == 0) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": step for axis " + std::to_string(axes[i]) + " is 0");
    }
    slices[axis] = kernels::resolve_slice(starts[i], ends[i], steps[i], input[axis]);
  }
  return slices;
}

void check_gather_inputs(const Node& node, const Tensor& data, const Tensor& indices) {
  if (indices.dtype() != DataType::kInt64 && indices.dtype() != DataType::kInt32) {
    throw_error(ErrorCode::kRuntimeError, node.describe() +
                                              ": indices must be int32 or int64, got " +
                                              std::string(data_type_name(indices.dtype())));
  }
  if (data.rank() == 0) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": data must have rank >= 1");
  }
}

void check_gather_indices(const Node& node, const std::vector<int64_t>& indices,
                          const Shape& indices_shape, const Shape& data, int64_t axis) {
  const int64_t dim = data[axis];
  for (size_t i = 0; i < indices.size(); ++i) {
    const int64_t idx = indices[i];
    if (idx < -dim || idx >= dim) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": index " + std::to_string(idx) + " (flat position " +
                      std::to_string(i) + " of indices " + indices_shape.to_string() +
                      ") is out of range [" + std::to_string(-dim) + ", " +
                      std::to_string(dim - 1) + "] for axis " + std::to_string(axis) +
                      " of data shape " + data.to_string());
    }
  }
}

std::vector<int64_t> gather_output_dims(const Shape& data, const Shape& indices, int64_t axis) {
  std::vector<int64_t> dims(data.dims().begin(), data.dims().begin() + axis);
  for (int64_t d : indices.dims()) dims.push_back(d);
  for (size_t d = static_cast<size_t>(axis) + 1; d < data.rank(); ++d) dims.push_back(data[d]);
  return dims;
}

PadMode read_pad_mode(const Node& node, int64_t opset) {
  const std::string mode = node.attr_string("mode", "constant");
  if (mode == "constant") return PadMode::kConstant;
  if (mode == "reflect") return PadMode::kReflect;
  if (mode == "edge") return PadMode::kEdge;
  if (mode == "wrap" && opset >= 19) return PadMode::kWrap;
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": mode '" + mode +
                                            "' is not supported at opset " + std::to_string(opset) +
                                            " (constant, reflect, edge" +
                                            (opset >= 19 ? ", wrap" : "") + ")");
}

std::vector<PadAxis> pad_plan(const Node& node, const Shape& input, PadMode mode,
                              const std::vector<int64_t>& pads, const std::vector<int64_t>* axes) {
  const int64_t rank = static_cast<int64_t>(input.rank());
  std::vector<int64_t> padded;
  if (axes != nullptr) {
    for (int64_t a : *axes) padded.push_back(checked_axis(node, a, rank, "axis"));
  } else {
    for (int64_t d = 0; d < rank; ++d) padded.push_back(d);
  }
  const size_t num_axes = padded.size();
  if (pads.size() != 2 * num_axes) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": pads " + list_text(pads) + " should have " +
                    std::to_string(2 * num_axes) + " values (begin and end for " +
                    std::to_string(num_axes) + " axes of input shape " + input.to_string() + ")");
  }
  std::vector<int64_t> begin(rank, 0), end(rank, 0);
  for (size_t i = 0; i < num_axes; ++i) {
    begin[padded[i]] = pads[i];
    end[padded[i]] = pads[num_axes + i];
  }
  std::vector<PadAxis> plan(rank);
  for (int64_t d = 0; d < rank; ++d) {
    PadAxis& a = plan[d];
    a.crop_begin = std::max<int64_t>(0, -begin[d]);
    a.kept = input[d] - a.crop_begin - std::max<int64_t>(0, -end[d]);
    a.pad_begin = std::max<int64_t>(0, begin[d]);
    a.pad_end = std::max<int64_t>(0, end[d]);
    if (a.kept < 0) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": pads " + list_text(pads) +
                                                " crop more than the " + std::to_string(input[d]) +
                                                " elements of axis " + std::to_string(d));
    }
    if (a.kept == 0 && mode != PadMode::kConstant && a.pad_begin + a.pad_end > 0) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": cannot pad empty axis " +
                                                std::to_string(d) + " of input shape " +
                                                input.to_string() + " in a non-constant mode");
    }
  }
  return plan;
}

Shape expand_shape(const Node& node, const Shape& input, const std::vector<int64_t>& requested) {
  for (int64_t d : requested) {
    if (d < 0) {
      throw_error(ErrorCode::kRuntimeError, node.describe() + ": shape " + list_text(requested) +
                                                " has a negative dimension");
    }
  }
  const std::optional<Shape> out_shape = kernels::broadcast_shapes(input, Shape(requested));
  if (!out_shape) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": input shape " + input.to_string() +
                                              " cannot be broadcast to shape " +
                                              list_text(requested));
  }
  return *out_shape;
}

void check_tile_repeats(const Node& node, const Shape& input, const std::vector<int64_t>& repeats) {
  bool valid = repeats.size() == input.rank();
  for (size_t d = 0; valid && d < repeats.size(); ++d) {
    // A product beyond int64 could wrap to a small positive size and the copy overrun it.
    const int64_t dim = input[d];
    valid = repeats[d] >= 0 && (dim == 0 || repeats[d] <= INT64_MAX / dim);
  }
  if (!valid) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": repeats " + list_text(repeats) + " must hold " +
                    std::to_string(input.rank()) +
                    " non-negative values whose products with input shape " + input.to_string() +
                    " fit in int64");
  }
}

int64_t read_blocksize(const Node& node) {
  const int64_t b = node.attr_int("blocksize");
  if (b < 1) {
    throw_error(ErrorCode::kInvalidModel,
                node.describe() + ": blocksize must be positive, got " + std::to_string(b));
  }
  return b;
}

bool depth_to_space_is_crd(const Node& node, int64_t opset) {
  const std::string mode = opset >= 11 ? node.attr_string("mode", "DCR") : "DCR";
  if (mode != "DCR" && mode != "CRD") {
    throw_error(ErrorCode::kInvalidModel,
                node.describe() + ": mode '" + mode + "' is not DCR or CRD");
  }
  return mode == "CRD";
}

Shape depth_to_space_shape(const Node& node, const Shape& input, int64_t blocksize) {
  check_4d(node, input);
  const int64_t b = blocksize;
  const int64_t c = input[1];
  // Two divisions rather than c % (b * b), which could overflow for an absurd blocksize.
  if (c % b != 0 || (c / b) % b != 0) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": channels " + std::to_string(c) +
                                              " of input shape " + input.to_string() +
                                              " are not divisible by blocksize^2 (blocksize " +
                                              std::to_string(b) + ")");
  }
  return Shape{input[0], c / b / b, input[2] * b, input[3] * b};
}

Shape space_to_depth_shape(const Node& node, const Shape& input, int64_t blocksize) {
  check_4d(node, input);
  const int64_t b = blocksize;
  if (input[2] % b != 0 || input[3] % b != 0) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": spatial dims of input shape " + input.to_string() +
                    " are not divisible by blocksize " + std::to_string(b));
  }
  return Shape{input[0], input[1] * b * b, input[2] / b, input[3] / b};
}

ResizeAttributes read_resize_attributes(const Node& node, int64_t opset) {
  using kernels::CoordinateTransform;
  using kernels::NearestRounding;
  using kernels::ResizeMode;
  ResizeAttributes a;
  kernels::ResizeOptions& options = a.options;
  const std::string mode = node.attr_string("mode", "nearest");
  if (mode == "nearest") {
    options.mode = ResizeMode::kNearest;
  } else if (mode == "linear" || (opset == 10 && mode == "bilinear")) {
    options.mode = ResizeMode::kLinear;
  } else if (mode == "cubic" && opset >= 11) {
    options.mode = ResizeMode::kCubic;
  } else {
    bad_attribute(node, "mode", mode,
                  opset >= 11 ? "nearest, linear or cubic" : "nearest or linear");
  }

  if (opset == 10) {
    options.transform = CoordinateTransform::kAsymmetric;
    options.rounding = NearestRounding::kSimple;
  } else {
    const std::string transform = node.attr_string("coordinate_transformation_mode", "half_pixel");
    if (transform == "half_pixel") {
      options.transform = CoordinateTransform::kHalfPixel;
    } else if (transform == "half_pixel_symmetric") {
      options.transform = CoordinateTransform::kHalfPixelSymmetric;
    } else if (transform == "pytorch_half_pixel") {
      options.transform = CoordinateTransform::kPytorchHalfPixel;
    } else if (transform == "align_corners") {
      options.transform = CoordinateTransform::kAlignCorners;
    } else if (transform == "asymmetric") {
      options.transform = CoordinateTransform::kAsymmetric;
    } else if (transform == "tf_half_pixel_for_nn") {
      options.transform = CoordinateTransform::kTfHalfPixelForNn;
    } else if (transform == "tf_crop_and_resize") {
      options.transform = CoordinateTransform::kTfCropAndResize;
    } else {
      bad_attribute(node, "coordinate_transformation_mode", transform,
                    "half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, "
                    "asymmetric, tf_half_pixel_for_nn or tf_crop_and_resize");
    }
    const std::string rounding = node.attr_string("nearest_mode", "round_prefer_floor");
    if (rounding == "round_prefer_floor") {
      options.rounding = NearestRounding::kRoundPreferFloor;
    } else if (rounding == "round_prefer_ceil") {
      options.rounding = NearestRounding::kRoundPreferCeil;
    } else if (rounding == "floor") {
      options.rounding = NearestRounding::kFloor;
    } else if (rounding == "ceil") {
      options.rounding = NearestRounding::kCeil;
    } else {
      bad_attribute(node, "nearest_mode", rounding,
                    "round_prefer_floor, round_prefer_ceil, floor or ceil");
    }
    options.cubic_coeff_a = node.attr_float("cubic_coeff_a", -0.75f);
    options.exclude_outside = node.attr_int("exclude_outside", 0) != 0;
    a.extrapolation_value = node.attr_float("extrapolation_value", 0.0f);
  }
  if (opset >= 18) {
    options.antialias = node.attr_int("antialias", 0) != 0 && options.mode != ResizeMode::kNearest;
    a.axes = node.attr_ints("axes", {});
    const std::string policy = node.attr_string("keep_aspect_ratio_policy", "stretch");
    if (policy == "stretch") {
      a.policy = AspectPolicy::kStretch;
    } else if (policy == "not_larger") {
      a.policy = AspectPolicy::kNotLarger;
    } else if (policy == "not_smaller") {
      a.policy = AspectPolicy::kNotSmaller;
    } else {
      bad_attribute(node, "keep_aspect_ratio_policy", policy, "stretch, not_larger or not_smaller");
    }
  }
  return a;
}

std::vector<size_t> resize_axes(const Node& node, const Shape& input,
                                const std::vector<int64_t>& axes) {
  const int64_t rank = static_cast<int64_t>(input.rank());
  std::vector<size_t> resized;
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d) resized.push_back(static_cast<size_t>(d));
    return resized;
  }
  std::vector<bool> seen(input.rank(), false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axes " + list_text(axes) +
                                                   " are out of range for input of shape " +
                                                   input.to_string());
    }
    const size_t d = static_cast<size_t>(a < 0 ? a + rank : a);
    if (seen[d]) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axes " + list_text(axes) +
                                                   " repeat axis " + std::to_string(d));
    }
    seen[d] = true;
    resized.push_back(d);
  }
  return resized;
}

bool resize_by_scales(const Node& node, const Tensor* scales, const Tensor* sizes) {
  auto present = [](const Tensor* t) { return t != nullptr && t->num_elements() > 0; };
  if (present(scales) == present(sizes)) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": exactly one of scales and sizes must be given (non-empty)");
  }
  return present(scales);
}

void check_resize_source(const Node& node, const Shape& input, const Shape& output) {
  if (input.num_elements() == 0 && output.num_elements() > 0) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": cannot resize the empty input " +
                                                 input.to_string() + " to " + output.to_string());
  }
}

std::vector<kernels::ResizeAxis> resize_from_scales(const Node& node, const Shape& input,
                                                    const std::vector<size_t>& axes,
                                                    const std::vector<double>& scales) {
  std::vector<kernels::ResizeAxis> params = unresized(input);
  const size_t n_axes = axes.size();
  if (scales.size() != n_axes) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": scales has " +
                                                 std::to_string(scales.size()) +
                                                 " values, expected " + std::to_string(n_axes));
  }
  for (size_t i = 0; i < n_axes; ++i) {
    const double s = scales[i];
    if (!(s > 0) || !std::isfinite(s)) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": scales[" + std::to_string(i) +
                                                   "] = " + std::to_string(s) +
                                                   " must be positive");
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
  return params;
}

std::vector<kernels::ResizeAxis> resize_from_sizes(const Node& node, const Shape& input,
                                                   const std::vector<size_t>& axes,
                                                   AspectPolicy policy, const Tensor& sizes) {
  std::vector<kernels::ResizeAxis> params = unresized(input);
  const size_t n_axes = axes.size();
  if (sizes.dtype() != DataType::kInt64) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": sizes must be int64, got " +
                                                 std::string(data_type_name(sizes.dtype())));
  }
  const std::vector<int64_t> values = sizes.to_int64_vector();
  if (values.size() != n_axes) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": sizes has " +
                                                 std::to_string(values.size()) +
                                                 " values, expected " + std::to_string(n_axes));
  }
  for (size_t i = 0; i < n_axes; ++i) {
    if (values[i] < 0 || (values[i] > 0 && input[axes[i]] == 0)) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": sizes " + list_text(values) +
                                                   " cannot be produced from input of shape " +
                                                   input.to_string());
    }
  }
  if (policy == AspectPolicy::kStretch) {
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
        policy == AspectPolicy::kNotLarger ? std::numeric_limits<double>::infinity() : 0.0;
    for (size_t i = 0; i < n_axes; ++i) {
      const double r = static_cast<double>(values[i]) /
                       static_cast<double>(std::max<int64_t>(input[axes[i]], 1));
      scale = policy == AspectPolicy::kNotLarger ? std::min(scale, r) : std::max(scale, r);
    }
    for (size_t i = 0; i < n_axes; ++i) {
      kernels::ResizeAxis& p = params[axes[i]];
      p.scale = scale;
      p.output_size = static_cast<int64_t>(
          std::floor(scale * static_cast<double>(p.input_size) + 0.5));  // round half up
    }
  }
  for (const kernels::ResizeAxis& p : params) {
    if (p.output_size > 0 && !(p.scale > 0)) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": sizes " + list_text(values) +
                                                   " give a zero scale for input of shape " +
                                                   input.to_string());
    }
  }
  return params;
}

const Tensor* host_input(const KernelContext& ctx, size_t i, const char* what) {
  const Tensor* t = ctx.input(i);
  if (t != nullptr && !t->device().is_cpu()) {
    throw_error(ErrorCode::kRuntimeError, ctx.node().describe() + ": input " + std::to_string(i) + " (" + what +
                                              ") is in " + t->device().to_string() +
                                              " memory, the kernel reads it on the host");
  }
  return t;
}

std::optional<std::vector<int64_t>> host_ints(const KernelContext& ctx, size_t i, const char* what) {
  const Tensor* t = host_input(ctx, i, what);
  if (t == nullptr) return std::nullopt;
  return int_list_values(ctx.node(), *t, i, what);
}

std::vector<int64_t> required_host_ints(const KernelContext& ctx, size_t i, const char* what) {
  ctx.required_input(i);
  return *host_ints(ctx, i, what);
}

AxesSource::AxesSource(const KernelInfo& info) : from_input_(info.opset() >= 13) {
  if (!from_input_) attr_axes_ = info.node().attr_ints("axes", {});
}

std::vector<int64_t> AxesSource::axes(const KernelContext& ctx) const {
  if (!from_input_) return attr_axes_;
  return host_ints(ctx, 1, "axes").value_or(std::vector<int64_t>{});
}

}  // namespace aruntime::movement
