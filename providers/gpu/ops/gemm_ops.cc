// MatMul, Gemm, aruntime.FusedGemm and aruntime.FusedMatMul on cuBLAS (through cublas_api(): the
// library is opened at run time). Attribute and shape validation mirror the CPU kernels
// (providers/cpu/ops/gemm_ops.cc, fused_ops.cc). float32 runs at full float32 precision
// (CUBLAS_COMPUTE_32F, no TF32), float16 and bfloat16 accumulate in float32. Gemm's C, the fused
// activations and nothing else run as one elementwise epilogue after the product.
//
// ONNX tensors are row-major and cuBLAS is column-major: a row-major [M, N] matrix is the
// column-major [N, M] matrix of its transpose, so Y = op(A) op(B) is computed as
// Yᵀ = op(B)ᵀ op(A)ᵀ, i.e. cuBLAS is called with the operands swapped, m = N, n = M, and each
// operand's leading dimension its row-major row length.
#include <algorithm>
#include <climits>

#include "graph/optimizer/fused_domain.h"
#include "providers/gpu/cublas_api.h"
#include "providers/gpu/ops/cudnn_util.h"
#include "providers/gpu/ops/dense_kernels.h"

namespace aruntime::gpu::dense {
namespace {

const std::vector<DataType>& gemm_types() {
  return kGpuFloatsAndBf16;
}

std::string inner_mismatch(const Node& node, const Tensor& a, bool trans_a, const Tensor& b,
                           bool trans_b) {
  return node.describe() + ": inner dimensions differ: A " + a.shape().to_string() +
         (trans_a ? " (transposed)" : "") + " x B " + b.shape().to_string() +
         (trans_b ? " (transposed)" : "");
}

cudaDataType_t cuda_type(DataType type) {
  switch (type) {
    case DataType::kFloat16:
      return CUDA_R_16F;
    case DataType::kBFloat16:
      return CUDA_R_16BF;
    case DataType::kFloat32:
    default:
      return CUDA_R_32F;
  }
}

int to_blas_int(const Node& node, int64_t value, const char* what) {
  if (value > INT_MAX) {
    throw_error(ErrorCode::kNotImplemented, node.describe() + ": " + what + " " +
                                                std::to_string(value) +
                                                " exceeds cuBLAS's 32-bit sizes");
  }
  return static_cast<int>(value);
}

// `batch` products Y_i [m, n] = alpha * op(A_i) op(B_i) of row-major matrices, A_i at a + i *
// stride_a elements (stride 0: one A for every product), likewise B, Y_i dense at y + i * m * n.
// lda/ldb are the stored matrices' row lengths.
struct GemmCall {
  bool trans_a = false, trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  float alpha = 1.0f;
  const void* a = nullptr;
  int64_t lda = 0, stride_a = 0;
  const void* b = nullptr;
  int64_t ldb = 0, stride_b = 0;
  void* y = nullptr;
  int64_t batch = 1;
};

void run_gemm(const GpuContext& gpu, const Node& node, DataType type, const GemmCall& c) {
  if (c.m == 0 || c.n == 0 || c.batch == 0) return;
  const size_t element = element_size(type);
  if (c.k == 0) {
    // An empty sum: cuBLAS would reject the zero leading dimensions.
    ARUNTIME_CUDA_CHECK(
        cudaMemsetAsync(c.y, 0, static_cast<size_t>(c.batch * c.m * c.n) * element, gpu.stream()));
    return;
  }
  const CublasApi& api = cublas_api();
  const cudaDataType_t t = cuda_type(type);
  const float beta = 0.0f;
  const int m = to_blas_int(node, c.n, "N");
  const int n = to_blas_int(node, c.m, "M");
  const int k = to_blas_int(node, c.k, "K");
  const int lda = to_blas_int(node, c.ldb, "leading dimension of B");
  const int ldb = to_blas_int(node, c.lda, "leading dimension of A");
  const cublasOperation_t op_a = c.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = c.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  if (c.batch == 1) {
    ARUNTIME_CUBLAS_CHECK(api.gemm_ex(gpu.cublas(), op_a, op_b, m, n, k, &c.alpha, c.b, t, lda, c.a,
                                      t, ldb, &beta, c.y, t, m, CUBLAS_COMPUTE_32F,
                                      CUBLAS_GEMM_DEFAULT));
    return;
  }
  const int batch = to_blas_int(node, c.batch, "batch count");
  ARUNTIME_CUBLAS_CHECK(api.gemm_strided_batched_ex(
      gpu.cublas(), op_a, op_b, m, n, k, &c.alpha, c.b, t, lda, c.stride_b, c.a, t, ldb, c.stride_a,
      &beta, c.y, t, m, c.m * c.n, batch, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

// Whether the operand's matrices over the batch axes [begin, end) sit at a constant distance
// from each other in the order of the output's batches: 0 (one matrix for all) or
// `matrix` (consecutive). The distance goes to `stride`.
bool linear_over(const MatMulBatches& b, const std::vector<int64_t>& strides, size_t begin,
                 size_t end, int64_t matrix, int64_t& stride) {
  bool all_zero = true, consecutive = true;
  int64_t inner = matrix;
  for (size_t i = end; i-- > begin;) {
    if (b.dims[i] == 1) continue;
    all_zero = all_zero && strides[i] == 0;
    consecutive = consecutive && strides[i] == inner;
    inner *= b.dims[i];
  }
  stride = all_zero ? 0 : matrix;
  return all_zero || consecutive;
}

// Y (dense [batches..., m, n]) = alpha * op(A) op(B) over the broadcast batch axes, in as few
// cuBLAS calls as the operands' layouts allow: one GEMM when every batch multiplies one shared B
// with A's batches laid out as Y's (the rows of all batches form one matrix), else strided
// batched GEMMs over the longest trailing run of batch axes along which both operands advance
// evenly, one call per combination of the remaining leading axes.
void batched_product(const GpuContext& gpu, const Node& node, DataType type,
                     const MatMulBatches& batch, GemmCall call, int64_t a_matrix,
                     int64_t b_matrix) {
  const size_t rank = batch.dims.size();
  const int64_t total = batch.count(0, rank);
  if (total == 0 || call.m == 0 || call.n == 0) return;
  int64_t stride_a = 0, stride_b = 0;
  if (!call.trans_a && linear_over(batch, batch.b_stride, 0, rank, b_matrix, stride_b) &&
      stride_b == 0 && linear_over(batch, batch.a_stride, 0, rank, a_matrix, stride_a) &&
      (stride_a != 0 || total == 1) && total <= INT_MAX / std::max<int64_t>(call.m, 1)) {
    call.m *= total;
    run_gemm(gpu, node, type, call);
    return;
  }
  size_t split = rank;
  while (split > 0) {
    int64_t sa = 0, sb = 0;
    if (!linear_over(batch, batch.a_stride, split - 1, rank, a_matrix, sa) ||
        !linear_over(batch, batch.b_stride, split - 1, rank, b_matrix, sb)) {
      break;
    }
    --split;
  }
  linear_over(batch, batch.a_stride, split, rank, a_matrix, stride_a);
  linear_over(batch, batch.b_stride, split, rank, b_matrix, stride_b);
  const int64_t inner = batch.count(split, rank);
  const int64_t outer = batch.count(0, split);
  const size_t element = element_size(type);
  const auto* a = static_cast<const char*>(call.a);
  const auto* b = static_cast<const char*>(call.b);
  auto* y = static_cast<char*>(call.y);
  call.batch = inner;
  call.stride_a = stride_a;
  call.stride_b = stride_b;
  for (int64_t o = 0; o < outer; ++o) {
    int64_t a_offset = 0, b_offset = 0;
    batch.offsets(o * inner, a_offset, b_offset);
    call.a = a + a_offset * static_cast<int64_t>(element);
    call.b = b + b_offset * static_cast<int64_t>(element);
    call.y = y + o * inner * call.m * call.n * static_cast<int64_t>(element);
    run_gemm(gpu, node, type, call);
  }
}

// Gemm's C broadcast unidirectionally to [m, n], scaled by beta, as an epilogue bias. Throws
// naming the node when C does not broadcast.
void set_gemm_c(const Node& node, const Tensor& c, float beta, int64_t m, int64_t n,
                DenseEpilogue& epilogue) {
  const auto& cd = c.shape().dims();
  const int64_t cm = cd.size() == 2 ? cd[0] : 1;
  const int64_t cn = cd.empty() ? 1 : cd.back();
  if (cd.size() > 2 || (cm != 1 && cm != m) || (cn != 1 && cn != n)) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": C of shape " + c.shape().to_string() +
                    " does not broadcast to [" + std::to_string(m) + "," + std::to_string(n) + "]");
  }
  epilogue.bias = c.raw_data();
  epilogue.bias_scale = beta;
  epilogue.bias_inner = n;
  epilogue.bias_period = m;
  epilogue.bias_outer_stride = cm == 1 ? 0 : cn;
  epilogue.bias_inner_stride = cn == 1 ? 0 : 1;
}

void run_epilogue(const GpuContext& gpu, const Node& node, DataType type, Tensor& y,
                  const DenseEpilogue& epilogue) {
  if (epilogue.bias == nullptr && epilogue.residual == nullptr &&
      epilogue.activation == kernels::ActivationKind::kIdentity) {
    return;
  }
  ARUNTIME_CUDA_CHECK(launch_dense_epilogue(dense_type(node, type), y.raw_data(), y.num_elements(),
                                            epilogue, gpu.stream()));
}

// MatMul(A, B) -> Y with numpy semantics: 1-D operands become a row (A) or a column (B) whose
// axis is dropped from Y; batch axes broadcast. FusedMatMul(A, B) -> Y = alpha * op(A) op(B)
// with transA/transB swapping the last two axes, both of rank >= 2.
class MatMulKernel : public GpuKernel {
 public:
  MatMulKernel(const KernelInfo& info, GpuContextPtr context, bool fused)
      : GpuKernel(info, std::move(context)),
        fused_(fused),
        trans_a_(fused && info.node().attr_int("transA", 0) != 0),
        trans_b_(fused && info.node().attr_int("transB", 0) != 0),
        alpha_(fused ? info.node().attr_float("alpha", 1.0f) : 1.0f) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    check_same_type(node, a, b, 1);
    dense_type(node, a.dtype());
    std::vector<int64_t> a_dims = a.shape().dims(), b_dims = b.shape().dims();
    bool a_vector = false, b_vector = false;
    if (fused_) {
      if (a_dims.size() < 2 || b_dims.size() < 2) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": A and B must have rank >= 2, got shapes " +
                        a.shape().to_string() + " and " + b.shape().to_string());
      }
    } else {
      if (a_dims.empty() || b_dims.empty()) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": MatMul inputs must have rank >= 1, got shapes " +
                        a.shape().to_string() + " and " + b.shape().to_string());
      }
      a_vector = a_dims.size() == 1;
      b_vector = b_dims.size() == 1;
      if (a_vector) a_dims.insert(a_dims.begin(), 1);
      if (b_vector) b_dims.push_back(1);
    }
    const int64_t a_rows = a_dims[a_dims.size() - 2], a_cols = a_dims.back();
    const int64_t b_rows = b_dims[b_dims.size() - 2], b_cols = b_dims.back();
    const int64_t m = trans_a_ ? a_cols : a_rows, k = trans_a_ ? a_rows : a_cols;
    const int64_t kb = trans_b_ ? b_cols : b_rows, n = trans_b_ ? b_rows : b_cols;
    if (k != kb)
      throw_error(ErrorCode::kInvalidArgument, inner_mismatch(node, a, trans_a_, b, trans_b_));
    const MatMulBatches batch = matmul_batches(node, a_dims, b_dims, a.shape(), b.shape());
    std::vector<int64_t> out_dims = batch.dims;
    if (!a_vector) out_dims.push_back(m);
    if (!b_vector) out_dims.push_back(n);
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), a.dtype());
    if (y.num_elements() == 0) return;
    GemmCall call;
    call.trans_a = trans_a_;
    call.trans_b = trans_b_;
    call.m = m;
    call.n = n;
    call.k = k;
    call.alpha = alpha_;
    call.a = a.raw_data();
    call.lda = a_cols;
    call.b = b.raw_data();
    call.ldb = b_cols;
    call.y = y.raw_data();
    batched_product(gpu(), node, a.dtype(), batch, call, a_rows * a_cols, b_rows * b_cols);
  }

 private:
  bool fused_;
  bool trans_a_, trans_b_;
  float alpha_;
};

class MatMul final : public MatMulKernel {
 public:
  MatMul(const KernelInfo& info, GpuContextPtr context)
      : MatMulKernel(info, std::move(context), false) {}
};

class FusedMatMul final : public MatMulKernel {
 public:
  FusedMatMul(const KernelInfo& info, GpuContextPtr context)
      : MatMulKernel(info, std::move(context), true) {}
};

// Gemm(A, B, C?) -> Y = alpha * op(A) op(B) + beta * C, A and B 2-D, C broadcast
// unidirectionally to [M, N]. FusedGemm adds the activation, and A may have rank > 2 when transA
// is 0 (its leading axes fold into M; Y is A's shape with the last axis N).
class GemmKernel : public GpuKernel {
 public:
  GemmKernel(const KernelInfo& info, GpuContextPtr context, bool fused)
      : GpuKernel(info, std::move(context)),
        fused_(fused),
        trans_a_(info.node().attr_int("transA", 0) != 0),
        trans_b_(info.node().attr_int("transB", 0) != 0),
        alpha_(info.node().attr_float("alpha", 1.0f)),
        beta_(info.node().attr_float("beta", 1.0f)) {
    if (fused) activation_ = read_fused_activation(info.node());
  }

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    check_same_type(node, a, b, 1);
    const Tensor* c = ctx.input(2);
    if (c != nullptr) check_same_type(node, a, *c, 2);
    dense_type(node, a.dtype());
    const bool a_ok = fused_ ? a.rank() >= 2 && (!trans_a_ || a.rank() == 2) : a.rank() == 2;
    if (!a_ok || b.rank() != 2) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() +
                      (fused_ ? ": A must have rank >= 2 (2 when transA is set) and B rank 2, got "
                              : ": Gemm inputs A and B must be 2-D, got ") +
                      a.shape().to_string() + " and " + b.shape().to_string());
    }
    const auto& ad = a.shape().dims();
    const int64_t k = trans_a_ ? ad[0] : ad.back();
    const int64_t m = trans_a_ ? ad[1] : a.shape().size_from_to(0, a.rank() - 1);
    const int64_t kb = trans_b_ ? b.shape()[1] : b.shape()[0];
    const int64_t n = trans_b_ ? b.shape()[0] : b.shape()[1];
    if (k != kb)
      throw_error(ErrorCode::kInvalidArgument, inner_mismatch(node, a, trans_a_, b, trans_b_));
    std::vector<int64_t> out_dims = {m, n};
    if (a.rank() > 2) {
      out_dims.assign(ad.begin(), ad.end() - 1);
      out_dims.push_back(n);
    }
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), a.dtype());
    if (m == 0 || n == 0) return;
    DenseEpilogue epilogue;
    if (c != nullptr && beta_ != 0.0f) set_gemm_c(node, *c, beta_, m, n, epilogue);
    epilogue.activation = activation_.kind;
    epilogue.alpha = activation_.alpha;
    epilogue.beta = activation_.beta;
    GemmCall call;
    call.trans_a = trans_a_;
    call.trans_b = trans_b_;
    call.m = m;
    call.n = n;
    call.k = k;
    call.alpha = alpha_;
    call.a = a.raw_data();
    call.lda = trans_a_ ? ad[1] : k;
    call.b = b.raw_data();
    call.ldb = b.shape()[1];
    call.y = y.raw_data();
    run_gemm(gpu(), node, a.dtype(), call);
    run_epilogue(gpu(), node, a.dtype(), y, epilogue);
  }

 private:
  bool fused_;
  bool trans_a_, trans_b_;
  float alpha_, beta_;
  kernels::Activation activation_;
};

class Gemm final : public GemmKernel {
 public:
  Gemm(const KernelInfo& info, GpuContextPtr context)
      : GemmKernel(info, std::move(context), false) {}
};

class FusedGemm final : public GemmKernel {
 public:
  FusedGemm(const KernelInfo& info, GpuContextPtr context)
      : GemmKernel(info, std::move(context), true) {}
};

}  // namespace

void register_gemm_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                           const GpuContextPtr& context) {
  (void)checks;  // every attribute value and shape of these ops is handled
  registry.add("MatMul", 1, kMaxOpset, {0, 1}, gemm_types(), gpu_kernel<MatMul>(context));
  // Gemm before 7 had a `broadcast` attribute; from 7 C broadcasts unidirectionally and from 11
  // it is optional, which this kernel handles throughout (as the CPU's).
  registry.add("Gemm", 7, kMaxOpset, {0, 1, 2}, gemm_types(), gpu_kernel<Gemm>(context));
  const std::string domain = optimizer::kFusedDomain;
  const int version = static_cast<int>(optimizer::kFusedOpset);
  registry.add("FusedGemm", version, version, {0, 1, 2}, gemm_types(),
               gpu_kernel<FusedGemm>(context), domain);
  registry.add("FusedMatMul", version, version, {0, 1}, gemm_types(),
               gpu_kernel<FusedMatMul>(context), domain);
}

}  // namespace aruntime::gpu::dense
