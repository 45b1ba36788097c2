// Tests of the ai.onnx.ml kernels, run end to end through a Session on one-node models built with
// the ONNX protobuf API (the classifiers need string-list attributes and string outputs).
//
// Expected values: unless a test says otherwise, the same one-node model was built with
// onnx.helper (onnx 1.18) and run with onnxruntime 1.32 (CPUExecutionProvider); the printed
// outputs are pasted here. The binary tree-classifier models are the skl2onnx 1.20 conversions of
// scikit-learn 1.9 models (see each test), also evaluated with onnxruntime.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <limits>

#include "aruntime/session.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using testing::expect_near;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// One ai.onnx.ml node with inputs X (and optionally more) and declared outputs.
class MlModel {
 public:
  MlModel(const std::string& op, int ml_opset) {
    model_.set_ir_version(9);
    for (auto [domain, version] : {std::pair<const char*, int>{"", 17}, {"ai.onnx.ml", ml_opset}}) {
      auto* o = model_.add_opset_import();
      o->set_domain(domain);
      o->set_version(version);
    }
    graph()->set_name("ml");
    graph()->add_node();
    node()->set_op_type(op);
    node()->set_domain("ai.onnx.ml");
    node()->set_name("ml_node");
  }

  MlModel& input(const std::string& name, int elem_type) {
    value(graph()->add_input(), name, elem_type);
    node()->add_input(name);
    return *this;
  }
  MlModel& output(const std::string& name, int elem_type) {
    value(graph()->add_output(), name, elem_type);
    node()->add_output(name);
    return *this;
  }
  MlModel& attr(const std::string& name, int64_t v) {
    auto* a = add(name, onnx::AttributeProto::INT);
    a->set_i(v);
    return *this;
  }
  MlModel& attr(const std::string& name, float v) {
    auto* a = add(name, onnx::AttributeProto::FLOAT);
    a->set_f(v);
    return *this;
  }
  MlModel& attr(const std::string& name, const char* v) {
    auto* a = add(name, onnx::AttributeProto::STRING);
    a->set_s(v);
    return *this;
  }
  MlModel& attr(const std::string& name, const std::vector<int64_t>& v) {
    auto* a = add(name, onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
    return *this;
  }
  MlModel& attr(const std::string& name, const std::vector<float>& v) {
    auto* a = add(name, onnx::AttributeProto::FLOATS);
    for (float x : v) a->add_floats(x);
    return *this;
  }
  MlModel& attr(const std::string& name, const std::vector<std::string>& v) {
    auto* a = add(name, onnx::AttributeProto::STRINGS);
    for (const auto& x : v) a->add_strings(x);
    return *this;
  }
  // A 1-D tensor attribute of float32 values.
  MlModel& float_tensor_attr(const std::string& name, const std::vector<float>& v) {
    auto* t = tensor_attr(name, onnx::TensorProto::FLOAT, v.size());
    for (float x : v) t->add_float_data(x);
    return *this;
  }
  // A 1-D tensor attribute of uint8 values (TreeEnsemble's nodes_modes).
  MlModel& uint8_tensor_attr(const std::string& name, const std::vector<int32_t>& v) {
    auto* t = tensor_attr(name, onnx::TensorProto::UINT8, v.size());
    for (int32_t x : v) t->add_int32_data(x);
    return *this;
  }
  MlModel& string_tensor_attr(const std::string& name, const std::vector<std::string>& v) {
    auto* t = tensor_attr(name, onnx::TensorProto::STRING, v.size());
    for (const auto& x : v) t->add_string_data(x);
    return *this;
  }
  MlModel& int32_tensor_attr(const std::string& name, const std::vector<int32_t>& v) {
    auto* t = tensor_attr(name, onnx::TensorProto::INT32, v.size());
    for (int32_t x : v) t->add_int32_data(x);
    return *this;
  }

  std::vector<Tensor> run(const std::map<std::string, Tensor>& feeds) const {
    Session session(Environment(), model_.SerializeAsString(), "ml_model.onnx", "");
    return session.run(feeds);
  }

 private:
  onnx::GraphProto* graph() { return model_.mutable_graph(); }
  // Looked up each time rather than kept, so that copies of an MlModel stay valid.
  onnx::NodeProto* node() { return model_.mutable_graph()->mutable_node(0); }
  static void value(onnx::ValueInfoProto* v, const std::string& name, int elem_type) {
    v->set_name(name);
    v->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
  }
  onnx::AttributeProto* add(const std::string& name, onnx::AttributeProto::AttributeType type) {
    auto* a = node()->add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
  }
  onnx::TensorProto* tensor_attr(const std::string& name, int dtype, size_t n) {
    auto* t = add(name, onnx::AttributeProto::TENSOR)->mutable_t();
    t->set_data_type(dtype);
    t->add_dims(static_cast<int64_t>(n));
    return t;
  }

  onnx::ModelProto model_;
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

Tensor floats(Shape shape, std::vector<float> v) {
  return Tensor::from_vector<float>(std::move(shape), v);
}
Tensor int64s(Shape shape, std::vector<int64_t> v) {
  return Tensor::from_vector<int64_t>(std::move(shape), v);
}
Tensor strings(Shape shape, std::vector<std::string> v) {
  return Tensor::from_vector<std::string>(std::move(shape), v);
}

// Rows reaching every branch kind: row 2 has a NaN in feature 0.
Tensor tree_input() {
  return floats({4, 3}, {1.0f, -2.0f, 3.5f, 0.5f, 4.0f, -1.0f, kNaN, 0.0f, 2.0f, 3.0f, 3.0f, 3.0f});
}

// Two trees, two targets: tree 0 is LEQ (missing values go true) then GT; tree 1 is NEQ. Leaf 4
// of tree 0 carries weights for both targets.
MlModel regressor(const char* aggregate, const char* transform, bool with_base) {
  MlModel m("TreeEnsembleRegressor", 3);
  m.input("X", onnx::TensorProto::FLOAT)
      .output("Y", onnx::TensorProto::FLOAT)
      .attr("nodes_treeids", std::vector<int64_t>{0, 0, 0, 0, 0, 1, 1, 1})
      .attr("nodes_nodeids", std::vector<int64_t>{0, 1, 2, 3, 4, 0, 1, 2})
      .attr("nodes_featureids", std::vector<int64_t>{0, 1, 0, 0, 0, 2, 0, 0})
      .attr("nodes_modes", std::vector<std::string>{"BRANCH_LEQ", "BRANCH_GT", "LEAF", "LEAF",
                                                    "LEAF", "BRANCH_NEQ", "LEAF", "LEAF"})
      .attr("nodes_values", std::vector<float>{0.75f, 1.0f, 0, 0, 0, 2.0f, 0, 0})
      .attr("nodes_truenodeids", std::vector<int64_t>{1, 2, 0, 0, 0, 1, 0, 0})
      .attr("nodes_falsenodeids", std::vector<int64_t>{4, 3, 0, 0, 0, 2, 0, 0})
      .attr("nodes_missing_value_tracks_true", std::vector<int64_t>{1, 0, 0, 0, 0, 0, 0, 0})
      .attr("target_treeids", std::vector<int64_t>{0, 0, 0, 0, 1, 1, 1})
      .attr("target_nodeids", std::vector<int64_t>{2, 3, 4, 4, 1, 2, 2})
      .attr("target_ids", std::vector<int64_t>{0, 0, 0, 1, 1, 0, 1})
      .attr("target_weights", std::vector<float>{1.5f, -2.0f, 4.0f, 0.5f, 10.0f, 3.0f, -1.0f})
      .attr("n_targets", int64_t{2})
      .attr("aggregate_function", aggregate)
      .attr("post_transform", transform);
  if (with_base) m.attr("base_values", std::vector<float>{0.25f, -0.5f});
  return m;
}

TEST(CpuMlTreeEnsembleRegressor, AggregateFunctionsWithBaseValues) {
  const std::vector<std::pair<const char*, std::vector<float>>> cases = {
      {"SUM", {4.25f, 10.0f, 1.75f, 9.5f, 1.25f, -1.5f, 4.25f, 10.0f}},
      {"AVERAGE", {2.25f, 4.75f, 1.0f, 4.5f, 0.75f, -1.0f, 2.25f, 4.75f}},
      {"MIN", {4.25f, 0.0f, 1.75f, 9.5f, -1.75f, -1.5f, 4.25f, 0.0f}},
      {"MAX", {4.25f, 9.5f, 1.75f, 9.5f, 3.25f, -1.5f, 4.25f, 9.5f}},
  };
  for (const auto& [aggregate, expected] : cases) {
    SCOPED_TRACE(aggregate);
    auto out = regressor(aggregate, "NONE", true).run({{"X", tree_input()}});
    expect_near(out[0], floats({4, 2}, expected));
  }
}

TEST(CpuMlTreeEnsembleRegressor, PostTransforms) {
  const std::vector<std::pair<const char*, std::vector<float>>> cases = {
      {"SOFTMAX",
       {0.00150118221f, 0.998498797f, 0.000203426971f, 0.999796569f, 0.880797029f, 0.119202919f,
        0.00150118221f, 0.998498797f}},
      {"LOGISTIC",
       {0.982013762f, 0.999972463f, 0.817574441f, 0.999954581f, 0.731058598f, 0.268941402f,
        0.982013762f, 0.999972463f}},
      {"SOFTMAX_ZERO",
       {0.00150118221f, 0.998498797f, 0.000203426971f, 0.999796569f, 0.880797029f, 0.119202919f,
        0.00150118221f, 0.998498797f}},
  };
  for (const auto& [transform, expected] : cases) {
    SCOPED_TRACE(transform);
    auto out = regressor("SUM", transform, false).run({{"X", tree_input()}});
    expect_near(out[0], floats({4, 2}, expected), 1e-5, 1e-6);
  }
}

TEST(CpuMlTreeEnsembleRegressor, ProbitIsTheNormalQuantile) {
  // Expected: Python's statistics.NormalDist().inv_cdf of the leaf weights. onnxruntime uses a
  // cruder erfinv and is up to 2.5e-3 off (1.95904934 for 0.975, 2.32409024 for 0.99).
  MlModel m("TreeEnsembleRegressor", 3);
  m.input("X", onnx::TensorProto::FLOAT)
      .output("Y", onnx::TensorProto::FLOAT)
      .attr("n_targets", int64_t{3})
      .attr("post_transform", "PROBIT")
      .attr("nodes_treeids", std::vector<int64_t>{0, 0, 0})
      .attr("nodes_nodeids", std::vector<int64_t>{0, 1, 2})
      .attr("nodes_featureids", std::vector<int64_t>{0, 0, 0})
      .attr("nodes_modes", std::vector<std::string>{"BRANCH_LEQ", "LEAF", "LEAF"})
      .attr("nodes_values", std::vector<float>{0.0f, 0, 0})
      .attr("nodes_truenodeids", std::vector<int64_t>{1, 0, 0})
      .attr("nodes_falsenodeids", std::vector<int64_t>{2, 0, 0})
      .attr("target_treeids", std::vector<int64_t>(6, 0))
      .attr("target_nodeids", std::vector<int64_t>{1, 1, 1, 2, 2, 2})
      .attr("target_ids", std::vector<int64_t>{0, 1, 2, 0, 1, 2})
      .attr("target_weights", std::vector<float>{0.975f, 0.5f, 0.1f, 0.3f, 0.99f, 0.7f});
  auto out = m.run({{"X", floats({2, 1}, {-1.0f, 1.0f})}});
  // Leaf weights are float32, so the quantiles are of 0.975f etc.: compare at 1e-5 relative.
  expect_near(
      out[0],
      floats({2, 3}, {1.95996398f, 0.0f, -1.28155157f, -0.524400513f, 2.32634787f, 0.524400513f}),
      1e-5, 1e-6);
}

TEST(CpuMlTreeEnsembleRegressor, LtGteEqModes) {
  MlModel m("TreeEnsembleRegressor", 3);
  m.input("X", onnx::TensorProto::FLOAT)
      .output("Y", onnx::TensorProto::FLOAT)
      .attr("nodes_treeids", std::vector<int64_t>(7, 0))
      .attr("nodes_nodeids", std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6})
      .attr("nodes_featureids", std::vector<int64_t>{0, 1, 2, 0, 0, 0, 0})
      .attr("nodes_modes", std::vector<std::string>{"BRANCH_LT", "BRANCH_GTE", "BRANCH_EQ", "LEAF",
                                                    "LEAF", "LEAF", "LEAF"})
      .attr("nodes_values", std::vector<float>{1.0f, 3.0f, 2.0f, 0, 0, 0, 0})
      .attr("nodes_truenodeids", std::vector<int64_t>{3, 4, 5, 0, 0, 0, 0})
      .attr("nodes_falsenodeids", std::vector<int64_t>{1, 2, 6, 0, 0, 0, 0})
      .attr("target_treeids", std::vector<int64_t>(4, 0))
      .attr("target_nodeids", std::vector<int64_t>{3, 4, 5, 6})
      .attr("target_ids", std::vector<int64_t>(4, 0))
      .attr("target_weights", std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f})
      .attr("n_targets", int64_t{1});
  auto out = m.run({{"X", tree_input()}});
  expect_near(out[0], floats({4, 1}, {4.0f, 1.0f, 3.0f, 2.0f}));
}

TEST(CpuMlTreeEnsembleRegressor, RejectsBadModelsAndInputs) {
  MlModel bad_aggregate = regressor("MEDIAN", "NONE", false);
  EXPECT_NE(error_of([&] {
              bad_aggregate.run({{"X", tree_input()}});
            }).find("aggregate_function"),
            std::string::npos);
  // The trees read feature 2; a two-feature input cannot feed them.
  std::string e = error_of([&] {
    regressor("SUM", "NONE", false).run({{"X", floats({1, 2}, {0.0f, 0.0f})}});
  });
  EXPECT_NE(e.find("feature 2"), std::string::npos) << e;
}

// Three classes over two trees; row 2 has a NaN that goes down the false branch.
MlModel classifier3(const char* transform, bool with_base) {
  MlModel m("TreeEnsembleClassifier", 3);
  m.input("X", onnx::TensorProto::FLOAT)
      .output("Y", onnx::TensorProto::INT64)
      .output("Z", onnx::TensorProto::FLOAT)
      .attr("nodes_treeids", std::vector<int64_t>{0, 0, 0, 1, 1, 1})
      .attr("nodes_nodeids", std::vector<int64_t>{0, 1, 2, 0, 1, 2})
      .attr("nodes_featureids", std::vector<int64_t>{0, 0, 0, 1, 0, 0})
      .attr("nodes_modes",
            std::vector<std::string>{"BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_LT", "LEAF", "LEAF"})
      .attr("nodes_values", std::vector<float>{1.0f, 0, 0, 2.0f, 0, 0})
      .attr("nodes_truenodeids", std::vector<int64_t>{1, 0, 0, 1, 0, 0})
      .attr("nodes_falsenodeids", std::vector<int64_t>{2, 0, 0, 2, 0, 0})
      .attr("class_treeids", std::vector<int64_t>{0, 0, 0, 0, 1, 1})
      .attr("class_nodeids", std::vector<int64_t>{1, 1, 2, 2, 1, 2})
      .attr("class_ids", std::vector<int64_t>{0, 1, 1, 2, 2, 0})
      .attr("class_weights", std::vector<float>{0.6f, 0.4f, 0.3f, 0.7f, 0.5f, 0.5f})
      .attr("classlabels_int64s", std::vector<int64_t>{7, 8, 9})
      .attr("post_transform", transform);
  if (with_base) m.attr("base_values", std::vector<float>{0.1f, 0.2f, -0.3f});
  return m;
}

TEST(CpuMlTreeEnsembleRegressor, RejectsAChildOutsideTheTree) {
  MlModel m("TreeEnsembleRegressor", 3);
  m.input("X", onnx::TensorProto::FLOAT)
      .output("Y", onnx::TensorProto::FLOAT)
      .attr("nodes_treeids", std::vector<int64_t>{0, 0, 0})
      .attr("nodes_nodeids", std::vector<int64_t>{0, 1, 2})
      .attr("nodes_featureids", std::vector<int64_t>{0, 0, 0})
      .attr("nodes_modes", std::vector<std::string>{"BRANCH_LEQ", "LEAF", "LEAF"})
      .attr("nodes_values", std::vector<float>{0.0f, 0, 0})
      .attr("nodes_truenodeids", std::vector<int64_t>{1, 0, 0})
      .attr("nodes_falsenodeids", std::vector<int64_t>{5, 0, 0})
      .attr("target_treeids", std::vector<int64_t>{0})
      .attr("target_nodeids", std::vector<int64_t>{1})
      .attr("target_ids", std::vector<int64_t>{0})
      .attr("target_weights", std::vector<float>{1.0f});
  std::string e = error_of([&] { m.run({{"X", tree_input()}}); });
  EXPECT_NE(e.find("child 5"), std::string::npos) << e;
}

TEST(CpuMlTreeEnsembleClassifier, MulticlassScoresAndLabels) {
  auto out = classifier3("NONE", false).run({{"X", tree_input()}});
  expect_near(out[0], int64s({4}, {7, 7, 9, 9}));
  expect_near(out[1], floats({4, 3}, {0.6f, 0.4f, 0.5f, 1.1f, 0.4f, 0.0f, 0.0f, 0.3f, 1.2f, 0.5f,
                                      0.3f, 0.7f}));
}

TEST(CpuMlTreeEnsembleClassifier, SoftmaxWithBaseValues) {
  auto out = classifier3("SOFTMAX", true).run({{"X", tree_input()}});
  expect_near(out[0], int64s({4}, {7, 7, 9, 7}));
  expect_near(out[1], floats({4, 3}, {0.398189336f, 0.360296607f, 0.241514027f, 0.564352572f,
                                      0.309723258f, 0.125924081f, 0.211982727f, 0.316241056f,
                                      0.471776247f, 0.367165416f, 0.332224995f, 0.300609618f}));
}

// The two depth-1 trees skl2onnx emits for a binary classifier: all weights on class id 0, which
// converters mean as the positive class's score.
MlModel binary_classifier(std::vector<float> node_values, std::vector<float> weights) {
  MlModel m("TreeEnsembleClassifier", 3);
  m.input("X", onnx::TensorProto::FLOAT)
      .output("label", onnx::TensorProto::INT64)
      .output("probabilities", onnx::TensorProto::FLOAT)
      .attr("nodes_treeids", std::vector<int64_t>{0, 0, 0, 1, 1, 1})
      .attr("nodes_nodeids", std::vector<int64_t>{0, 1, 2, 0, 1, 2})
      .attr("nodes_modes",
            std::vector<std::string>{"BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF"})
      .attr("nodes_values", node_values)
      .attr("nodes_truenodeids", std::vector<int64_t>{1, 0, 0, 1, 0, 0})
      .attr("nodes_falsenodeids", std::vector<int64_t>{2, 0, 0, 2, 0, 0})
      .attr("nodes_missing_value_tracks_true", std::vector<int64_t>(6, 0))
      .attr("class_treeids", std::vector<int64_t>{0, 0, 1, 1})
      .attr("class_nodeids", std::vector<int64_t>{1, 2, 1, 2})
      .attr("class_ids", std::vector<int64_t>{0, 0, 0, 0})
      .attr("class_weights", weights)
      .attr("classlabels_int64s", std::vector<int64_t>{0, 1});
  return m;
}

// First four rows of numpy.random.RandomState(0).randn(40, 3) as float32, the training data of
// the scikit-learn models below (labels: x0 + x1 > 0).
Tensor sklearn_rows() {
  return floats({4, 3}, {1.76405239f, 0.400157213f, 0.97873801f, 2.24089313f, 1.867558f,
                         -0.977277875f, 0.950088441f, -0.151357204f, -0.103218853f, 0.410598516f,
                         0.144043565f, 1.45427346f});
}

TEST(CpuMlTreeEnsembleClassifier, SklearnGradientBoostingBinary) {
  // GradientBoostingClassifier(n_estimators=2, max_depth=1, random_state=0) via skl2onnx; the
  // probabilities also equal scikit-learn's predict_proba.
  MlModel m = binary_classifier({0.088920176f, 0, 0, -0.285153061f, 0, 0},
                                {-0.159999996f, 0.106666669f, -0.18890518f, 0.0826126039f});
  m.attr("nodes_featureids", std::vector<int64_t>{1, 0, 0, 0, 0, 0})
      .attr("base_values", std::vector<float>{0.510825634f})
      .attr("post_transform", "LOGISTIC");
  auto out = m.run({{"X", sklearn_rows()}});
  expect_near(out[0], int64s({4}, {1, 1, 1, 1}));
  expect_near(out[1], floats({4, 2}, {0.331788957f, 0.668211043f, 0.331788957f, 0.668211043f,
                                      0.3933056f, 0.6066944f, 0.331788957f, 0.668211043f}));
}

TEST(CpuMlTreeEnsembleClassifier, SklearnRandomForestBinary) {
  // RandomForestClassifier(n_estimators=2, max_depth=1, random_state=0) via skl2onnx.
  MlModel m = binary_classifier({-0.780300558f, 0, 0, -0.420625627f, 0, 0},
                                {0.0416666679f, 0.410714298f, 0.0500000007f, 0.366666675f});
  m.attr("nodes_featureids", std::vector<int64_t>{2, 0, 0, 0, 0, 0});
  auto out = m.run({{"X", sklearn_rows()}});
  expect_near(out[0], int64s({4}, {1, 0, 1, 1}));
  expect_near(out[1], floats({4, 2}, {0.222619057f, 0.777380943f, 0.591666698f, 0.408333331f,
                                      0.222619057f, 0.777380943f, 0.222619057f, 0.777380943f}));
}

TEST(CpuMlTreeEnsemble, Opset5MembershipAverageAndMissingTracks) {
  MlModel m("TreeEnsemble", 5);
  m.input("X", onnx::TensorProto::FLOAT)
      .output("Y", onnx::TensorProto::FLOAT)
      .attr("n_targets", int64_t{2})
      .attr("aggregate_function", int64_t{0})  // AVERAGE
      .attr("post_transform", int64_t{0})
      .attr("tree_roots", std::vector<int64_t>{0, 2})
      .attr("nodes_featureids", std::vector<int64_t>{0, 1, 2})
      .uint8_tensor_attr("nodes_modes", {6, 3, 2})  // MEMBER, GT, GTE
      .float_tensor_attr("nodes_splits", {0.0f, 0.0f, 2.0f})
      .attr("nodes_truenodeids", std::vector<int64_t>{0, 1, 2})
      .attr("nodes_trueleafs", std::vector<int64_t>{1, 1, 1})
      .attr("nodes_falsenodeids", std::vector<int64_t>{1, 2, 3})
      .attr("nodes_falseleafs", std::vector<int64_t>{0, 1, 1})
      .attr("nodes_missing_value_tracks_true", std::vector<int64_t>{0, 1, 0})
      .attr("leaf_targetids", std::vector<int64_t>{0, 1, 0, 1})
      .float_tensor_attr("leaf_weights", {1.0f, 2.0f, 4.0f, 8.0f})
      .float_tensor_attr("membership_values", {1.0f, 3.0f, kNaN});
  auto out = m.run({{"X", tree_input()}});
  expect_near(out[0], floats({4, 2}, {2.5f, 0.0f, 0.0f, 5.0f, 4.0f, 0.0f, 2.5f, 0.0f}));
}

TEST(CpuMlLinearClassifier, MulticlassNoneAndSoftmax) {
  const Tensor x = floats({2, 3}, {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 2.0f});
  for (const char* transform : {"NONE", "SOFTMAX"}) {
    SCOPED_TRACE(transform);
    MlModel m("LinearClassifier", 1);
    m.input("X", onnx::TensorProto::FLOAT)
        .output("Y", onnx::TensorProto::INT64)
        .output("Z", onnx::TensorProto::FLOAT)
        .attr("coefficients",
              std::vector<float>{1.0f, -1.0f, 0.5f, 0.2f, 0.3f, -0.4f, -1.0f, 2.0f, 0.0f})
        .attr("intercepts", std::vector<float>{0.5f, -0.5f, 0.1f})
        .attr("classlabels_ints", std::vector<int64_t>{1, 2, 3})
        .attr("post_transform", transform);
    auto out = m.run({{"X", x}});
    expect_near(out[0], int64s({2}, {3, 3}));
    if (std::string(transform) == "NONE") {
      expect_near(out[1], floats({2, 3}, {1.0f, -0.899999976f, 3.0999999f, 0.0f, -1.35000002f,
                                          2.0999999f}));
    } else {
      expect_near(out[1], floats({2, 3}, {0.107345223f, 0.0160554759f, 0.876599252f, 0.106096186f,
                                          0.027504405f, 0.866399407f}));
    }
  }
}

TEST(CpuMlLinearClassifier, BinarySingleScoreWithStringLabels) {
  MlModel m("LinearClassifier", 1);
  m.input("X", onnx::TensorProto::FLOAT)
      .output("Y", onnx::TensorProto::STRING)
      .output("Z", onnx::TensorProto::FLOAT)
      .attr("coefficients", std::vector<float>{0.5f, -1.0f, 0.25f})
      .attr("intercepts", std::vector<float>{0.3f})
      .attr("classlabels_strings", std::vector<std::string>{"a", "b"})
      .attr("post_transform", "LOGISTIC");
  auto out = m.run({{"X", floats({2, 3}, {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 2.0f})}});
  expect_near(out[0], strings({2}, {"a", "a"}));
  expect_near(out[1], floats({2, 2}, {0.610639274f, 0.389360726f, 0.549833953f, 0.450166047f}));
}

TEST(CpuMlLinearRegressor, TwoTargets) {
  MlModel m("LinearRegressor", 1);
  m.input("X", onnx::TensorProto::FLOAT)
      .output("Y", onnx::TensorProto::FLOAT)
      .attr("coefficients", std::vector<float>{1.0f, -1.0f, 0.5f, 0.2f, 0.3f, -0.4f})
      .attr("intercepts", std::vector<float>{0.5f, -0.5f})
      .attr("targets", int64_t{2});
  auto out = m.run({{"X", floats({2, 3}, {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 2.0f})}});
  expect_near(out[0], floats({2, 2}, {1.0f, -0.899999976f, 0.0f, -1.35000002f}));
  std::string e = error_of([&] { m.run({{"X", floats({1, 2}, {1.0f, 2.0f})}}); });
  EXPECT_NE(e.find("features"), std::string::npos) << e;
}

Tensor double_rows() {
  return Tensor::from_vector<double>({3, 3}, {1.0, -2.0, 4.0, 0.0, 0.0, 0.0, -3.0, 1.0, 0.5});
}

TEST(CpuMlNormalizer, MaxL1L2) {
  const std::vector<std::pair<const char*, std::vector<float>>> cases = {
      {"MAX", {0.25f, -0.5f, 1.0f, 0.0f, 0.0f, 0.0f, -3.0f, 1.0f, 0.5f}},
      {"L1",
       {0.142857149f, -0.285714298f, 0.571428597f, 0, 0, 0, -0.666666687f, 0.222222224f,
        0.111111112f}},
      {"L2",
       {0.218217894f, -0.436435789f, 0.872871578f, 0, 0, 0, -0.937042594f, 0.312347531f,
        0.156173766f}},
  };
  for (const auto& [norm, expected] : cases) {
    SCOPED_TRACE(norm);
    MlModel m("Normalizer", 1);
    m.input("X", onnx::TensorProto::DOUBLE)
        .output("Y", onnx::TensorProto::FLOAT)
        .attr("norm", norm);
    expect_near(m.run({{"X", double_rows()}})[0], floats({3, 3}, expected));
  }
}

TEST(CpuMlScaler, PerFeatureOffsetAndScale) {
  MlModel m("Scaler", 1);
  m.input("X", onnx::TensorProto::DOUBLE)
      .output("Y", onnx::TensorProto::FLOAT)
      .attr("offset", std::vector<float>{1.0f, -1.0f, 0.5f})
      .attr("scale", std::vector<float>{2.0f, 0.5f, -1.0f});
  expect_near(m.run({{"X", double_rows()}})[0],
              floats({3, 3}, {0, -0.5f, -3.5f, -2, 0.5f, 0.5f, -8, 1, -0.0f}));
}

TEST(CpuMlBinarizer, ThresholdKeepsType) {
  // Expected values hand-derived from the spec's rule (x > threshold): onnxruntime has no
  // Binarizer kernel.
  MlModel m("Binarizer", 1);
  m.input("X", onnx::TensorProto::DOUBLE)
      .output("Y", onnx::TensorProto::DOUBLE)
      .attr("threshold", 0.5f);
  expect_near(m.run({{"X", double_rows()}})[0],
              Tensor::from_vector<double>({3, 3}, {1, 0, 1, 0, 0, 0, 0, 1, 0}));
}

TEST(CpuMlImputer, IntegerAndNaNReplacement) {
  MlModel ints("Imputer", 1);
  ints.input("X", onnx::TensorProto::INT64)
      .output("Y", onnx::TensorProto::INT64)
      .attr("imputed_value_int64s", std::vector<int64_t>{7, 8, 9})
      .attr("replaced_value_int64", int64_t{0});
  expect_near(ints.run({{"X", int64s({2, 3}, {1, 0, 3, 0, 5, 0})}})[0],
              int64s({2, 3}, {1, 8, 3, 7, 5, 9}));
  MlModel nan("Imputer", 1);
  nan.input("X", onnx::TensorProto::FLOAT)
      .output("Y", onnx::TensorProto::FLOAT)
      .attr("imputed_value_floats", std::vector<float>{-1.0f})
      .attr("replaced_value_float", kNaN);
  expect_near(
      nan.run({{"X", tree_input()}})[0],
      floats({4, 3}, {1.0f, -2.0f, 3.5f, 0.5f, 4.0f, -1.0f, -1.0f, 0.0f, 2.0f, 3.0f, 3.0f, 3.0f}));
}

TEST(CpuMlArrayFeatureExtractor, GathersLastAxis) {
  MlModel m("ArrayFeatureExtractor", 1);
  m.input("X", onnx::TensorProto::DOUBLE)
      .input("I", onnx::TensorProto::INT64)
      .output("Y", onnx::TensorProto::DOUBLE);
  auto out = m.run({{"X", double_rows()}, {"I", int64s({2}, {2, 0})}});
  expect_near(out[0], Tensor::from_vector<double>({3, 2}, {4.0, 1.0, 0.0, 0.0, 0.5, -3.0}));
  std::string e = error_of([&] { m.run({{"X", double_rows()}, {"I", int64s({1}, {3})}}); });
  EXPECT_NE(e.find("out of range"), std::string::npos) << e;
}

TEST(CpuMlOneHotEncoder, IntegerAndStringCategories) {
  MlModel ints("OneHotEncoder", 1);
  ints.input("X", onnx::TensorProto::INT64)
      .output("Y", onnx::TensorProto::FLOAT)
      .attr("cats_int64s", std::vector<int64_t>{5, 0, 3});
  expect_near(ints.run({{"X", int64s({2, 3}, {1, 0, 3, 0, 5, 0})}})[0],
              floats({2, 3, 3}, {0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0}));
  MlModel strs("OneHotEncoder", 1);
  strs.input("X", onnx::TensorProto::STRING)
      .output("Y", onnx::TensorProto::FLOAT)
      .attr("cats_strings", std::vector<std::string>{"a", "b", "c"});
  expect_near(strs.run({{"X", strings({3}, {"b", "z", "a"})}})[0],
              floats({3, 3}, {0, 1, 0, 0, 0, 0, 1, 0, 0}));
  strs.attr("zeros", int64_t{0});
  std::string e = error_of([&] { strs.run({{"X", strings({3}, {"b", "z", "a"})}}); });
  EXPECT_NE(e.find("not one of the categories"), std::string::npos) << e;
}

TEST(CpuMlLabelEncoder, StringsToIntsAndBack) {
  MlModel to_int("LabelEncoder", 2);
  to_int.input("X", onnx::TensorProto::STRING)
      .output("Y", onnx::TensorProto::INT64)
      .attr("keys_strings", std::vector<std::string>{"a", "b", "c"})
      .attr("values_int64s", std::vector<int64_t>{10, 20, 30});
  expect_near(to_int.run({{"X", strings({3}, {"b", "z", "a"})}})[0], int64s({3}, {20, -1, 10}));
  MlModel to_string("LabelEncoder", 2);
  to_string.input("X", onnx::TensorProto::INT64)
      .output("Y", onnx::TensorProto::STRING)
      .attr("keys_int64s", std::vector<int64_t>{1, 3, 5})
      .attr("values_strings", std::vector<std::string>{"one", "three", "five"})
      .attr("default_string", "?");
  expect_near(to_string.run({{"X", int64s({2, 3}, {1, 0, 3, 0, 5, 0})}})[0],
              strings({2, 3}, {"one", "?", "three", "?", "five", "?"}));
}

TEST(CpuMlLabelEncoder, FloatKeysMatchNaN) {
  MlModel m("LabelEncoder", 4);
  m.input("X", onnx::TensorProto::FLOAT)
      .output("Y", onnx::TensorProto::FLOAT)
      .attr("keys_floats", std::vector<float>{1.5f, kNaN, 0.0f})
      .attr("values_floats", std::vector<float>{10.0f, 20.0f, 30.0f});
  expect_near(m.run({{"X", floats({4}, {1.5f, kNaN, 2.0f, -0.0f})}})[0],
              floats({4}, {10.0f, 20.0f, -0.0f, 30.0f}));
}

TEST(CpuMlLabelEncoder, Opset1ClassesStrings) {
  MlModel m("LabelEncoder", 1);
  m.input("X", onnx::TensorProto::STRING)
      .output("Y", onnx::TensorProto::INT64)
      .attr("classes_strings", std::vector<std::string>{"x", "a", "b"});
  expect_near(m.run({{"X", strings({3}, {"b", "z", "a"})}})[0], int64s({3}, {2, -1, 1}));
}

TEST(CpuMlLabelEncoder, Opset4TensorAttributes) {
  // As the ONNX backend test ai_onnx_ml_label_encoder_tensor_mapping: int32 values, default 42.
  MlModel m("LabelEncoder", 4);
  m.input("X", onnx::TensorProto::STRING)
      .output("Y", onnx::TensorProto::INT32)
      .string_tensor_attr("keys_tensor", {"a", "b", "c"})
      .int32_tensor_attr("values_tensor", {0, 1, 2})
      .int32_tensor_attr("default_tensor", {42});
  expect_near(m.run({{"X", strings({5}, {"a", "b", "d", "c", "g"})}})[0],
              Tensor::from_vector<int32_t>({5}, {0, 1, 42, 2, 42}));
  MlModel mismatched("LabelEncoder", 4);
  mismatched.input("X", onnx::TensorProto::STRING)
      .output("Y", onnx::TensorProto::INT32)
      .string_tensor_attr("keys_tensor", {"a", "b"})
      .int32_tensor_attr("values_tensor", {0, 1, 2});
  std::string e = error_of([&] { mismatched.run({{"X", strings({1}, {"a"})}}); });
  EXPECT_NE(e.find("2 keys but 3 values"), std::string::npos) << e;
}

}  // namespace
}  // namespace aruntime
