#include "tools/aruntime/compare.h"

#include <cmath>
#include <limits>

#include "aruntime/float8.h"
#include "tools/aruntime/dtype_dispatch.h"
#include "tools/aruntime/tensor_text.h"

namespace aruntime::cli {
namespace {

// How far one floating-point element is off: -1 when within tolerance, else its absolute error
// (+inf when NaN or an infinity stands against anything else).
double float_violation(double expected, double actual, const Tolerance& tolerance) {
  const bool expected_nan = std::isnan(expected);
  const bool actual_nan = std::isnan(actual);
  if (expected_nan || actual_nan) {
    return expected_nan && actual_nan ? -1.0 : std::numeric_limits<double>::infinity();
  }
  if (std::isinf(expected) || std::isinf(actual)) {
    return expected == actual ? -1.0 : std::numeric_limits<double>::infinity();
  }
  const double error = std::fabs(actual - expected);
  return error <= tolerance.atol + tolerance.rtol * std::fabs(expected) ? -1.0 : error;
}

// |a - b| of two integers of the same type, exact up to 2^53 and never overflowing.
template <typename T>
double integer_distance(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    const __int128 d = static_cast<__int128>(a) - static_cast<__int128>(b);
    return static_cast<double>(d < 0 ? -d : d);
  } else {
    return static_cast<double>(a > b ? a - b : b - a);
  }
}

}  // namespace

Comparison compare_tensors(const std::string& name, const Tensor& expected, const Tensor& actual,
                           const Tolerance& tolerance) {
  Comparison result;
  const std::string subject = "output '" + name + "'";
  if (expected.dtype() != actual.dtype()) {
    result.outcome = Comparison::Outcome::kDtypeMismatch;
    result.message = subject + " has element type " + std::string(data_type_name(actual.dtype())) +
                     ", expected " + std::string(data_type_name(expected.dtype()));
    return result;
  }
  if (expected.shape() != actual.shape()) {
    result.outcome = Comparison::Outcome::kShapeMismatch;
    result.message = subject + " has shape " + actual.shape().to_string() + ", expected " +
                     expected.shape().to_string();
    return result;
  }

  if (is_float8(expected.dtype())) {
    // Compared as the float32 values they stand for, so tolerances and messages read as numbers.
    const auto widen = [](const Tensor& t) {
      Tensor wide(DataType::kFloat32, t.shape());
      const auto* bits = static_cast<const uint8_t*>(t.raw_data());
      const Float8Format format = float8_format(t.dtype());
      float* out = wide.data<float>();
      for (int64_t i = 0; i < t.num_elements(); ++i) out[i] = float8_bits_to_float(bits[i], format);
      return wide;
    };
    return compare_tensors(name, widen(expected), widen(actual), tolerance);
  }

  const bool exact = !is_floating_point(expected.dtype());
  int64_t worst = -1;
  double worst_error = -1;
  const int64_t count = expected.num_elements();
  dispatch_dtype(expected.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* want = expected.data<T>();
    const T* got = actual.data<T>();
    for (int64_t i = 0; i < count; ++i) {
      double error = -1;
      if constexpr (kIsHalf<T> || std::is_floating_point_v<T>) {
        error = float_violation(widen_float(want[i]), widen_float(got[i]), tolerance);
      } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool>) {
        error = want[i] == got[i] ? -1.0 : 1.0;
      } else {
        error = want[i] == got[i] ? -1.0 : integer_distance(want[i], got[i]);
      }
      if (error < 0) continue;
      ++result.mismatches;
      if (error > worst_error) {
        worst_error = error;
        worst = i;
      }
    }
  });
  if (result.mismatches == 0) return result;

  result.outcome = Comparison::Outcome::kValueMismatch;
  result.worst_index = unravel_index(worst, expected.shape());
  result.expected_value = element_text(expected, worst);
  result.actual_value = element_text(actual, worst);
  const bool has_distance =
      expected.dtype() != DataType::kString && expected.dtype() != DataType::kBool;
  if (has_distance && !exact) {
    // Recompute the plain |difference| for the message: the violation is +inf for NaN mismatches.
    dispatch_dtype(expected.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (kIsHalf<T> || std::is_floating_point_v<T>) {
        result.max_abs_error = std::fabs(widen_float(actual.data<T>()[worst]) -
                                         widen_float(expected.data<T>()[worst]));
      }
    });
  } else {
    result.max_abs_error = worst_error;
  }
  std::string criterion;
  if (exact) {
    criterion = "exact match required for " + std::string(data_type_name(expected.dtype()));
  } else {
    criterion = "rtol " + number_text(tolerance.rtol) + ", atol " + number_text(tolerance.atol);
  }
  result.message =
      subject + (has_distance ? " max abs err " + number_text(result.max_abs_error) : " differs") +
      " at index " + index_text(result.worst_index) + " (" + criterion + "): expected " +
      result.expected_value + ", got " + result.actual_value + "; " +
      std::to_string(result.mismatches) + " of " + std::to_string(count) + " elements differ";
  return result;
}

}  // namespace aruntime::cli
