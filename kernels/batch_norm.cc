#include "kernels/batch_norm.h"

#include <cmath>

#include "kernels/parallel.h"

namespace aruntime::kernels {

void batch_norm_coefficients(const double* scale, const double* bias, const double* mean,
                             const double* var, int64_t count, double epsilon, double* multiplier,
                             double* offset) {
  for (int64_t i = 0; i < count; ++i) {
    multiplier[i] = scale[i] / std::sqrt(var[i] + epsilon);
    offset[i] = bias[i] - mean[i] * multiplier[i];
  }
}

template <typename T>
void batch_norm_apply(const T* x, T* y, int64_t batch, int64_t channels, int64_t spatial,
                      const T* multiplier, const T* offset, bool per_element) {
  parallel_for(batch * channels, spatial * 2, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t c = plane % channels;
      const T* in = x + plane * spatial;
      T* out = y + plane * spatial;
      if (per_element) {
        const T* m = multiplier + c * spatial;
        const T* o = offset + c * spatial;
        for (int64_t i = 0; i < spatial; ++i) out[i] = in[i] * m[i] + o[i];
      } else {
        const T m = multiplier[c], o = offset[c];
        for (int64_t i = 0; i < spatial; ++i) out[i] = in[i] * m + o;
      }
    }
  });
}

template <typename T>
void batch_norm_statistics(const T* x, int64_t batch, int64_t channels, int64_t spatial,
                           double* mean, double* var) {
  const double count = static_cast<double>(batch) * static_cast<double>(spatial);
  parallel_for(channels, batch * spatial * 4 + 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      double sum = 0.0;
      for (int64_t n = 0; n < batch; ++n) {
        const T* plane = x + (n * channels + c) * spatial;
        for (int64_t i = 0; i < spatial; ++i) sum += static_cast<double>(plane[i]);
      }
      const double m = sum / count;
      double squares = 0.0;
      for (int64_t n = 0; n < batch; ++n) {
        const T* plane = x + (n * channels + c) * spatial;
        for (int64_t i = 0; i < spatial; ++i) {
          const double d = static_cast<double>(plane[i]) - m;
          squares += d * d;
        }
      }
      mean[c] = m;
      var[c] = squares / count;
    }
  });
}

template void batch_norm_apply<float>(const float*, float*, int64_t, int64_t, int64_t, const float*,
                                      const float*, bool);
template void batch_norm_apply<double>(const double*, double*, int64_t, int64_t, int64_t,
                                       const double*, const double*, bool);
template void batch_norm_statistics<float>(const float*, int64_t, int64_t, int64_t, double*,
                                           double*);
template void batch_norm_statistics<double>(const double*, int64_t, int64_t, int64_t, double*,
                                            double*);

}  // namespace aruntime::kernels
