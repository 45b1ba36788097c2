// Helpers for the NPU provider tests: small ONNX models built with the protobuf API (every value
// declared with its static shape, as shape inference would leave them), sessions on {"npu","cpu"}
// or {"cpu"}, deterministic inputs, and lookups in Session::provider_statistics().
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "aruntime/session.h"

namespace aruntime::npu_test {

using Dims = std::vector<int64_t>;

class ModelBuilder {
 public:
  explicit ModelBuilder(int opset = 17) {
    model_.set_ir_version(8);
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model_.mutable_graph()->set_name("npu_test");
  }

  ModelBuilder& input(const std::string& name, Dims dims, int type = onnx::TensorProto::FLOAT) {
    declare(graph()->add_input(), name, type, dims);
    return *this;
  }
  // An input whose dims are symbolic where `symbols` names them ("" = static).
  ModelBuilder& symbolic_input(const std::string& name, Dims dims, std::vector<std::string> symbols,
                               int type = onnx::TensorProto::FLOAT) {
    auto* v = graph()->add_input();
    declare(v, name, type, dims);
    auto* shape = v->mutable_type()->mutable_tensor_type()->mutable_shape();
    for (size_t i = 0; i < symbols.size(); ++i) {
      if (!symbols[i].empty()) shape->mutable_dim(static_cast<int>(i))->set_dim_param(symbols[i]);
    }
    return *this;
  }
  ModelBuilder& output(const std::string& name, Dims dims, int type = onnx::TensorProto::FLOAT) {
    declare(graph()->add_output(), name, type, dims);
    return *this;
  }
  // An intermediate value with its static shape (value_info).
  ModelBuilder& value(const std::string& name, Dims dims, int type = onnx::TensorProto::FLOAT) {
    declare(graph()->add_value_info(), name, type, dims);
    return *this;
  }

  ModelBuilder& f32(const std::string& name, Dims dims, const std::vector<float>& values) {
    auto* t = initializer(name, onnx::TensorProto::FLOAT, dims);
    for (float v : values) t->add_float_data(v);
    return *this;
  }
  ModelBuilder& i64(const std::string& name, Dims dims, const std::vector<int64_t>& values) {
    auto* t = initializer(name, onnx::TensorProto::INT64, dims);
    for (int64_t v : values) t->add_int64_data(v);
    return *this;
  }
  ModelBuilder& i32(const std::string& name, Dims dims, const std::vector<int32_t>& values) {
    auto* t = initializer(name, onnx::TensorProto::INT32, dims);
    for (int32_t v : values) t->add_int32_data(v);
    return *this;
  }
  // int8 / uint8 initializers (stored in int32_data, as ONNX does for 8-bit types).
  ModelBuilder& i8(const std::string& name, Dims dims, const std::vector<int>& values) {
    auto* t = initializer(name, onnx::TensorProto::INT8, dims);
    for (int v : values) t->add_int32_data(v);
    return *this;
  }
  ModelBuilder& u8(const std::string& name, Dims dims, const std::vector<int>& values) {
    auto* t = initializer(name, onnx::TensorProto::UINT8, dims);
    for (int v : values) t->add_int32_data(v);
    return *this;
  }

  onnx::NodeProto& node(const std::string& op, std::vector<std::string> inputs,
                        std::vector<std::string> outputs, const std::string& name = "") {
    auto* n = graph()->add_node();
    n->set_name(name.empty() ? op + "_" + std::to_string(graph()->node_size()) : name);
    n->set_op_type(op);
    for (auto& i : inputs) n->add_input(i);
    for (auto& o : outputs) n->add_output(o);
    return *n;
  }

  std::string bytes() const { return model_.SerializeAsString(); }
  onnx::GraphProto* graph() { return model_.mutable_graph(); }

 private:
  static void declare(onnx::ValueInfoProto* v, const std::string& name, int type,
                      const Dims& dims) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type);
    auto* shape = t->mutable_shape();
    for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
  }
  onnx::TensorProto* initializer(const std::string& name, int type, const Dims& dims) {
    auto* t = graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    return t;
  }

  onnx::ModelProto model_;
};

inline void attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void attr(onnx::NodeProto& n, const std::string& name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}
inline void attr(onnx::NodeProto& n, const std::string& name, const Dims& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

// Providers {"npu", "cpu"}. The partitioner's FLOPs-per-copied-byte rule is off, so that the
// tiny test graphs reach the NPU whatever their arithmetic intensity (the CNN tests keep it on
// with default_placement = true).
inline SessionOptions npu_options(std::map<std::string, std::string> settings = {},
                                  bool default_placement = false) {
  SessionOptions o;
  o.providers = {"npu", "cpu"};
  o.intra_op_threads = 1;
  if (!default_placement) o.placement.min_flops_per_copied_byte = 0;
  if (!settings.empty()) o.provider_options["npu"] = std::move(settings);
  return o;
}

inline SessionOptions cpu_options() {
  SessionOptions o;
  o.providers = {"cpu"};
  o.intra_op_threads = 1;
  return o;
}

inline Session make_session(const std::string& bytes, const SessionOptions& options) {
  return Session(Environment(), bytes, "npu_test.onnx", "", options);
}

// Deterministic values in [-1, 1) (a 32-bit LCG), so failures reproduce.
inline std::vector<float> pseudo_random(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1u;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(s >> 8) / static_cast<float>(1u << 23) - 1.0f;
  }
  return v;
}

inline size_t count(const Dims& dims) {
  size_t n = 1;
  for (int64_t d : dims) n *= static_cast<size_t>(d);
  return n;
}

// The reason `provider` gave for declining node `node`, or "" when it did not decline it.
inline std::string decline_reason(const Session& s, const std::string& node,
                                  const std::string& provider = "npu") {
  for (const auto& p : s.placement()) {
    if (p.node_name != node) continue;
    for (const auto& [ep, reason] : p.declined) {
      if (ep == provider) return reason;
    }
  }
  return "";
}

// The figure `name` of the statistics entry `program` of the npu provider (-1 when absent).
inline double figure(const Session& s, const std::string& program, const std::string& name) {
  for (const auto& st : s.provider_statistics()) {
    if (st.provider != "npu" || st.program != program) continue;
    for (const auto& [key, value] : st.figures) {
      if (key == name) return value;
    }
  }
  return -1;
}

// Names of the npu programs in the statistics (host_transfers excluded).
inline std::vector<std::string> programs(const Session& s) {
  std::vector<std::string> names;
  for (const auto& st : s.provider_statistics()) {
    if (st.provider == "npu" && st.program != "host_transfers") names.push_back(st.program);
  }
  return names;
}

inline std::map<std::string, std::string> placement(const Session& s) {
  std::map<std::string, std::string> p;
  for (const auto& n : s.placement()) p[n.node_name] = n.provider;
  return p;
}

}  // namespace aruntime::npu_test
