// Value: what flows along a graph edge — a tensor, a sequence (of tensors, or of maps), an optional
// that is empty or holds a tensor or a sequence, or a map (ONNX's tensor, seq, optional and map
// types; maps come from the ai.onnx.ml operators).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "aruntime/tensor.h"

namespace aruntime {

enum class ValueKind { kTensor, kSequence, kOptional, kMap, kUnknown };

std::string_view value_kind_name(ValueKind kind);  // "tensor", "sequence", "optional", ...

class Value {
 public:
  Value() = default;
  Value(Tensor tensor) : tensor_(std::move(tensor)) {}  // NOLINT: a tensor is a value

  // A sequence of tensors of one element type (may be empty; `element_type` says what it holds).
  static Value sequence(std::vector<Tensor> elements, DataType element_type);
  // An optional without a value; `element_kind`/`element_type` describe what it would hold.
  static Value empty_optional(ValueKind element_kind, DataType element_type);
  // An optional holding `element` (a tensor or a sequence).
  static Value optional(Value element);
  // A map, stored as ONNX's MapProto stores it: `keys` and `values` are 1-D host tensors of one
  // length, entry i mapping keys[i] to values[i]. Keys are int64 or string and must be unique;
  // values may be of any element type. The tensors are shared, not copied.
  static Value map(Tensor keys, Tensor values);
  // A sequence of maps with `key_type` keys and `value_type` values (ZipMap's output). Each
  // element must be such a map. `key_type` may be kUndefined only for an empty sequence read from
  // a file that does not say it.
  static Value map_sequence(std::vector<Value> maps, DataType key_type, DataType value_type);

  ValueKind kind() const { return kind_; }
  bool is_tensor() const { return kind_ == ValueKind::kTensor; }
  // False for a default-constructed Value (nothing fed / produced yet).
  bool defined() const { return kind_ != ValueKind::kTensor || tensor_.defined(); }

  // The tensor; throws Error(kInvalidArgument) when this is not a tensor.
  const Tensor& tensor() const;
  Tensor& tensor();
  // The elements of a sequence of tensors; throws when this is not one (a sequence of maps
  // included: see maps()).
  const std::vector<Tensor>& elements() const;
  // Element type of a sequence (of a map sequence: the maps' value type), of what an optional
  // holds, or of a map's values.
  DataType element_type() const { return element_type_; }
  // For an optional: whether it holds a value, and the value.
  bool has_element() const { return element_ != nullptr; }
  const Value& element() const;
  // What an optional holds or would hold; for a sequence, kTensor or kMap.
  ValueKind element_kind() const { return element_kind_; }

  // A map's keys and values (1-D, same length); throw when this is not a map.
  const Tensor& map_keys() const;
  const Tensor& map_values() const;
  // Key type of a map or of the maps of a sequence; kUndefined for other values.
  DataType key_type() const { return key_type_; }
  // The maps of a sequence of maps; throws when this is not one.
  const std::vector<Value>& maps() const;

  // "float32[2,3]", "seq(float32) of 3", "optional(float32[5])", "optional(empty)",
  // "map(int64,float32) of 3", "seq(map(string,float32)) of 2"
  std::string type_string() const;
  // A copy whose every tensor owns fresh host memory (no buffer shared with this value).
  Value deep_copy() const;

 private:
  ValueKind kind_ = ValueKind::kTensor;
  Tensor tensor_;
  std::vector<Tensor> elements_;
  DataType element_type_ = DataType::kUndefined;
  ValueKind element_kind_ = ValueKind::kTensor;
  std::shared_ptr<const Value> element_;
  DataType key_type_ = DataType::kUndefined;
  Tensor map_keys_;
  Tensor map_values_;
  std::vector<Value> maps_;
};

}  // namespace aruntime
