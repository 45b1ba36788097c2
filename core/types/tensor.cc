#include "aruntime/tensor.h"

#include <cstring>
#include <sstream>

#include "aruntime/float4.h"
#include "aruntime/float8.h"

namespace aruntime {
namespace {

// The buffer's ownership record comes from the allocator's bookkeeping resource when it has one.
template <typename Release>
std::shared_ptr<void> own(void* p, Release release, Allocator& allocator) {
  if (std::pmr::memory_resource* records = allocator.bookkeeping()) {
    return std::shared_ptr<void>(p, std::move(release), std::pmr::polymorphic_allocator<char>(records));
  }
  return std::shared_ptr<void>(p, std::move(release));
}

std::shared_ptr<void> allocate_buffer(DataType dtype, int64_t count, Allocator& allocator) {
  size_t bytes = static_cast<size_t>(count) * element_size(dtype);
  if (count > 0 && bytes / static_cast<size_t>(count) != element_size(dtype)) {
    throw_error(ErrorCode::kOutOfMemory, "tensor byte size overflows");
  }
  void* p = allocator.allocate(bytes);
  if (dtype == DataType::kString) {
    auto* s = static_cast<std::string*>(p);
    for (int64_t i = 0; i < count; ++i) new (s + i) std::string();
    return std::shared_ptr<void>(p, [&allocator, count](void* q) {
      auto* strs = static_cast<std::string*>(q);
      for (int64_t i = 0; i < count; ++i) strs[i].~basic_string();
      allocator.deallocate(q);
    });
  }
  return own(p, [&allocator](void* q) { allocator.deallocate(q); }, allocator);
}

template <typename T>
void append_values(std::ostringstream& os, const T* v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (i) os << ", ";
    if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t> || is_integer4_v<T>) {
      os << static_cast<int>(v[i]);
    } else if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16> ||
                         is_float8_v<T> || is_float4_v<T>) {
      os << v[i].to_float();
    } else if constexpr (std::is_same_v<T, bool>) {
      os << (v[i] ? "true" : "false");
    } else if constexpr (std::is_same_v<T, std::string>) {
      os << '"' << v[i] << '"';
    } else {
      os << v[i];
    }
  }
}

}  // namespace

Tensor::Tensor(DataType dtype, Shape shape, Allocator& allocator)
    : dtype_(dtype), shape_(std::move(shape)), device_(allocator.device()), allocator_(&allocator) {
  if (dtype == DataType::kUndefined) {
    throw_error(ErrorCode::kInvalidArgument, "cannot allocate a tensor of undefined type");
  }
  if (dtype == DataType::kString && !device_.is_cpu()) {
    throw_error(ErrorCode::kInvalidArgument, "string tensors live in host memory only");
  }
  num_elements_ = shape_.num_elements();
  buffer_ = allocate_buffer(dtype, num_elements_, allocator);
  data_ = buffer_.get();
}

Tensor::Tensor(DataType dtype, Shape shape) : Tensor(dtype, std::move(shape), *cpu_heap_allocator()) {}

Tensor Tensor::wrap(DataType dtype, Shape shape, void* data, Device device) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.num_elements_ = t.shape_.num_elements();
  t.device_ = device;
  t.data_ = data;
  if (data == nullptr && t.num_elements_ > 0) {
    throw_error(ErrorCode::kInvalidArgument, "Tensor::wrap: null data for a non-empty tensor");
  }
  return t;
}

Tensor Tensor::adopt(DataType dtype, Shape shape, void* data, Allocator& owner,
                     std::pmr::memory_resource* bookkeeping) {
  if (dtype == DataType::kUndefined || dtype == DataType::kString) {
    throw_error(ErrorCode::kInvalidArgument, "Tensor::adopt: not for undefined or string tensors");
  }
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.num_elements_ = t.shape_.num_elements();
  t.device_ = owner.device();
  t.allocator_ = &owner;
  auto release = [&owner](void* q) { owner.deallocate(q); };
  if (bookkeeping == nullptr) bookkeeping = owner.bookkeeping();
  if (bookkeeping != nullptr) {
    t.buffer_ = std::shared_ptr<void>(data, release, std::pmr::polymorphic_allocator<char>(bookkeeping));
  } else {
    t.buffer_ = std::shared_ptr<void>(data, release);
  }
  t.data_ = data;
  return t;
}

Tensor Tensor::reshaped(Shape new_shape) const {
  Tensor t = *this;
  t.shape_ = std::move(new_shape);
  if (t.shape_.num_elements() != num_elements_) {
    throw_error(ErrorCode::kInvalidArgument, "cannot view " + shape_.to_string() + " (" +
                                                 std::to_string(num_elements_) + " elements) as " +
                                                 t.shape_.to_string());
  }
  return t;
}

Tensor Tensor::clone() const {
  if (!device_.is_cpu()) throw_error(ErrorCode::kInvalidArgument, "clone() of a device tensor");
  Tensor t(dtype_, shape_);
  t.copy_from(*this);
  return t;
}

void Tensor::copy_from(const Tensor& other) {
  if (other.dtype_ != dtype_ || other.num_elements_ != num_elements_) {
    throw_error(ErrorCode::kInvalidArgument,
                "copy_from: " + std::string(data_type_name(other.dtype_)) + other.shape_.to_string() +
                    " into " + std::string(data_type_name(dtype_)) + shape_.to_string());
  }
  if (dtype_ == DataType::kString) {
    const auto* src = static_cast<const std::string*>(other.data_);
    auto* dst = static_cast<std::string*>(data_);
    for (int64_t i = 0; i < num_elements_; ++i) dst[i] = src[i];
  } else if (byte_size() > 0) {
    std::memcpy(data_, other.data_, byte_size());
  }
}

std::vector<int64_t> Tensor::to_int64_vector() const {
  std::vector<int64_t> out(static_cast<size_t>(num_elements_));
  switch (dtype_) {
    case DataType::kInt64:
      if (num_elements_ > 0) std::memcpy(out.data(), data_, byte_size());
      break;
    case DataType::kInt32:
      for (int64_t i = 0; i < num_elements_; ++i) out[i] = static_cast<const int32_t*>(data_)[i];
      break;
    case DataType::kInt16:
      for (int64_t i = 0; i < num_elements_; ++i) out[i] = static_cast<const int16_t*>(data_)[i];
      break;
    case DataType::kInt8:
    case DataType::kInt4:  // one sign-extended int8_t per element
      for (int64_t i = 0; i < num_elements_; ++i) out[i] = static_cast<const int8_t*>(data_)[i];
      break;
    case DataType::kUInt8:
    case DataType::kUInt4:  // one uint8_t per element
      for (int64_t i = 0; i < num_elements_; ++i) out[i] = static_cast<const uint8_t*>(data_)[i];
      break;
    case DataType::kUInt16:
      for (int64_t i = 0; i < num_elements_; ++i) out[i] = static_cast<const uint16_t*>(data_)[i];
      break;
    case DataType::kUInt32:
      for (int64_t i = 0; i < num_elements_; ++i) out[i] = static_cast<const uint32_t*>(data_)[i];
      break;
    case DataType::kUInt64:
      for (int64_t i = 0; i < num_elements_; ++i)
        out[i] = static_cast<int64_t>(static_cast<const uint64_t*>(data_)[i]);
      break;
    default:
      throw_error(ErrorCode::kInvalidArgument, "expected an integer tensor, got " +
                                                   std::string(data_type_name(dtype_)));
  }
  return out;
}

std::string Tensor::summary(size_t max_values) const {
  std::ostringstream os;
  os << data_type_name(dtype_) << shape_.to_string();
  if (!device_.is_cpu()) {
    os << " on " << device_.to_string();
    return os.str();
  }
  int64_t n = std::min<int64_t>(num_elements_, static_cast<int64_t>(max_values));
  os << " {";
  switch (dtype_) {
    case DataType::kFloat32: append_values(os, static_cast<const float*>(data_), n); break;
    case DataType::kFloat64: append_values(os, static_cast<const double*>(data_), n); break;
    case DataType::kFloat16: append_values(os, static_cast<const Float16*>(data_), n); break;
    case DataType::kBFloat16: append_values(os, static_cast<const BFloat16*>(data_), n); break;
    case DataType::kInt8: append_values(os, static_cast<const int8_t*>(data_), n); break;
    case DataType::kInt16: append_values(os, static_cast<const int16_t*>(data_), n); break;
    case DataType::kInt32: append_values(os, static_cast<const int32_t*>(data_), n); break;
    case DataType::kInt64: append_values(os, static_cast<const int64_t*>(data_), n); break;
    case DataType::kUInt8: append_values(os, static_cast<const uint8_t*>(data_), n); break;
    case DataType::kUInt16: append_values(os, static_cast<const uint16_t*>(data_), n); break;
    case DataType::kUInt32: append_values(os, static_cast<const uint32_t*>(data_), n); break;
    case DataType::kUInt64: append_values(os, static_cast<const uint64_t*>(data_), n); break;
    case DataType::kBool: append_values(os, static_cast<const bool*>(data_), n); break;
    case DataType::kString: append_values(os, static_cast<const std::string*>(data_), n); break;
    case DataType::kFloat8E4M3FN:
      append_values(os, static_cast<const Float8E4M3FN*>(data_), n);
      break;
    case DataType::kFloat8E4M3FNUZ:
      append_values(os, static_cast<const Float8E4M3FNUZ*>(data_), n);
      break;
    case DataType::kFloat8E5M2: append_values(os, static_cast<const Float8E5M2*>(data_), n); break;
    case DataType::kFloat8E5M2FNUZ:
      append_values(os, static_cast<const Float8E5M2FNUZ*>(data_), n);
      break;
    case DataType::kUInt4: append_values(os, static_cast<const UInt4*>(data_), n); break;
    case DataType::kInt4: append_values(os, static_cast<const Int4*>(data_), n); break;
    case DataType::kFloat4E2M1:
      append_values(os, static_cast<const Float4E2M1*>(data_), n);
      break;
    case DataType::kUndefined: break;
  }
  if (num_elements_ > n) os << ", ...";
  os << "}";
  return os.str();
}

void Tensor::check_type(DataType requested) const {
  if (requested != dtype_) {
    throw_error(ErrorCode::kInvalidArgument,
                "tensor holds " + std::string(data_type_name(dtype_)) + ", accessed as " +
                    std::string(data_type_name(requested)));
  }
}

}  // namespace aruntime
