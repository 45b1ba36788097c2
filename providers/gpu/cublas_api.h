// cuBLAS and cuBLASLt, opened with dlopen the first time a GPU session starts. Linking them would
// map over 500 MiB of libraries into every program start (the CLI, each conformance test), GPU or
// not; the provider uses a few entry points, resolved here once, with their exact types from the
// libraries' own headers.
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>

namespace aruntime::gpu {

struct CublasApi {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasDestroy_v2) destroy;
  decltype(&cublasSetStream_v2) set_stream;
  decltype(&cublasSetMathMode) set_math_mode;
  decltype(&cublasSetWorkspace_v2) set_workspace;
  // cuBLAS 13's C++ header overloads these two, so their C signatures are spelled out.
  cublasStatus_t (*gemm_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                            const void*, const void*, cudaDataType, int, const void*, cudaDataType,
                            int, const void*, void*, cudaDataType, int, cublasComputeType_t,
                            cublasGemmAlgo_t);
  cublasStatus_t (*gemm_strided_batched_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t,
                                            int, int, int, const void*, const void*, cudaDataType,
                                            int, long long int, const void*, cudaDataType, int,
                                            long long int, const void*, void*, cudaDataType, int,
                                            long long int, int, cublasComputeType_t,
                                            cublasGemmAlgo_t);
  decltype(&cublasGetStatusString) status_string;

  decltype(&cublasLtCreate) lt_create;
  decltype(&cublasLtDestroy) lt_destroy;
  decltype(&cublasLtMatmulDescCreate) lt_matmul_desc_create;
  decltype(&cublasLtMatmulDescDestroy) lt_matmul_desc_destroy;
  decltype(&cublasLtMatmulDescSetAttribute) lt_matmul_desc_set_attribute;
  decltype(&cublasLtMatrixLayoutCreate) lt_matrix_layout_create;
  decltype(&cublasLtMatrixLayoutDestroy) lt_matrix_layout_destroy;
  decltype(&cublasLtMatrixLayoutSetAttribute) lt_matrix_layout_set_attribute;
  decltype(&cublasLtMatmulPreferenceCreate) lt_preference_create;
  decltype(&cublasLtMatmulPreferenceDestroy) lt_preference_destroy;
  decltype(&cublasLtMatmulPreferenceSetAttribute) lt_preference_set_attribute;
  decltype(&cublasLtMatmulAlgoGetHeuristic) lt_algo_get_heuristic;
  decltype(&cublasLtMatmul) lt_matmul;
};

// Loads libcublas.so.13 and libcublasLt.so.13 (the toolkit's major version) on first call and
// returns the resolved entry points. Throws Error(kRuntimeError) naming the library or symbol and
// dlerror()'s reason when either cannot be loaded, e.g. "gpu: cannot load libcublasLt.so.13
// (...): put the CUDA toolkit's lib64 or the nvidia-cublas wheel's lib on LD_LIBRARY_PATH".
const CublasApi& cublas_api();

}  // namespace aruntime::gpu
