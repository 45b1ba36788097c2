// Ops that only change how a buffer is viewed (Reshape, Flatten, Squeeze, Unsqueeze, Identity:
// outputs alias the input) or that produce small constants (Shape, Constant, ConstantOfShape).
#include <algorithm>
#include <set>

#include "kernels/copy.h"
#include "providers/cpu/ops/registrations.h"
#include "providers/cpu/ops/tensor_ops.h"

namespace aruntime::cpu {
namespace {

std::string dims_text(const std::vector<int64_t>& dims) {
  return Shape(dims).to_string();
}

// ---- Reshape ---------------------------------------------------------------------------------

// Reshape: 0 copies the input dim (or is a real 0 with allowzero, opset 14+), -1 is inferred.
class ReshapeKernel final : public OpKernel {
 public:
  explicit ReshapeKernel(const KernelInfo& info)
      : allow_zero_(info.opset() >= 14 && info.node().attr_int("allowzero", 0) != 0) {}

  // The output may be a view of the input.
  int output_view_of(size_t output) const override { return output == 0 ? 0 : -1; }
  void compute(KernelContext& ctx) const override {
    const Tensor& data = ctx.required_input(0);
    const std::vector<int64_t> requested = int_list_input(ctx, 1, "shape");
    ctx.set_output(0, data.reshaped(Shape(movement::reshape_dims(ctx.node(), data.shape(),
                                                                 requested, allow_zero_))));
  }

 private:
  bool allow_zero_;
};

// ---- Flatten ---------------------------------------------------------------------------------

class FlattenKernel final : public OpKernel {
 public:
  explicit FlattenKernel(const KernelInfo& info) : axis_(info.node().attr_int("axis", 1)) {}

  // The output may be a view of the input.
  int output_view_of(size_t output) const override { return output == 0 ? 0 : -1; }
  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    ctx.set_output(0, x.reshaped(movement::flatten_shape(ctx.node(), x.shape(), axis_)));
  }

 private:
  int64_t axis_;
};

// ---- Squeeze / Unsqueeze ---------------------------------------------------------------------

// Squeeze and Unsqueeze: views of the input with `kDims` of its shape and the axes.
using AxesDims = std::vector<int64_t> (*)(const Node&, const Shape&, const std::vector<int64_t>&);
template <AxesDims kDims>
class AxesViewKernel final : public OpKernel {
 public:
  explicit AxesViewKernel(const KernelInfo& info) : axes_(info) {}

  // The output may be a view of the input.
  int output_view_of(size_t output) const override { return output == 0 ? 0 : -1; }
  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    ctx.set_output(0, x.reshaped(Shape(kDims(ctx.node(), x.shape(), axes_.axes(ctx)))));
  }

 private:
  movement::AxesSource axes_;
};
using SqueezeKernel = AxesViewKernel<movement::squeeze_dims>;
using UnsqueezeKernel = AxesViewKernel<movement::unsqueeze_dims>;

// ---- Identity --------------------------------------------------------------------------------

class IdentityKernel final : public OpKernel {
 public:
  explicit IdentityKernel(const KernelInfo&) {}
  // The output may be a view of the input.
  int output_view_of(size_t output) const override { return output == 0 ? 0 : -1; }
  // Any value passes through: tensors (as a view of the same buffer), sequences and optionals.
  void compute(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    if (v == nullptr) throw_error(ErrorCode::kInvalidArgument, ctx.node().describe() + ": input 0 is required");
    ctx.set_output_value(0, *v);
  }
};

// ---- Shape -----------------------------------------------------------------------------------

// Shape with the optional [start, end) window of opset 15 (negative values count from the end,
// out-of-range values are clamped).
class ShapeKernel final : public OpKernel {
 public:
  bool reads_input_metadata_only(size_t input) const override { return input == 0; }
  explicit ShapeKernel(const KernelInfo& info) {
    if (info.opset() >= 15) {
      start_ = info.node().attr_int("start", 0);
      if (info.node().has_attribute("end")) end_ = info.node().attr_int("end");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    auto clamp_index = [rank](int64_t v) {
      if (v < 0) v += rank;
      return std::clamp<int64_t>(v, 0, rank);
    };
    const int64_t start = clamp_index(start_);
    const int64_t end = end_ ? clamp_index(*end_) : rank;
    const int64_t count = std::max<int64_t>(0, end - start);
    Tensor& out = ctx.allocate_output(0, Shape{count}, DataType::kInt64);
    int64_t* dims = out.data<int64_t>();
    for (int64_t i = 0; i < count; ++i) dims[i] = x.shape()[start + i];
  }

 private:
  int64_t start_ = 0;
  std::optional<int64_t> end_;
};

// ---- Constant --------------------------------------------------------------------------------

// The Constant's value from whichever one of its value attributes is set.
Tensor constant_value(const Node& node) {
  const Attribute* value = nullptr;
  for (const Attribute& a : node.attributes) {
    if (a.name.rfind("value", 0) == 0 || a.name == "sparse_value") {
      if (value != nullptr) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": attributes '" + value->name +
                                                  "' and '" + a.name +
                                                  "' are both set; a Constant takes exactly one");
      }
      value = &a;
    }
  }
  if (value == nullptr) {
    throw_error(ErrorCode::kInvalidModel, node.describe() + ": no value attribute is set");
  }
  const std::string& name = value->name;
  auto vector_shape = [](size_t n) { return Shape{static_cast<int64_t>(n)}; };
  if (name == "value") {
    const Tensor& t = node.attr_tensor("value");
    if (!t.defined()) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": the value tensor has an unsupported element type");
    }
    return t;
  }
  if (name == "value_float") return Tensor::scalar<float>(node.attr_float(name));
  if (name == "value_floats") {
    const std::vector<float> v = node.attr_floats(name);
    return Tensor::from_vector<float>(vector_shape(v.size()), v);
  }
  if (name == "value_int") return Tensor::scalar<int64_t>(node.attr_int(name));
  if (name == "value_ints") {
    const std::vector<int64_t> v = node.attr_ints(name);
    return Tensor::from_vector<int64_t>(vector_shape(v.size()), v);
  }
  if (name == "value_string") return Tensor::scalar<std::string>(node.attr_string(name));
  if (name == "value_strings") {
    const std::vector<std::string> v = node.attr_strings(name);
    return Tensor::from_vector<std::string>(vector_shape(v.size()), v);
  }
  if (name == "sparse_value") {
    throw_error(ErrorCode::kNotImplemented,
                node.describe() + ": sparse_value constants are not supported");
  }
  throw_error(ErrorCode::kInvalidModel,
              node.describe() + ": unknown value attribute '" + name + "'");
}

// The value is copied into each run's output so that callers and in-place consumers can never
// modify the kernel's copy.
class ConstantKernel final : public OpKernel {
 public:
  explicit ConstantKernel(const KernelInfo& info) : value_(constant_value(info.node())) {}

  void compute(KernelContext& ctx) const override {
    Tensor& out = ctx.allocate_output(0, value_.shape(), value_.dtype());
    out.copy_from(value_);
  }

 private:
  Tensor value_;
};

// ---- ConstantOfShape -------------------------------------------------------------------------

class ConstantOfShapeKernel final : public OpKernel {
 public:
  explicit ConstantOfShapeKernel(const KernelInfo& info) {
    const Node& node = info.node();
    if (node.has_attribute("value")) {
      value_ = node.attr_tensor("value");
      if (!value_.defined() || value_.num_elements() != 1) {
        throw_error(ErrorCode::kInvalidModel,
                    node.describe() + ": attribute 'value' must hold exactly one element, got " +
                        (value_.defined() ? value_.shape().to_string() : "an unsupported type"));
      }
      if (value_.dtype() == DataType::kString) {
        throw_error(ErrorCode::kInvalidModel,
                    node.describe() + ": attribute 'value' must not be a string tensor");
      }
    } else {
      value_ = Tensor::scalar<float>(0.0f);
    }
  }

  void compute(KernelContext& ctx) const override {
    const std::vector<int64_t> dims = int_list_input(ctx, 0, "shape");
    for (int64_t d : dims) {
      if (d < 0) {
        throw_error(ErrorCode::kRuntimeError, ctx.node().describe() + ": shape " + dims_text(dims) +
                                                  " has a negative dimension");
      }
    }
    Tensor& out = ctx.allocate_output(0, Shape(dims), value_.dtype());
    kernels::fill(out.dtype(), out.raw_data(), out.num_elements(), value_.raw_data());
  }

 private:
  Tensor value_;
};

// The opset ranges [since, 23] splits into where ONNX widens these ops' types: int4 and uint4
// join at opset 21, float4e2m1 at 23. Each range comes with `base` plus the types it adds.
struct TypedRange {
  int since;
  int end;
  std::vector<DataType> types;
};
std::vector<TypedRange> ranges_with_4bit(int since, const std::vector<DataType>& base) {
  std::vector<DataType> with_int4 = base;
  with_int4.insert(with_int4.end(), {DataType::kInt4, DataType::kUInt4});
  std::vector<DataType> with_float4 = with_int4;
  with_float4.push_back(DataType::kFloat4E2M1);
  std::vector<TypedRange> ranges;
  if (since <= 20) ranges.push_back({since, 20, base});
  if (since <= 22) ranges.push_back({std::max(since, 21), 22, with_int4});
  ranges.push_back({std::max(since, 23), 23, with_float4});
  return ranges;
}

}  // namespace

void register_tensor_kernels(KernelRegistry& registry) {
  using DT = DataType;
  const std::vector<DataType> int64_only = {DT::kInt64};

  for (const TypedRange& r : ranges_with_4bit(5, types::kAll)) {
    add_kernel_def(registry, "Reshape", r.since, r.end,
                   {{"T", {0}, {0}, r.types}, {"shape", {1}, {}, int64_only}},
                   make_kernel<ReshapeKernel>());
  }
  for (const TypedRange& r : ranges_with_4bit(1, types::kAll)) {
    registry.add("Flatten", r.since, r.end, {0}, r.types, make_kernel<FlattenKernel>());
  }
  registry.add("Squeeze", 1, 12, {0}, types::kAll, make_kernel<SqueezeKernel>());
  for (const TypedRange& r : ranges_with_4bit(13, types::kAll)) {
    add_kernel_def(registry, "Squeeze", r.since, r.end,
                   {{"T", {0}, {0}, r.types}, {"axes", {1}, {}, int64_only}},
                   make_kernel<SqueezeKernel>());
  }
  registry.add("Unsqueeze", 1, 12, {0}, types::kAll, make_kernel<UnsqueezeKernel>());
  for (const TypedRange& r : ranges_with_4bit(13, types::kAll)) {
    add_kernel_def(registry, "Unsqueeze", r.since, r.end,
                   {{"T", {0}, {0}, r.types}, {"axes", {1}, {}, int64_only}},
                   make_kernel<UnsqueezeKernel>());
  }
  // Identity takes sequences from opset 14 and optionals from opset 16.
  registry.add({"", "Identity", 1, 13, {{"V", {0}, {0}, types::kAll}}, make_kernel<IdentityKernel>()});
  registry.add({"", "Identity", 14, 15,
                {{"V", {0}, {0}, types::kAll, {ValueKind::kTensor, ValueKind::kSequence}}},
                make_kernel<IdentityKernel>()});
  for (const TypedRange& r : ranges_with_4bit(16, types::kAll)) {
    registry.add({"", "Identity", r.since, r.end,
                  {{"V", {0}, {0}, r.types,
                    {ValueKind::kTensor, ValueKind::kSequence, ValueKind::kOptional}}},
                  make_kernel<IdentityKernel>()});
  }
  for (const TypedRange& r : ranges_with_4bit(1, types::kAll)) {
    add_kernel_def(registry, "Shape", r.since, r.end,
                   {{"T", {0}, {}, r.types}, {"T1", {}, {0}, int64_only}},
                   make_kernel<ShapeKernel>());
  }
  for (const TypedRange& r : ranges_with_4bit(1, types::kAll)) {
    add_kernel_def(registry, "Constant", r.since, r.end, {{"T", {}, {0}, r.types}},
                   make_kernel<ConstantKernel>());
  }
  for (const TypedRange& r : ranges_with_4bit(9, types::kAllNonString)) {
    add_kernel_def(registry, "ConstantOfShape", r.since, r.end,
                   {{"T1", {0}, {}, int64_only}, {"T2", {}, {0}, r.types}},
                   make_kernel<ConstantOfShapeKernel>());
  }

  register_tensor_movement_kernels(registry);
  register_tensor_cast_kernels(registry);
  register_tensor_index_kernels(registry);
  register_tensor_generate_kernels(registry);
}

}  // namespace aruntime::cpu
