// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger, ConvInteger,
// QLinearMatMul and QLinearConv on kernels/quantize.h, kernels/gemm.h and kernels/conv.h.
//
// Integer products accumulate in int32 (the spec allows 32-bit wrap-around). The convolutions run
// the double-precision conv kernel on zero-point-shifted operands, which is exact: every shifted
// value is at most 255 in magnitude, so products and their sums stay integers far below 2^53.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "aruntime/float4.h"
#include "aruntime/float8.h"
#include "kernels/broadcast.h"
#include "kernels/conv.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "kernels/quantize.h"
#include "providers/cpu/ops/nn_common.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

using kernels::QuantizationLayout;
using kernels::RoundingPrecision;

const std::vector<DataType> kEightBit = {DataType::kInt8, DataType::kUInt8};
const std::vector<DataType> kEightAndSixteenBit = {DataType::kInt8, DataType::kUInt8,
                                                   DataType::kInt16, DataType::kUInt16};
const std::vector<DataType> kFloat8Types = {DataType::kFloat8E4M3FN, DataType::kFloat8E4M3FNUZ,
                                            DataType::kFloat8E5M2, DataType::kFloat8E5M2FNUZ};

std::vector<DataType> with_float8(std::vector<DataType> types) {
  types.insert(types.end(), kFloat8Types.begin(), kFloat8Types.end());
  return types;
}
// The 4-bit quantized types: int4 and uint4 from opset 21, float4e2m1 from opset 23.
std::vector<DataType> with_4bit(std::vector<DataType> types, int64_t opset) {
  if (opset >= 21) types.insert(types.end(), {DataType::kInt4, DataType::kUInt4});
  if (opset >= 23) types.push_back(DataType::kFloat4E2M1);
  return types;
}
const std::vector<DataType> kScaleTypes = {DataType::kFloat32, DataType::kFloat16,
                                           DataType::kBFloat16};
const std::vector<DataType> kQuantizeInputTypes = {DataType::kFloat32, DataType::kFloat16,
                                                   DataType::kBFloat16, DataType::kInt32};

std::string type_name(DataType type) {
  return std::string(data_type_name(type));
}

bool contains(const std::vector<DataType>& types, DataType type) {
  return std::find(types.begin(), types.end(), type) != types.end();
}

[[noreturn]] void unsupported_type(const Node& node, const std::string& what, DataType type) {
  throw_error(ErrorCode::kNotImplemented, node.describe() + ": " + what + " has type " +
                                              type_name(type) +
                                              ", which this kernel does not support");
}

// Calls f(T{}) for the integer element types of quantized tensors (and int32 when kWithInt32).
template <bool kWithInt32, typename F>
void dispatch_quantized(const Node& node, DataType type, const std::string& what, F&& f) {
  switch (type) {
    case DataType::kInt8:
      return f(int8_t{});
    case DataType::kUInt8:
      return f(uint8_t{});
    case DataType::kInt16:
      return f(int16_t{});
    case DataType::kUInt16:
      return f(uint16_t{});
    case DataType::kInt4:
      return f(Int4{});
    case DataType::kUInt4:
      return f(UInt4{});
    case DataType::kInt32:
      if constexpr (kWithInt32) return f(int32_t{});
      break;
    default:
      break;
  }
  unsupported_type(node, what, type);
}

// Calls f(T{}) for float32, float16 and bfloat16 (and int32 when kWithInt32).
template <bool kWithInt32, typename F>
void dispatch_real(const Node& node, DataType type, const std::string& what, F&& f) {
  switch (type) {
    case DataType::kFloat32:
      return f(float{});
    case DataType::kFloat16:
      return f(Float16{});
    case DataType::kBFloat16:
      return f(BFloat16{});
    case DataType::kInt32:
      if constexpr (kWithInt32) return f(int32_t{});
      break;
    default:
      break;
  }
  unsupported_type(node, what, type);
}

template <typename F>
void dispatch_eight_bit(const Node& node, DataType type, const std::string& what, F&& f) {
  switch (type) {
    case DataType::kInt8:
      return f(int8_t{});
    case DataType::kUInt8:
      return f(uint8_t{});
    default:
      unsupported_type(node, what, type);
  }
}

RoundingPrecision precision_of(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return RoundingPrecision::kFloat32;
    case DataType::kFloat16:
      return RoundingPrecision::kFloat16;
    case DataType::kBFloat16:
      return RoundingPrecision::kBFloat16;
    default:
      return RoundingPrecision::kFloat64;
  }
}

void check_same_type(const Node& node, const Tensor& expected, const std::string& expected_name,
                     const Tensor* actual, const std::string& actual_name) {
  if (actual != nullptr && actual->dtype() != expected.dtype()) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": " + actual_name + " has type " + type_name(actual->dtype()) +
                    ", expected " + type_name(expected.dtype()) + " like " + expected_name);
  }
}

void check_scalar(const Node& node, const Tensor* t, const std::string& name) {
  if (t != nullptr && t->num_elements() != 1) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": " + name + " has shape " +
                                                 t->shape().to_string() +
                                                 ", expected a scalar (one element)");
  }
}

// The float values of a float8 zero point, or an empty vector when there is none.
std::vector<float> float8_zero_point_values(const Tensor* zero_point) {
  std::vector<float> values;
  if (zero_point == nullptr) return values;
  const Float8Format format = float8_format(zero_point->dtype());
  const auto* bits = static_cast<const uint8_t*>(zero_point->raw_data());
  values.reserve(static_cast<size_t>(zero_point->num_elements()));
  for (int64_t i = 0; i < zero_point->num_elements(); ++i) {
    values.push_back(float8_bits_to_float(bits[i], format));
  }
  return values;
}

// The float values of a float4e2m1 zero point, or an empty vector when there is none.
std::vector<float> float4_zero_point_values(const Tensor* zero_point) {
  std::vector<float> values;
  if (zero_point == nullptr) return values;
  const auto* codes = static_cast<const uint8_t*>(zero_point->raw_data());
  values.reserve(static_cast<size_t>(zero_point->num_elements()));
  for (int64_t i = 0; i < zero_point->num_elements(); ++i) {
    values.push_back(float4e2m1_bits_to_float(codes[i]));
  }
  return values;
}

std::vector<int32_t> zero_point_values(const Tensor* zero_point, size_t count_if_absent) {
  if (zero_point == nullptr) return std::vector<int32_t>(count_if_absent, 0);
  const std::vector<int64_t> values = zero_point->to_int64_vector();
  return std::vector<int32_t>(values.begin(), values.end());
}

DataType onnx_type_attribute(const Node& node, const char* name, int64_t value,
                             const std::vector<DataType>& allowed) {
  const DataType type = data_type_from_onnx(static_cast<int32_t>(value));
  if (type == DataType::kUndefined || !contains(allowed, type)) {
    std::string list;
    for (DataType t : allowed) list += (list.empty() ? "" : ", ") + type_name(t);
    throw_error(ErrorCode::kNotImplemented, node.describe() + ": attribute " + name + " is " +
                                                std::to_string(value) +
                                                ", expected the ONNX type code of one of: " + list);
  }
  return type;
}

// Where each scale and zero point of Quantize/DequantizeLinear applies, from their shape (scalar:
// per tensor; 1-D: per axis; rank of x with block_size: blocked) checked against x.
QuantizationLayout resolve_layout(const Node& node, const Shape& x, const Tensor& scale,
                                  const Tensor* zero_point, const std::string& scale_name,
                                  int64_t axis, int64_t block_size, int64_t opset) {
  if (zero_point != nullptr && zero_point->shape() != scale.shape() &&
      !(zero_point->num_elements() == 1 && scale.num_elements() == 1)) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": zero point has shape " + zero_point->shape().to_string() +
                    ", expected the shape " + scale.shape().to_string() + " of " + scale_name);
  }
  QuantizationLayout layout;
  if (scale.num_elements() == 1 && (scale.rank() <= 1 || block_size > 0)) {
    layout.axis_dim = x.num_elements();  // one row per element, so parallel_for can split them
    return layout;
  }
  if (opset < 13) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": " + scale_name + " has shape " +
                                                 scale.shape().to_string() +
                                                 ", expected a scalar before opset 13");
  }
  const auto rank = static_cast<int64_t>(x.rank());
  if (axis < -rank || axis >= rank) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": attribute axis " + std::to_string(axis) +
                    " is out of range for x of shape " + x.to_string() + " with " + scale_name +
                    " of shape " + scale.shape().to_string());
  }
  const auto a = static_cast<size_t>(axis < 0 ? axis + rank : axis);
  layout.outer = x.size_from_to(0, a);
  layout.axis_dim = x[a];
  layout.inner = x.size_from_to(a + 1, x.rank());
  if (block_size <= 0) {
    if (scale.rank() != 1 || scale.shape()[0] != layout.axis_dim) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": " + scale_name + " has shape " + scale.shape().to_string() +
                      ", expected a scalar or [" + std::to_string(layout.axis_dim) + "] (axis " +
                      std::to_string(a) + " of x " + x.to_string() + ")");
    }
    layout.granularity = QuantizationLayout::Granularity::kPerAxis;
    return layout;
  }
  std::vector<int64_t> expected = x.dims();
  expected[a] = (layout.axis_dim + block_size - 1) / block_size;
  if (scale.shape().dims() != expected) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": " + scale_name + " has shape " + scale.shape().to_string() +
                    ", expected " + Shape(expected).to_string() +
                    " for blocked quantization of x " + x.to_string() + " along axis " +
                    std::to_string(a) + " with block_size " + std::to_string(block_size));
  }
  layout.granularity = QuantizationLayout::Granularity::kBlocked;
  layout.block_size = block_size;
  layout.scale_axis_dim = expected[a];
  return layout;
}

class QuantizeLinear final : public OpKernel {
 public:
  explicit QuantizeLinear(const KernelInfo& info) : opset_(info.opset()) {
    const Node& node = info.node();
    if (opset_ >= 13) axis_ = node.attr_int("axis", 1);
    if (opset_ >= 19) {
      const int64_t saturate = node.attr_int("saturate", 1);
      if (saturate != 0 && saturate != 1) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute saturate is " +
                                                  std::to_string(saturate) + ", expected 0 or 1");
      }
      saturate_ = saturate == 1;
    }
    if (opset_ >= 21) {
      block_size_ = node.attr_int("block_size", 0);
      if (block_size_ < 0) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute block_size is " +
                                                  std::to_string(block_size_) +
                                                  ", expected a positive size (or 0 for none)");
      }
      if (const int64_t code = node.attr_int("output_dtype", 0); code != 0) {
        output_type_ = onnx_type_attribute(node, "output_dtype", code,
                                           with_4bit(with_float8(kEightAndSixteenBit), opset_));
      }
    }
    if (opset_ >= 23) {
      if (const int64_t code = node.attr_int("precision", 0); code != 0) {
        precision_ =
            precision_of(onnx_type_attribute(node, "precision", code, kQuantizeInputTypes));
        has_precision_ = true;
      }
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& scale = ctx.required_input(1);
    const Tensor* zero_point = ctx.input(2);
    DataType out_type = output_type_ != DataType::kUndefined ? output_type_ : DataType::kUInt8;
    if (zero_point != nullptr) {
      if (output_type_ != DataType::kUndefined && zero_point->dtype() != output_type_) {
        throw_error(ErrorCode::kInvalidModel,
                    node.describe() + ": y_zero_point has type " + type_name(zero_point->dtype()) +
                        " but attribute output_dtype asks for " + type_name(output_type_));
      }
      out_type = zero_point->dtype();
    }
    const QuantizationLayout layout =
        resolve_layout(node, x.shape(), scale, zero_point, "y_scale", axis_, block_size_, opset_);
    const std::vector<double> scales = tensor_to_doubles(scale);
    const RoundingPrecision precision = has_precision_ ? precision_ : precision_of(scale.dtype());
    if (is_float8(out_type)) {
      const std::vector<float> zero_points = float8_zero_point_values(zero_point);
      Tensor& y = ctx.allocate_output(0, x.shape(), out_type);
      if (y.num_elements() == 0) return;
      dispatch_real<true>(node, x.dtype(), "input x", [&](auto x_tag) {
        using X = decltype(x_tag);
        kernels::quantize_linear_float8<X>(
            layout, x.data<X>(), scales.data(), zero_points.empty() ? nullptr : zero_points.data(),
            precision, float8_format(out_type), saturate_, static_cast<uint8_t*>(y.raw_data()));
      });
      return;
    }
    if (out_type == DataType::kFloat4E2M1) {
      const std::vector<float> zero_points = float4_zero_point_values(zero_point);
      Tensor& y = ctx.allocate_output(0, x.shape(), out_type);
      if (y.num_elements() == 0) return;
      dispatch_real<true>(node, x.dtype(), "input x", [&](auto x_tag) {
        using X = decltype(x_tag);
        kernels::quantize_linear_float4e2m1<X>(layout, x.data<X>(), scales.data(),
                                               zero_points.empty() ? nullptr : zero_points.data(),
                                               precision, static_cast<uint8_t*>(y.raw_data()));
      });
      return;
    }
    const std::vector<int32_t> zero_points = zero_point_values(zero_point, scales.size());
    Tensor& y = ctx.allocate_output(0, x.shape(), out_type);
    if (y.num_elements() == 0) return;
    dispatch_real<true>(node, x.dtype(), "input x", [&](auto x_tag) {
      using X = decltype(x_tag);
      dispatch_quantized<false>(node, out_type, "output y", [&](auto q_tag) {
        using Q = decltype(q_tag);
        kernels::quantize_linear<X, Q>(layout, x.data<X>(), scales.data(), zero_points.data(),
                                       precision, y.data<Q>());
      });
    });
  }

 private:
  int64_t opset_;
  int64_t axis_ = 1;
  int64_t block_size_ = 0;
  DataType output_type_ = DataType::kUndefined;
  RoundingPrecision precision_ = RoundingPrecision::kFloat32;
  bool has_precision_ = false;
  bool saturate_ = true;  // float8 outputs only
};

class DequantizeLinear final : public OpKernel {
 public:
  explicit DequantizeLinear(const KernelInfo& info) : opset_(info.opset()) {
    const Node& node = info.node();
    if (opset_ >= 13) axis_ = node.attr_int("axis", 1);
    if (opset_ >= 21) {
      block_size_ = node.attr_int("block_size", 0);
      if (block_size_ < 0) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute block_size is " +
                                                  std::to_string(block_size_) +
                                                  ", expected a positive size (or 0 for none)");
      }
    }
    if (opset_ >= 23) {
      if (const int64_t code = node.attr_int("output_dtype", 0); code != 0) {
        output_type_ = onnx_type_attribute(node, "output_dtype", code, kScaleTypes);
      }
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& scale = ctx.required_input(1);
    const Tensor* zero_point = ctx.input(2);
    check_same_type(node, x, "x", zero_point, "x_zero_point");
    const DataType out_type = output_type_ != DataType::kUndefined ? output_type_ : scale.dtype();
    const QuantizationLayout layout =
        resolve_layout(node, x.shape(), scale, zero_point, "x_scale", axis_, block_size_, opset_);
    const std::vector<double> scales = tensor_to_doubles(scale);
    if (is_float8(x.dtype())) {
      const std::vector<float> zero_points = float8_zero_point_values(zero_point);
      Tensor& y = ctx.allocate_output(0, x.shape(), out_type);
      if (y.num_elements() == 0) return;
      dispatch_real<false>(node, out_type, "output y", [&](auto y_tag) {
        using Y = decltype(y_tag);
        kernels::dequantize_linear_float8<Y>(
            layout, static_cast<const uint8_t*>(x.raw_data()), float8_format(x.dtype()),
            scales.data(), zero_points.empty() ? nullptr : zero_points.data(), y.data<Y>());
      });
      return;
    }
    if (x.dtype() == DataType::kFloat4E2M1) {
      const std::vector<float> zero_points = float4_zero_point_values(zero_point);
      Tensor& y = ctx.allocate_output(0, x.shape(), out_type);
      if (y.num_elements() == 0) return;
      dispatch_real<false>(node, out_type, "output y", [&](auto y_tag) {
        using Y = decltype(y_tag);
        kernels::dequantize_linear_float4e2m1<Y>(
            layout, static_cast<const uint8_t*>(x.raw_data()), scales.data(),
            zero_points.empty() ? nullptr : zero_points.data(), y.data<Y>());
      });
      return;
    }
    const std::vector<int32_t> zero_points = zero_point_values(zero_point, scales.size());
    Tensor& y = ctx.allocate_output(0, x.shape(), out_type);
    if (y.num_elements() == 0) return;
    dispatch_quantized<true>(node, x.dtype(), "input x", [&](auto q_tag) {
      using Q = decltype(q_tag);
      dispatch_real<false>(node, out_type, "output y", [&](auto y_tag) {
        using Y = decltype(y_tag);
        kernels::dequantize_linear<Q, Y>(layout, x.data<Q>(), scales.data(), zero_points.data(),
                                         y.data<Y>());
      });
    });
  }

 private:
  int64_t opset_;
  int64_t axis_ = 1;
  int64_t block_size_ = 0;
  DataType output_type_ = DataType::kUndefined;
};

class DynamicQuantizeLinear final : public OpKernel {
 public:
  explicit DynamicQuantizeLinear(const KernelInfo& info) { (void)info; }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    if (x.dtype() != DataType::kFloat32) unsupported_type(node, "input x", x.dtype());
    Tensor& y = ctx.allocate_output(0, x.shape(), DataType::kUInt8);
    const kernels::DynamicQuantization q =
        kernels::dynamic_quantize_uint8(x.data<float>(), x.num_elements(), y.data<uint8_t>());
    if (ctx.output_requested(1)) {
      ctx.allocate_output(1, Shape{}, DataType::kFloat32).data<float>()[0] = q.scale;
    }
    if (ctx.output_requested(2)) {
      ctx.allocate_output(2, Shape{}, DataType::kUInt8).data<uint8_t>()[0] = q.zero_point;
    }
  }
};

// numpy.matmul geometry of A [..., M, K] x B [..., K, N], batch dimensions broadcast.
struct MatMulGeometry {
  std::vector<int64_t> a_dims, b_dims;  // 1-D operands promoted to [1, K] and [K, 1]
  int64_t m = 0, k = 0, n = 0;
  std::vector<int64_t> batch;               // batch dims of the output
  std::vector<int64_t> a_stride, b_stride;  // per batch dim, in matrices; 0 where broadcast
  std::vector<int64_t> out_dims;
  int64_t batches = 1;
  int64_t a_matrices = 1, b_matrices = 1;

  // The A and B matrices that output matrix `index` multiplies.
  void operands(int64_t index, int64_t* a_matrix, int64_t* b_matrix) const {
    *a_matrix = 0;
    *b_matrix = 0;
    for (size_t i = batch.size(); i-- > 0;) {
      const int64_t coord = index % batch[i];
      index /= batch[i];
      *a_matrix += coord * a_stride[i];
      *b_matrix += coord * b_stride[i];
    }
  }
};

MatMulGeometry plan_matmul(const Node& node, const Shape& a, const Shape& b) {
  if (a.rank() == 0 || b.rank() == 0) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() +
                                                 ": matrix inputs must have rank >= 1, got " +
                                                 a.to_string() + " and " + b.to_string());
  }
  MatMulGeometry g;
  g.a_dims = a.dims();
  g.b_dims = b.dims();
  const bool a_vector = g.a_dims.size() == 1, b_vector = g.b_dims.size() == 1;
  if (a_vector) g.a_dims.insert(g.a_dims.begin(), 1);
  if (b_vector) g.b_dims.push_back(1);
  g.m = g.a_dims[g.a_dims.size() - 2];
  g.k = g.a_dims.back();
  g.n = g.b_dims.back();
  if (g.b_dims[g.b_dims.size() - 2] != g.k) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": inner dimensions differ: A " +
                                                 a.to_string() + " x B " + b.to_string());
  }
  const size_t a_batch_rank = g.a_dims.size() - 2, b_batch_rank = g.b_dims.size() - 2;
  const size_t batch_rank = std::max(a_batch_rank, b_batch_rank);
  g.batch.assign(batch_rank, 1);
  g.a_stride.assign(batch_rank, 0);
  g.b_stride.assign(batch_rank, 0);
  for (size_t i = batch_rank; i-- > 0;) {
    const size_t from_end = batch_rank - i;
    const int64_t da = from_end <= a_batch_rank ? g.a_dims[a_batch_rank - from_end] : 1;
    const int64_t db = from_end <= b_batch_rank ? g.b_dims[b_batch_rank - from_end] : 1;
    if (da != db && da != 1 && db != 1) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": batch dimensions of " +
                                                   a.to_string() + " and " + b.to_string() +
                                                   " do not broadcast");
    }
    g.batch[i] = da == 1 ? db : da;
    if (da != 1) g.a_stride[i] = g.a_matrices;
    if (db != 1) g.b_stride[i] = g.b_matrices;
    g.a_matrices *= da;
    g.b_matrices *= db;
  }
  for (int64_t d : g.batch) g.batches *= d;
  g.out_dims = g.batch;
  if (!a_vector) g.out_dims.push_back(g.m);
  if (!b_vector) g.out_dims.push_back(g.n);
  return g;
}

// A per-tensor, per-row (of A) or per-column (of B) parameter expanded to one value per row of
// every A matrix, or per column of every B matrix. `operand_dims` are A's (B's) promoted dims and
// `reduced_axis` the one the parameter does not vary along (K: last of A, second to last of B);
// the parameter must broadcast to the operand dims without that axis, which it may keep as 1.
template <typename T>
std::vector<T> expand_matrix_parameter(const Node& node, const std::vector<T>& values,
                                       const Shape& shape, const std::vector<int64_t>& operand_dims,
                                       size_t reduced_axis, const std::string& name) {
  std::vector<int64_t> target = operand_dims;
  target.erase(target.begin() + static_cast<std::ptrdiff_t>(reduced_axis));
  std::vector<int64_t> dims = shape.dims();
  if (dims.size() == operand_dims.size() && dims[reduced_axis] == 1) {
    dims.erase(dims.begin() + static_cast<std::ptrdiff_t>(reduced_axis));
  }
  const Shape from(dims), to(target);
  const auto broadcast = kernels::broadcast_shapes(from, to);
  if (!broadcast || *broadcast != to) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": " + name + " has shape " + shape.to_string() +
                    ", expected a scalar or a shape broadcasting to " + to.to_string());
  }
  std::vector<T> out(static_cast<size_t>(to.num_elements()));
  const kernels::BroadcastPlan plan = kernels::make_broadcast_plan(from, to, to);
  kernels::for_each_broadcast_segment(
      plan, 0, plan.num_elements, [&](int64_t from_off, int64_t, int64_t out_off, int64_t len) {
        for (int64_t j = 0; j < len; ++j)
          out[out_off + j] = values[from_off + j * plan.a_inner_stride];
      });
  return out;
}

// int32 copies of the matrices of `t` ([matrices, rows, cols]) minus their zero points, which
// are given per row (per_row) or per column of every matrix.
Tensor shifted_matrices(KernelContext& ctx, const Tensor& t, int64_t matrices, int64_t rows,
                        int64_t cols, const std::vector<int32_t>& zero_points, bool per_row) {
  Tensor out = ctx.allocate_temp(Shape{matrices * rows * cols}, DataType::kInt32);
  int32_t* dst = out.data<int32_t>();
  dispatch_eight_bit(ctx.node(), t.dtype(), "matrix input", [&](auto tag) {
    using T = decltype(tag);
    const T* src = t.data<T>();
    kernels::parallel_for(matrices * rows, cols, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t matrix = r / rows;
        for (int64_t c = 0; c < cols; ++c) {
          const int32_t zp = per_row ? zero_points[r] : zero_points[matrix * cols + c];
          dst[r * cols + c] = static_cast<int32_t>(src[r * cols + c]) - zp;
        }
      }
    });
  });
  return out;
}

// y (int32, [batches, M, N]) = (A - a_zero_point) x (B - b_zero_point).
void integer_matmul(KernelContext& ctx, const MatMulGeometry& g, const Tensor& a,
                    const Tensor* a_zero_point, const Tensor& b, const Tensor* b_zero_point,
                    int32_t* y) {
  const Node& node = ctx.node();
  if (g.batches * g.m * g.n == 0) return;
  if (g.k == 0) {
    std::fill(y, y + g.batches * g.m * g.n, 0);
    return;
  }
  const std::vector<int32_t> a_zp = expand_matrix_parameter<int32_t>(
      node, zero_point_values(a_zero_point, 1), a_zero_point ? a_zero_point->shape() : Shape{},
      g.a_dims, g.a_dims.size() - 1, "a_zero_point");
  const std::vector<int32_t> b_zp = expand_matrix_parameter<int32_t>(
      node, zero_point_values(b_zero_point, 1), b_zero_point ? b_zero_point->shape() : Shape{},
      g.b_dims, g.b_dims.size() - 2, "b_zero_point");
  const Tensor a32 = shifted_matrices(ctx, a, g.a_matrices, g.m, g.k, a_zp, true);
  const Tensor b32 = shifted_matrices(ctx, b, g.b_matrices, g.k, g.n, b_zp, false);
  const int32_t* pa = a32.data<int32_t>();
  const int32_t* pb = b32.data<int32_t>();
  for (int64_t i = 0; i < g.batches; ++i) {
    int64_t am, bm;
    g.operands(i, &am, &bm);
    kernels::gemm_parallel<int32_t>(false, false, g.m, g.n, g.k, 1, pa + am * g.m * g.k, g.k,
                                    pb + bm * g.k * g.n, g.n, 0, y + i * g.m * g.n, g.n);
  }
}

class MatMulInteger final : public OpKernel {
 public:
  explicit MatMulInteger(const KernelInfo& info) { (void)info; }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    const Tensor* a_zero_point = ctx.input(2);
    const Tensor* b_zero_point = ctx.input(3);
    check_same_type(node, a, "A", a_zero_point, "a_zero_point");
    check_same_type(node, b, "B", b_zero_point, "b_zero_point");
    const MatMulGeometry g = plan_matmul(node, a.shape(), b.shape());
    Tensor& y = ctx.allocate_output(0, Shape(g.out_dims), DataType::kInt32);
    integer_matmul(ctx, g, a, a_zero_point, b, b_zero_point, y.data<int32_t>());
  }
};

class QLinearMatMul final : public OpKernel {
 public:
  explicit QLinearMatMul(const KernelInfo& info) { (void)info; }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& a_scale = ctx.required_input(1);
    const Tensor* a_zero_point = ctx.input(2);
    const Tensor& b = ctx.required_input(3);
    const Tensor& b_scale = ctx.required_input(4);
    const Tensor* b_zero_point = ctx.input(5);
    const Tensor& y_scale = ctx.required_input(6);
    const Tensor* y_zero_point = ctx.input(7);
    check_same_type(node, a, "a", a_zero_point, "a_zero_point");
    check_same_type(node, b, "b", b_zero_point, "b_zero_point");
    check_same_type(node, a_scale, "a_scale", &b_scale, "b_scale");
    check_same_type(node, a_scale, "a_scale", &y_scale, "y_scale");
    check_scalar(node, &y_scale, "y_scale");
    check_scalar(node, y_zero_point, "y_zero_point");
    const DataType out_type = y_zero_point != nullptr ? y_zero_point->dtype() : a.dtype();
    const MatMulGeometry g = plan_matmul(node, a.shape(), b.shape());
    // Scales vary per row of A and per column of B like the zero points, which integer_matmul
    // checks; the output multiplier is a_scale * b_scale / y_scale in the scales' precision.
    const std::vector<double> a_scales =
        expand_matrix_parameter<double>(node, tensor_to_doubles(a_scale), a_scale.shape(), g.a_dims,
                                        g.a_dims.size() - 1, "a_scale");
    const std::vector<double> b_scales =
        expand_matrix_parameter<double>(node, tensor_to_doubles(b_scale), b_scale.shape(), g.b_dims,
                                        g.b_dims.size() - 2, "b_scale");
    const double y_scale_value = tensor_to_doubles(y_scale)[0];
    const int32_t y_zp = zero_point_values(y_zero_point, 1)[0];
    const RoundingPrecision precision = precision_of(a_scale.dtype());

    Tensor& y = ctx.allocate_output(0, Shape(g.out_dims), out_type);
    if (y.num_elements() == 0) return;
    Tensor acc = ctx.allocate_temp(Shape{y.num_elements()}, DataType::kInt32);
    integer_matmul(ctx, g, a, a_zero_point, b, b_zero_point, acc.data<int32_t>());
    dispatch_eight_bit(node, out_type, "output y", [&](auto tag) {
      using Q = decltype(tag);
      const int32_t* pacc = acc.data<int32_t>();
      Q* py = y.data<Q>();
      kernels::parallel_for(g.batches * g.m, g.n * 4, [&](int64_t begin, int64_t end) {
        std::vector<double> multipliers(static_cast<size_t>(g.n));
        for (int64_t row = begin; row < end; ++row) {
          int64_t am, bm;
          g.operands(row / g.m, &am, &bm);
          const double as = a_scales[am * g.m + row % g.m];
          for (int64_t c = 0; c < g.n; ++c) {
            const double product =
                kernels::round_to_precision(as * b_scales[bm * g.n + c], precision);
            multipliers[c] = kernels::round_to_precision(product / y_scale_value, precision);
          }
          kernels::requantize<Q>(pacc + row * g.n, g.n, multipliers.data(), 1, y_zp,
                                 py + row * g.n);
        }
      });
    });
  }
};

// The shared part of ConvInteger and QLinearConv: attributes, shape checks and the exact
// integer convolution.
class IntegerConvBase : public OpKernel {
 protected:
  explicit IntegerConvBase(const KernelInfo& info)
      : attrs_(read_window_attributes(info.node(), false)),
        group_(info.node().attr_int("group", 1)) {
    if (group_ <= 0) {
      throw_error(ErrorCode::kInvalidModel, info.node().describe() + ": attribute group is " +
                                                std::to_string(group_) +
                                                ", expected a positive count");
    }
  }

  kernels::ConvGeometry geometry(const Node& node, const Shape& x, const Shape& w) const {
    if (x.rank() < 3 || x.rank() != w.rank()) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": input x has shape " + x.to_string() + " and weight w " +
                      w.to_string() + "; expected [N, C, D1, ...] and a weight of the same rank");
    }
    const std::vector<int64_t> kernel(w.dims().begin() + 2, w.dims().end());
    if (!attrs_.kernel_shape.empty() && attrs_.kernel_shape != kernel) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": attribute kernel_shape " +
                                                   ints_to_string(attrs_.kernel_shape) +
                                                   " does not match the spatial dims of weight w " +
                                                   w.to_string());
    }
    if (w[0] % group_ != 0 || w[1] * group_ != x[1]) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": weight w " + w.to_string() + " with group " +
                      std::to_string(group_) + " does not fit input x " + x.to_string() +
                      " (expected M divisible by group and C/group input channels)");
    }
    kernels::ConvGeometry g;
    g.batch = x[0];
    g.in_channels = x[1];
    g.out_channels = w[0];
    g.group = group_;
    g.input_spatial.assign(x.dims().begin() + 2, x.dims().end());
    const WindowGeometry window = resolve_window(node, attrs_, g.input_spatial, kernel, false);
    g.output_spatial = window.output;
    g.kernel = window.kernel;
    g.strides = window.strides;
    g.dilations = window.dilations;
    g.pads_begin = window.pads_begin;
    return g;
  }

  static std::vector<int64_t> output_dims(const kernels::ConvGeometry& g) {
    std::vector<int64_t> dims = {g.batch, g.out_channels};
    dims.insert(dims.end(), g.output_spatial.begin(), g.output_spatial.end());
    return dims;
  }

  // y = conv(x - x_zero_point, w - w_zero_point[m]) + bias as int32 with two's complement
  // wrap-around. `w_zero_points` has one value or one per output channel.
  static void integer_conv(KernelContext& ctx, const kernels::ConvGeometry& g, const Tensor& x,
                           int32_t x_zero_point, const Tensor& w,
                           const std::vector<int32_t>& w_zero_points, const Tensor* bias,
                           int32_t* y) {
    const Node& node = ctx.node();
    Tensor xd = ctx.allocate_temp(x.shape(), DataType::kFloat64);
    Tensor wd = ctx.allocate_temp(w.shape(), DataType::kFloat64);
    dispatch_eight_bit(node, x.dtype(), "input x", [&](auto tag) {
      using T = decltype(tag);
      const T* src = x.data<T>();
      double* dst = xd.data<double>();
      for (int64_t i = 0; i < x.num_elements(); ++i) dst[i] = src[i] - x_zero_point;
    });
    dispatch_eight_bit(node, w.dtype(), "weight w", [&](auto tag) {
      using T = decltype(tag);
      const T* src = w.data<T>();
      double* dst = wd.data<double>();
      const int64_t per_channel = w.num_elements() / std::max<int64_t>(g.out_channels, 1);
      for (int64_t i = 0; i < w.num_elements(); ++i) {
        const int32_t zp =
            w_zero_points.size() == 1 ? w_zero_points[0] : w_zero_points[i / per_channel];
        dst[i] = src[i] - zp;
      }
    });
    std::vector<double> bias_values;
    if (bias != nullptr) {
      const int32_t* pb = bias->data<int32_t>();
      bias_values.assign(pb, pb + bias->num_elements());
    }
    const kernels::ConvPlan plan = kernels::plan_conv(g);
    Tensor scratch = ctx.allocate_temp(Shape{plan.scratch_elements}, DataType::kFloat64);
    const int64_t out_elements = Shape(output_dims(g)).num_elements();
    Tensor yd = ctx.allocate_temp(Shape{out_elements}, DataType::kFloat64);
    kernels::conv<double>(g, plan, xd.data<double>(), wd.data<double>(),
                          bias != nullptr ? bias_values.data() : nullptr, yd.data<double>(),
                          scratch.data<double>());
    const double* sums = yd.data<double>();
    for (int64_t i = 0; i < out_elements; ++i) {
      // Exact integer sums; the conversion through uint32 wraps like 32-bit accumulation would.
      y[i] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<int64_t>(sums[i])));
    }
  }

  // Zero points of w: one, or one per output channel.
  static std::vector<int32_t> weight_zero_points(const Node& node, const Tensor* zero_point,
                                                 int64_t out_channels, const std::string& name) {
    if (zero_point != nullptr && zero_point->num_elements() != 1 &&
        (zero_point->rank() != 1 || zero_point->shape()[0] != out_channels)) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": " + name + " has shape " + zero_point->shape().to_string() +
                      ", expected a scalar or [" + std::to_string(out_channels) + "]");
    }
    return zero_point_values(zero_point, 1);
  }

  WindowAttributes attrs_;
  int64_t group_;
};

class ConvInteger final : public IntegerConvBase {
 public:
  explicit ConvInteger(const KernelInfo& info) : IntegerConvBase(info) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& w = ctx.required_input(1);
    const Tensor* x_zero_point = ctx.input(2);
    const Tensor* w_zero_point = ctx.input(3);
    check_same_type(node, x, "x", x_zero_point, "x_zero_point");
    check_same_type(node, w, "w", w_zero_point, "w_zero_point");
    check_scalar(node, x_zero_point, "x_zero_point");
    const kernels::ConvGeometry g = geometry(node, x.shape(), w.shape());
    const std::vector<int32_t> w_zp =
        weight_zero_points(node, w_zero_point, g.out_channels, "w_zero_point");
    Tensor& y = ctx.allocate_output(0, Shape(output_dims(g)), DataType::kInt32);
    if (y.num_elements() == 0) return;
    integer_conv(ctx, g, x, zero_point_values(x_zero_point, 1)[0], w, w_zp, nullptr,
                 y.data<int32_t>());
  }
};

class QLinearConv final : public IntegerConvBase {
 public:
  explicit QLinearConv(const KernelInfo& info) : IntegerConvBase(info) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& x_scale = ctx.required_input(1);
    const Tensor* x_zero_point = ctx.input(2);
    const Tensor& w = ctx.required_input(3);
    const Tensor& w_scale = ctx.required_input(4);
    const Tensor* w_zero_point = ctx.input(5);
    const Tensor& y_scale = ctx.required_input(6);
    const Tensor* y_zero_point = ctx.input(7);
    const Tensor* bias = ctx.input(8);
    check_same_type(node, x, "x", x_zero_point, "x_zero_point");
    check_same_type(node, w, "w", w_zero_point, "w_zero_point");
    check_scalar(node, &x_scale, "x_scale");
    check_scalar(node, x_zero_point, "x_zero_point");
    check_scalar(node, &y_scale, "y_scale");
    check_scalar(node, y_zero_point, "y_zero_point");
    const DataType out_type = y_zero_point != nullptr ? y_zero_point->dtype() : x.dtype();
    const kernels::ConvGeometry g = geometry(node, x.shape(), w.shape());
    const int64_t channels = g.out_channels;
    const std::vector<int32_t> w_zp =
        weight_zero_points(node, w_zero_point, channels, "w_zero_point");
    if (w_scale.num_elements() != 1 && (w_scale.rank() != 1 || w_scale.shape()[0] != channels)) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": w_scale has shape " + w_scale.shape().to_string() +
                      ", expected a scalar or [" + std::to_string(channels) + "]");
    }
    if (bias != nullptr &&
        (bias->dtype() != DataType::kInt32 || bias->rank() != 1 || bias->shape()[0] != channels)) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": bias B is " +
                                                   type_name(bias->dtype()) +
                                                   bias->shape().to_string() + ", expected int32[" +
                                                   std::to_string(channels) + "]");
    }
    // The output multiplier x_scale * w_scale[m] / y_scale, in float32 like the scales.
    const RoundingPrecision precision = precision_of(x_scale.dtype());
    const double xs = tensor_to_doubles(x_scale)[0], ys = tensor_to_doubles(y_scale)[0];
    const std::vector<double> ws = tensor_to_doubles(w_scale);
    std::vector<double> multipliers(static_cast<size_t>(channels));
    for (int64_t m = 0; m < channels; ++m) {
      const double product =
          kernels::round_to_precision(xs * ws[ws.size() == 1 ? 0 : m], precision);
      multipliers[m] = kernels::round_to_precision(product / ys, precision);
    }
    const int32_t y_zp = zero_point_values(y_zero_point, 1)[0];

    Tensor& y = ctx.allocate_output(0, Shape(output_dims(g)), out_type);
    if (y.num_elements() == 0) return;
    Tensor acc = ctx.allocate_temp(Shape{y.num_elements()}, DataType::kInt32);
    integer_conv(ctx, g, x, zero_point_values(x_zero_point, 1)[0], w, w_zp, bias,
                 acc.data<int32_t>());
    const int64_t spatial = y.num_elements() / (g.batch * channels);
    dispatch_eight_bit(node, out_type, "output y", [&](auto tag) {
      using Q = decltype(tag);
      const int32_t* pacc = acc.data<int32_t>();
      Q* py = y.data<Q>();
      kernels::parallel_for(g.batch * channels, spatial * 4, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
          kernels::requantize<Q>(pacc + plane * spatial, spatial, &multipliers[plane % channels], 0,
                                 y_zp, py + plane * spatial);
        }
      });
    });
  }
};

KernelDef def(const char* op, int since, int end, std::vector<TypeConstraint> constraints,
              KernelFactory factory) {
  KernelDef d;
  d.op_type = op;
  d.since_version = since;
  d.end_version = end;
  d.constraints = std::move(constraints);
  d.factory = std::move(factory);
  return d;
}

}  // namespace

void register_quantization_kernels(KernelRegistry& registry) {
  const std::vector<DataType> f32 = {DataType::kFloat32};
  const std::vector<DataType> i32 = {DataType::kInt32};
  const std::vector<DataType> u8 = {DataType::kUInt8};
  const std::vector<DataType> x_types_10 = {DataType::kFloat32, DataType::kInt32};
  const std::vector<DataType> dq_types_10 = {DataType::kInt8, DataType::kUInt8, DataType::kInt32};
  const std::vector<DataType> dq_types_21 = {DataType::kInt8, DataType::kUInt8, DataType::kInt16,
                                             DataType::kUInt16, DataType::kInt32};
  const int last = kMaxOpset;

  // QuantizeLinear: 10 per-tensor; 13 adds per-axis (axis); 19 adds half scales (and float8);
  // 21 adds blocked quantization, output_dtype and 16-bit and 4-bit integer types; 23 lets x and
  // y_scale differ and adds precision and float4e2m1. One kernel reads the attributes its opset
  // defines.
  auto quantize = make_kernel<QuantizeLinear>();
  registry.add(def(
      "QuantizeLinear", 10, 18,
      {{"T1", {0}, {}, x_types_10}, {"tensor(float)", {1}, {}, f32}, {"T2", {2}, {0}, kEightBit}},
      quantize));
  const std::vector<DataType> q_types_19 = with_float8(kEightBit);
  const std::vector<DataType> q_types_21 = with_4bit(with_float8(kEightAndSixteenBit), 21);
  const std::vector<DataType> q_types_23 = with_4bit(with_float8(kEightAndSixteenBit), 23);
  registry.add(def("QuantizeLinear", 19, 20,
                   {{"T1", {0, 1}, {}, kQuantizeInputTypes}, {"T2", {2}, {0}, q_types_19}},
                   quantize));
  registry.add(def("QuantizeLinear", 21, 22,
                   {{"T1", {0, 1}, {}, kQuantizeInputTypes}, {"T2", {2}, {0}, q_types_21}},
                   quantize));
  registry.add(def("QuantizeLinear", 23, last,
                   {{"T1", {0}, {}, kQuantizeInputTypes},
                    {"T2", {1}, {}, kQuantizeInputTypes},
                    {"T3", {2}, {0}, q_types_23}},
                   quantize));

  // DequantizeLinear: same history; 19 makes the output the scale's type, 23 adds output_dtype.
  auto dequantize = make_kernel<DequantizeLinear>();
  registry.add(def("DequantizeLinear", 10, 18,
                   {{"T", {0, 2}, {}, dq_types_10}, {"tensor(float)", {1}, {0}, f32}}, dequantize));
  registry.add(def("DequantizeLinear", 19, 20,
                   {{"T1", {0, 2}, {}, with_float8(dq_types_10)}, {"T2", {1}, {0}, kScaleTypes}},
                   dequantize));
  registry.add(def(
      "DequantizeLinear", 21, 22,
      {{"T1", {0, 2}, {}, with_4bit(with_float8(dq_types_21), 21)}, {"T2", {1}, {0}, kScaleTypes}},
      dequantize));
  registry.add(def("DequantizeLinear", 23, last,
                   {{"T1", {0, 2}, {}, with_4bit(with_float8(dq_types_21), 23)},
                    {"T2", {1}, {}, kScaleTypes},
                    {"T3", {}, {0}, kScaleTypes}},
                   dequantize));

  registry.add(def("DynamicQuantizeLinear", 11, last,
                   {{"T1", {0}, {}, f32}, {"T2", {}, {0, 2}, u8}, {"tensor(float)", {}, {1}, f32}},
                   make_kernel<DynamicQuantizeLinear>()));
  registry.add(
      def("MatMulInteger", 10, last,
          {{"T1", {0, 2}, {}, kEightBit}, {"T2", {1, 3}, {}, kEightBit}, {"T3", {}, {0}, i32}},
          make_kernel<MatMulInteger>()));
  registry.add(
      def("ConvInteger", 10, last,
          {{"T1", {0, 2}, {}, kEightBit}, {"T2", {1, 3}, {}, kEightBit}, {"T3", {}, {0}, i32}},
          make_kernel<ConvInteger>()));
  // QLinearMatMul-21 allows float16/bfloat16 scales (and float8 operands).
  registry.add(def("QLinearMatMul", 10, 20,
                   {{"T1", {0, 2}, {}, kEightBit},
                    {"T2", {3, 5}, {}, kEightBit},
                    {"T3", {7}, {0}, kEightBit},
                    {"tensor(float)", {1, 4, 6}, {}, f32}},
                   make_kernel<QLinearMatMul>()));
  registry.add(def("QLinearMatMul", 21, last,
                   {{"T1", {0, 2}, {}, kEightBit},
                    {"T2", {3, 5}, {}, kEightBit},
                    {"T3", {7}, {0}, kEightBit},
                    {"TS", {1, 4, 6}, {}, kScaleTypes}},
                   make_kernel<QLinearMatMul>()));
  registry.add(def("QLinearConv", 10, last,
                   {{"T1", {0, 2}, {}, kEightBit},
                    {"T2", {3, 5}, {}, kEightBit},
                    {"T3", {7}, {0}, kEightBit},
                    {"tensor(float)", {1, 4, 6}, {}, f32},
                    {"T4", {8}, {}, i32}},
                   make_kernel<QLinearConv>()));
}

}  // namespace aruntime::cpu
