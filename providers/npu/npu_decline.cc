#include "providers/npu/npu_decline.h"

namespace aruntime::npu {

std::string_view decline_phrase(DeclineKind kind) {
  switch (kind) {
    case DeclineKind::kOpNotSupported:
      return "op not supported";
    case DeclineKind::kTypeNotSupported:
      return "type not supported";
    case DeclineKind::kDynamicShape:
      return "dynamic shape";
    case DeclineKind::kEmptyTensor:
      return "empty tensor";
    case DeclineKind::kAttributeValue:
      return "attribute value";
    case DeclineKind::kConstantRequired:
      return "constant required";
    case DeclineKind::kInputValue:
      return "input value";
    case DeclineKind::kOutputNotSupported:
      return "output not supported";
    case DeclineKind::kInvalidNode:
      return "invalid node";
    case DeclineKind::kGroupTooSmall:
      return "group too small";
    case DeclineKind::kMemoryBudget:
      return "memory budget";
  }
  return "declined";
}

std::string decline_reason(DeclineKind kind, const std::string& detail) {
  std::string reason(decline_phrase(kind));
  if (!detail.empty()) reason += ": " + detail;
  return reason;
}

}  // namespace aruntime::npu
