#include "kernels/elementwise.h"

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

#undef ARUNTIME_EIGEN_SPAN

}  // namespace aruntime::kernels
