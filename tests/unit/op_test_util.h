// Runs one CPU kernel on given inputs, bypassing loader and session, so kernel tests exercise the
// kernel alone. Expected values in tests come from numpy/onnxruntime (see each test's comment).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "providers/cpu/cpu_execution_provider.h"

namespace aruntime::testing {

class OpTest {
 public:
  explicit OpTest(std::string op_type, int64_t opset = 17, std::string domain = "")
      : opset_(opset) {
    node_.name = "test_" + op_type;
    node_.op_type = std::move(op_type);
    node_.domain = std::move(domain);
  }

  OpTest& attr(const std::string& name, int64_t v) { return add_attr(name, Attribute::Type::kInt, [&](Attribute& a) { a.i = v; }); }
  OpTest& attr(const std::string& name, float v) { return add_attr(name, Attribute::Type::kFloat, [&](Attribute& a) { a.f = v; }); }
  OpTest& attr(const std::string& name, const std::string& v) { return add_attr(name, Attribute::Type::kString, [&](Attribute& a) { a.s = v; }); }
  OpTest& attr(const std::string& name, std::vector<int64_t> v) { return add_attr(name, Attribute::Type::kInts, [&](Attribute& a) { a.ints = v; }); }
  OpTest& attr(const std::string& name, std::vector<float> v) { return add_attr(name, Attribute::Type::kFloats, [&](Attribute& a) { a.floats = v; }); }
  OpTest& attr(const std::string& name, std::vector<std::string> v) { return add_attr(name, Attribute::Type::kStrings, [&](Attribute& a) { a.strings = v; }); }
  OpTest& attr(const std::string& name, const Tensor& v) { return add_attr(name, Attribute::Type::kTensor, [&](Attribute& a) { a.t = v; }); }

  // Adds input i. `constant` makes it an initializer, visible to the kernel's prepare step.
  OpTest& input(const Tensor& t, bool constant = false) {
    std::string name = "in" + std::to_string(node_.inputs.size());
    node_.inputs.push_back(name);
    graph_.value_types[name] = TypeInfo{ValueKind::kTensor, t.dtype(), std::nullopt};
    if (constant) graph_.initializers[name] = t;
    else graph_.inputs.push_back({name, graph_.value_types[name]});
    inputs_.push_back(t);
    return *this;
  }
  OpTest& omitted_input() {
    node_.inputs.push_back("");
    inputs_.push_back(Tensor());
    return *this;
  }
  // Declares `n` outputs with the given element types (used for kernel lookup).
  OpTest& outputs(std::vector<DataType> types) {
    output_types_ = std::move(types);
    for (size_t i = 0; i < output_types_.size(); ++i) node_.outputs.push_back("out" + std::to_string(i));
    return *this;
  }

  // Runs the kernel; throws what kernel creation or compute throws.
  std::vector<Tensor> run();

 private:
  template <typename F>
  OpTest& add_attr(const std::string& name, Attribute::Type type, F fill) {
    Attribute a;
    a.name = name;
    a.type = type;
    fill(a);
    node_.attributes.push_back(std::move(a));
    return *this;
  }

  int64_t opset_;
  Node node_;
  Graph graph_;
  std::vector<Tensor> inputs_;
  std::vector<DataType> output_types_;
};

// Runs `fn` and checks that it throws aruntime::Error with `code` and a message containing every
// string of `parts`.
void expect_error(const std::function<void()>& fn, ErrorCode code, const std::vector<std::string>& parts);

inline Tensor f32(const Shape& shape, const std::vector<float>& v) { return Tensor::from_vector<float>(shape, v); }
inline Tensor i64(const Shape& shape, const std::vector<int64_t>& v) { return Tensor::from_vector<int64_t>(shape, v); }
// A float32 tensor converted to float16 (round to nearest even).
Tensor to_half(const Tensor& t);

// Element-wise comparison with numpy.allclose semantics (|a-b| <= atol + rtol*|b|).
void expect_near(const Tensor& actual, const Tensor& expected, double rtol = 1e-5, double atol = 1e-6);

// Node attributes for graphs built by hand (GraphBuilder).
inline Attribute int_attr(const std::string& name, int64_t value) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kInt;
  a.i = value;
  return a;
}
inline Attribute ints_attr(const std::string& name, std::vector<int64_t> values) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kInts;
  a.ints = std::move(values);
  return a;
}

}  // namespace aruntime::testing
