#include "kernels/gemm.h"

#include <tbb/task_arena.h>

#include <Eigen/Core>
#include <algorithm>
#include <vector>

#include "kernels/parallel.h"

namespace aruntime::kernels {
namespace {

template <typename T>
using RowMajorMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using ColMajorMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

// Eigen's product packs blocks of its operands into buffers that it allocates on every call
// beyond 128 KiB; under glibc such a malloc/free pair can become mmap/munmap, and a run then
// page-faults through fresh memory in every product (measured: about 360 faults and 0.7 ms per
// ViT-S run, where a preceding kernel had left the allocator in that state). Each thread keeps
// one packing workspace instead, grown as needed and reused: a product never waits on other tasks
// while it packs, so nothing else runs on the thread between filling the buffers and using them.
template <typename T>
T* packing_workspace(size_t elements) {
  thread_local std::vector<T, Eigen::aligned_allocator<T>> workspace;
  if (workspace.size() < elements) workspace.resize(elements);
  return workspace.data();
}

// Eigen's own blocking for a row-major product (the sizes it would choose itself), with the
// packing buffers in the thread's workspace rather than allocated by Eigen.
template <typename T>
class WorkspaceBlocking final
    : public Eigen::internal::gemm_blocking_space<Eigen::RowMajor, T, T, Eigen::Dynamic,
                                                  Eigen::Dynamic, Eigen::Dynamic, 1, false> {
  using Base = Eigen::internal::gemm_blocking_space<Eigen::RowMajor, T, T, Eigen::Dynamic,
                                                    Eigen::Dynamic, Eigen::Dynamic, 1, false>;

 public:
  WorkspaceBlocking(Eigen::Index rows, Eigen::Index cols, Eigen::Index depth)
      : Base(rows, cols, depth, 1, true) {
    constexpr Eigen::Index kAlign = 64 / sizeof(T);
    const Eigen::Index size_a = (this->m_mc * this->m_kc + kAlign - 1) / kAlign * kAlign;
    const Eigen::Index size_b = this->m_kc * this->m_nc;
    T* workspace = packing_workspace<T>(static_cast<size_t>(size_a + size_b));
    this->m_blockA = workspace;
    this->m_blockB = workspace + size_a;
  }
  // The base class frees its buffers; these are the workspace's.
  ~WorkspaceBlocking() { this->m_blockA = this->m_blockB = nullptr; }
};

// C (row-major, ldc) += alpha * op(A) * op(B) through Eigen's blocked kernel with the thread's
// workspace; `LhsOrder`/`RhsOrder` say how A and B are laid out (column-major: transposed).
template <typename T, int LhsOrder, int RhsOrder>
void accumulate_product(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
                        const T* b, int64_t ldb, T* c, int64_t ldc) {
  WorkspaceBlocking<T> blocking(m, n, k);
  Eigen::internal::general_matrix_matrix_product<Eigen::Index, T, LhsOrder, false, T, RhsOrder,
                                                 false, Eigen::RowMajor, 1>::run(m, n, k, a, lda,
                                                                                 b, ldb, c, 1, ldc,
                                                                                 alpha, blocking);
}

// A transposed row-major operand is the same memory read as a column-major matrix, so each of the
// four transpose combinations maps onto plain (non-transposed) Eigen maps.
template <typename T, typename MapA, typename MapB>
void multiply(const MapA& a, const MapB& b, T alpha, T beta, T* c, int64_t m, int64_t n,
              int64_t ldc) {
  Eigen::Map<RowMajorMatrix<T>, 0, Eigen::OuterStride<>> out(c, m, n, Eigen::OuterStride<>(ldc));
  if (beta == T(0)) {
    if (alpha == T(1)) {
      out.noalias() = a * b;
    } else {
      out.noalias() = alpha * a * b;
    }
    return;
  }
  if (beta != T(1)) out *= beta;
  if (alpha == T(1)) {
    out.noalias() += a * b;
  } else {
    out.noalias() += alpha * a * b;
  }
}

template <typename T>
void scale_only(T beta, T* c, int64_t m, int64_t n, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    T* row = c + i * ldc;
    if (beta == T(0)) {
      std::fill(row, row + n, T(0));
    } else {
      for (int64_t j = 0; j < n; ++j) row[j] *= beta;
    }
  }
}

}  // namespace

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scale_only(beta, c, m, n, ldc);
    return;
  }
  // Products of matrices (not vectors, which Eigen multiplies without packing, nor tiny ones,
  // which it multiplies coefficient-wise) go to the blocked kernel with the thread's workspace.
  if (m > 1 && n > 1 && m + n + k >= 32) {
    if (beta != T(1)) scale_only(beta, c, m, n, ldc);
    constexpr int kRow = Eigen::RowMajor;
    constexpr int kCol = Eigen::ColMajor;
    if (!trans_a && !trans_b) {
      accumulate_product<T, kRow, kRow>(m, n, k, alpha, a, lda, b, ldb, c, ldc);
    } else if (!trans_a && trans_b) {
      accumulate_product<T, kRow, kCol>(m, n, k, alpha, a, lda, b, ldb, c, ldc);
    } else if (trans_a && !trans_b) {
      accumulate_product<T, kCol, kRow>(m, n, k, alpha, a, lda, b, ldb, c, ldc);
    } else {
      accumulate_product<T, kCol, kCol>(m, n, k, alpha, a, lda, b, ldb, c, ldc);
    }
    return;
  }
  using Stride = Eigen::OuterStride<>;
  using RowMap = Eigen::Map<const RowMajorMatrix<T>, 0, Stride>;
  using ColMap = Eigen::Map<const ColMajorMatrix<T>, 0, Stride>;
  if (!trans_a && !trans_b) {
    multiply<T>(RowMap(a, m, k, Stride(lda)), RowMap(b, k, n, Stride(ldb)), alpha, beta, c, m, n,
                ldc);
  } else if (!trans_a && trans_b) {
    multiply<T>(RowMap(a, m, k, Stride(lda)), ColMap(b, k, n, Stride(ldb)), alpha, beta, c, m, n,
                ldc);
  } else if (trans_a && !trans_b) {
    multiply<T>(ColMap(a, m, k, Stride(lda)), RowMap(b, k, n, Stride(ldb)), alpha, beta, c, m, n,
                ldc);
  } else {
    multiply<T>(ColMap(a, m, k, Stride(lda)), ColMap(b, k, n, Stride(ldb)), alpha, beta, c, m, n,
                ldc);
  }
}

template <typename T>
void gemm_parallel(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                   int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc,
                   const BlockEpilogue<T>& epilogue) {
  if (m <= 0 || n <= 0) return;
  // Each block repacks the shared operand, so blocks are kept large: at least 32 rows/columns and
  // about 1M multiply-adds, and no more than two per thread.
  constexpr int64_t kMinBlockWork = int64_t{1} << 20;
  constexpr int64_t kMinBlockSide = 32;
  const int64_t work = m * n * std::max<int64_t>(k, 1);
  const bool split_rows = m >= n;
  const int64_t side = split_rows ? m : n;
  int64_t blocks =
      std::min({work / kMinBlockWork, side / kMinBlockSide, 2 * available_parallelism()});
  if (blocks <= 1) {
    gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (epilogue) epilogue(c, m, n, ldc);
    return;
  }
  const int64_t per_block = (side + blocks - 1) / blocks;
  blocks = (side + per_block - 1) / per_block;
  parallel_for(blocks, work / blocks, [&](int64_t begin, int64_t end) {
    for (int64_t blk = begin; blk < end; ++blk) {
      const int64_t lo = blk * per_block;
      const int64_t count = std::min(side, lo + per_block) - lo;
      if (split_rows) {
        // Row lo of op(A) starts at row lo of A, or at column lo of a transposed A.
        const T* a_block = trans_a ? a + lo : a + lo * lda;
        gemm(trans_a, trans_b, count, n, k, alpha, a_block, lda, b, ldb, beta, c + lo * ldc, ldc);
        if (epilogue) epilogue(c + lo * ldc, count, n, ldc);
      } else {
        const T* b_block = trans_b ? b + lo * ldb : b + lo;
        gemm(trans_a, trans_b, m, count, k, alpha, a, lda, b_block, ldb, beta, c + lo, ldc);
        if (epilogue) epilogue(c + lo, m, count, ldc);
      }
    }
  });
}

#define ARUNTIME_INSTANTIATE_GEMM(T)                                                           \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, \
                        int64_t, T, T*, int64_t);                                              \
  template void gemm_parallel<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t,  \
                                 const T*, int64_t, T, T*, int64_t, const BlockEpilogue<T>&);

ARUNTIME_INSTANTIATE_GEMM(float)
ARUNTIME_INSTANTIATE_GEMM(double)
ARUNTIME_INSTANTIATE_GEMM(int32_t)
ARUNTIME_INSTANTIATE_GEMM(int64_t)
ARUNTIME_INSTANTIATE_GEMM(uint32_t)
ARUNTIME_INSTANTIATE_GEMM(uint64_t)

#undef ARUNTIME_INSTANTIATE_GEMM

}  // namespace aruntime::kernels
