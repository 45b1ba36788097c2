#include "aruntime/shape.h"

#include "aruntime/status.h"

namespace aruntime {

int64_t& Dims::at(size_t i) {
  if (i >= size_) throw_error(ErrorCode::kInvalidArgument, "dimension index " + std::to_string(i) + " out of range");
  return data()[i];
}

const int64_t& Dims::at(size_t i) const {
  if (i >= size_) throw_error(ErrorCode::kInvalidArgument, "dimension index " + std::to_string(i) + " out of range");
  return data()[i];
}

void Dims::reserve(size_t n) {
  if (n <= capacity()) return;
  auto grown = std::make_unique<int64_t[]>(n);
  std::copy(begin(), end(), grown.get());
  heap_ = std::move(grown);
  heap_capacity_ = n;
}

void Dims::resize(size_t n, int64_t value) {
  reserve(n);
  for (size_t i = size_; i < n; ++i) data()[i] = value;
  size_ = n;
}

void Dims::assign(size_t n, int64_t value) {
  clear();
  resize(n, value);
}

void Dims::take(Dims& other) noexcept {
  size_ = other.size_;
  if (other.heap_) {
    heap_ = std::move(other.heap_);
    heap_capacity_ = other.heap_capacity_;
  } else {
    heap_capacity_ = 0;
    std::copy(other.inline_, other.inline_ + other.size_, inline_);
  }
  other.heap_capacity_ = 0;
  other.size_ = 0;
}

void Dims::make_room(size_t at, size_t count) {
  reserve(size_ + count);
  int64_t* d = data();
  std::copy_backward(d + at, d + size_, d + size_ + count);
  size_ += count;
}

Dims::iterator Dims::insert(const_iterator pos, int64_t value) { return insert(pos, 1, value); }

Dims::iterator Dims::insert(const_iterator pos, size_t count, int64_t value) {
  const size_t at = static_cast<size_t>(pos - begin());
  make_room(at, count);
  std::fill(begin() + at, begin() + at + count, value);
  return begin() + at;
}

Dims::iterator Dims::erase(const_iterator first, const_iterator last) {
  const size_t at = static_cast<size_t>(first - begin());
  const size_t count = static_cast<size_t>(last - first);
  int64_t* d = data();
  std::copy(d + at + count, d + size_, d + at);
  size_ -= count;
  return begin() + at;
}

int64_t Shape::num_elements() const { return size_from_to(0, dims_.size()); }

int64_t Shape::size_from_to(size_t begin, size_t end) const {
  int64_t n = 1;
  for (size_t i = begin; i < end && i < dims_.size(); ++i) {
    int64_t d = dims_[i];
    if (d < 0) {
      throw_error(ErrorCode::kInvalidArgument, "negative dimension " + std::to_string(d) +
                                                   " in shape " + to_string());
    }
    if (d != 0 && n > INT64_MAX / d) {
      throw_error(ErrorCode::kOutOfMemory,
                  "shape " + to_string() + " has more elements than can be addressed");
    }
    n *= d;
  }
  return n;
}

std::string Shape::to_string() const {
  std::string s = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(dims_[i]);
  }
  return s + "]";
}

int64_t normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    throw_error(ErrorCode::kInvalidArgument, "axis " + std::to_string(axis) +
                                                 " is out of range for rank " + std::to_string(rank));
  }
  return axis < 0 ? axis + rank : axis;
}

}  // namespace aruntime
