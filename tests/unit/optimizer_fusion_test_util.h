// What the optimizer's fusion tests share (optimizer_fusion_test.cc,
// optimizer_transformer_fusion_test.cc): running the level-2 passes alone on a GraphBuilder graph,
// the op list after fusion, and the check that the outputs stay equal on the CPU provider.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/pass_manager.h"
#include "graph/shape_inference.h"
#include "graph/type_inference.h"
#include "tests/unit/graph_runner.h"
#include "tests/unit/op_test_util.h"

namespace aruntime::fusion_test {

using optimizer::Level;
using testing::f32;
using testing::GraphBuilder;

inline constexpr const char* kFused = "aruntime";

// "Op" for the default domain, "domain.Op" otherwise.
inline std::vector<std::string> ops(const Graph& g) {
  std::vector<std::string> o;
  for (const Node& n : g.nodes)
    o.push_back(n.domain.empty() ? n.op_type : n.domain + "." + n.op_type);
  return o;
}

inline const Node& only_node(const Graph& g) {
  EXPECT_EQ(g.nodes.size(), 1u) << ::testing::PrintToString(ops(g));
  return g.nodes.front();
}

inline void add_attribute(GraphBuilder& b, const std::string& node, Attribute a) {
  for (Node& n : b.graph().nodes) {
    if (n.name == node) n.attributes.push_back(std::move(a));
  }
}

// The session's preparation: types and shapes, as the passes rely on them.
inline void prepare(GraphBuilder& b) {
  infer_types(b.graph());
  infer_shapes(b.graph());
}

// Runs the level-2 passes alone (level 1 disabled), after the session's preparation.
inline optimizer::OptimizationReport fuse(GraphBuilder& b) {
  prepare(b);
  optimizer::OptimizerOptions o;
  o.level = Level::kExtended;
  for (const auto& pass : optimizer::builtin_passes()) {
    if (pass->level() == Level::kBasic) o.disabled.insert(pass->name());
  }
  return optimizer::optimize(b.model, o);
}

inline int rewrites(const optimizer::OptimizationReport& r, const std::string& pass) {
  for (const auto& p : r.passes) {
    if (p.pass == pass) return p.rewrites;
  }
  return -1;
}

inline std::vector<Tensor> run_on_cpu(GraphBuilder& b, std::vector<Tensor> inputs) {
  prepare(b);
  return testing::run_graph_on_cpu(b, std::move(inputs));
}

// Builds the graph twice, fuses one copy, expects `fused_ops` after fusion and the same outputs
// (within 1e-5) from both on the CPU provider.
inline void expect_fused(const std::function<GraphBuilder()>& make,
                         const std::vector<Tensor>& inputs,
                         const std::vector<std::string>& fused_ops) {
  GraphBuilder plain = make();
  const std::vector<Tensor> expected = run_on_cpu(plain, inputs);
  GraphBuilder fused = make();
  fuse(fused);
  EXPECT_EQ(ops(fused.graph()), fused_ops);
  // The runtime's domain is imported exactly when a fused op uses it.
  bool uses_domain = false;
  for (const Node& n : fused.graph().nodes) uses_domain |= n.domain == kFused;
  EXPECT_EQ(fused.model.opset(kFused), uses_domain ? optimizer::kFusedOpset : 0);
  const std::vector<Tensor> actual = run_on_cpu(fused, inputs);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    testing::expect_near(actual[i], expected[i], 1e-5, 1e-5);
}

// Deterministic values in [-2, 2) for larger tensors.
inline Tensor ramp(const Shape& shape, float step = 0.37f) {
  std::vector<float> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::fmod(static_cast<float>(i) * step, 4.0f) - 2.0f;
  return f32(shape, v);
}

}  // namespace aruntime::fusion_test
