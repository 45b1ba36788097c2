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

}  // namespace aruntime::cpu
