#include "providers/cpu/ops/nn_common.h"

#include <algorithm>

#include "kernels/parallel.h"

namespace aruntime::cpu {
namespace {

// Presents half inputs as float32 and turns float32 outputs back into the half type.
class Float32Context final : public KernelContext {
 public:
  Float32Context(KernelContext& inner, DataType half_type)
      : inner_(inner),
        half_type_(half_type),
        inputs_(inner.num_inputs()),
        pending_(inner.num_outputs()) {
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const Tensor* t = inner.input(i);
      if (t == nullptr || !is_half(t->dtype())) continue;
      inputs_[i] = inner.allocate_temp(t->shape(), DataType::kFloat32);
      half_to_float(*t, inputs_[i].data<float>());
    }
    for (const Tensor& t : inputs_) input_values_.emplace_back(t);
  }

  const Node& node() const override { return inner_.node(); }
  size_t num_inputs() const override { return inner_.num_inputs(); }
  const Tensor* input(size_t i) const override {
    if (i < inputs_.size() && inputs_[i].defined()) return &inputs_[i];
    return inner_.input(i);
  }
  const Value* input_value(size_t i) const override {
    if (i < inputs_.size() && inputs_[i].defined()) return &input_values_[i];
    return inner_.input_value(i);
  }
  size_t num_outputs() const override { return inner_.num_outputs(); }
  bool output_requested(size_t i) const override { return inner_.output_requested(i); }
  Tensor& allocate_output(size_t i, const Shape& shape, DataType dtype) override {
    if (dtype != DataType::kFloat32 || i >= pending_.size()) {
      return inner_.allocate_output(i, shape, dtype);
    }
    pending_[i] = inner_.allocate_temp(shape, DataType::kFloat32);
    return pending_[i];
  }
  void set_output(size_t i, Tensor tensor) override {
    if (tensor.dtype() == DataType::kFloat32 && i < pending_.size()) {
      pending_[i] = std::move(tensor);
    } else {
      inner_.set_output(i, std::move(tensor));
    }
  }
  void set_output_value(size_t i, Value value) override {
    if (value.is_tensor()) {
      set_output(i, std::move(value.tensor()));
    } else {
      inner_.set_output_value(i, std::move(value));
    }
  }
  Tensor allocate_temp(const Shape& shape, DataType dtype) override {
    return inner_.allocate_temp(shape, dtype);
  }

  void finish() {
    for (size_t i = 0; i < pending_.size(); ++i) {
      if (!pending_[i].defined()) continue;
      Tensor& out = inner_.allocate_output(i, pending_[i].shape(), half_type_);
      float_to_half(pending_[i].data<float>(), out);
    }
  }

 private:
  KernelContext& inner_;
  DataType half_type_;
  std::vector<Tensor> inputs_;
  std::vector<Value> input_values_;  // inputs_ as values, for input_value()
  std::vector<Tensor> pending_;
};

template <typename H>
void convert_to_float(const H* src, float* dst, int64_t n) {
  kernels::parallel_for(n, 4, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dst[i] = src[i].to_float();
  });
}

template <typename H>
void convert_from_float(const float* src, H* dst, int64_t n) {
  kernels::parallel_for(n, 8, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dst[i] = H(src[i]);
  });
}

[[noreturn]] void bad_attribute(const Node& node, const std::string& what) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": " + what);
}

}  // namespace

bool is_half(DataType type) {
  return type == DataType::kFloat16 || type == DataType::kBFloat16;
}

void compute_in_float32(KernelContext& ctx, DataType half_type,
                        const std::function<void(KernelContext&)>& body) {
  Float32Context promoted(ctx, half_type);
  body(promoted);
  promoted.finish();
}

void half_to_float(const Tensor& src, float* dst) {
  if (src.dtype() == DataType::kFloat16) {
    convert_to_float(src.data<Float16>(), dst, src.num_elements());
  } else {
    convert_to_float(src.data<BFloat16>(), dst, src.num_elements());
  }
}

void float_to_half(const float* src, Tensor& dst) {
  if (dst.dtype() == DataType::kFloat16) {
    convert_from_float(src, dst.data<Float16>(), dst.num_elements());
  } else {
    convert_from_float(src, dst.data<BFloat16>(), dst.num_elements());
  }
}

std::vector<double> tensor_to_doubles(const Tensor& t) {
  const int64_t n = t.num_elements();
  std::vector<double> out(static_cast<size_t>(n));
  auto copy = [&](const auto* p) {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<double>(p[i]);
  };
  switch (t.dtype()) {
    case DataType::kFloat32:
      copy(t.data<float>());
      break;
    case DataType::kFloat64:
      copy(t.data<double>());
      break;
    case DataType::kFloat16:
      for (int64_t i = 0; i < n; ++i) out[i] = t.data<Float16>()[i].to_float();
      break;
    case DataType::kBFloat16:
      for (int64_t i = 0; i < n; ++i) out[i] = t.data<BFloat16>()[i].to_float();
      break;
    case DataType::kInt8:
      copy(t.data<int8_t>());
      break;
    case DataType::kInt16:
      copy(t.data<int16_t>());
      break;
    case DataType::kInt32:
      copy(t.data<int32_t>());
      break;
    case DataType::kInt64:
      copy(t.data<int64_t>());
      break;
    case DataType::kUInt8:
      copy(t.data<uint8_t>());
      break;
    case DataType::kUInt16:
      copy(t.data<uint16_t>());
      break;
    case DataType::kUInt32:
      copy(t.data<uint32_t>());
      break;
    case DataType::kUInt64:
      copy(t.data<uint64_t>());
      break;
    default:
      throw_error(ErrorCode::kInvalidArgument, "tensor of type " +
                                                   std::string(data_type_name(t.dtype())) +
                                                   " where numbers were expected");
  }
  return out;
}

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
  for (int64_t k : a.kernel_shape) {
    if (k <= 0)
      bad_attribute(node, "kernel_shape " + ints_to_string(a.kernel_shape) + " must be positive");
  }
  for (int64_t s : a.strides) {
    if (s <= 0) bad_attribute(node, "strides " + ints_to_string(a.strides) + " must be positive");
  }
  for (int64_t d : a.dilations) {
    if (d <= 0)
      bad_attribute(node, "dilations " + ints_to_string(a.dilations) + " must be positive");
  }
  for (int64_t p : a.pads) {
    if (p < 0) bad_attribute(node, "pads " + ints_to_string(a.pads) + " must be non-negative");
  }
  if (a.pads.size() % 2 != 0) {
    bad_attribute(node,
                  "pads " + ints_to_string(a.pads) + " must have an even count (begins, ends)");
  }
  // Counts that can be cross-checked before the input rank is known.
  size_t rank = a.kernel_shape.size();
  auto check_count = [&](const std::vector<int64_t>& v, size_t per_axis, const char* name) {
    if (v.empty()) return;
    if (rank == 0) rank = v.size() / per_axis;
    if (v.size() != rank * per_axis) {
      bad_attribute(node, std::string(name) + " has " + std::to_string(v.size()) +
                              " values, expected " + std::to_string(rank * per_axis) + " for " +
                              std::to_string(rank) + " spatial axes");
    }
  };
  check_count(a.strides, 1, "strides");
  check_count(a.dilations, 1, "dilations");
  check_count(a.pads, 2, "pads");
  return a;
}

WindowGeometry resolve_window(const Node& node, const WindowAttributes& attrs,
                              const Dims& input_spatial,
                              const Dims& kernel, bool ceil_mode) {
  const size_t rank = input_spatial.size();
  auto per_axis = [&](const Dims& v, size_t count, int64_t fallback,
                      const char* name) {
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
  g.kernel = per_axis(kernel, rank, 1, "kernel_shape");
  g.strides = per_axis(attrs.strides, rank, 1, "strides");
  g.dilations = per_axis(attrs.dilations, rank, 1, "dilations");
  const Dims pads = per_axis(attrs.pads, 2 * rank, 0, "pads");
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

void check_same_type(const Node& node, const Tensor& reference, const Tensor& t, size_t index) {
  if (t.dtype() != reference.dtype()) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": input " + std::to_string(index) + " has type " +
                    std::string(data_type_name(t.dtype())) + ", expected " +
                    std::string(data_type_name(reference.dtype())) + " like input 0");
  }
}

int64_t MatMulBatches::count() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

void MatMulBatches::offsets(int64_t index, int64_t& a_offset, int64_t& b_offset) const {
  a_offset = 0;
  b_offset = 0;
  for (size_t i = dims.size(); i-- > 0;) {
    const int64_t coord = index % dims[i];
    index /= dims[i];
    a_offset += coord * a_stride[i];
    b_offset += coord * b_stride[i];
  }
}

MatMulBatches matmul_batches(const Node& node, const std::vector<int64_t>& a_dims,
                             const std::vector<int64_t>& b_dims, const Shape& a_shape, const Shape& b_shape) {
  const size_t a_batch_rank = a_dims.size() - 2, b_batch_rank = b_dims.size() - 2;
  const size_t batch_rank = std::max(a_batch_rank, b_batch_rank);
  MatMulBatches b;
  b.dims.resize(batch_rank);
  b.a_stride.assign(batch_rank, 0);
  b.b_stride.assign(batch_rank, 0);
  int64_t a_step = a_dims[a_batch_rank] * a_dims[a_batch_rank + 1];
  int64_t b_step = b_dims[b_batch_rank] * b_dims[b_batch_rank + 1];
  for (size_t i = batch_rank; i-- > 0;) {
    const size_t from_end = batch_rank - i;
    const int64_t da = from_end <= a_batch_rank ? a_dims[a_batch_rank - from_end] : 1;
    const int64_t db = from_end <= b_batch_rank ? b_dims[b_batch_rank - from_end] : 1;
    if (da != db && da != 1 && db != 1) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": batch dimensions of " + a_shape.to_string() +
                                                   " and " + b_shape.to_string() + " do not broadcast");
    }
    b.dims[i] = da == 1 ? db : da;
    if (da != 1) b.a_stride[i] = a_step;
    if (db != 1) b.b_stride[i] = b_step;
    a_step *= da;
    b_step *= db;
  }
  return b;
}

}  // namespace aruntime::cpu
