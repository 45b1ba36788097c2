#include "aruntime/shape.h"

#include "aruntime/status.h"

namespace aruntime {

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
