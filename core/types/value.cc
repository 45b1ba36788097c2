#include "aruntime/value.h"

#include <algorithm>

namespace aruntime {

std::string_view value_kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::kTensor: return "tensor";
    case ValueKind::kSequence: return "sequence";
    case ValueKind::kOptional: return "optional";
    case ValueKind::kMap: return "map";
    case ValueKind::kUnknown: return "unknown";
  }
  return "unknown";
}

namespace {

std::string map_type_name(DataType key_type, DataType value_type) {
  return "map(" + std::string(data_type_name(key_type)) + "," +
         std::string(data_type_name(value_type)) + ")";
}

// The first key that occurs twice, as text, or "" when the keys are unique.
template <typename K>
std::string duplicate_key(const Tensor& keys) {
  std::vector<K> sorted(keys.data<K>(), keys.data<K>() + keys.num_elements());
  std::sort(sorted.begin(), sorted.end());
  auto it = std::adjacent_find(sorted.begin(), sorted.end());
  if (it == sorted.end()) return "";
  if constexpr (std::is_same_v<K, std::string>) {
    return "\"" + *it + "\"";
  } else {
    return std::to_string(*it);
  }
}

}  // namespace

Value Value::sequence(std::vector<Tensor> elements, DataType element_type) {
  for (const Tensor& t : elements) {
    if (t.dtype() != element_type) {
      throw_error(ErrorCode::kInvalidArgument,
                  "sequence of " + std::string(data_type_name(element_type)) + " given a " +
                      std::string(data_type_name(t.dtype())) + " element");
    }
  }
  Value v;
  v.kind_ = ValueKind::kSequence;
  v.elements_ = std::move(elements);
  v.element_type_ = element_type;
  return v;
}

Value Value::empty_optional(ValueKind element_kind, DataType element_type) {
  Value v;
  v.kind_ = ValueKind::kOptional;
  v.element_kind_ = element_kind;
  v.element_type_ = element_type;
  return v;
}

Value Value::optional(Value element) {
  if (element.kind() == ValueKind::kOptional) {
    throw_error(ErrorCode::kInvalidArgument, "an optional cannot hold another optional");
  }
  Value v;
  v.kind_ = ValueKind::kOptional;
  v.element_kind_ = element.kind();
  v.element_type_ = element.is_tensor() ? element.tensor().dtype() : element.element_type();
  v.element_ = std::make_shared<const Value>(std::move(element));
  return v;
}

Value Value::map(Tensor keys, Tensor values) {
  auto fail = [](const std::string& msg) {
    throw_error(ErrorCode::kInvalidArgument, "map: " + msg);
  };
  if (!keys.defined() || !values.defined()) fail("keys and values must both be given");
  if (keys.dtype() != DataType::kInt64 && keys.dtype() != DataType::kString) {
    fail("keys must be int64 or string, got " + std::string(data_type_name(keys.dtype())));
  }
  if (keys.rank() != 1 || values.rank() != 1) {
    fail("keys and values must be 1-D, got keys " + keys.shape().to_string() + " and values " +
         values.shape().to_string());
  }
  if (keys.num_elements() != values.num_elements()) {
    fail(std::to_string(keys.num_elements()) + " keys but " +
         std::to_string(values.num_elements()) + " values");
  }
  if (!keys.device().is_cpu() || !values.device().is_cpu())
    fail("keys and values must be host tensors");
  const std::string duplicate = keys.dtype() == DataType::kInt64 ? duplicate_key<int64_t>(keys)
                                                                 : duplicate_key<std::string>(keys);
  if (!duplicate.empty()) fail("key " + duplicate + " occurs more than once");
  Value v;
  v.kind_ = ValueKind::kMap;
  v.key_type_ = keys.dtype();
  v.element_type_ = values.dtype();
  v.map_keys_ = std::move(keys);
  v.map_values_ = std::move(values);
  return v;
}

Value Value::map_sequence(std::vector<Value> maps, DataType key_type, DataType value_type) {
  const bool key_known = key_type == DataType::kInt64 || key_type == DataType::kString;
  if (!key_known && !(key_type == DataType::kUndefined && maps.empty())) {
    throw_error(ErrorCode::kInvalidArgument,
                "sequence of maps: keys must be int64 or string, got " +
                    std::string(data_type_name(key_type)));
  }
  for (size_t i = 0; i < maps.size(); ++i) {
    const Value& m = maps[i];
    if (m.kind() != ValueKind::kMap || m.key_type() != key_type || m.element_type() != value_type) {
      throw_error(ErrorCode::kInvalidArgument,
                  "sequence of " + map_type_name(key_type, value_type) + " given a " +
                      m.type_string() + " as element " + std::to_string(i));
    }
  }
  Value v;
  v.kind_ = ValueKind::kSequence;
  v.element_kind_ = ValueKind::kMap;
  v.key_type_ = key_type;
  v.element_type_ = value_type;
  v.maps_ = std::move(maps);
  return v;
}

const Tensor& Value::tensor() const {
  if (kind_ != ValueKind::kTensor) {
    throw_error(ErrorCode::kInvalidArgument,
                "expected a tensor, got a " + std::string(value_kind_name(kind_)));
  }
  return tensor_;
}

Tensor& Value::tensor() {
  if (kind_ != ValueKind::kTensor) {
    throw_error(ErrorCode::kInvalidArgument,
                "expected a tensor, got a " + std::string(value_kind_name(kind_)));
  }
  return tensor_;
}

const std::vector<Tensor>& Value::elements() const {
  if (kind_ != ValueKind::kSequence) {
    throw_error(ErrorCode::kInvalidArgument,
                "expected a sequence, got a " + std::string(value_kind_name(kind_)));
  }
  if (element_kind_ != ValueKind::kTensor) {
    throw_error(ErrorCode::kInvalidArgument,
                "expected a sequence of tensors, got a " + type_string());
  }
  return elements_;
}

const Value& Value::element() const {
  if (kind_ != ValueKind::kOptional || element_ == nullptr) {
    throw_error(ErrorCode::kInvalidArgument,
                kind_ == ValueKind::kOptional ? "the optional is empty" : "expected an optional");
  }
  return *element_;
}

const Tensor& Value::map_keys() const {
  if (kind_ != ValueKind::kMap) {
    throw_error(ErrorCode::kInvalidArgument,
                "expected a map, got a " + std::string(value_kind_name(kind_)));
  }
  return map_keys_;
}

const Tensor& Value::map_values() const {
  if (kind_ != ValueKind::kMap) {
    throw_error(ErrorCode::kInvalidArgument,
                "expected a map, got a " + std::string(value_kind_name(kind_)));
  }
  return map_values_;
}

const std::vector<Value>& Value::maps() const {
  if (kind_ != ValueKind::kSequence || element_kind_ != ValueKind::kMap) {
    throw_error(
        ErrorCode::kInvalidArgument,
        "expected a sequence of maps, got a " +
            (kind_ == ValueKind::kSequence ? type_string() : std::string(value_kind_name(kind_))));
  }
  return maps_;
}

std::string Value::type_string() const {
  switch (kind_) {
    case ValueKind::kTensor:
      return std::string(data_type_name(tensor_.dtype())) + tensor_.shape().to_string();
    case ValueKind::kSequence:
      if (element_kind_ == ValueKind::kMap) {
        return "seq(" + map_type_name(key_type_, element_type_) + ") of " +
               std::to_string(maps_.size());
      }
      return "seq(" + std::string(data_type_name(element_type_)) + ") of " +
             std::to_string(elements_.size());
    case ValueKind::kOptional:
      return "optional(" + (element_ ? element_->type_string() : std::string("empty")) + ")";
    case ValueKind::kMap:
      return map_type_name(key_type_, element_type_) + " of " +
             std::to_string(map_keys_.num_elements());
    default:
      return std::string(value_kind_name(kind_));
  }
}

Value Value::deep_copy() const {
  switch (kind_) {
    case ValueKind::kTensor:
      return tensor_.defined() ? Value(tensor_.clone()) : Value();
    case ValueKind::kSequence: {
      if (element_kind_ == ValueKind::kMap) {
        std::vector<Value> copies;
        copies.reserve(maps_.size());
        for (const Value& m : maps_) copies.push_back(m.deep_copy());
        return map_sequence(std::move(copies), key_type_, element_type_);
      }
      std::vector<Tensor> copies;
      copies.reserve(elements_.size());
      for (const Tensor& t : elements_) copies.push_back(t.clone());
      return sequence(std::move(copies), element_type_);
    }
    case ValueKind::kOptional:
      return element_ ? optional(element_->deep_copy())
                      : empty_optional(element_kind_, element_type_);
    case ValueKind::kMap: {
      // Keys are often shared by many maps (ZipMap's class labels); a copy owns its own.
      Value v = *this;
      v.map_keys_ = map_keys_.clone();
      v.map_values_ = map_values_.clone();
      return v;
    }
    default:
      return *this;
  }
}

}  // namespace aruntime
