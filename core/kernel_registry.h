// Kernels are registered by domain, op type, an inclusive opset range and type constraints; the
// registry answers "which kernel runs this node?" or says exactly why none does.
#pragma once

#include <climits>
#include <map>
#include <string>
#include <vector>

#include "core/kernel.h"

namespace aruntime {

struct TypeConstraint {
  std::string name;                 // "T" as in the ONNX spec, for error messages
  std::vector<int> inputs;          // input indices bound to this constraint
  std::vector<int> outputs;         // output indices bound to this constraint
  std::vector<DataType> allowed;
  // Kinds of value the bound inputs may be (sequences, optionals: element types in `allowed`).
  std::vector<ValueKind> kinds = {ValueKind::kTensor};
};

struct KernelDef {
  std::string domain;               // "" = ai.onnx
  std::string op_type;
  int since_version = 1;
  int end_version = INT_MAX;        // inclusive
  std::vector<TypeConstraint> constraints;
  KernelFactory factory;
};

// Common type sets.
namespace types {
extern const std::vector<DataType> kFloats;           // float32, float64, float16, bfloat16
extern const std::vector<DataType> kFloat32Only;
extern const std::vector<DataType> kSignedIntegers;   // int8..int64
extern const std::vector<DataType> kIntegers;         // signed and unsigned
extern const std::vector<DataType> kNumeric;          // floats and integers
extern const std::vector<DataType> kAll;              // numeric, bool, string
extern const std::vector<DataType> kAllNonString;     // numeric and bool
extern const std::vector<DataType> kIndices;          // int32, int64
}  // namespace types

struct KernelMatch {
  const KernelDef* def = nullptr;
  std::string reason;  // why nothing matched ("op not supported", "type float64 not supported...")
  explicit operator bool() const { return def != nullptr; }
};

class KernelRegistry {
 public:
  void add(KernelDef def);
  // Convenience: one constraint "T" over the given inputs (and output 0).
  void add(const std::string& op_type, int since, int end, std::vector<int> typed_inputs,
           std::vector<DataType> allowed, KernelFactory factory, const std::string& domain = "");

  // `input_kinds` (index-aligned with the inputs) defaults to tensors when empty.
  KernelMatch find(const Node& node, int64_t opset, const std::vector<DataType>& input_types,
                   const std::vector<DataType>& output_types,
                   const std::vector<ValueKind>& input_kinds = {}) const;
  // Every (domain, op_type) pair with at least one kernel, for docs and `aruntime providers`.
  std::vector<std::pair<std::string, std::string>> ops() const;
  size_t size() const;

 private:
  std::map<std::pair<std::string, std::string>, std::vector<KernelDef>> defs_;
};

}  // namespace aruntime
