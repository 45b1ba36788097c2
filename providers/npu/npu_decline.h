// The fixed vocabulary of reasons the NPU provider gives for a node it does not take. Every
// reason starts with one of these phrases, followed by ": " and the particulars, so that users and
// tools can group declines by kind ("type not supported: input 0 is float64").
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace aruntime::npu {

enum class DeclineKind {
  kOpNotSupported,      // "op not supported: Resize" (op, domain or opset)
  kTypeNotSupported,    // "type not supported: input 0 is float64 (float32 or float16 expected)"
  kDynamicShape,        // "dynamic shape: output 'x' is float32[batch,16]"
  kEmptyTensor,         // "empty tensor: input 'x' is float32[0,3]"
  kAttributeValue,      // "attribute value: auto_pad=FOO"
  kConstantRequired,    // "constant required: input 1 'W' is computed at run time"
  kInputValue,          // "input value: a_scale has 4 values (per-row scales)"
  kOutputNotSupported,  // "output not supported: output 1 'indices'"
  kInvalidNode,         // "invalid node: ..." (left to a provider that reports the model error)
  kGroupTooSmall,       // "group too small (2 < min_group_size 3)"
  kMemoryBudget,        // "memory budget: group needs N bytes, budget M"
};

std::string_view decline_phrase(DeclineKind kind);

// "<phrase>: <detail>", or the phrase alone for an empty detail.
std::string decline_reason(DeclineKind kind, const std::string& detail);

// Thrown while compiling when the device cannot run a node as given. `reason` is a full decline
// reason; capabilities() turns it into a Decline of `node_name`.
class UnsupportedNode : public std::exception {
 public:
  UnsupportedNode(std::string node_name, std::string reason)
      : node_name_(std::move(node_name)), reason_(std::move(reason)) {}
  const char* what() const noexcept override { return reason_.c_str(); }
  const std::string& node_name() const { return node_name_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string node_name_;
  std::string reason_;
};

}  // namespace aruntime::npu
