// MatMul (numpy semantics) and Gemm on the kernels/gemm.h products.
#include <algorithm>

#include "kernels/gemm.h"
#include "kernels/parallel.h"
#include "providers/cpu/ops/nn_common.h"

namespace aruntime::cpu {
namespace {

const std::vector<DataType> kGemmTypes = {
    DataType::kFloat32, DataType::kFloat64, DataType::kFloat16, DataType::kBFloat16,
    DataType::kInt32,   DataType::kInt64,   DataType::kUInt32,  DataType::kUInt64};

// Calls f(T{}) for the element types the products are instantiated for.
template <typename F>
void dispatch_gemm_type(const Node& node, DataType type, F&& f) {
  switch (type) {
    case DataType::kFloat32:
      f(float{});
      break;
    case DataType::kFloat64:
      f(double{});
      break;
    case DataType::kInt32:
      f(int32_t{});
      break;
    case DataType::kInt64:
      f(int64_t{});
      break;
    case DataType::kUInt32:
      f(uint32_t{});
      break;
    case DataType::kUInt64:
      f(uint64_t{});
      break;
    default:
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                  std::string(data_type_name(type)) +
                                                  " is not supported");
  }
}

class MatMul final : public HalfAsFloat32Kernel {
 public:
  explicit MatMul(const KernelInfo& info) { (void)info; }

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    check_same_type(node, a, b, 1);
    dispatch_gemm_type(node, a.dtype(), [&](auto tag) { run_typed<decltype(tag)>(ctx, a, b); });
  }

  template <typename T>
  void run_typed(KernelContext& ctx, const Tensor& a, const Tensor& b) const {
    const Node& node = ctx.node();
    if (a.rank() == 0 || b.rank() == 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": MatMul inputs must have rank >= 1, got shapes " +
                      a.shape().to_string() + " and " + b.shape().to_string());
    }
    // 1-D operands become a row (A) or a column (B) whose axis is dropped from the output.
    std::vector<int64_t> a_dims = a.shape().dims(), b_dims = b.shape().dims();
    const bool a_vector = a_dims.size() == 1, b_vector = b_dims.size() == 1;
    if (a_vector) a_dims.insert(a_dims.begin(), 1);
    if (b_vector) b_dims.push_back(1);
    const int64_t m = a_dims[a_dims.size() - 2], k = a_dims.back();
    const int64_t n = b_dims.back();
    if (b_dims[b_dims.size() - 2] != k) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": inner dimensions differ: A " +
                                                   a.shape().to_string() + " x B " +
                                                   b.shape().to_string());
    }
    // Batch dims broadcast numpy-style.
    const MatMulBatches batch = matmul_batches(node, a_dims, b_dims, a.shape(), b.shape());
    std::vector<int64_t> out_dims = batch.dims;
    if (!a_vector) out_dims.push_back(m);
    if (!b_vector) out_dims.push_back(n);
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), a.dtype());
    const int64_t batches = batch.count();
    if (y.num_elements() == 0) return;

    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* py = y.data<T>();
    bool b_shared = true;  // one B matrix for every batch
    for (int64_t s : batch.b_stride) b_shared = b_shared && s == 0;
    bool a_dense = true;  // A's batches are laid out exactly as the output's
    for (size_t i = 0; i < batch.dims.size(); ++i) a_dense = a_dense && (batch.dims[i] == 1 || batch.a_stride[i] != 0);
    if (b_shared && a_dense) {
      // All rows of all batches times the one B: a single (batches*m) x k by k x n product.
      kernels::gemm_parallel<T>(false, false, batches * m, n, k, T(1), pa, k, pb, n, T(0), py, n);
      return;
    }
    if (batches >= kernels::available_parallelism()) {
      kernels::parallel_for(batches, m * n * std::max<int64_t>(k, 1),
                            [&](int64_t begin, int64_t end) {
                              for (int64_t i = begin; i < end; ++i) {
                                int64_t a_off, b_off;
                                batch.offsets(i, a_off, b_off);
                                kernels::gemm<T>(false, false, m, n, k, T(1), pa + a_off, k,
                                                 pb + b_off, n, T(0), py + i * m * n, n);
                              }
                            });
    } else {
      for (int64_t i = 0; i < batches; ++i) {
        int64_t a_off, b_off;
        batch.offsets(i, a_off, b_off);
        kernels::gemm_parallel<T>(false, false, m, n, k, T(1), pa + a_off, k, pb + b_off, n, T(0),
                                  py + i * m * n, n);
      }
    }
  }
};

class Gemm final : public HalfAsFloat32Kernel {
 public:
  explicit Gemm(const KernelInfo& info)
      : trans_a_(info.node().attr_int("transA", 0) != 0),
        trans_b_(info.node().attr_int("transB", 0) != 0),
        alpha_(info.node().attr_float("alpha", 1.0f)),
        beta_(info.node().attr_float("beta", 1.0f)) {}

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    check_same_type(node, a, b, 1);
    const Tensor* c = ctx.input(2);
    if (c != nullptr) check_same_type(node, a, *c, 2);
    dispatch_gemm_type(node, a.dtype(), [&](auto tag) { run_typed<decltype(tag)>(ctx, a, b, c); });
  }

  template <typename T>
  void run_typed(KernelContext& ctx, const Tensor& a, const Tensor& b, const Tensor* c) const {
    const Node& node = ctx.node();
    if (a.rank() != 2 || b.rank() != 2) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": Gemm inputs A and B must be 2-D, got " +
                      a.shape().to_string() + " and " + b.shape().to_string());
    }
    const int64_t m = trans_a_ ? a.shape()[1] : a.shape()[0];
    const int64_t k = trans_a_ ? a.shape()[0] : a.shape()[1];
    const int64_t kb = trans_b_ ? b.shape()[1] : b.shape()[0];
    const int64_t n = trans_b_ ? b.shape()[0] : b.shape()[1];
    if (k != kb) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": inner dimensions differ: A " + a.shape().to_string() +
                      (trans_a_ ? " (transposed)" : "") + " x B " + b.shape().to_string() +
                      (trans_b_ ? " (transposed)" : ""));
    }
    Tensor& y = ctx.allocate_output(0, Shape{m, n}, a.dtype());
    if (m == 0 || n == 0) return;
    T* py = y.data<T>();
    const T alpha = static_cast<T>(alpha_);
    T beta = static_cast<T>(beta_);
    if (c != nullptr && beta != T(0)) {
      // Prefill Y with C, then Y = alpha*AB + beta*Y.
      fill_gemm_c(node, *c, m, n, py);
    } else {
      beta = T(0);
    }
    const int64_t lda = a.shape()[1], ldb = b.shape()[1];
    kernels::gemm_parallel<T>(trans_a_, trans_b_, m, n, k, alpha, a.data<T>(), lda, b.data<T>(),
                              ldb, beta, py, n);
  }

  bool trans_a_, trans_b_;
  float alpha_, beta_;
};

}  // namespace

void register_gemm_kernels(KernelRegistry& registry) {
  registry.add("MatMul", 1, kMaxOpset, {0, 1}, kGemmTypes, make_kernel<MatMul>());
  // Gemm before 7 had a `broadcast` attribute; from 7 C broadcasts unidirectionally and from 11
  // it is optional, which this kernel handles throughout.
  registry.add("Gemm", 7, kMaxOpset, {0, 1, 2}, kGemmTypes, make_kernel<Gemm>());
}

}  // namespace aruntime::cpu
