// Complex discrete Fourier transforms of any length. Lengths whose prime factors are all small run
// as a mixed-radix Cooley-Tukey transform (O(n * sum of factors)); a length with a large prime
// factor runs as Bluestein's chirp-z convolution over a power-of-two transform, so every length
// costs O(n log n) up to a constant.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

namespace aruntime::kernels {

template <typename T>
class FftPlan {
 public:
  // Plans the unnormalised transform of `n` points (n >= 1): forward uses exp(-2*pi*i*j*k/n),
  // inverse exp(+2*pi*i*j*k/n). Scaling by 1/n for an inverse DFT is left to the caller.
  FftPlan(int64_t n, bool inverse);
  ~FftPlan();
  FftPlan(const FftPlan&) = delete;
  FftPlan& operator=(const FftPlan&) = delete;

  int64_t size() const { return n_; }
  // out[k] = sum_j in[j] * w^(j*k). `in` and `out` hold size() values and must not overlap.
  // Const and allocation-local, so one plan may serve several threads at once.
  void execute(const std::complex<T>* in, std::complex<T>* out) const;

 private:
  void mixed_radix(const std::complex<T>* in, int64_t in_stride, std::complex<T>* out, int64_t n,
                   size_t factor_index, std::complex<T>* scratch) const;
  void bluestein(const std::complex<T>* in, std::complex<T>* out) const;

  int64_t n_;
  bool inverse_;
  std::vector<int64_t> factors_;          // mixed radix: the radices, outermost first
  std::vector<std::complex<T>> twiddle_;  // mixed radix: w^j for j < n
  // Bluestein: chirp u[j] = exp(+-i*pi*j^2/n), the transformed conjugate chirp and a power-of-two
  // forward/inverse plan pair for the convolution.
  std::vector<std::complex<T>> chirp_;
  std::vector<std::complex<T>> chirp_filter_fft_;
  std::unique_ptr<FftPlan<T>> conv_forward_;
  std::unique_ptr<FftPlan<T>> conv_inverse_;
};

extern template class FftPlan<float>;
extern template class FftPlan<double>;

}  // namespace aruntime::kernels
