#include "providers/gpu/cublas_api.h"

#include <dlfcn.h>

#include <string>

#include "aruntime/status.h"

namespace aruntime::gpu {
namespace {

constexpr const char* kCublas = "libcublas.so.13";
constexpr const char* kCublasLt = "libcublasLt.so.13";
constexpr const char* kHint =
    ": put the CUDA toolkit's lib64 or the nvidia-cublas wheel's lib on LD_LIBRARY_PATH";

// The outcome of the one load attempt: the entry points, or why they are missing.
struct LoadResult {
  CublasApi api{};
  std::string error;
};

std::string dl_reason() {
  const char* reason = dlerror();
  return reason != nullptr ? reason : "unknown reason";
}

class Loader {
 public:
  // Libraries stay loaded for the life of the process (the handles are never closed): kernels
  // and handles of any session may call into them until exit.
  bool open(const char* library, void*& handle) {
    handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr && error.empty())
      error = std::string("gpu: cannot load ") + library + " (" + dl_reason() + ")" + kHint;
    return handle != nullptr;
  }
  // Resolves `symbol` of `library` into `entry`, whose type is the function's own (cublas_api.h).
  template <typename F>
  void resolve(void* handle, const char* library, const char* symbol, F& entry) {
    dlerror();
    void* address = dlsym(handle, symbol);
    if (address == nullptr) {
      if (error.empty())
        error = std::string("gpu: ") + library + " has no symbol " + symbol + " (" + dl_reason() +
                ")" + kHint;
      return;
    }
    entry = reinterpret_cast<F>(address);
  }

  std::string error;
};

LoadResult load() {
  LoadResult result;
  Loader loader;
  CublasApi& api = result.api;
  // cuBLASLt first: libcublas needs it, and a missing libcublasLt is named as such.
  void* lt = nullptr;
  void* blas = nullptr;
  if (loader.open(kCublasLt, lt) && loader.open(kCublas, blas)) {
    loader.resolve(blas, kCublas, "cublasCreate_v2", api.create);
    loader.resolve(blas, kCublas, "cublasDestroy_v2", api.destroy);
    loader.resolve(blas, kCublas, "cublasSetStream_v2", api.set_stream);
    loader.resolve(blas, kCublas, "cublasSetMathMode", api.set_math_mode);
    loader.resolve(blas, kCublas, "cublasSetWorkspace_v2", api.set_workspace);
    loader.resolve(blas, kCublas, "cublasGemmEx", api.gemm_ex);
    loader.resolve(blas, kCublas, "cublasGemmStridedBatchedEx", api.gemm_strided_batched_ex);
    loader.resolve(blas, kCublas, "cublasGetStatusString", api.status_string);

    loader.resolve(lt, kCublasLt, "cublasLtCreate", api.lt_create);
    loader.resolve(lt, kCublasLt, "cublasLtDestroy", api.lt_destroy);
    loader.resolve(lt, kCublasLt, "cublasLtMatmulDescCreate", api.lt_matmul_desc_create);
    loader.resolve(lt, kCublasLt, "cublasLtMatmulDescDestroy", api.lt_matmul_desc_destroy);
    loader.resolve(lt, kCublasLt, "cublasLtMatmulDescSetAttribute",
                   api.lt_matmul_desc_set_attribute);
    loader.resolve(lt, kCublasLt, "cublasLtMatrixLayoutCreate", api.lt_matrix_layout_create);
    loader.resolve(lt, kCublasLt, "cublasLtMatrixLayoutDestroy", api.lt_matrix_layout_destroy);
    loader.resolve(lt, kCublasLt, "cublasLtMatrixLayoutSetAttribute",
                   api.lt_matrix_layout_set_attribute);
    loader.resolve(lt, kCublasLt, "cublasLtMatmulPreferenceCreate", api.lt_preference_create);
    loader.resolve(lt, kCublasLt, "cublasLtMatmulPreferenceDestroy", api.lt_preference_destroy);
    loader.resolve(lt, kCublasLt, "cublasLtMatmulPreferenceSetAttribute",
                   api.lt_preference_set_attribute);
    loader.resolve(lt, kCublasLt, "cublasLtMatmulAlgoGetHeuristic", api.lt_algo_get_heuristic);
    loader.resolve(lt, kCublasLt, "cublasLtMatmul", api.lt_matmul);
  }
  result.error = loader.error;
  return result;
}

}  // namespace

const CublasApi& cublas_api() {
  // Loaded once, on first use, by whichever thread gets here first (a function-local static is
  // initialised exactly once); a failure is remembered and reported the same way on every call.
  static const LoadResult loaded = load();
  if (!loaded.error.empty()) throw_error(ErrorCode::kRuntimeError, loaded.error);
  return loaded.api;
}

}  // namespace aruntime::gpu
