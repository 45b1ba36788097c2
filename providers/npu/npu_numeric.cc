#include "providers/npu/npu_numeric.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "aruntime/float16.h"

namespace aruntime::npu {

float round_to_half(float x) {
  return Float16::to_float(Float16::from_float(x));
}

void store_floats(const float* src, int64_t n, BufferFormat format, void* dst) {
  switch (format) {
    case BufferFormat::kF16: {
      auto* out = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) out[i] = Float16::from_float(src[i]);
      return;
    }
    case BufferFormat::kF32:
      if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    default:
      throw_error(ErrorCode::kRuntimeError, "npu: cannot store float values in a " +
                                                std::string(format_name(format)) + " buffer");
  }
}

void load_floats(const void* src, int64_t n, BufferFormat format, float* dst) {
  switch (format) {
    case BufferFormat::kF16: {
      const auto* in = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = Float16::to_float(in[i]);
      return;
    }
    case BufferFormat::kF32:
      if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case BufferFormat::kI8: {
      const auto* in = static_cast<const int8_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = in[i];
      return;
    }
    case BufferFormat::kU8: {
      const auto* in = static_cast<const uint8_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = in[i];
      return;
    }
    case BufferFormat::kI32: {
      const auto* in = static_cast<const int32_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(in[i]);
      return;
    }
  }
}

namespace {

template <typename T>
void widen(const Tensor& t, float* dst) {
  const T* in = t.data<T>();
  for (int64_t i = 0; i < t.num_elements(); ++i) dst[i] = static_cast<float>(in[i]);
}

}  // namespace

void tensor_to_floats(const Tensor& tensor, float* dst) {
  switch (tensor.dtype()) {
    case DataType::kFloat32:
      return widen<float>(tensor, dst);
    case DataType::kFloat16: {
      const Float16* in = tensor.data<Float16>();
      for (int64_t i = 0; i < tensor.num_elements(); ++i) dst[i] = in[i].to_float();
      return;
    }
    case DataType::kFloat64:
      return widen<double>(tensor, dst);
    case DataType::kInt8:
      return widen<int8_t>(tensor, dst);
    case DataType::kUInt8:
      return widen<uint8_t>(tensor, dst);
    case DataType::kInt16:
      return widen<int16_t>(tensor, dst);
    case DataType::kUInt16:
      return widen<uint16_t>(tensor, dst);
    case DataType::kInt32:
      return widen<int32_t>(tensor, dst);
    case DataType::kInt64:
      return widen<int64_t>(tensor, dst);
    default:
      throw_error(
          ErrorCode::kRuntimeError,
          "npu: cannot read " + std::string(data_type_name(tensor.dtype())) + " values as float32");
  }
}

std::vector<double> tensor_to_doubles(const Tensor& tensor) {
  std::vector<double> values(static_cast<size_t>(tensor.num_elements()));
  if (tensor.dtype() == DataType::kFloat64) {
    for (size_t i = 0; i < values.size(); ++i) values[i] = tensor.data<double>()[i];
    return values;
  }
  if (tensor.dtype() == DataType::kInt64) {
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = static_cast<double>(tensor.data<int64_t>()[i]);
    return values;
  }
  std::vector<float> f(values.size());
  tensor_to_floats(tensor, f.data());
  for (size_t i = 0; i < values.size(); ++i) values[i] = f[i];
  return values;
}

float quantize_symmetric(const float* x, int64_t n, int8_t* q) {
  float max_abs = 0.0f;
  for (int64_t i = 0; i < n; ++i) max_abs = std::max(max_abs, std::fabs(x[i]));
  const float scale = max_abs > 0.0f && std::isfinite(max_abs) ? max_abs / 127.0f : 1.0f;
  for (int64_t i = 0; i < n; ++i) {
    const float r = std::nearbyint(x[i] / scale);
    q[i] = static_cast<int8_t>(std::clamp(std::isnan(r) ? 0.0f : r, -127.0f, 127.0f));
  }
  return scale;
}

}  // namespace aruntime::npu
