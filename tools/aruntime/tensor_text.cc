#include "tools/aruntime/tensor_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "tools/aruntime/dtype_dispatch.h"

namespace aruntime::cli {

std::string declared_type_text(const ValueMetadata& value) {
  std::string text(data_type_name(value.dtype));
  if (!value.has_shape) return text + " (shape unknown)";
  text += "[";
  for (size_t i = 0; i < value.dims.size(); ++i) {
    if (i) text += ",";
    const std::string symbol = i < value.dim_symbols.size() ? value.dim_symbols[i] : "";
    if (value.dims[i] >= 0) {
      text += std::to_string(value.dims[i]);
    } else {
      text += symbol.empty() ? "?" : symbol;
    }
  }
  return text + "]";
}

std::string tensor_type_text(const Tensor& tensor) {
  return std::string(data_type_name(tensor.dtype())) + tensor.shape().to_string();
}

std::string index_text(const std::vector<int64_t>& index) {
  return Shape(index).to_string();
}

std::string number_text(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

std::string element_text(const Tensor& tensor, int64_t flat_index) {
  return dispatch_dtype(tensor.dtype(), [&](auto tag) -> std::string {
    using T = typename decltype(tag)::type;
    const T& value = tensor.data<T>()[flat_index];
    if constexpr (std::is_same_v<T, std::string>) {
      return "\"" + value + "\"";
    } else if constexpr (std::is_same_v<T, bool>) {
      return value ? "true" : "false";
    } else if constexpr (kIsHalf<T> || std::is_floating_point_v<T>) {
      return number_text(widen_float(value));
    } else {
      return std::to_string(value);
    }
  });
}

std::string values_preview(const Tensor& tensor, size_t max_values) {
  const int64_t shown = std::min<int64_t>(tensor.num_elements(), static_cast<int64_t>(max_values));
  std::string text = "[";
  for (int64_t i = 0; i < shown; ++i) {
    if (i) text += ", ";
    text += element_text(tensor, i);
  }
  if (tensor.num_elements() > shown) text += ", ...";
  return text + "]";
}

std::optional<NumericStats> numeric_stats(const Tensor& tensor) {
  if (tensor.dtype() == DataType::kString || tensor.num_elements() == 0) return std::nullopt;
  NumericStats stats;
  stats.count = tensor.num_elements();
  double sum = 0;
  double lowest = std::numeric_limits<double>::infinity();
  double highest = -std::numeric_limits<double>::infinity();
  dispatch_dtype(tensor.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, std::string>) {
      const T* values = tensor.data<T>();
      for (int64_t i = 0; i < stats.count; ++i) {
        double v = 0;
        if constexpr (kIsHalf<T> || std::is_floating_point_v<T>) {
          v = widen_float(values[i]);
        } else {
          v = static_cast<double>(values[i]);
        }
        if (std::isnan(v)) {
          ++stats.nan_count;
          continue;
        }
        sum += v;
        lowest = std::min(lowest, v);
        highest = std::max(highest, v);
      }
    }
  });
  const int64_t valid = stats.count - stats.nan_count;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  stats.min = valid > 0 ? lowest : nan;
  stats.max = valid > 0 ? highest : nan;
  stats.mean = valid > 0 ? sum / static_cast<double>(valid) : nan;
  return stats;
}

std::string output_summary(const std::string& name, const Tensor& tensor) {
  std::string line = name + ": " + tensor_type_text(tensor);
  if (!tensor.device().is_cpu()) return line + " on " + tensor.device().to_string();
  line += " " + values_preview(tensor, 6);
  if (auto stats = numeric_stats(tensor)) {
    line += " min " + number_text(stats->min) + " max " + number_text(stats->max) + " mean " +
            number_text(stats->mean);
    if (stats->nan_count > 0) line += " nan-count " + std::to_string(stats->nan_count);
  }
  return line;
}

std::string map_preview(const Value& map, size_t max_entries) {
  const Tensor& keys = map.map_keys();
  const Tensor& values = map.map_values();
  const int64_t shown = std::min<int64_t>(keys.num_elements(), static_cast<int64_t>(max_entries));
  std::string text = "{";
  for (int64_t i = 0; i < shown; ++i) {
    if (i) text += ", ";
    text += element_text(keys, i) + ": " + element_text(values, i);
  }
  if (keys.num_elements() > shown) text += ", ...";
  return text + "}";
}

std::string value_summary(const std::string& name, const Value& value) {
  switch (value.kind()) {
    case ValueKind::kTensor:
      return output_summary(name, value.tensor());
    case ValueKind::kMap:
      return name + ": " + value.type_string() + " " + map_preview(value, 6);
    case ValueKind::kSequence: {
      if (value.element_kind() != ValueKind::kMap) return name + ": " + value.type_string();
      const std::vector<Value>& maps = value.maps();
      const size_t shown = std::min<size_t>(maps.size(), 3);
      std::string text = name + ": " + value.type_string() + " [";
      for (size_t i = 0; i < shown; ++i) text += (i ? ", " : "") + map_preview(maps[i], 4);
      if (maps.size() > shown) text += ", ...";
      return text + "]";
    }
    default:
      return name + ": " + value.type_string();
  }
}

std::vector<int64_t> unravel_index(int64_t flat_index, const Shape& shape) {
  std::vector<int64_t> index(shape.rank(), 0);
  for (size_t d = shape.rank(); d-- > 0;) {
    if (shape[d] > 0) {
      index[d] = flat_index % shape[d];
      flat_index /= shape[d];
    }
  }
  return index;
}

}  // namespace aruntime::cli
