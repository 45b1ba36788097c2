// Shape rules of the ai.onnx.ml ops that scikit-learn converters emit. Rows are X's first dim (1
// for a 1-D X), as the CPU kernels read them; score columns follow the class labels.
#include "graph/shape_inference_internal.h"

namespace aruntime::shape_inference {
namespace {

std::optional<Dim> rows_of(const NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr || x->empty()) return std::nullopt;
  return x->size() == 1 ? Dim::fixed(1) : (*x)[0];
}

int64_t class_label_count(const Node& node, const char* ints_name) {
  if (const Attribute* a = node.find_attribute("classlabels_strings"))
    return static_cast<int64_t>(a->strings.size());
  if (const Attribute* a = node.find_attribute(ints_name))
    return static_cast<int64_t>(a->ints.size());
  return -1;
}

// Labels [rows]; scores [rows, classes].
void classifier_rule(NodeContext& ctx, const char* ints_name) {
  std::optional<Dim> rows = rows_of(ctx);
  if (!rows) return;
  ctx.set_shape(0, {*rows});
  ctx.set_shape(1, {*rows, fixed_or_unknown(class_label_count(ctx.node(), ints_name))});
}

void regressor_rule(NodeContext& ctx, const char* targets_name) {
  std::optional<Dim> rows = rows_of(ctx);
  if (!rows) return;
  ctx.set_shape(0, {*rows, fixed_or_unknown(ctx.node().attr_int(targets_name, 1))});
}

// Y's elements index X's last axis.
void array_feature_extractor_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  const Dims* y = ctx.shape(1);
  if (x == nullptr || x->empty() || y == nullptr) return;
  Dims out(*x);
  out.back() = dim_product(*y, 0, y->size());
  ctx.set_shape(0, std::move(out));
}

void one_hot_encoder_rule(NodeContext& ctx) {
  const Dims* x = ctx.shape(0);
  if (x == nullptr) return;
  int64_t categories = 0;
  if (const Attribute* a = ctx.node().find_attribute("cats_int64s"))
    categories += static_cast<int64_t>(a->ints.size());
  if (const Attribute* a = ctx.node().find_attribute("cats_strings"))
    categories += static_cast<int64_t>(a->strings.size());
  Dims out(*x);
  out.push_back(Dim::fixed(categories));
  ctx.set_shape(0, std::move(out));
}

}  // namespace

void add_ml_rules(RuleTable& rules) {
  for (const char* op : {"Scaler", "Normalizer", "Binarizer", "Imputer", "LabelEncoder"}) {
    rules[std::string("ai.onnx.ml:") + op] = [](NodeContext& ctx) { same_shape_as_input(ctx); };
  }
  rules["ai.onnx.ml:LinearClassifier"] = [](NodeContext& ctx) {
    classifier_rule(ctx, "classlabels_ints");
  };
  rules["ai.onnx.ml:TreeEnsembleClassifier"] = [](NodeContext& ctx) {
    classifier_rule(ctx, "classlabels_int64s");
  };
  rules["ai.onnx.ml:LinearRegressor"] = [](NodeContext& ctx) { regressor_rule(ctx, "targets"); };
  rules["ai.onnx.ml:TreeEnsembleRegressor"] = [](NodeContext& ctx) {
    regressor_rule(ctx, "n_targets");
  };
  rules["ai.onnx.ml:TreeEnsemble"] = [](NodeContext& ctx) { regressor_rule(ctx, "n_targets"); };
  rules["ai.onnx.ml:ArrayFeatureExtractor"] = array_feature_extractor_rule;
  rules["ai.onnx.ml:OneHotEncoder"] = one_hot_encoder_rule;
}

}  // namespace aruntime::shape_inference
