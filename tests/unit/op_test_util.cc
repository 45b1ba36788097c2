#include "tests/unit/op_test_util.h"

#include <deque>

namespace aruntime::testing {
namespace {

class TestContext final : public KernelContext {
 public:
  TestContext(const Node& node, const std::vector<Tensor>& inputs, size_t num_outputs)
      : node_(node), inputs_(inputs), outputs_(num_outputs) {}
  const Node& node() const override { return node_; }
  size_t num_inputs() const override { return inputs_.size(); }
  const Tensor* input(size_t i) const override {
    return i < inputs_.size() && inputs_[i].defined() ? &inputs_[i] : nullptr;
  }
  const Value* input_value(size_t i) const override {
    if (i >= inputs_.size() || !inputs_[i].defined()) return nullptr;
    values_.emplace_back(inputs_[i]);
    return &values_.back();
  }
  size_t num_outputs() const override { return outputs_.size(); }
  bool output_requested(size_t i) const override { return i < outputs_.size(); }
  Tensor& allocate_output(size_t i, const Shape& shape, DataType dtype) override {
    outputs_.at(i) = Tensor(dtype, shape);
    return outputs_[i];
  }
  void set_output(size_t i, Tensor t) override { outputs_.at(i) = std::move(t); }
  void set_output_value(size_t i, Value v) override { outputs_.at(i) = v.tensor(); }
  Tensor allocate_temp(const Shape& shape, DataType dtype) override { return Tensor(dtype, shape); }
  std::vector<Tensor>& outputs() { return outputs_; }

 private:
  const Node& node_;
  const std::vector<Tensor>& inputs_;
  std::vector<Tensor> outputs_;
  mutable std::deque<Value> values_;  // input_value() results; deque keeps addresses stable
};

double as_double(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DataType::kFloat32: return t.data<float>()[i];
    case DataType::kFloat64: return t.data<double>()[i];
    case DataType::kFloat16: return t.data<Float16>()[i].to_float();
    case DataType::kBFloat16: return t.data<BFloat16>()[i].to_float();
    case DataType::kInt8: return t.data<int8_t>()[i];
    case DataType::kInt16: return t.data<int16_t>()[i];
    case DataType::kInt32: return t.data<int32_t>()[i];
    case DataType::kInt64: return static_cast<double>(t.data<int64_t>()[i]);
    case DataType::kUInt8: return t.data<uint8_t>()[i];
    case DataType::kUInt16: return t.data<uint16_t>()[i];
    case DataType::kUInt32: return t.data<uint32_t>()[i];
    case DataType::kUInt64: return static_cast<double>(t.data<uint64_t>()[i]);
    case DataType::kBool: return t.data<bool>()[i] ? 1.0 : 0.0;
    default: return NAN;
  }
}

}  // namespace

std::vector<Tensor> OpTest::run() {
  static const CpuExecutionProvider provider;
  if (node_.outputs.empty()) outputs({DataType::kUndefined});
  std::vector<DataType> in_types;
  for (const auto& t : inputs_) in_types.push_back(t.defined() ? t.dtype() : DataType::kUndefined);
  KernelMatch m = provider.registry().find(node_, opset_, in_types, output_types_);
  if (!m) throw_error(ErrorCode::kNotImplemented, node_.describe() + ": " + m.reason);
  KernelInfo info(node_, graph_, opset_, in_types, output_types_, *cpu_heap_allocator());
  auto kernel = m.def->factory(info);
  TestContext ctx(node_, inputs_, node_.outputs.size());
  kernel->compute(ctx);
  return ctx.outputs();
}

void expect_error(const std::function<void()>& fn, ErrorCode code, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "expected an aruntime::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

Tensor to_half(const Tensor& t) {
  std::vector<Float16> v;
  for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(Float16(t.data<float>()[i]));
  return Tensor::from_vector<Float16>(t.shape(), v);
}

void expect_near(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  ASSERT_EQ(actual.dtype(), expected.dtype());
  ASSERT_EQ(actual.shape(), expected.shape()) << actual.shape().to_string() << " vs "
                                              << expected.shape().to_string();
  if (actual.dtype() == DataType::kString) {
    for (int64_t i = 0; i < actual.num_elements(); ++i) {
      EXPECT_EQ(actual.data<std::string>()[i], expected.data<std::string>()[i]) << "at " << i;
    }
    return;
  }
  for (int64_t i = 0; i < actual.num_elements(); ++i) {
    double a = as_double(actual, i), e = as_double(expected, i);
    if (std::isnan(e)) {
      EXPECT_TRUE(std::isnan(a)) << "at flat index " << i;
      continue;
    }
    if (std::isinf(e)) {
      EXPECT_EQ(a, e) << "at flat index " << i;
      continue;
    }
    EXPECT_LE(std::fabs(a - e), atol + rtol * std::fabs(e)) << "at flat index " << i << ": " << a
                                                             << " vs expected " << e;
  }
}

}  // namespace aruntime::testing
