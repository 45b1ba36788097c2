#include "core/kernel_registry.h"

#include <algorithm>

namespace aruntime {
namespace types {
using DT = DataType;
const std::vector<DataType> kFloats = {DT::kFloat32, DT::kFloat64, DT::kFloat16, DT::kBFloat16};
const std::vector<DataType> kFloat32Only = {DT::kFloat32};
const std::vector<DataType> kSignedIntegers = {DT::kInt8, DT::kInt16, DT::kInt32, DT::kInt64};
const std::vector<DataType> kIntegers = {DT::kInt8,  DT::kInt16,  DT::kInt32,  DT::kInt64,
                                         DT::kUInt8, DT::kUInt16, DT::kUInt32, DT::kUInt64};
const std::vector<DataType> kNumeric = {DT::kFloat32, DT::kFloat64, DT::kFloat16, DT::kBFloat16,
                                        DT::kInt8,    DT::kInt16,   DT::kInt32,   DT::kInt64,
                                        DT::kUInt8,   DT::kUInt16,  DT::kUInt32,  DT::kUInt64};
const std::vector<DataType> kAllNonString = {
    DT::kFloat32, DT::kFloat64, DT::kFloat16, DT::kBFloat16, DT::kInt8,   DT::kInt16, DT::kInt32,
    DT::kInt64,   DT::kUInt8,   DT::kUInt16,  DT::kUInt32,   DT::kUInt64, DT::kBool};
const std::vector<DataType> kAll = {
    DT::kFloat32, DT::kFloat64, DT::kFloat16, DT::kBFloat16, DT::kInt8,   DT::kInt16, DT::kInt32,
    DT::kInt64,   DT::kUInt8,   DT::kUInt16,  DT::kUInt32,   DT::kUInt64, DT::kBool,  DT::kString};
const std::vector<DataType> kIndices = {DT::kInt32, DT::kInt64};
}  // namespace types

void KernelRegistry::add(KernelDef def) {
  defs_[{def.domain, def.op_type}].push_back(std::move(def));
}

void KernelRegistry::add(const std::string& op_type, int since, int end, std::vector<int> typed_inputs,
                         std::vector<DataType> allowed, KernelFactory factory,
                         const std::string& domain) {
  KernelDef def;
  def.domain = domain;
  def.op_type = op_type;
  def.since_version = since;
  def.end_version = end;
  def.constraints.push_back({"T", std::move(typed_inputs), {0}, std::move(allowed)});
  def.factory = std::move(factory);
  add(std::move(def));
}

namespace {

std::string type_list(const std::vector<DataType>& types) {
  std::string s;
  for (size_t i = 0; i < types.size(); ++i) {
    if (i) s += ", ";
    s += data_type_name(types[i]);
  }
  return s;
}

// Empty when `def` accepts the types; otherwise why not.
std::string type_mismatch(const KernelDef& def, const std::vector<DataType>& in,
                          const std::vector<DataType>& out, const std::vector<ValueKind>& kinds) {
  for (const auto& c : def.constraints) {
    for (int i : c.inputs) {
      if (i < 0 || static_cast<size_t>(i) >= kinds.size() || in[i] == DataType::kUndefined) continue;
      const ValueKind k = kinds[i] == ValueKind::kUnknown ? ValueKind::kTensor : kinds[i];
      if (std::find(c.kinds.begin(), c.kinds.end(), k) == c.kinds.end()) {
        return "input " + std::to_string(i) + " is a " + std::string(value_kind_name(k)) +
               ", which this kernel does not take";
      }
    }
    auto check = [&](const std::vector<DataType>& types, int idx, const char* what) -> std::string {
      if (idx < 0 || static_cast<size_t>(idx) >= types.size()) return {};
      DataType t = types[idx];
      if (t == DataType::kUndefined) return {};  // omitted optional value
      if (std::find(c.allowed.begin(), c.allowed.end(), t) == c.allowed.end()) {
        return std::string(what) + " " + std::to_string(idx) + " has type " +
               std::string(data_type_name(t)) + ", supported for " + c.name + ": " +
               type_list(c.allowed);
      }
      return {};
    };
    for (int i : c.inputs) {
      if (auto r = check(in, i, "input"); !r.empty()) return r;
    }
    for (int o : c.outputs) {
      if (auto r = check(out, o, "output"); !r.empty()) return r;
    }
  }
  return {};
}

}  // namespace

KernelMatch KernelRegistry::find(const Node& node, int64_t opset, const std::vector<DataType>& input_types,
                                 const std::vector<DataType>& output_types,
                                 const std::vector<ValueKind>& input_kinds) const {
  KernelMatch m;
  auto it = defs_.find({node.domain, node.op_type});
  if (it == defs_.end()) {
    m.reason = "op " + node.op_type + (node.domain.empty() ? "" : " (domain " + node.domain + ")") +
               " is not supported";
    return m;
  }
  std::string type_reason;
  std::string versions;
  for (const auto& def : it->second) {
    if (!versions.empty()) versions += ", ";
    versions += std::to_string(def.since_version);
    if (def.end_version == INT_MAX) {
      versions += '+';
    } else {
      versions += '-';
      versions += std::to_string(def.end_version);
    }
    if (opset < def.since_version || opset > def.end_version) continue;
    std::string r = type_mismatch(def, input_types, output_types, input_kinds);
    if (r.empty()) {
      m.def = &def;
      return m;
    }
    type_reason = r;
  }
  if (!type_reason.empty()) {
    m.reason = type_reason;
  } else {
    m.reason = "opset " + std::to_string(opset) + " of " + node.op_type +
               " is not supported (kernels for opsets " + versions + ")";
  }
  return m;
}

std::vector<std::pair<std::string, std::string>> KernelRegistry::ops() const {
  std::vector<std::pair<std::string, std::string>> r;
  for (const auto& [key, defs] : defs_) r.push_back(key);
  return r;
}

size_t KernelRegistry::size() const {
  size_t n = 0;
  for (const auto& [key, defs] : defs_) n += defs.size();
  return n;
}

}  // namespace aruntime
