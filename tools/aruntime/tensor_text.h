// How tensors, declared types and numbers read in the CLI's output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aruntime/session.h"
#include "aruntime/tensor.h"

namespace aruntime::cli {

// "float32[batch,3,?]" from model metadata (symbol names kept, "?" for unknown dims).
std::string declared_type_text(const ValueMetadata& value);
// "float32[1,3]"
std::string tensor_type_text(const Tensor& tensor);
// "[1,0,2]"
std::string index_text(const std::vector<int64_t>& index);
// A number the way people read it: "%.6g", and "nan", "inf", "-inf".
std::string number_text(double value);

// Element `flat_index` of a host tensor as text ("0.5", "-3", "true", "\"abc\"").
std::string element_text(const Tensor& tensor, int64_t flat_index);
// The first `max_values` elements: "[0.5, -1, 2, ...]".
std::string values_preview(const Tensor& tensor, size_t max_values);

struct NumericStats {
  double min = 0;  // over the non-NaN values
  double max = 0;
  double mean = 0;
  int64_t nan_count = 0;
  int64_t count = 0;  // all elements
};
// Statistics of a numeric or bool host tensor; nullopt for strings and empty tensors.
std::optional<NumericStats> numeric_stats(const Tensor& tensor);

// "y: float32[2,3] [0.1, 0.2, ...] min -1 max 2 mean 0.3" -- one line per run output.
std::string output_summary(const std::string& name, const Tensor& tensor);
// The first `max_entries` entries of a map value: "{0: 0.1, 1: 0.9}", "{\"cat\": 0.5, ...}".
std::string map_preview(const Value& map, size_t max_entries);
// output_summary for any value: tensors as above; "z: map(int64,float32) of 3 {0: 0.1, ...}";
// "z: seq(map(int64,float32)) of 150 [{0: 0.98, 1: 0.02, 2: 0}, ...]"; other sequences and
// optionals by their type.
std::string value_summary(const std::string& name, const Value& value);

// The multi-index of the element at `flat_index` in a row-major tensor of `shape`.
std::vector<int64_t> unravel_index(int64_t flat_index, const Shape& shape);

}  // namespace aruntime::cli
