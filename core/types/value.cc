#include "aruntime/value.h"

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

const Tensor& Value::tensor() const {
  if (kind_ != ValueKind::kTensor) {
    throw_error(ErrorCode::kInvalidArgument, "expected a tensor, got a " + std::string(value_kind_name(kind_)));
  }
  return tensor_;
}

Tensor& Value::tensor() {
  if (kind_ != ValueKind::kTensor) {
    throw_error(ErrorCode::kInvalidArgument, "expected a tensor, got a " + std::string(value_kind_name(kind_)));
  }
  return tensor_;
}

const std::vector<Tensor>& Value::elements() const {
  if (kind_ != ValueKind::kSequence) {
    throw_error(ErrorCode::kInvalidArgument, "expected a sequence, got a " + std::string(value_kind_name(kind_)));
  }
  return elements_;
}

const Value& Value::element() const {
  if (kind_ != ValueKind::kOptional || element_ == nullptr) {
    throw_error(ErrorCode::kInvalidArgument, kind_ == ValueKind::kOptional ? "the optional is empty"
                                                                          : "expected an optional");
  }
  return *element_;
}

std::string Value::type_string() const {
  switch (kind_) {
    case ValueKind::kTensor:
      return std::string(data_type_name(tensor_.dtype())) + tensor_.shape().to_string();
    case ValueKind::kSequence:
      return "seq(" + std::string(data_type_name(element_type_)) + ") of " + std::to_string(elements_.size());
    case ValueKind::kOptional:
      return "optional(" + (element_ ? element_->type_string() : std::string("empty")) + ")";
    default:
      return std::string(value_kind_name(kind_));
  }
}

Value Value::deep_copy() const {
  switch (kind_) {
    case ValueKind::kTensor:
      return tensor_.defined() ? Value(tensor_.clone()) : Value();
    case ValueKind::kSequence: {
      std::vector<Tensor> copies;
      copies.reserve(elements_.size());
      for (const Tensor& t : elements_) copies.push_back(t.clone());
      return sequence(std::move(copies), element_type_);
    }
    case ValueKind::kOptional:
      return element_ ? optional(element_->deep_copy()) : empty_optional(element_kind_, element_type_);
    default:
      return *this;
  }
}

}  // namespace aruntime
