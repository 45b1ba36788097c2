// The ai.onnx.ml operators over tensors: LinearClassifier, LinearRegressor, Normalizer, Scaler,
// Binarizer, Imputer, ArrayFeatureExtractor, LabelEncoder, OneHotEncoder and the tree ensembles
// (numerics in kernels/tree_ensemble.h). The operators over maps are in ml_map_ops.cc.
#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "kernels/tree_ensemble.h"
#include "providers/cpu/ops/nn_common.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

using kernels::PostTransform;

constexpr const char* kMlDomain = "ai.onnx.ml";
constexpr int kMaxMlOpset = 5;

const std::vector<DataType> kMlNumeric = {DataType::kFloat32, DataType::kFloat64, DataType::kInt64,
                                          DataType::kInt32};

[[noreturn]] void invalid_model(const Node& node, const std::string& msg) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": " + msg);
}
[[noreturn]] void invalid_input(const Node& node, const std::string& msg) {
  throw_error(ErrorCode::kInvalidArgument, node.describe() + ": " + msg);
}

// Rows and features of an ML input: [C] is one row, [N, C...] is N rows of the remaining size.
std::pair<int64_t, int64_t> rows_and_features(const Node& node, const Tensor& x) {
  if (x.rank() == 0) invalid_input(node, "input X must have rank 1 or more, got a scalar");
  if (x.rank() == 1) return {1, x.shape()[0]};
  return {x.shape()[0], x.shape().size_from_to(1, x.rank())};
}

std::vector<double> input_doubles(const Node& node, const Tensor& x) {
  if (x.dtype() == DataType::kString || x.dtype() == DataType::kBool) {
    invalid_input(node, "input X has type " + std::string(data_type_name(x.dtype())) +
                            ", expected a number type");
  }
  return tensor_to_doubles(x);
}

// A float-list attribute that some opsets also offer as `<name>_as_tensor`.
std::vector<double> attr_doubles(const Node& node, const std::string& name) {
  if (const Attribute* t = node.find_attribute(name + "_as_tensor");
      t && t->type == Attribute::Type::kTensor) {
    return tensor_to_doubles(t->t);
  }
  if (const Attribute* a = node.find_attribute(name)) {
    if (a->type == Attribute::Type::kTensor) return tensor_to_doubles(a->t);
    std::vector<float> f = node.attr_floats(name);
    return {f.begin(), f.end()};
  }
  return {};
}

std::vector<std::string> attr_strings_or_empty(const Node& node, const std::string& name) {
  return node.has_attribute(name) ? node.attr_strings(name) : std::vector<std::string>{};
}

template <typename T>
void write_as(Tensor& out, const std::vector<double>& values) {
  T* p = out.data<T>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<T>(values[i]);
}

// Writes doubles into a float32/float64/float16 tensor.
void write_floats(const Node& node, Tensor& out, const std::vector<double>& values) {
  switch (out.dtype()) {
    case DataType::kFloat32:
      write_as<float>(out, values);
      break;
    case DataType::kFloat64:
      write_as<double>(out, values);
      break;
    case DataType::kInt64:
      write_as<int64_t>(out, values);
      break;
    case DataType::kInt32:
      write_as<int32_t>(out, values);
      break;
    case DataType::kFloat16: {
      std::vector<float> f(values.begin(), values.end());
      float_to_half(f.data(), out);
      break;
    }
    default:
      invalid_input(
          node, "output type " + std::string(data_type_name(out.dtype())) + " is not supported");
  }
}

// Class labels of a classifier: int64 or string, from classlabels_ints/int64s or _strings.
struct ClassLabels {
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  bool are_strings = false;
  int64_t size() const { return static_cast<int64_t>(are_strings ? strings.size() : ints.size()); }

  static ClassLabels read(const Node& node, const char* ints_name) {
    ClassLabels labels;
    labels.strings = attr_strings_or_empty(node, "classlabels_strings");
    labels.ints = node.attr_ints(ints_name, {});
    labels.are_strings = !labels.strings.empty();
    if (labels.are_strings == !labels.ints.empty()) {
      invalid_model(node, std::string("exactly one of classlabels_strings and ") + ints_name +
                              " must be given");
    }
    return labels;
  }

  Tensor& allocate(KernelContext& ctx, int64_t rows) const {
    return ctx.allocate_output(0, Shape{rows}, are_strings ? DataType::kString : DataType::kInt64);
  }
  void set(Tensor& out, int64_t row, int64_t cls) const {
    if (are_strings)
      out.data<std::string>()[row] = strings[cls];
    else
      out.data<int64_t>()[row] = ints[cls];
  }
};

PostTransform read_post_transform(const Node& node) {
  return kernels::parse_post_transform(node.attr_string("post_transform", "NONE"), node.describe());
}

int64_t argmax(const double* v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i) {
    if (v[i] > v[best]) best = i;
  }
  return best;
}

// Binary classifiers that produce one score s, for the positive class, report two columns as
// onnxruntime does: [1 - s, s] without a transform, [1 - sigmoid(s), sigmoid(s)] with LOGISTIC,
// and the transform of [-s, s] otherwise.
void expand_binary_score(PostTransform transform, double s, double* out) {
  if (transform == PostTransform::kNone) {
    out[0] = 1.0 - s;
    out[1] = s;
    return;
  }
  if (transform == PostTransform::kLogistic) {
    out[1] = 1.0 / (1.0 + std::exp(-s));
    out[0] = 1.0 - out[1];
    return;
  }
  out[0] = -s;
  out[1] = s;
  kernels::apply_post_transform(transform, out, 2);
}

// ---------------------------------------------------------------------------------------------
// Linear models

class LinearClassifier final : public OpKernel {
 public:
  explicit LinearClassifier(const KernelInfo& info)
      : labels_(ClassLabels::read(info.node(), "classlabels_ints")) {
    const Node& node = info.node();
    std::vector<float> c = node.attr_floats("coefficients");
    coefficients_.assign(c.begin(), c.end());
    std::vector<float> b = node.attr_floats("intercepts", {});
    intercepts_.assign(b.begin(), b.end());
    transform_ = read_post_transform(node);
    // The class count follows the intercepts; without them, two labels may still come with a
    // single row of coefficients (a positive-class score), which compute() tells by X's width.
    n_scores_ = intercepts_.empty() ? 0 : static_cast<int64_t>(intercepts_.size());
    if (n_scores_ != 0 && n_scores_ != labels_.size() && !(n_scores_ == 1 && labels_.size() == 2)) {
      invalid_model(node, "intercepts has " + std::to_string(n_scores_) + " values for " +
                              std::to_string(labels_.size()) + " class labels");
    }
    if (coefficients_.empty() || (n_scores_ != 0 && coefficients_.size() % n_scores_ != 0)) {
      invalid_model(node, "coefficients has " + std::to_string(coefficients_.size()) +
                              " values, not a non-zero multiple of the " +
                              std::to_string(n_scores_) + " intercepts");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    auto [rows, features] = rows_and_features(node, x);
    const auto n_coef = static_cast<int64_t>(coefficients_.size());
    int64_t n_scores = n_scores_;
    if (n_scores == 0) n_scores = labels_.size() == 2 && n_coef == features ? 1 : labels_.size();
    if (features * n_scores != n_coef) {
      invalid_input(node, "input X has " + std::to_string(features) + " features, expected " +
                              std::to_string(n_coef / n_scores));
    }
    const std::vector<double> xs = input_doubles(node, x);
    const int64_t n_out = n_scores == 1 ? 2 : n_scores;
    std::vector<double> scores(static_cast<size_t>(rows * n_out));
    Tensor& label = labels_.allocate(ctx, rows);
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<double> raw(static_cast<size_t>(n_scores));
      for (int64_t c = 0; c < n_scores; ++c) {
        double s = intercepts_.empty() ? 0.0 : intercepts_[c];
        for (int64_t f = 0; f < features; ++f)
          s += coefficients_[c * features + f] * xs[r * features + f];
        raw[c] = s;
      }
      double* out = scores.data() + r * n_out;
      if (n_scores == 1) {
        labels_.set(label, r, raw[0] > 0 ? 1 : 0);
        expand_binary_score(transform_, raw[0], out);
      } else {
        labels_.set(label, r, argmax(raw.data(), n_scores));
        std::copy(raw.begin(), raw.end(), out);
        kernels::apply_post_transform(transform_, out, n_out);
      }
    }
    if (ctx.num_outputs() > 1 && ctx.output_requested(1)) {
      Tensor& z = ctx.allocate_output(1, Shape{rows, n_out}, DataType::kFloat32);
      write_as<float>(z, scores);
    }
  }

 private:
  ClassLabels labels_;
  std::vector<double> coefficients_;
  std::vector<double> intercepts_;
  PostTransform transform_;
  int64_t n_scores_ = 0;
};

class LinearRegressor final : public OpKernel {
 public:
  explicit LinearRegressor(const KernelInfo& info) {
    const Node& node = info.node();
    std::vector<float> c = node.attr_floats("coefficients", {});
    coefficients_.assign(c.begin(), c.end());
    std::vector<float> b = node.attr_floats("intercepts", {});
    intercepts_.assign(b.begin(), b.end());
    targets_ = node.attr_int("targets", 1);
    transform_ = read_post_transform(node);
    if (targets_ < 1 || coefficients_.empty() || coefficients_.size() % targets_ != 0) {
      invalid_model(
          node, "coefficients has " + std::to_string(coefficients_.size()) +
                    " values, expected a non-zero multiple of targets=" + std::to_string(targets_));
    }
    if (!intercepts_.empty() && static_cast<int64_t>(intercepts_.size()) != targets_) {
      invalid_model(node, "intercepts has " + std::to_string(intercepts_.size()) +
                              " values, expected " + std::to_string(targets_));
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    auto [rows, features] = rows_and_features(node, x);
    if (features * targets_ != static_cast<int64_t>(coefficients_.size())) {
      invalid_input(node, "input X has " + std::to_string(features) + " features, expected " +
                              std::to_string(coefficients_.size() / targets_));
    }
    const std::vector<double> xs = input_doubles(node, x);
    std::vector<double> y(static_cast<size_t>(rows * targets_));
    for (int64_t r = 0; r < rows; ++r) {
      double* out = y.data() + r * targets_;
      for (int64_t t = 0; t < targets_; ++t) {
        double s = intercepts_.empty() ? 0.0 : intercepts_[t];
        for (int64_t f = 0; f < features; ++f)
          s += coefficients_[t * features + f] * xs[r * features + f];
        out[t] = s;
      }
      kernels::apply_post_transform(transform_, out, targets_);
    }
    Tensor& out = ctx.allocate_output(0, Shape{rows, targets_}, DataType::kFloat32);
    write_as<float>(out, y);
  }

 private:
  std::vector<double> coefficients_;
  std::vector<double> intercepts_;
  int64_t targets_ = 1;
  PostTransform transform_;
};

// ---------------------------------------------------------------------------------------------
// Feature transforms

class Normalizer final : public OpKernel {
 public:
  explicit Normalizer(const KernelInfo& info) : norm_(info.node().attr_string("norm", "MAX")) {
    if (norm_ != "MAX" && norm_ != "L1" && norm_ != "L2") {
      invalid_model(info.node(), "norm must be MAX, L1 or L2, got '" + norm_ + "'");
    }
  }
  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    if (x.rank() != 1 && x.rank() != 2) {
      invalid_input(node, "input X must be [C] or [N, C], got shape " + x.shape().to_string());
    }
    auto [rows, cols] = rows_and_features(node, x);
    std::vector<double> v = input_doubles(node, x);
    for (int64_t r = 0; r < rows; ++r) {
      double* row = v.data() + r * cols;
      double norm = 0.0;
      if (norm_ == "MAX") {
        norm = cols > 0 ? *std::max_element(row, row + cols) : 0.0;
      } else if (norm_ == "L1") {
        for (int64_t c = 0; c < cols; ++c) norm += std::fabs(row[c]);
      } else {
        for (int64_t c = 0; c < cols; ++c) norm += row[c] * row[c];
        norm = std::sqrt(norm);
      }
      // A zero norm would turn the row into NaN; the row is left as it is instead.
      if (norm == 0.0) continue;
      for (int64_t c = 0; c < cols; ++c) row[c] /= norm;
    }
    Tensor& out = ctx.allocate_output(0, x.shape(), DataType::kFloat32);
    write_as<float>(out, v);
  }

 private:
  std::string norm_;
};

class Scaler final : public OpKernel {
 public:
  explicit Scaler(const KernelInfo& info) {
    std::vector<float> o = info.node().attr_floats("offset", {});
    std::vector<float> s = info.node().attr_floats("scale", {});
    offset_.assign(o.begin(), o.end());
    scale_.assign(s.begin(), s.end());
  }
  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    auto [rows, cols] = rows_and_features(node, x);
    for (const auto* p : {&offset_, &scale_}) {
      if (p->size() > 1 && static_cast<int64_t>(p->size()) != cols) {
        invalid_input(node, std::string(p == &offset_ ? "offset" : "scale") + " has " +
                                std::to_string(p->size()) + " values but X has " +
                                std::to_string(cols) + " features per row");
      }
    }
    std::vector<double> v = input_doubles(node, x);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        double off = offset_.empty() ? 0.0 : offset_[offset_.size() == 1 ? 0 : c];
        double sc = scale_.empty() ? 1.0 : scale_[scale_.size() == 1 ? 0 : c];
        double& e = v[r * cols + c];
        e = (e - off) * sc;
      }
    }
    Tensor& out = ctx.allocate_output(0, x.shape(), DataType::kFloat32);
    write_as<float>(out, v);
  }

 private:
  std::vector<double> offset_, scale_;
};

class Binarizer final : public OpKernel {
 public:
  explicit Binarizer(const KernelInfo& info)
      : threshold_(info.node().attr_float("threshold", 0.0f)) {}
  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    std::vector<double> v = input_doubles(ctx.node(), x);
    for (double& e : v) e = e > threshold_ ? 1.0 : 0.0;
    Tensor& out = ctx.allocate_output(0, x.shape(), x.dtype());
    write_floats(ctx.node(), out, v);
  }

 private:
  double threshold_;
};

class Imputer final : public OpKernel {
 public:
  explicit Imputer(const KernelInfo& info) {
    const Node& node = info.node();
    std::vector<float> f = node.attr_floats("imputed_value_floats", {});
    std::vector<int64_t> i = node.attr_ints("imputed_value_int64s", {});
    if (f.empty() == i.empty())
      invalid_model(node,
                    "exactly one of imputed_value_floats and imputed_value_int64s must be given");
    if (!f.empty()) imputed_.assign(f.begin(), f.end());
    for (int64_t v : i) imputed_.push_back(static_cast<double>(v));
    replaced_float_ = node.attr_float("replaced_value_float", 0.0f);
    replaced_int_ = node.attr_int("replaced_value_int64", 0);
  }
  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    auto [rows, cols] = rows_and_features(node, x);
    if (imputed_.size() != 1 && static_cast<int64_t>(imputed_.size()) != cols) {
      invalid_input(node, "there are " + std::to_string(imputed_.size()) +
                              " imputed values but X has " + std::to_string(cols) +
                              " features per row");
    }
    const bool integral = is_integer(x.dtype());
    const double replaced = integral ? static_cast<double>(replaced_int_) : replaced_float_;
    std::vector<double> v = input_doubles(node, x);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        double& e = v[r * cols + c];
        const bool missing = std::isnan(replaced) ? std::isnan(e) : e == replaced;
        if (missing) e = imputed_[imputed_.size() == 1 ? 0 : c];
      }
    }
    Tensor& out = ctx.allocate_output(0, x.shape(), x.dtype());
    write_floats(node, out, v);
  }

 private:
  std::vector<double> imputed_;
  double replaced_float_ = 0.0;
  int64_t replaced_int_ = 0;
};

// Copies element `from` of `src` into element `to` of `dst` (same element type).
void copy_element(const Tensor& src, int64_t from, Tensor& dst, int64_t to) {
  if (src.dtype() == DataType::kString) {
    dst.data<std::string>()[to] = src.data<std::string>()[from];
    return;
  }
  const size_t size = element_size(src.dtype());
  std::copy_n(static_cast<const char*>(src.raw_data()) + from * size, size,
              static_cast<char*>(dst.raw_data()) + to * size);
}

class ArrayFeatureExtractor final : public OpKernel {
 public:
  explicit ArrayFeatureExtractor(const KernelInfo&) {}
  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& y = ctx.required_input(1);
    if (x.rank() == 0) invalid_input(node, "input X must have rank 1 or more, got a scalar");
    const std::vector<int64_t> indices = y.to_int64_vector();
    const int64_t last = x.shape()[x.rank() - 1];
    for (int64_t i : indices) {
      if (i < 0 || i >= last) {
        invalid_input(node, "index " + std::to_string(i) +
                                " in input Y is out of range for the last axis of X (size " +
                                std::to_string(last) + ")");
      }
    }
    std::vector<int64_t> dims = x.shape().dims();
    dims.back() = static_cast<int64_t>(indices.size());
    Tensor& out = ctx.allocate_output(0, Shape(dims), x.dtype());
    const int64_t outer = last == 0 ? 0 : x.num_elements() / last;
    const auto k = static_cast<int64_t>(indices.size());
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t j = 0; j < k; ++j) copy_element(x, o * last + indices[j], out, o * k + j);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// LabelEncoder: keys map to values by position; unmatched inputs get the default.

Tensor strings_tensor(const std::vector<std::string>& v) {
  return Tensor::from_vector<std::string>(Shape{static_cast<int64_t>(v.size())}, v);
}
Tensor ints_tensor(const std::vector<int64_t>& v) {
  return Tensor::from_vector<int64_t>(Shape{static_cast<int64_t>(v.size())}, v);
}
Tensor floats_tensor(const std::vector<float>& v) {
  return Tensor::from_vector<float>(Shape{static_cast<int64_t>(v.size())}, v);
}

class LabelEncoder final : public OpKernel {
 public:
  explicit LabelEncoder(const KernelInfo& info) {
    const Node& node = info.node();
    Tensor keys;
    if (info.opset() < 2) {
      // Opset 1: strings map to their index in classes_strings and integers back to strings.
      std::vector<std::string> classes = node.attr_strings("classes_strings");
      std::vector<int64_t> positions(classes.size());
      for (size_t i = 0; i < classes.size(); ++i) positions[i] = static_cast<int64_t>(i);
      if (info.input_type(0) == DataType::kInt64) {
        keys = ints_tensor(positions);
        values_ = strings_tensor(classes);
        default_ = strings_tensor({node.attr_string("default_string", "_Unused")});
      } else {
        keys = strings_tensor(classes);
        values_ = ints_tensor(positions);
        default_ = ints_tensor({node.attr_int("default_int64", -1)});
      }
    } else {
      keys = read_list(node, "keys");
      values_ = read_list(node, "values");
      if (const Attribute* d = node.find_attribute("default_tensor")) {
        default_ = d->t;
        if (default_.num_elements() != 1 || default_.dtype() != values_.dtype()) {
          invalid_model(node, "default_tensor must hold one value of the values' type " +
                                  std::string(data_type_name(values_.dtype())));
        }
      } else if (values_.dtype() == DataType::kString) {
        default_ = strings_tensor({node.attr_string("default_string", "_Unused")});
      } else if (values_.dtype() == DataType::kFloat32) {
        default_ = floats_tensor({node.attr_float("default_float", -0.0f)});
      } else if (values_.dtype() == DataType::kInt64) {
        default_ = ints_tensor({node.attr_int("default_int64", -1)});
      } else {
        // Other value types (opset 4 tensors): -1 for integers, -0.0 for floating point.
        default_ = Tensor(values_.dtype(), Shape{1});
        write_floats(node, default_, {is_integer(values_.dtype()) ? -1.0 : -0.0});
      }
    }
    if (keys.num_elements() != values_.num_elements()) {
      invalid_model(node, "there are " + std::to_string(keys.num_elements()) + " keys but " +
                              std::to_string(values_.num_elements()) + " values");
    }
    key_type_ = keys.dtype();
    if (key_type_ == DataType::kString) {
      for (int64_t i = 0; i < keys.num_elements(); ++i)
        string_index_.emplace(keys.data<std::string>()[i], i);
    } else if (is_integer(key_type_)) {
      const std::vector<int64_t> k = keys.to_int64_vector();
      for (size_t i = 0; i < k.size(); ++i) int_index_.emplace(k[i], static_cast<int64_t>(i));
    } else {
      const std::vector<double> k = tensor_to_doubles(keys);
      for (size_t i = 0; i < k.size(); ++i) {
        if (std::isnan(k[i]))
          nan_index_ = nan_index_ < 0 ? static_cast<int64_t>(i) : nan_index_;
        else
          float_index_.emplace(k[i], static_cast<int64_t>(i));
      }
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const bool x_string = x.dtype() == DataType::kString;
    if (x_string != (key_type_ == DataType::kString) ||
        (!x_string && is_integer(x.dtype()) != is_integer(key_type_))) {
      invalid_input(node, "input X has type " + std::string(data_type_name(x.dtype())) +
                              " but the keys have type " + std::string(data_type_name(key_type_)));
    }
    Tensor& out = ctx.allocate_output(0, x.shape(), values_.dtype());
    const int64_t n = x.num_elements();
    if (x_string) {
      const std::string* xs = x.data<std::string>();
      for (int64_t i = 0; i < n; ++i) {
        auto it = string_index_.find(xs[i]);
        emit(it == string_index_.end() ? -1 : it->second, out, i);
      }
    } else if (is_integer(x.dtype())) {
      const std::vector<int64_t> xs = x.to_int64_vector();
      for (int64_t i = 0; i < n; ++i) {
        auto it = int_index_.find(xs[i]);
        emit(it == int_index_.end() ? -1 : it->second, out, i);
      }
    } else {
      const std::vector<double> xs = tensor_to_doubles(x);
      for (int64_t i = 0; i < n; ++i) {
        if (std::isnan(xs[i])) {
          emit(nan_index_, out, i);
          continue;
        }
        auto it = float_index_.find(xs[i]);
        emit(it == float_index_.end() ? -1 : it->second, out, i);
      }
    }
  }

 private:
  // keys_*/values_* as a 1-D tensor: <prefix>_tensor, _strings, _int64s or _floats.
  static Tensor read_list(const Node& node, const std::string& prefix) {
    if (const Attribute* t = node.find_attribute(prefix + "_tensor");
        t && t->type == Attribute::Type::kTensor) {
      return t->t.reshaped(Shape{t->t.num_elements()});
    }
    std::vector<Tensor> found;
    if (node.has_attribute(prefix + "_strings"))
      found.push_back(strings_tensor(node.attr_strings(prefix + "_strings")));
    if (node.has_attribute(prefix + "_int64s"))
      found.push_back(ints_tensor(node.attr_ints(prefix + "_int64s")));
    if (node.has_attribute(prefix + "_floats"))
      found.push_back(floats_tensor(node.attr_floats(prefix + "_floats")));
    if (found.size() != 1) {
      invalid_model(node, "exactly one of " + prefix + "_strings, " + prefix + "_int64s, " +
                              prefix + "_floats and " + prefix + "_tensor must be given, got " +
                              std::to_string(found.size()));
    }
    return found[0];
  }

  void emit(int64_t index, Tensor& out, int64_t i) const {
    if (index < 0)
      copy_element(default_, 0, out, i);
    else
      copy_element(values_, index, out, i);
  }

  DataType key_type_ = DataType::kUndefined;
  Tensor values_;
  Tensor default_;
  std::unordered_map<std::string, int64_t> string_index_;
  std::unordered_map<int64_t, int64_t> int_index_;
  std::map<double, int64_t> float_index_;
  int64_t nan_index_ = -1;
};

class OneHotEncoder final : public OpKernel {
 public:
  explicit OneHotEncoder(const KernelInfo& info) {
    const Node& node = info.node();
    std::vector<int64_t> ints = node.attr_ints("cats_int64s", {});
    std::vector<std::string> strings = attr_strings_or_empty(node, "cats_strings");
    if (ints.empty() == strings.empty())
      invalid_model(node, "exactly one of cats_int64s and cats_strings must be given");
    for (size_t i = 0; i < ints.size(); ++i) int_cats_.emplace(ints[i], static_cast<int64_t>(i));
    for (size_t i = 0; i < strings.size(); ++i)
      string_cats_.emplace(strings[i], static_cast<int64_t>(i));
    n_cats_ = static_cast<int64_t>(ints.size() + strings.size());
    zeros_ = node.attr_int("zeros", 1) != 0;
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const bool x_string = x.dtype() == DataType::kString;
    if (x_string == string_cats_.empty()) {
      invalid_input(node, "input X has type " + std::string(data_type_name(x.dtype())) +
                              (x_string ? " but the categories are integers"
                                        : " but the categories are strings"));
    }
    std::vector<int64_t> dims = x.shape().dims();
    dims.push_back(n_cats_);
    Tensor& out = ctx.allocate_output(0, Shape(dims), DataType::kFloat32);
    float* y = out.data<float>();
    std::fill(y, y + out.num_elements(), 0.0f);
    const int64_t n = x.num_elements();
    std::vector<double> numbers;
    if (!x_string) numbers = input_doubles(node, x);
    for (int64_t i = 0; i < n; ++i) {
      int64_t cat = -1;
      if (x_string) {
        auto it = string_cats_.find(x.data<std::string>()[i]);
        if (it != string_cats_.end()) cat = it->second;
      } else if (!std::isnan(numbers[i])) {
        auto it = int_cats_.find(static_cast<int64_t>(numbers[i]));
        if (it != int_cats_.end()) cat = it->second;
      }
      if (cat >= 0) {
        y[i * n_cats_ + cat] = 1.0f;
      } else if (!zeros_) {
        invalid_input(node, "input element " + std::to_string(i) +
                                " is not one of the categories and zeros=0");
      }
    }
  }

 private:
  std::unordered_map<int64_t, int64_t> int_cats_;
  std::unordered_map<std::string, int64_t> string_cats_;
  int64_t n_cats_ = 0;
  bool zeros_ = true;
};

// ---------------------------------------------------------------------------------------------
// Tree ensembles

kernels::TreeNodeMode parse_mode(const Node& node, const std::string& mode) {
  using M = kernels::TreeNodeMode;
  if (mode == "BRANCH_LEQ") return M::kLeq;
  if (mode == "BRANCH_LT") return M::kLt;
  if (mode == "BRANCH_GTE") return M::kGte;
  if (mode == "BRANCH_GT") return M::kGt;
  if (mode == "BRANCH_EQ") return M::kEq;
  if (mode == "BRANCH_NEQ") return M::kNeq;
  if (mode == "LEAF") return M::kLeaf;
  invalid_model(node, "unknown node mode '" + mode + "'");
}

void check_size(const Node& node, const std::string& name, size_t got, size_t expected) {
  if (got != expected) {
    invalid_model(node, name + " has " + std::to_string(got) + " values, expected " +
                            std::to_string(expected));
  }
}

// The TreeEnsembleRegressor/Classifier layout: parallel nodes_* lists keyed by (tree id, node id)
// and `<prefix>_treeids/_nodeids/_ids/_weights` lists attaching weights to leaves.
kernels::TreeEnsembleModel read_legacy_trees(const Node& node, const std::string& prefix) {
  kernels::TreeEnsembleModel model;
  const std::vector<int64_t> tree_ids = node.attr_ints("nodes_treeids");
  const std::vector<int64_t> node_ids = node.attr_ints("nodes_nodeids");
  const std::vector<int64_t> features = node.attr_ints("nodes_featureids");
  const std::vector<std::string> modes = node.attr_strings("nodes_modes");
  const std::vector<double> values = attr_doubles(node, "nodes_values");
  const std::vector<int64_t> true_ids = node.attr_ints("nodes_truenodeids");
  const std::vector<int64_t> false_ids = node.attr_ints("nodes_falsenodeids");
  const std::vector<int64_t> missing = node.attr_ints("nodes_missing_value_tracks_true", {});
  const size_t n = tree_ids.size();
  check_size(node, "nodes_nodeids", node_ids.size(), n);
  check_size(node, "nodes_featureids", features.size(), n);
  check_size(node, "nodes_modes", modes.size(), n);
  check_size(node, "nodes_values", values.size(), n);
  check_size(node, "nodes_truenodeids", true_ids.size(), n);
  check_size(node, "nodes_falsenodeids", false_ids.size(), n);
  if (!missing.empty()) check_size(node, "nodes_missing_value_tracks_true", missing.size(), n);

  std::map<std::pair<int64_t, int64_t>, int64_t> index;
  for (size_t i = 0; i < n; ++i) {
    if (!index.emplace(std::make_pair(tree_ids[i], node_ids[i]), static_cast<int64_t>(i)).second) {
      invalid_model(node, "tree " + std::to_string(tree_ids[i]) + " has node id " +
                              std::to_string(node_ids[i]) + " twice");
    }
  }
  auto child = [&](size_t i, int64_t id) {
    auto it = index.find({tree_ids[i], id});
    if (it == index.end()) {
      invalid_model(node, "node " + std::to_string(node_ids[i]) + " of tree " +
                              std::to_string(tree_ids[i]) + " has child " + std::to_string(id) +
                              ", which is not a node of that tree");
    }
    return it->second;
  };
  model.nodes.resize(n);
  std::vector<char> is_child(n, 0);
  for (size_t i = 0; i < n; ++i) {
    kernels::TreeNode& t = model.nodes[i];
    t.mode = parse_mode(node, modes[i]);
    t.feature = features[i];
    t.threshold = values[i];
    t.missing_tracks_true = !missing.empty() && missing[i] != 0;
    if (t.mode == kernels::TreeNodeMode::kLeaf) continue;
    t.true_child = child(i, true_ids[i]);
    t.false_child = child(i, false_ids[i]);
    is_child[t.true_child] = is_child[t.false_child] = 1;
  }
  // A tree's root is its node that no other node points to (the first such, by position).
  std::map<int64_t, int64_t> roots;
  for (size_t i = 0; i < n; ++i) {
    if (!is_child[i]) roots.emplace(tree_ids[i], static_cast<int64_t>(i));
  }
  for (const auto& [tree, root] : roots) model.roots.push_back(root);

  const std::vector<int64_t> w_trees = node.attr_ints(prefix + "_treeids", {});
  const std::vector<int64_t> w_nodes = node.attr_ints(prefix + "_nodeids", {});
  const std::vector<int64_t> w_ids = node.attr_ints(prefix + "_ids", {});
  const std::vector<double> w_values = attr_doubles(node, prefix + "_weights");
  check_size(node, prefix + "_nodeids", w_nodes.size(), w_trees.size());
  check_size(node, prefix + "_ids", w_ids.size(), w_trees.size());
  check_size(node, prefix + "_weights", w_values.size(), w_trees.size());
  std::vector<std::pair<int64_t, kernels::LeafWeight>> per_leaf;
  for (size_t k = 0; k < w_trees.size(); ++k) {
    auto it = index.find({w_trees[k], w_nodes[k]});
    if (it == index.end() || model.nodes[it->second].mode != kernels::TreeNodeMode::kLeaf) {
      invalid_model(node, prefix + " weight " + std::to_string(k) + " refers to node " +
                              std::to_string(w_nodes[k]) + " of tree " +
                              std::to_string(w_trees[k]) + ", which is not a leaf");
    }
    per_leaf.push_back({it->second, kernels::LeafWeight{w_ids[k], w_values[k]}});
  }
  std::stable_sort(per_leaf.begin(), per_leaf.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t k = 0; k < per_leaf.size(); ++k) {
    kernels::TreeNode& leaf = model.nodes[per_leaf[k].first];
    if (leaf.num_weights == 0) leaf.first_weight = static_cast<int64_t>(k);
    ++leaf.num_weights;
    model.weights.push_back(per_leaf[k].second);
  }
  return model;
}

// X as doubles with its row/feature split, for the tree kernels.
struct TreeInput {
  std::vector<double> values;
  int64_t rows = 0;
  int64_t features = 0;
};
TreeInput read_tree_input(const Node& node, const Tensor& x) {
  TreeInput in;
  std::tie(in.rows, in.features) = rows_and_features(node, x);
  in.values = input_doubles(node, x);
  return in;
}

class TreeEnsembleRegressor final : public OpKernel {
 public:
  explicit TreeEnsembleRegressor(const KernelInfo& info)
      : model_(read_legacy_trees(info.node(), "target")) {
    const Node& node = info.node();
    model_.n_targets = node.attr_int("n_targets", 1);
    model_.aggregate =
        kernels::parse_aggregate(node.attr_string("aggregate_function", "SUM"), node.describe());
    model_.base_values = attr_doubles(node, "base_values");
    transform_ = read_post_transform(node);
    model_.validate(node.describe());
  }
  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    TreeInput in = read_tree_input(node, ctx.required_input(0));
    std::vector<double> y(static_cast<size_t>(in.rows * model_.n_targets));
    kernels::evaluate_tree_ensemble(model_, in.values.data(), in.rows, in.features, y.data(),
                                    node.describe());
    for (int64_t r = 0; r < in.rows; ++r) {
      kernels::apply_post_transform(transform_, y.data() + r * model_.n_targets, model_.n_targets);
    }
    Tensor& out = ctx.allocate_output(0, Shape{in.rows, model_.n_targets}, DataType::kFloat32);
    write_as<float>(out, y);
  }

 private:
  kernels::TreeEnsembleModel model_;
  PostTransform transform_;
};

class TreeEnsembleClassifier final : public OpKernel {
 public:
  explicit TreeEnsembleClassifier(const KernelInfo& info)
      : model_(read_legacy_trees(info.node(), "class")),
        labels_(ClassLabels::read(info.node(), "classlabels_int64s")) {
    const Node& node = info.node();
    model_.n_targets = labels_.size();
    base_values_ = attr_doubles(node, "base_values");
    transform_ = read_post_transform(node);
    model_.validate(node.describe());
    if (!base_values_.empty() && base_values_.size() != 1 &&
        static_cast<int64_t>(base_values_.size()) != model_.n_targets) {
      invalid_model(node, "base_values has " + std::to_string(base_values_.size()) +
                              " values, expected " + std::to_string(model_.n_targets));
    }
    // Two classes whose weights all go to one class id: the trees produce one score, which
    // converters (skl2onnx for random forests and gradient boosting) mean as the positive class's
    // score whichever id they attach it to.
    if (model_.n_targets == 2 && !model_.weights.empty()) {
      single_class_ = model_.weights.front().target;
      for (const kernels::LeafWeight& w : model_.weights) {
        if (w.target != single_class_) single_class_ = -1;
      }
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    TreeInput in = read_tree_input(node, ctx.required_input(0));
    const int64_t classes = model_.n_targets;
    std::vector<double> z(static_cast<size_t>(in.rows * classes));
    kernels::evaluate_tree_ensemble(model_, in.values.data(), in.rows, in.features, z.data(),
                                    node.describe());
    Tensor& label = labels_.allocate(ctx, in.rows);
    for (int64_t r = 0; r < in.rows; ++r) {
      double* row = z.data() + r * classes;
      if (single_class_ >= 0) {
        double s = row[single_class_];
        if (!base_values_.empty()) s += base_values_[base_values_.size() == 1 ? 0 : 1];
        // Untransformed scores are probabilities (random forests): positive above one half.
        labels_.set(label, r, s > (transform_ == PostTransform::kNone ? 0.5 : 0.0) ? 1 : 0);
        expand_binary_score(transform_, s, row);
        continue;
      }
      for (int64_t c = 0; c < classes && !base_values_.empty(); ++c) {
        row[c] += base_values_[base_values_.size() == 1 ? 0 : c];
      }
      labels_.set(label, r, argmax(row, classes));
      kernels::apply_post_transform(transform_, row, classes);
    }
    if (ctx.num_outputs() > 1 && ctx.output_requested(1)) {
      Tensor& out = ctx.allocate_output(1, Shape{in.rows, classes}, DataType::kFloat32);
      write_as<float>(out, z);
    }
  }

 private:
  kernels::TreeEnsembleModel model_;
  ClassLabels labels_;
  std::vector<double> base_values_;
  PostTransform transform_;
  int64_t single_class_ = -1;
};

// Opset 5 TreeEnsemble: interior nodes and leaves in separate lists, enum-valued attributes and
// tensor-valued splits and weights.
class TreeEnsemble final : public OpKernel {
 public:
  explicit TreeEnsemble(const KernelInfo& info) {
    const Node& node = info.node();
    using M = kernels::TreeNodeMode;
    const std::vector<double> splits = tensor_to_doubles(node.attr_tensor("nodes_splits"));
    const std::vector<int64_t> features = node.attr_ints("nodes_featureids");
    const std::vector<int64_t> modes = node.attr_tensor("nodes_modes").to_int64_vector();
    const std::vector<int64_t> true_ids = node.attr_ints("nodes_truenodeids");
    const std::vector<int64_t> false_ids = node.attr_ints("nodes_falsenodeids");
    const std::vector<int64_t> true_leafs = node.attr_ints("nodes_trueleafs");
    const std::vector<int64_t> false_leafs = node.attr_ints("nodes_falseleafs");
    const std::vector<int64_t> leaf_targets = node.attr_ints("leaf_targetids");
    const std::vector<double> leaf_weights = tensor_to_doubles(node.attr_tensor("leaf_weights"));
    const std::vector<int64_t> roots = node.attr_ints("tree_roots");
    std::vector<int64_t> missing;
    if (node.has_attribute("nodes_missing_value_tracks_true")) {
      missing = node.attr_ints("nodes_missing_value_tracks_true");
    }
    std::vector<double> members;
    if (node.has_attribute("membership_values"))
      members = tensor_to_doubles(node.attr_tensor("membership_values"));
    const size_t n = splits.size();
    check_size(node, "nodes_featureids", features.size(), n);
    check_size(node, "nodes_modes", modes.size(), n);
    check_size(node, "nodes_truenodeids", true_ids.size(), n);
    check_size(node, "nodes_falsenodeids", false_ids.size(), n);
    check_size(node, "nodes_trueleafs", true_leafs.size(), n);
    check_size(node, "nodes_falseleafs", false_leafs.size(), n);
    if (!missing.empty()) check_size(node, "nodes_missing_value_tracks_true", missing.size(), n);
    check_size(node, "leaf_weights", leaf_weights.size(), leaf_targets.size());
    const auto leaves = static_cast<int64_t>(leaf_targets.size());
    const auto interior = static_cast<int64_t>(n);

    // Leaves follow the interior nodes in the flat list, one weight each.
    model_.nodes.resize(n + leaf_targets.size());
    for (int64_t l = 0; l < leaves; ++l) {
      kernels::TreeNode& leaf = model_.nodes[interior + l];
      leaf.first_weight = l;
      leaf.num_weights = 1;
      model_.weights.push_back({leaf_targets[l], leaf_weights[l]});
    }
    auto target = [&](int64_t id, bool is_leaf, const char* what) {
      const int64_t limit = is_leaf ? leaves : interior;
      if (id < 0 || id >= limit) {
        invalid_model(node, std::string(what) + " " + std::to_string(id) + " is out of range [0, " +
                                std::to_string(limit) + ")");
      }
      return is_leaf ? interior + id : id;
    };
    size_t member_pos = 0;
    for (size_t i = 0; i < n; ++i) {
      kernels::TreeNode& t = model_.nodes[i];
      if (modes[i] < 0 || modes[i] > 6)
        invalid_model(node, "nodes_modes has unknown mode " + std::to_string(modes[i]));
      t.mode = static_cast<M>(modes[i]);
      t.feature = features[i];
      t.threshold = splits[i];
      t.missing_tracks_true = !missing.empty() && missing[i] != 0;
      t.true_child = target(true_ids[i], true_leafs[i] != 0, "nodes_truenodeids");
      t.false_child = target(false_ids[i], false_leafs[i] != 0, "nodes_falsenodeids");
      if (t.mode == M::kMember) {
        // Each set-membership node takes the next NaN-terminated run of membership_values.
        if (member_pos >= members.size()) invalid_model(node, "membership_values has too few sets");
        while (member_pos < members.size() && !std::isnan(members[member_pos]))
          t.members.push_back(members[member_pos++]);
        ++member_pos;
      }
    }
    for (int64_t r : roots) {
      // A tree that is a single leaf has a root whose two branches are the same leaf.
      const bool leaf_root =
          r >= 0 && r < interior && true_leafs[r] && false_leafs[r] && true_ids[r] == false_ids[r];
      model_.roots.push_back(leaf_root ? target(true_ids[r], true, "tree_roots leaf")
                                       : target(r, false, "tree_roots"));
    }
    model_.n_targets = node.attr_int("n_targets");
    const int64_t aggregate = node.attr_int("aggregate_function", 1);
    if (aggregate < 0 || aggregate > 3)
      invalid_model(node, "aggregate_function must be 0..3, got " + std::to_string(aggregate));
    static constexpr kernels::TreeAggregate kAggregates[] = {
        kernels::TreeAggregate::kAverage, kernels::TreeAggregate::kSum,
        kernels::TreeAggregate::kMin, kernels::TreeAggregate::kMax};
    model_.aggregate = kAggregates[aggregate];
    const int64_t transform = node.attr_int("post_transform", 0);
    if (transform < 0 || transform > 4)
      invalid_model(node, "post_transform must be 0..4, got " + std::to_string(transform));
    transform_ = static_cast<PostTransform>(transform);
    model_.validate(node.describe());
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    TreeInput in = read_tree_input(node, x);
    std::vector<double> y(static_cast<size_t>(in.rows * model_.n_targets));
    kernels::evaluate_tree_ensemble(model_, in.values.data(), in.rows, in.features, y.data(),
                                    node.describe());
    for (int64_t r = 0; r < in.rows; ++r) {
      kernels::apply_post_transform(transform_, y.data() + r * model_.n_targets, model_.n_targets);
    }
    Tensor& out = ctx.allocate_output(0, Shape{in.rows, model_.n_targets}, x.dtype());
    write_floats(node, out, y);
  }

 private:
  kernels::TreeEnsembleModel model_;
  PostTransform transform_ = PostTransform::kNone;
};

}  // namespace

void register_ml_kernels(KernelRegistry& registry) {
  // Only input X is constrained: the outputs' types come from attributes (labels, values), not
  // from X.
  auto add = [&](const char* op, int since, int end, std::vector<DataType> types,
                 KernelFactory factory) {
    KernelDef def;
    def.domain = kMlDomain;
    def.op_type = op;
    def.since_version = since;
    def.end_version = end;
    def.constraints = {TypeConstraint{"T", {0}, {}, std::move(types)}};
    def.factory = std::move(factory);
    registry.add(std::move(def));
  };
  add("LinearClassifier", 1, kMaxMlOpset, kMlNumeric, make_kernel<LinearClassifier>());
  add("LinearRegressor", 1, kMaxMlOpset, kMlNumeric, make_kernel<LinearRegressor>());
  add("Normalizer", 1, kMaxMlOpset, kMlNumeric, make_kernel<Normalizer>());
  add("Scaler", 1, kMaxMlOpset, kMlNumeric, make_kernel<Scaler>());
  add("Binarizer", 1, kMaxMlOpset, kMlNumeric, make_kernel<Binarizer>());
  add("Imputer", 1, kMaxMlOpset, kMlNumeric, make_kernel<Imputer>());
  add("ArrayFeatureExtractor", 1, kMaxMlOpset,
      {DataType::kFloat32, DataType::kFloat64, DataType::kInt64, DataType::kInt32,
       DataType::kString},
      make_kernel<ArrayFeatureExtractor>());
  add("LabelEncoder", 1, kMaxMlOpset,
      {DataType::kString, DataType::kInt64, DataType::kFloat32, DataType::kInt32, DataType::kInt16,
       DataType::kFloat64},
      make_kernel<LabelEncoder>());
  add("OneHotEncoder", 1, kMaxMlOpset,
      {DataType::kString, DataType::kInt64, DataType::kInt32, DataType::kFloat32,
       DataType::kFloat64},
      make_kernel<OneHotEncoder>());
  add("TreeEnsembleRegressor", 1, kMaxMlOpset, kMlNumeric, make_kernel<TreeEnsembleRegressor>());
  add("TreeEnsembleClassifier", 1, kMaxMlOpset, kMlNumeric, make_kernel<TreeEnsembleClassifier>());
  add("TreeEnsemble", 5, kMaxMlOpset, {DataType::kFloat32, DataType::kFloat64, DataType::kFloat16},
      make_kernel<TreeEnsemble>());
  register_ml_map_kernels(registry);
}

}  // namespace aruntime::cpu
