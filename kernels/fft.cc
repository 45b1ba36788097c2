#include "kernels/fft.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace aruntime::kernels {
namespace {

// Radices above this go through Bluestein: a generic radix-p butterfly costs O(p) per point.
constexpr int64_t kMaxDirectRadix = 61;

// The radices of n (4s first, then 2, then odd primes), or an empty list when n has a prime
// factor above kMaxDirectRadix.
std::vector<int64_t> factorize(int64_t n) {
  std::vector<int64_t> factors;
  while (n % 4 == 0) {
    factors.push_back(4);
    n /= 4;
  }
  if (n % 2 == 0) {
    factors.push_back(2);
    n /= 2;
  }
  for (int64_t p = 3; p * p <= n; p += 2) {
    while (n % p == 0) {
      if (p > kMaxDirectRadix) return {};
      factors.push_back(p);
      n /= p;
    }
  }
  if (n > 1) {
    if (n > kMaxDirectRadix) return {};
    factors.push_back(n);
  }
  return factors;
}

// exp(sign * 2*pi*i * num / den), evaluated in double whatever T is.
template <typename T>
std::complex<T> unit_root(double sign, int64_t num, int64_t den) {
  const double angle =
      sign * 2.0 * std::numbers::pi * static_cast<double>(num) / static_cast<double>(den);
  return {static_cast<T>(std::cos(angle)), static_cast<T>(std::sin(angle))};
}

}  // namespace

template <typename T>
FftPlan<T>::FftPlan(int64_t n, bool inverse) : n_(std::max<int64_t>(n, 1)), inverse_(inverse) {
  const double sign = inverse ? 1.0 : -1.0;
  factors_ = factorize(n_);
  if (n_ == 1 || !factors_.empty()) {
    twiddle_.resize(static_cast<size_t>(n_));
    for (int64_t j = 0; j < n_; ++j) twiddle_[static_cast<size_t>(j)] = unit_root<T>(sign, j, n_);
    return;
  }
  // Bluestein: 2jk = j^2 + k^2 - (k-j)^2 turns the DFT into a convolution with a chirp.
  int64_t m = 1;
  while (m < 2 * n_ - 1) m *= 2;
  conv_forward_ = std::make_unique<FftPlan<T>>(m, false);
  conv_inverse_ = std::make_unique<FftPlan<T>>(m, true);
  chirp_.resize(static_cast<size_t>(n_));
  int64_t square_mod = 0;  // j^2 mod 2n, kept exact so large j lose no phase precision
  for (int64_t j = 0; j < n_; ++j) {
    const double angle =
        sign * std::numbers::pi * static_cast<double>(square_mod) / static_cast<double>(n_);
    chirp_[static_cast<size_t>(j)] = {static_cast<T>(std::cos(angle)),
                                      static_cast<T>(std::sin(angle))};
    square_mod = (square_mod + 2 * j + 1) % (2 * n_);
  }
  std::vector<std::complex<T>> filter(static_cast<size_t>(m));
  for (int64_t j = 0; j < n_; ++j) {
    filter[static_cast<size_t>(j)] = std::conj(chirp_[static_cast<size_t>(j)]);
    if (j > 0) filter[static_cast<size_t>(m - j)] = std::conj(chirp_[static_cast<size_t>(j)]);
  }
  chirp_filter_fft_.resize(static_cast<size_t>(m));
  conv_forward_->execute(filter.data(), chirp_filter_fft_.data());
}

template <typename T>
FftPlan<T>::~FftPlan() = default;

template <typename T>
void FftPlan<T>::execute(const std::complex<T>* in, std::complex<T>* out) const {
  if (conv_forward_) {
    bluestein(in, out);
    return;
  }
  int64_t max_radix = 1;
  for (int64_t p : factors_) max_radix = std::max(max_radix, p);
  std::vector<std::complex<T>> scratch(static_cast<size_t>(2 * max_radix));
  mixed_radix(in, 1, out, n_, 0, scratch.data());
}

// Decimation in time: the n inputs taken with stride `in_stride` split into p interleaved
// subsequences of m = n/p points, each transformed into out[q*m .. q*m+m); then for every k the p
// values out[q*m + k] combine, after twiddling, through one p-point DFT into out[k + r*m].
template <typename T>
void FftPlan<T>::mixed_radix(const std::complex<T>* in, int64_t in_stride, std::complex<T>* out,
                             int64_t n, size_t factor_index, std::complex<T>* scratch) const {
  if (n == 1) {
    out[0] = in[0];
    return;
  }
  const int64_t p = factors_[factor_index];
  const int64_t m = n / p;
  for (int64_t q = 0; q < p; ++q) {
    mixed_radix(in + q * in_stride, in_stride * p, out + q * m, m, factor_index + 1, scratch);
  }
  const int64_t step = n_ / n;  // twiddle_[j * step] is exp(+-2*pi*i*j/n)
  const std::complex<T>* w = twiddle_.data();
  if (p == 2) {
    for (int64_t k = 0; k < m; ++k) {
      const std::complex<T> a = out[k];
      const std::complex<T> b = out[m + k] * w[k * step];
      out[k] = a + b;
      out[m + k] = a - b;
    }
    return;
  }
  if (p == 4) {
    // The 4-point DFT needs only +-1 and +-i: multiplying by -i (forward) or +i (inverse).
    const bool inv = inverse_;
    auto rotate = [inv](std::complex<T> z) {
      return inv ? std::complex<T>(-z.imag(), z.real()) : std::complex<T>(z.imag(), -z.real());
    };
    for (int64_t k = 0; k < m; ++k) {
      const std::complex<T> a = out[k];
      const std::complex<T> b = out[m + k] * w[k * step];
      const std::complex<T> c = out[2 * m + k] * w[2 * k * step];
      const std::complex<T> d = out[3 * m + k] * w[3 * k * step];
      const std::complex<T> ac_sum = a + c, ac_diff = a - c;
      const std::complex<T> bd_sum = b + d, bd_rot = rotate(b - d);
      out[k] = ac_sum + bd_sum;
      out[m + k] = ac_diff + bd_rot;
      out[2 * m + k] = ac_sum - bd_sum;
      out[3 * m + k] = ac_diff - bd_rot;
    }
    return;
  }
  std::complex<T>* twiddled = scratch;
  std::complex<T>* combined = scratch + p;
  for (int64_t k = 0; k < m; ++k) {
    for (int64_t q = 0; q < p; ++q) twiddled[q] = out[q * m + k] * w[(q * k % n) * step];
    for (int64_t r = 0; r < p; ++r) {
      std::complex<T> sum = twiddled[0];
      for (int64_t q = 1; q < p; ++q) sum += twiddled[q] * w[(q * r % p) * m * step];
      combined[r] = sum;
    }
    for (int64_t r = 0; r < p; ++r) out[r * m + k] = combined[r];
  }
}

template <typename T>
void FftPlan<T>::bluestein(const std::complex<T>* in, std::complex<T>* out) const {
  const int64_t m = conv_forward_->size();
  std::vector<std::complex<T>> padded(static_cast<size_t>(m));
  std::vector<std::complex<T>> spectrum(static_cast<size_t>(m));
  for (int64_t j = 0; j < n_; ++j)
    padded[static_cast<size_t>(j)] = in[j] * chirp_[static_cast<size_t>(j)];
  conv_forward_->execute(padded.data(), spectrum.data());
  for (int64_t j = 0; j < m; ++j)
    spectrum[static_cast<size_t>(j)] *= chirp_filter_fft_[static_cast<size_t>(j)];
  conv_inverse_->execute(spectrum.data(), padded.data());
  const T scale = static_cast<T>(1.0 / static_cast<double>(m));
  for (int64_t k = 0; k < n_; ++k) {
    out[k] = padded[static_cast<size_t>(k)] * chirp_[static_cast<size_t>(k)] * scale;
  }
}

template class FftPlan<float>;
template class FftPlan<double>;

}  // namespace aruntime::kernels
