#include "kernels/elementwise.h"

#include <numbers>

#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

namespace aruntime::kernels {
namespace {

template <typename T>
using ConstArray = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using Array = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;

}  // namespace

#define ARUNTIME_EIGEN_SPAN(name, expr)                 \
  void name(const float* in, float* out, int64_t n) {   \
    ConstArray<float> x(in, n);                         \
    Array<float>(out, n) = expr;                        \
  }                                                     \
  void name(const double* in, double* out, int64_t n) { \
    ConstArray<double> x(in, n);                        \
    Array<double>(out, n) = expr;                       \
  }

ARUNTIME_EIGEN_SPAN(exp_span, x.exp())
ARUNTIME_EIGEN_SPAN(log_span, x.log())
ARUNTIME_EIGEN_SPAN(sqrt_span, x.sqrt())
ARUNTIME_EIGEN_SPAN(tanh_span, x.tanh())
ARUNTIME_EIGEN_SPAN(sigmoid_span, x.logistic())
ARUNTIME_EIGEN_SPAN(erf_span, x.erf())
ARUNTIME_EIGEN_SPAN(sin_span, x.sin())
ARUNTIME_EIGEN_SPAN(cos_span, x.cos())

#undef ARUNTIME_EIGEN_SPAN

namespace {

template <typename T>
void gelu_erf(const T* in, T* out, int64_t n) {
  constexpr T kInvSqrt2 = std::numbers::sqrt2_v<T> / T(2);
  ConstArray<T> x(in, n);
  Array<T>(out, n) = T(0.5) * x * (T(1) + (x * kInvSqrt2).erf());
}

template <typename T>
void gelu_tanh(const T* in, T* out, int64_t n) {
  constexpr T kSqrt2OverPi = std::numbers::sqrt2_v<T> * std::numbers::inv_sqrtpi_v<T>;
  ConstArray<T> x(in, n);
  Array<T>(out, n) = T(0.5) * x * (T(1) + (kSqrt2OverPi * (x + T(0.044715) * x.cube())).tanh());
}

}  // namespace

void gelu_span(const float* in, float* out, int64_t n) {
  gelu_erf(in, out, n);
}
void gelu_span(const double* in, double* out, int64_t n) {
  gelu_erf(in, out, n);
}
void gelu_tanh_span(const float* in, float* out, int64_t n) {
  gelu_tanh(in, out, n);
}
void gelu_tanh_span(const double* in, double* out, int64_t n) {
  gelu_tanh(in, out, n);
}

}  // namespace aruntime::kernels
