// The ai.onnx.ml operators that take or make maps (Value::map): ZipMap turns classifier scores
// into one map per row, as skl2onnx ends classifiers; DictVectorizer and CastMap turn a map into a
// tensor. Maps live in host memory, so these kernels are CPU-only by nature.
//
// Where the spec leaves room, these kernels follow onnxruntime, which produced most test data of
// converted models: DictVectorizer and CastMap return one row, shape [1, n]; DictVectorizer ignores
// keys missing from its vocabulary. They differ from it where it would read or write garbage:
// CastMap refuses SPARSE keys at or above max_map (onnxruntime drops them), and missing entries
// are 0 for numbers and "" for strings.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <set>
#include <unordered_map>

#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

constexpr const char* kMlDomain = "ai.onnx.ml";
constexpr int kMaxMlOpset = 5;

[[noreturn]] void invalid_model(const Node& node, const std::string& msg) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": " + msg);
}
[[noreturn]] void invalid_input(const Node& node, const std::string& msg) {
  throw_error(ErrorCode::kInvalidArgument, node.describe() + ": " + msg);
}

std::string type_name(DataType t) {
  return std::string(data_type_name(t));
}

// The declared or inferred type of the node's input 0, when it is known to be a map.
const TypeInfo* map_input_type(const KernelInfo& info) {
  const TypeInfo* t = info.has_input(0) ? info.graph().find_type(info.node().inputs[0]) : nullptr;
  return t != nullptr && t->kind == ValueKind::kMap ? t : nullptr;
}

// Input 0 as a map, or an error naming the node and what came instead.
const Value& map_input(const KernelContext& ctx) {
  const Value* v = ctx.input_value(0);
  if (v == nullptr) invalid_input(ctx.node(), "input 0 (X) is required but omitted");
  if (v->kind() != ValueKind::kMap) {
    invalid_input(ctx.node(), "input 0 ('" + ctx.node().inputs[0] + "') is a " + v->type_string() +
                                  ", expected a map");
  }
  return *v;
}

// Fails when the declared or inferred type of output 0 differs from what the attributes make.
void check_output_type(const KernelInfo& info, DataType produced, const std::string& because) {
  const DataType declared = info.output_type(0);
  if (declared != DataType::kUndefined && declared != produced) {
    invalid_model(info.node(), "output 0 is declared " + type_name(declared) + ", but " + because +
                                   " makes " + type_name(produced));
  }
}

// ---------------------------------------------------------------------------------------------
// ZipMap: X [N, C] (or [C], one row) -> a sequence of N maps {label_j: X[i, j]}.

class ZipMap final : public OpKernel {
 public:
  explicit ZipMap(const KernelInfo& info) {
    const Node& node = info.node();
    const bool strings = node.has_attribute("classlabels_strings");
    if (strings == node.has_attribute("classlabels_int64s")) {
      invalid_model(node,
                    "exactly one of classlabels_strings and classlabels_int64s must be given");
    }
    if (strings) {
      std::vector<std::string> labels = node.attr_strings("classlabels_strings");
      labels_ =
          Tensor::from_vector<std::string>(Shape{static_cast<int64_t>(labels.size())}, labels);
      check_unique(node, labels, "classlabels_strings");
    } else {
      std::vector<int64_t> labels = node.attr_ints("classlabels_int64s");
      labels_ = Tensor::from_vector<int64_t>(Shape{static_cast<int64_t>(labels.size())}, labels);
      check_unique(node, labels, "classlabels_int64s");
    }
    if (labels_.num_elements() == 0) invalid_model(node, "the class label list is empty");
    const TypeInfo* out = node.has_output(0) ? info.graph().find_type(node.outputs[0]) : nullptr;
    if (out != nullptr && out->is_map_sequence() && out->key_dtype != labels_.dtype()) {
      invalid_model(node, "output 0 is declared " + out->to_string() + ", but " +
                              (strings ? "classlabels_strings" : "classlabels_int64s") + " makes " +
                              type_name(labels_.dtype()) + " keys");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    if (x.rank() != 1 && x.rank() != 2) {
      invalid_input(
          node, "input X must be 1-D or 2-D, got " + type_name(x.dtype()) + x.shape().to_string());
    }
    const int64_t classes = labels_.num_elements();
    const int64_t columns = x.shape()[x.rank() - 1];
    if (columns != classes) {
      invalid_input(node, "input X has " + std::to_string(columns) + " columns (shape " +
                              x.shape().to_string() + ") but there are " + std::to_string(classes) +
                              " class labels");
    }
    const int64_t rows = x.rank() == 1 ? 1 : x.shape()[0];
    const float* scores = x.data<float>();
    std::vector<Value> maps;
    maps.reserve(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      Tensor values(DataType::kFloat32, Shape{classes});
      std::memcpy(values.data<float>(), scores + r * classes,
                  static_cast<size_t>(classes) * sizeof(float));
      maps.push_back(Value::map(labels_, std::move(values)));  // every map shares the label tensor
    }
    ctx.set_output_value(0,
                         Value::map_sequence(std::move(maps), labels_.dtype(), DataType::kFloat32));
  }

 private:
  template <typename K>
  static void check_unique(const Node& node, const std::vector<K>& labels, const char* attribute) {
    if (std::set<K>(labels.begin(), labels.end()).size() != labels.size()) {
      invalid_model(node, std::string(attribute) + " repeats a label; map keys must be unique");
    }
  }

  Tensor labels_;
};

// ---------------------------------------------------------------------------------------------
// DictVectorizer: map {k: v} -> Y [1, V] with Y[0, j] = the value of vocabulary[j], 0 (or "") for
// vocabulary entries the map lacks. A key that appears twice in the vocabulary fills both places.

class DictVectorizer final : public OpKernel {
 public:
  explicit DictVectorizer(const KernelInfo& info) {
    const Node& node = info.node();
    const bool strings = node.has_attribute("string_vocabulary");
    if (strings == node.has_attribute("int64_vocabulary")) {
      invalid_model(node, "exactly one of string_vocabulary and int64_vocabulary must be given");
    }
    key_type_ = strings ? DataType::kString : DataType::kInt64;
    if (strings) {
      const std::vector<std::string> vocabulary = node.attr_strings("string_vocabulary");
      size_ = static_cast<int64_t>(vocabulary.size());
      for (int64_t j = 0; j < size_; ++j) string_positions_[vocabulary[j]].push_back(j);
    } else {
      const std::vector<int64_t> vocabulary = node.attr_ints("int64_vocabulary");
      size_ = static_cast<int64_t>(vocabulary.size());
      for (int64_t j = 0; j < size_; ++j) int_positions_[vocabulary[j]].push_back(j);
    }
    if (size_ == 0) invalid_model(node, "the vocabulary is empty");
    if (const TypeInfo* in = map_input_type(info)) {
      if (in->key_dtype != DataType::kUndefined && in->key_dtype != key_type_) {
        invalid_model(node, "input 0 is " + in->to_string() + ", but " +
                                (strings ? "string_vocabulary" : "int64_vocabulary") + " needs " +
                                type_name(key_type_) + " keys");
      }
      check_output_type(info, in->dtype, "the input's value type");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Value& map = map_input(ctx);
    if (map.key_type() != key_type_) {
      invalid_input(node, "input 0 is a " + map.type_string() + ", but the vocabulary needs " +
                              type_name(key_type_) + " keys");
    }
    const Tensor& values = map.map_values();
    Tensor& y = ctx.allocate_output(0, Shape{1, size_}, values.dtype());
    switch (values.dtype()) {
      case DataType::kFloat32:
        fill<float>(map, y);
        break;
      case DataType::kFloat64:
        fill<double>(map, y);
        break;
      case DataType::kInt64:
        fill<int64_t>(map, y);
        break;
      case DataType::kString:
        fill<std::string>(map, y);
        break;
      default:
        invalid_input(node, "input 0 is a " + map.type_string() +
                                "; map values must be float32, float64, int64 or string");
    }
  }

 private:
  template <typename V>
  void fill(const Value& map, Tensor& y) const {
    V* out = y.data<V>();
    std::fill(out, out + size_, V{});
    const V* values = map.map_values().data<V>();
    const int64_t n = map.map_keys().num_elements();
    for (int64_t i = 0; i < n; ++i) {
      const std::vector<int64_t>* positions = nullptr;
      if (key_type_ == DataType::kString) {
        auto it = string_positions_.find(map.map_keys().data<std::string>()[i]);
        if (it != string_positions_.end()) positions = &it->second;
      } else {
        auto it = int_positions_.find(map.map_keys().data<int64_t>()[i]);
        if (it != int_positions_.end()) positions = &it->second;
      }
      if (positions == nullptr) continue;  // not in the vocabulary: dropped, as onnxruntime does
      for (int64_t j : *positions) out[j] = values[i];
    }
  }

  DataType key_type_ = DataType::kUndefined;
  int64_t size_ = 0;
  // Vocabulary entry -> its positions in the output.
  std::unordered_map<std::string, std::vector<int64_t>> string_positions_;
  std::unordered_map<int64_t, std::vector<int64_t>> int_positions_;
};

// ---------------------------------------------------------------------------------------------
// CastMap: map(int64, float32|string) -> Y [1, n], the values in ascending key order and cast to
// cast_to. DENSE: n is the map's size. SPARSE: n is max_map and the value of key k lands at k.

class CastMap final : public OpKernel {
 public:
  explicit CastMap(const KernelInfo& info) {
    const Node& node = info.node();
    const std::string cast_to = node.attr_string("cast_to", "TO_FLOAT");
    if (cast_to == "TO_FLOAT") {
      to_ = DataType::kFloat32;
    } else if (cast_to == "TO_STRING") {
      to_ = DataType::kString;
    } else if (cast_to == "TO_INT64") {
      to_ = DataType::kInt64;
    } else {
      invalid_model(node, "cast_to '" + cast_to + "' is not one of TO_FLOAT, TO_STRING, TO_INT64");
    }
    const std::string form = node.attr_string("map_form", "DENSE");
    if (form != "DENSE" && form != "SPARSE") {
      invalid_model(node, "map_form '" + form + "' is not DENSE or SPARSE");
    }
    sparse_ = form == "SPARSE";
    max_map_ = node.attr_int("max_map", 1);
    if (sparse_ && max_map_ < 1) {
      invalid_model(
          node, "max_map must be positive for map_form SPARSE, got " + std::to_string(max_map_));
    }
    if (const TypeInfo* in = map_input_type(info)) {
      if (in->key_dtype != DataType::kUndefined && in->key_dtype != DataType::kInt64) {
        invalid_model(node, "input 0 is " + in->to_string() + "; CastMap needs int64 keys");
      }
    }
    check_output_type(info, to_, "cast_to " + cast_to);
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Value& map = map_input(ctx);
    const Tensor& values = map.map_values();
    if (map.key_type() != DataType::kInt64 ||
        (values.dtype() != DataType::kFloat32 && values.dtype() != DataType::kString)) {
      invalid_input(node, "input 0 is a " + map.type_string() +
                              ", expected map(int64,float32) or map(int64,string)");
    }
    const int64_t* keys = map.map_keys().data<int64_t>();
    const int64_t n = map.map_keys().num_elements();
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), int64_t{0});
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return keys[a] < keys[b]; });
    if (sparse_) {
      for (int64_t i : order) {
        if (keys[i] < 0 || keys[i] >= max_map_) {
          invalid_input(node, "key " + std::to_string(keys[i]) + " is outside [0, " +
                                  std::to_string(max_map_) + "), the positions that max_map=" +
                                  std::to_string(max_map_) + " allows");
        }
      }
    }
    Tensor& y = ctx.allocate_output(0, Shape{1, sparse_ ? max_map_ : n}, to_);
    switch (to_) {
      case DataType::kFloat32:
        write<float>(node, map, order, y);
        break;
      case DataType::kInt64:
        write<int64_t>(node, map, order, y);
        break;
      default:
        write<std::string>(node, map, order, y);
        break;
    }
  }

 private:
  template <typename To>
  void write(const Node& node, const Value& map, const std::vector<int64_t>& order,
             Tensor& y) const {
    To* out = y.data<To>();
    std::fill(out, out + y.num_elements(), To{});
    const int64_t* keys = map.map_keys().data<int64_t>();
    const Tensor& values = map.map_values();
    for (size_t k = 0; k < order.size(); ++k) {
      const int64_t i = order[k];
      const int64_t at = sparse_ ? keys[i] : static_cast<int64_t>(k);
      if (values.dtype() == DataType::kFloat32) {
        out[at] = from_float<To>(node, values.data<float>()[i], keys[i]);
      } else {
        out[at] = from_string<To>(node, values.data<std::string>()[i], keys[i]);
      }
    }
  }

  template <typename To>
  static To from_float(const Node& node, float v, int64_t key) {
    if constexpr (std::is_same_v<To, float>) {
      return v;
    } else if constexpr (std::is_same_v<To, std::string>) {
      return std::to_string(v);  // "%f", as onnxruntime formats them
    } else {
      // Truncation toward zero; values an int64 cannot hold are refused, not wrapped.
      if (!(std::fabs(v) < 9.2233720368547758e18f)) {
        invalid_input(node, "the value of key " + std::to_string(key) + " (" + std::to_string(v) +
                                ") cannot be cast to int64");
      }
      return static_cast<int64_t>(v);
    }
  }

  template <typename To>
  static To from_string(const Node& node, const std::string& s, int64_t key) {
    if constexpr (std::is_same_v<To, std::string>) {
      return s;
    } else {
      // The whole string must be the number (leading spaces aside): "1.5abc" is no float.
      const char* begin = s.c_str();
      char* end = nullptr;
      errno = 0;
      To v{};
      if constexpr (std::is_same_v<To, float>) {
        v = std::strtof(begin, &end);
      } else {
        v = std::strtoll(begin, &end, 10);
      }
      if (s.empty() || end != begin + s.size() || errno == ERANGE) {
        invalid_input(node, "the value of key " + std::to_string(key) + " (\"" + s + "\") is not " +
                                (std::is_same_v<To, float> ? "a float32" : "an int64") + " number");
      }
      return v;
    }
  }

  DataType to_ = DataType::kFloat32;
  bool sparse_ = false;
  int64_t max_map_ = 1;
};

}  // namespace

void register_ml_map_kernels(KernelRegistry& registry) {
  const std::vector<DataType> dict_values = {DataType::kInt64, DataType::kFloat32,
                                             DataType::kFloat64, DataType::kString};
  auto add = [&](const char* op, std::vector<TypeConstraint> constraints, KernelFactory factory) {
    KernelDef def;
    def.domain = kMlDomain;
    def.op_type = op;
    def.since_version = 1;
    def.end_version = kMaxMlOpset;
    def.constraints = std::move(constraints);
    def.factory = std::move(factory);
    registry.add(std::move(def));
  };
  // Map inputs are matched by the element type of their values (TypeInfo::dtype); key types are
  // checked by the kernels when they are created.
  add("ZipMap", {TypeConstraint{"T", {0}, {}, {DataType::kFloat32}}}, make_kernel<ZipMap>());
  add("DictVectorizer",
      {TypeConstraint{"T1", {0}, {}, dict_values, {ValueKind::kMap}},
       TypeConstraint{"T2", {}, {0}, dict_values}},
      make_kernel<DictVectorizer>());
  add("CastMap",
      {TypeConstraint{"T1", {0}, {}, {DataType::kFloat32, DataType::kString}, {ValueKind::kMap}},
       TypeConstraint{"T2", {}, {0}, {DataType::kFloat32, DataType::kString, DataType::kInt64}}},
      make_kernel<CastMap>());
}

}  // namespace aruntime::cpu
