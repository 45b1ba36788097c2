// Dense matrix products on row-major memory, computed with Eigen (single-threaded per call) and
// split over kernels::parallel_for in the *_parallel variants.
#pragma once

#include "kernels/parallel.h"

#include <cstdint>
#include <functional>

namespace aruntime::kernels {

// C[m x n] = alpha * op(A) * op(B) + beta * C, where op(A) is m x k and op(B) is k x n. All
// matrices are row-major with the given leading dimensions (distance between rows); a transposed
// operand is stored as its transpose (k x m for A, n x k for B). With beta == 0, C is only written,
// so it may hold garbage on entry. Instantiated for float, double, int32_t, int64_t, uint32_t and
// uint64_t.
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

// Work done on a finished block of an output matrix while it is still in cache (a fused
// activation, a residual sum): `rows` rows of `cols` values, row r starting at block + r * ld.
// Blocks are disjoint and may be handed to the epilogue concurrently. A non-owning reference: the
// callable must outlive the call it is passed to.
template <typename T>
using BlockEpilogue = FunctionRef<void(T* block, int64_t rows, int64_t cols, int64_t ld)>;

// Same contract as gemm(), with the rows (or columns, when there are more of them) of C split into
// blocks computed in parallel. A non-empty `epilogue` runs on each block of C once it is computed.
template <typename T>
void gemm_parallel(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                   int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc,
                   const BlockEpilogue<T>& epilogue = {});

}  // namespace aruntime::kernels
