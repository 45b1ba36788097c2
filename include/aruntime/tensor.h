// Tensor: element type, shape, device and a reference-counted buffer. Copies of a Tensor share the
// buffer (like a shared_ptr); `clone()` deep-copies host tensors.
#pragma once

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string>
#include <vector>

#include "aruntime/allocator.h"
#include "aruntime/data_type.h"
#include "aruntime/float16.h"
#include "aruntime/shape.h"
#include "aruntime/status.h"

namespace aruntime {

template <>
struct DataTypeOf<float> { static constexpr DataType value = DataType::kFloat32; };
template <>
struct DataTypeOf<double> { static constexpr DataType value = DataType::kFloat64; };
template <>
struct DataTypeOf<int8_t> { static constexpr DataType value = DataType::kInt8; };
template <>
struct DataTypeOf<int16_t> { static constexpr DataType value = DataType::kInt16; };
template <>
struct DataTypeOf<int32_t> { static constexpr DataType value = DataType::kInt32; };
template <>
struct DataTypeOf<int64_t> { static constexpr DataType value = DataType::kInt64; };
template <>
struct DataTypeOf<uint8_t> { static constexpr DataType value = DataType::kUInt8; };
template <>
struct DataTypeOf<uint16_t> { static constexpr DataType value = DataType::kUInt16; };
template <>
struct DataTypeOf<uint32_t> { static constexpr DataType value = DataType::kUInt32; };
template <>
struct DataTypeOf<uint64_t> { static constexpr DataType value = DataType::kUInt64; };
template <>
struct DataTypeOf<bool> { static constexpr DataType value = DataType::kBool; };
template <>
struct DataTypeOf<Float16> { static constexpr DataType value = DataType::kFloat16; };
template <>
struct DataTypeOf<BFloat16> { static constexpr DataType value = DataType::kBFloat16; };
template <>
struct DataTypeOf<std::string> { static constexpr DataType value = DataType::kString; };

class Tensor {
 public:
  Tensor() = default;

  // Owning tensor on `allocator`'s device (string tensors: host only, elements default-constructed).
  Tensor(DataType dtype, Shape shape, Allocator& allocator);
  // Owning host tensor from the heap allocator.
  Tensor(DataType dtype, Shape shape);

  // Non-owning view of caller memory; the caller keeps `data` alive while the tensor is used.
  static Tensor wrap(DataType dtype, Shape shape, void* data, Device device = Device::cpu());
  // Owning tensor over `data`, which `owner` handed out for it (at least byte_size() bytes, not a
  // string tensor); owner.deallocate(data) runs when the last copy goes. For allocators that lay
  // memory out ahead of time (the memory plan) and so allocate before the tensor exists.
  // `bookkeeping` (optional) supplies the memory of the buffer's shared ownership record, so that
  // an allocator can recycle those too.
  static Tensor adopt(DataType dtype, Shape shape, void* data, Allocator& owner,
                      std::pmr::memory_resource* bookkeeping = nullptr);
  // Host tensor holding a copy of `values`.
  template <typename T>
  static Tensor from_vector(Shape shape, const std::vector<T>& values);
  // Host scalar/1-element helpers for tests and tools.
  template <typename T>
  static Tensor scalar(T value) {
    return from_vector<T>(Shape{}, std::vector<T>{value});
  }

  bool defined() const { return dtype_ != DataType::kUndefined; }
  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  size_t rank() const { return shape_.rank(); }
  int64_t num_elements() const { return num_elements_; }
  size_t byte_size() const { return static_cast<size_t>(num_elements_) * element_size(dtype_); }
  Device device() const { return device_; }
  // The allocator that owns the buffer, or nullptr for a wrapped view of caller memory.
  const Allocator* allocator() const { return allocator_; }
  // How many tensors share this buffer (0 for views of caller memory).
  long buffer_use_count() const { return buffer_.use_count(); }

  void* raw_data() { return data_; }
  const void* raw_data() const { return data_; }

  template <typename T>
  T* data() {
    check_type(DataTypeOf<std::remove_const_t<T>>::value);
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data() const {
    check_type(DataTypeOf<std::remove_const_t<T>>::value);
    return static_cast<const T*>(data_);
  }

  // A tensor sharing this buffer with another shape of the same element count (Reshape, Flatten).
  Tensor reshaped(Shape new_shape) const;
  // Deep copy into a new host heap tensor. Host tensors only.
  Tensor clone() const;
  // Copies element values (host to host) from `other`, which must have the same dtype and count.
  void copy_from(const Tensor& other);
  // Values as a vector<int64_t>, for shape-like inputs of any integer type (host only).
  std::vector<int64_t> to_int64_vector() const;
  // Human-readable summary: dtype, shape and the first few values.
  std::string summary(size_t max_values = 8) const;

 private:
  void check_type(DataType requested) const;

  DataType dtype_ = DataType::kUndefined;
  Shape shape_;
  int64_t num_elements_ = 0;
  Device device_{};
  const Allocator* allocator_ = nullptr;
  std::shared_ptr<void> buffer_;  // keeps the storage alive; null for views of caller memory
  void* data_ = nullptr;
};

template <typename T>
Tensor Tensor::from_vector(Shape shape, const std::vector<T>& values) {
  Tensor t(DataTypeOf<T>::value, std::move(shape));
  if (static_cast<int64_t>(values.size()) != t.num_elements()) {
    throw_error(ErrorCode::kInvalidArgument,
                "Tensor::from_vector: " + std::to_string(values.size()) +
                    " values for shape " + t.shape().to_string());
  }
  T* out = t.data<T>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i];
  return t;
}

}  // namespace aruntime
