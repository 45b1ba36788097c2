// Expected-vs-actual comparison of `aruntime test`. Floating-point elements match when
// |actual - expected| <= atol + rtol * |expected| (numpy's assert_allclose, as ONNX's backend tests
// use it): NaN matches NaN, an infinity matches the same infinity. Integers, bools and strings
// must be equal. A different element type or shape is a mismatch of its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aruntime/tensor.h"

namespace aruntime::cli {

struct Tolerance {
  double rtol = 0;
  double atol = 0;
};

struct Comparison {
  enum class Outcome { kMatch, kDtypeMismatch, kShapeMismatch, kValueMismatch };
  Outcome outcome = Outcome::kMatch;
  int64_t mismatches = 0;  // elements out of tolerance
  // Among the mismatching elements, the one with the largest absolute error (a NaN where a
  // number was expected, or the reverse, counts as the largest).
  std::vector<int64_t> worst_index;
  double max_abs_error = 0;
  std::string expected_value;  // the worst element, as text
  std::string actual_value;
  // One line: "output 'y' max abs err 0.3 at index [1,2] (rtol 0.001, atol 1e-07): ...".
  std::string message;

  bool ok() const { return outcome == Outcome::kMatch; }
};

// Compares host tensors; `name` is the output's name for the message.
Comparison compare_tensors(const std::string& name, const Tensor& expected, const Tensor& actual,
                           const Tolerance& tolerance);

}  // namespace aruntime::cli
