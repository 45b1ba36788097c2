// One vector of the blocked layout: the 16 channels of a pixel's block. GCC/Clang vector
// extensions keep the kernels portable (two AVX2 registers, or four SSE ones, where AVX-512 is
// missing); with AVX-512 the multiply-add is one fused instruction, which ISO C++ mode would not
// contract on its own.
#pragma once

#include <cstring>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "kernels/nchwc.h"

namespace aruntime::kernels::nchwc {

typedef float Vec __attribute__((vector_size(kBlock * sizeof(float))));

inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store(float* p, Vec v) {
  std::memcpy(p, &v, sizeof v);
}

inline Vec splat(float s) {
  return Vec{} + s;
}

// a * b + c
inline Vec fmadd(Vec a, Vec b, Vec c) {
#if defined(__AVX512F__)
  return static_cast<Vec>(
      _mm512_fmadd_ps(static_cast<__m512>(a), static_cast<__m512>(b), static_cast<__m512>(c)));
#else
  return a * b + c;
#endif
}

inline Vec max(Vec a, Vec b) {
  return a > b ? a : b;
}
inline Vec min(Vec a, Vec b) {
  return a < b ? a : b;
}

}  // namespace aruntime::kernels::nchwc
