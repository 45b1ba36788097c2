// Tensor shapes: a list of non-negative dimensions.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace aruntime {

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  size_t rank() const { return dims_.size(); }
  int64_t operator[](size_t i) const { return dims_[i]; }
  int64_t& operator[](size_t i) { return dims_[i]; }
  const std::vector<int64_t>& dims() const { return dims_; }
  std::vector<int64_t>& dims() { return dims_; }
  bool operator==(const Shape& other) const = default;

  // Product of the dimensions; throws Error(kInvalidArgument) on a negative dimension and
  // Error(kOutOfMemory) if the product overflows int64.
  int64_t num_elements() const;
  // Product of dims [begin, end).
  int64_t size_from_to(size_t begin, size_t end) const;
  // "[1,3,224,224]"
  std::string to_string() const;

 private:
  std::vector<int64_t> dims_;
};

// Normalises a possibly negative axis against `rank`; throws Error(kInvalidArgument) when out of range.
int64_t normalize_axis(int64_t axis, int64_t rank);

}  // namespace aruntime
