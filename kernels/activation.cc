#include "kernels/activation.h"

#include <algorithm>

#include "kernels/elementwise.h"

namespace aruntime::kernels {
namespace {

// Comparisons are written so that NaN passes through, as in the standalone operators.
template <typename T>
T unit_clamp(T v) {
  v = v < T(0) ? T(0) : v;
  return v > T(1) ? T(1) : v;
}

}  // namespace

template <typename T>
void apply_activation(const Activation& activation, T* data, int64_t n) {
  const T alpha = static_cast<T>(activation.alpha);
  const T beta = static_cast<T>(activation.beta);
  switch (activation.kind) {
    case ActivationKind::kIdentity:
      return;
    case ActivationKind::kRelu:
      for (int64_t i = 0; i < n; ++i) data[i] = data[i] < T(0) ? T(0) : data[i];
      return;
    case ActivationKind::kClip:
      for (int64_t i = 0; i < n; ++i) {
        const T v = data[i] < alpha ? alpha : data[i];
        data[i] = v > beta ? beta : v;
      }
      return;
    case ActivationKind::kSigmoid:
      sigmoid_span(data, data, n);
      return;
    case ActivationKind::kHardSigmoid:
      for (int64_t i = 0; i < n; ++i) data[i] = unit_clamp(alpha * data[i] + beta);
      return;
    case ActivationKind::kHardSwish:
      for (int64_t i = 0; i < n; ++i) {
        data[i] = data[i] * unit_clamp(data[i] * static_cast<T>(1.0 / 6.0) + T(0.5));
      }
      return;
    case ActivationKind::kLeakyRelu:
      for (int64_t i = 0; i < n; ++i) data[i] = data[i] < T(0) ? data[i] * alpha : data[i];
      return;
    case ActivationKind::kTanh:
      tanh_span(data, data, n);
      return;
    case ActivationKind::kGelu:
      gelu_span(data, data, n);
      return;
    case ActivationKind::kGeluTanh:
      gelu_tanh_span(data, data, n);
      return;
    case ActivationKind::kSwish: {
      // sigmoid(alpha * x) a block at a time, computed as the standalone Mul and Sigmoid do.
      constexpr int64_t kBlock = 256;
      T gate[kBlock];
      for (int64_t b = 0; b < n; b += kBlock) {
        const int64_t len = std::min(kBlock, n - b);
        for (int64_t i = 0; i < len; ++i) gate[i] = data[b + i] * alpha;
        sigmoid_span(gate, gate, len);
        for (int64_t i = 0; i < len; ++i) data[b + i] *= gate[i];
      }
      return;
    }
  }
}

template void apply_activation<float>(const Activation&, float*, int64_t);
template void apply_activation<double>(const Activation&, double*, int64_t);

}  // namespace aruntime::kernels
