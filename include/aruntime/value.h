// Value: what flows along a graph edge — a tensor, a sequence of tensors, or an optional that is
// empty or holds a tensor or a sequence (ONNX's tensor, seq(tensor) and optional types).
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

  ValueKind kind() const { return kind_; }
  bool is_tensor() const { return kind_ == ValueKind::kTensor; }
  // False for a default-constructed Value (nothing fed / produced yet).
  bool defined() const { return kind_ != ValueKind::kTensor || tensor_.defined(); }

  // The tensor; throws Error(kInvalidArgument) when this is not a tensor.
  const Tensor& tensor() const;
  Tensor& tensor();
  // The elements of a sequence; throws when this is not a sequence.
  const std::vector<Tensor>& elements() const;
  // Element type of a sequence, or of what an optional holds.
  DataType element_type() const { return element_type_; }
  // For an optional: whether it holds a value, and the value.
  bool has_element() const { return element_ != nullptr; }
  const Value& element() const;
  ValueKind element_kind() const { return element_kind_; }

  // "float32[2,3]", "seq(float32) of 3", "optional(float32[5])", "optional(empty)"
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
};

}  // namespace aruntime
