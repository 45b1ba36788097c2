// The runtime's own fused operators, domain "aruntime" version 1 (graph/optimizer/fused_domain.h).
// The optimizer's level-2 passes create them (docs/optimizer.md lists which pattern becomes which
// op); model files carry them only as `aruntime optimize` saved them. Each class below starts with
// its op's contract: FusedConv, FusedGemm, FusedMatMul, Gelu, LayerNormalization, RMSNormalization,
// SkipLayerNormalization, Attention. T is float32 or float64; float16/bfloat16 inputs are computed in float32.
#include <algorithm>

#include "graph/optimizer/fused_domain.h"
#include "kernels/activation.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "kernels/normalization.h"
#include "kernels/parallel.h"
#include "kernels/softmax.h"
#include "providers/common/op_checks.h"
#include "providers/cpu/ops/conv_common.h"
#include "providers/cpu/ops/nn_common.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

[[noreturn]] void bad_attribute(const Node& node, const std::string& what) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": " + what);
}

// FusedConv(X, W, B?, Z?) -> Y: Y = activation(Conv(X, W, B) + Z).
// Attributes: Conv's (auto_pad, dilations, group, kernel_shape, pads, strides), `activation` and
// `activation_params` (fused_domain.h; none: identity). Z, when given, has Y's shape. The sum and
// the activation are applied to each block of Y as the convolution finishes it.
class FusedConv final : public HalfAsFloat32Kernel {
 public:
  explicit FusedConv(const KernelInfo& info)
      : setup_(info), activation_(read_fused_activation(info.node())) {}

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    ConvCall call = setup_.prepare(ctx);
    const Tensor* z = ctx.input(3);
    if (z != nullptr) {
      check_same_type(node, *call.x, *z, 3);
      if (z->shape() != call.y->shape()) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input Z has shape " +
                                                     z->shape().to_string() + ", expected Y's " +
                                                     call.y->shape().to_string());
      }
    }
    if (call.empty()) return;
    dispatch_float32_or_64(node, call.x->dtype(), [&](auto tag) {
      using T = decltype(tag);
      if (z == nullptr && activation_.kind == kernels::ActivationKind::kIdentity) {
        call.run<T>();
        return;
      }
      const T* residual = z != nullptr ? z->data<T>() : nullptr;
      const T* y = call.y->data<T>();
      call.run<T>([&](T* block, int64_t rows, int64_t cols, int64_t ld) {
        for (int64_t r = 0; r < rows; ++r) {
          T* row = block + r * ld;
          if (residual != nullptr) {
            const T* z_row = residual + (row - y);
            for (int64_t j = 0; j < cols; ++j) row[j] += z_row[j];
          }
          kernels::apply_activation(activation_, row, cols);
        }
      });
    });
  }

  ConvSetup setup_;
  kernels::Activation activation_;
};

// FusedGemm(A, B, C?) -> Y: Y = activation(alpha * op(A) * op(B) + beta * C).
// Attributes: Gemm's (transA, transB, alpha, beta), `activation`, `activation_params`. Unlike Gemm,
// A may have rank > 2 when transA is 0: its leading axes fold into M and Y is A's shape with the
// last axis N. C broadcasts unidirectionally to the [M, N] matrix. The activation is applied to
// each block of Y as the product finishes it.
class FusedGemm final : public HalfAsFloat32Kernel {
 public:
  explicit FusedGemm(const KernelInfo& info)
      : trans_a_(info.node().attr_int("transA", 0) != 0),
        trans_b_(info.node().attr_int("transB", 0) != 0),
        alpha_(info.node().attr_float("alpha", 1.0f)),
        beta_(info.node().attr_float("beta", 1.0f)),
        activation_(read_fused_activation(info.node())) {}

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    check_same_type(node, a, b, 1);
    const Tensor* c = ctx.input(2);
    if (c != nullptr) check_same_type(node, a, *c, 2);
    dispatch_float32_or_64(node, a.dtype(),
                           [&](auto tag) { run_typed<decltype(tag)>(ctx, a, b, c); });
  }

  template <typename T>
  void run_typed(KernelContext& ctx, const Tensor& a, const Tensor& b, const Tensor* c) const {
    const Node& node = ctx.node();
    if (a.rank() < 2 || b.rank() != 2 || (trans_a_ && a.rank() != 2)) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() +
                      ": A must have rank >= 2 (2 when transA is set) and B rank 2, got " +
                      a.shape().to_string() + " and " + b.shape().to_string());
    }
    const auto& ad = a.shape().dims();
    const int64_t k = trans_a_ ? ad[0] : ad.back();
    const int64_t m = trans_a_ ? ad[1] : a.shape().size_from_to(0, a.rank() - 1);
    const int64_t kb = trans_b_ ? b.shape()[1] : b.shape()[0];
    const int64_t n = trans_b_ ? b.shape()[0] : b.shape()[1];
    if (k != kb) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": inner dimensions differ: A " + a.shape().to_string() +
                      (trans_a_ ? " (transposed)" : "") + " x B " + b.shape().to_string() +
                      (trans_b_ ? " (transposed)" : ""));
    }
    std::vector<int64_t> out_dims = {m, n};
    if (a.rank() > 2) {
      out_dims.assign(ad.begin(), ad.end() - 1);
      out_dims.push_back(n);
    }
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), a.dtype());
    if (m == 0 || n == 0) return;
    T* py = y.data<T>();
    T beta = static_cast<T>(beta_);
    if (c != nullptr && beta != T(0)) {
      fill_gemm_c(node, *c, m, n, py);
    } else {
      beta = T(0);
    }
    const auto activate = [this](T* block, int64_t rows, int64_t cols, int64_t ld) {
      for (int64_t r = 0; r < rows; ++r) kernels::apply_activation(activation_, block + r * ld, cols);
    };
    kernels::BlockEpilogue<T> epilogue;
    if (activation_.kind != kernels::ActivationKind::kIdentity) epilogue = activate;
    const int64_t lda = trans_a_ ? ad[1] : k;
    kernels::gemm_parallel<T>(trans_a_, trans_b_, m, n, k, static_cast<T>(alpha_), a.data<T>(), lda,
                              b.data<T>(), b.shape()[1], beta, py, n, epilogue);
  }

  bool trans_a_, trans_b_;
  float alpha_, beta_;
  kernels::Activation activation_;
};

// Gelu(X) -> Y: ONNX Gelu-20 for models of earlier opsets. Attribute approximate: "none"
// (x/2 * (1 + erf(x / sqrt(2)))) or "tanh" (x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))).
class Gelu final : public HalfAsFloat32Kernel {
 public:
  explicit Gelu(const KernelInfo& info) {
    const std::string approximate = info.node().attr_string("approximate", "none");
    if (approximate != "none" && approximate != "tanh") {
      bad_attribute(info.node(), "attribute approximate must be \"none\" or \"tanh\", got \"" +
                                     approximate + "\"");
    }
    tanh_ = approximate == "tanh";
  }

 private:
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    dispatch_float32_or_64(ctx.node(), x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      kernels::unary_span_map(x.data<T>(), y.data<T>(), x.num_elements(), 24,
                              [this](const T* in, T* out, int64_t n) {
                                if (tanh_) {
                                  kernels::gelu_tanh_span(in, out, n);
                                } else {
                                  kernels::gelu_span(in, out, n);
                                }
                              });
    });
  }

  bool tanh_ = false;
};

// LayerNormalization(X, Scale, B?) -> Y: output 0 of ONNX LayerNormalization-17, for models of
// earlier opsets. Attributes axis (default -1) and epsilon (default 1e-5): each row of the axes
// [axis, rank) is normalised with its mean and population variance (accumulated in double), then
// scaled and shifted; Scale and B have exactly the dims X.shape[axis:].
//
// RMSNormalization(X, Scale) -> Y: ONNX RMSNormalization-23 for models of earlier opsets, with the
// same attributes and Scale's dims as above: y = x / sqrt(mean(x^2) + epsilon) * Scale over each
// row of the axes [axis, rank), the mean of squares accumulated in double.
//
// SkipLayerNormalization(X, Skip, Gamma, Beta?, Bias?) -> Y, Sum?: the residual sum and the
// LayerNormalization after it. Sum = X + Skip (+ Bias), Y = LayerNormalization(Sum, Gamma, Beta)
// with the attributes axis and epsilon as above. Skip has exactly X's shape; Gamma, Beta and Bias
// have exactly the dims X.shape[axis:]. Output 1, when requested, is the sum itself (the residual
// that a pre-LN block passes on); it is computed in T, as the Add it replaces does.
class AxisNormalization : public HalfAsFloat32Kernel {
 public:
  AxisNormalization(const KernelInfo& info, bool center, bool skip)
      : center_(center),
        skip_(skip),
        axis_(info.node().attr_int("axis", -1)),
        epsilon_(info.node().attr_float("epsilon", 1e-5f)) {
    if (epsilon_ < 0) bad_attribute(info.node(), "attribute epsilon is negative");
  }

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const RowNormInputs in = row_norm_inputs(ctx, axis_, center_, skip_);
    const Tensor& x = *in.x;
    const size_t axis = in.axis;
    const Tensor* skip = in.skip;
    const Tensor* skip_bias = in.skip_bias;
    const std::vector<double> scale = tensor_to_doubles(*in.scale);
    const std::vector<double> bias =
        in.bias != nullptr ? tensor_to_doubles(*in.bias) : std::vector<double>{};
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    const bool want_sum = skip_ && ctx.num_outputs() > 1 && ctx.output_requested(1);
    Tensor* sum = want_sum ? &ctx.allocate_output(1, x.shape(), x.dtype()) : nullptr;
    const int64_t rows = x.shape().size_from_to(0, axis);
    const int64_t row_size = x.shape().size_from_to(axis, x.rank());
    if (rows == 0 || row_size == 0) return;
    kernels::RowNormalization options;
    options.epsilon = epsilon_;
    options.center = center_;
    options.scale = scale.data();
    options.bias = bias.empty() ? nullptr : bias.data();
    options.param_segments = row_size;
    dispatch_float32_or_64(node, x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if (!skip_) {
        kernels::normalize_rows(x.data<T>(), y.data<T>(), rows, row_size, options);
        return;
      }
      // The sum goes to output 1 or, when nobody reads it, to Y itself: normalize_rows reads a
      // row completely (its statistics) before writing it, so it may work in place.
      T* s = sum != nullptr ? sum->data<T>() : y.data<T>();
      const T* px = x.data<T>();
      const T* pskip = skip->data<T>();
      const T* pbias = skip_bias != nullptr ? skip_bias->data<T>() : nullptr;
      kernels::parallel_for(rows, row_size * 8, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const int64_t offset = r * row_size;
          for (int64_t i = 0; i < row_size; ++i) {
            T v = px[offset + i] + pskip[offset + i];
            if (pbias != nullptr) v += pbias[i];
            s[offset + i] = v;
          }
          kernels::normalize_rows(s + offset, y.data<T>() + offset, 1, row_size, options);
        }
      });
    });
  }

  bool center_;
  bool skip_;
  int64_t axis_;
  double epsilon_;
};

class LayerNormalization final : public AxisNormalization {
 public:
  explicit LayerNormalization(const KernelInfo& info) : AxisNormalization(info, true, false) {}
};

class RMSNormalization final : public AxisNormalization {
 public:
  explicit RMSNormalization(const KernelInfo& info) : AxisNormalization(info, false, false) {}
};

class SkipLayerNormalization final : public AxisNormalization {
 public:
  explicit SkipLayerNormalization(const KernelInfo& info) : AxisNormalization(info, true, true) {}
};

// FusedMatMul(A, B) -> Y: Y = alpha * op(A) op(B) with MatMul's numpy batching, where op swaps
// the last two axes of its operand when the attribute transA (transB) is 1 (default 0), and
// alpha (default 1) scales the product. Both inputs have rank >= 2 (MatMul's 1-D forms are not
// part of this op); their batch axes (all but the last two) broadcast as in MatMul.
class FusedMatMul final : public HalfAsFloat32Kernel {
 public:
  explicit FusedMatMul(const KernelInfo& info)
      : trans_a_(info.node().attr_int("transA", 0) != 0),
        trans_b_(info.node().attr_int("transB", 0) != 0),
        alpha_(info.node().attr_float("alpha", 1.0f)) {}

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    check_same_type(node, a, b, 1);
    dispatch_float32_or_64(node, a.dtype(),
                           [&](auto tag) { run_typed<decltype(tag)>(ctx, a, b); });
  }

  template <typename T>
  void run_typed(KernelContext& ctx, const Tensor& a, const Tensor& b) const {
    const Node& node = ctx.node();
    const auto& ad = a.shape().dims();
    const auto& bd = b.shape().dims();
    if (ad.size() < 2 || bd.size() < 2) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": A and B must have rank >= 2, got shapes " +
                      a.shape().to_string() + " and " + b.shape().to_string());
    }
    const int64_t a_rows = ad[ad.size() - 2], a_cols = ad.back();
    const int64_t b_rows = bd[bd.size() - 2], b_cols = bd.back();
    const int64_t m = trans_a_ ? a_cols : a_rows, k = trans_a_ ? a_rows : a_cols;
    const int64_t kb = trans_b_ ? b_cols : b_rows, n = trans_b_ ? b_rows : b_cols;
    if (k != kb) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": inner dimensions differ: A " + a.shape().to_string() +
                      (trans_a_ ? " (transposed)" : "") + " x B " + b.shape().to_string() +
                      (trans_b_ ? " (transposed)" : ""));
    }
    const MatMulBatches batch = matmul_batches(node, ad, bd, a.shape(), b.shape());
    std::vector<int64_t> out_dims = batch.dims;
    out_dims.push_back(m);
    out_dims.push_back(n);
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), a.dtype());
    if (y.num_elements() == 0) return;
    const int64_t batches = batch.count();
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* py = y.data<T>();
    const T alpha = static_cast<T>(alpha_);
    auto product = [&](int64_t i, bool parallel) {
      int64_t a_off = 0, b_off = 0;
      batch.offsets(i, a_off, b_off);
      if (parallel) {
        kernels::gemm_parallel<T>(trans_a_, trans_b_, m, n, k, alpha, pa + a_off, a_cols,
                                  pb + b_off, b_cols, T(0), py + i * m * n, n);
      } else {
        kernels::gemm<T>(trans_a_, trans_b_, m, n, k, alpha, pa + a_off, a_cols, pb + b_off,
                         b_cols, T(0), py + i * m * n, n);
      }
    };
    if (batches >= kernels::available_parallelism()) {
      kernels::parallel_for(batches, m * n * std::max<int64_t>(k, 1),
                            [&](int64_t begin, int64_t end) {
                              for (int64_t i = begin; i < end; ++i) product(i, false);
                            });
    } else {
      for (int64_t i = 0; i < batches; ++i) product(i, true);
    }
  }

  bool trans_a_, trans_b_;
  float alpha_;
};

// Attention(Q, K, V, mask?) -> Y: Y = Softmax(scale * Q Kᵀ + mask) V over the last axis.
// Q [..., Sq, D], K [..., Sk, D] (attribute k_transposed = 1: input 1 is Kᵀ [..., D, Sk]),
// V [..., Sk, Dv], the same leading axes in all three; mask (additive) broadcasts to
// [..., Sq, Sk]; Y [..., Sq, Dv]. Attribute scale (default 1). The scores of one head live in
// scratch memory only.
class Attention final : public HalfAsFloat32Kernel {
 public:
  explicit Attention(const KernelInfo& info)
      : scale_(info.node().attr_float("scale", 1.0f)),
        k_transposed_(info.node().attr_int("k_transposed", 0) != 0) {}

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& q = ctx.required_input(0);
    const Tensor& k = ctx.required_input(1);
    const Tensor& v = ctx.required_input(2);
    const Tensor* mask = ctx.input(3);
    check_same_type(node, q, k, 1);
    check_same_type(node, q, v, 2);
    if (mask != nullptr) check_same_type(node, q, *mask, 3);
    const size_t rank = q.rank();
    const AttentionShape shape =
        attention_shape(node, q.shape(), k.shape(), v.shape(), k_transposed_);
    const int64_t sq = shape.sq, sk = shape.sk, d = shape.d, dv = shape.dv;
    std::vector<int64_t> out_dims = shape.lead;
    const int64_t batches = Shape(out_dims).num_elements();
    out_dims.push_back(sq);
    out_dims.push_back(dv);
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), q.dtype());
    if (y.num_elements() == 0) return;

    // Mask strides over the scores' axes [..., Sq, Sk], 0 where it broadcasts.
    std::vector<int64_t> score_dims = shape.lead;
    score_dims.push_back(sq);
    score_dims.push_back(sk);
    std::vector<int64_t> mask_strides(rank, 0);
    if (mask != nullptr) {
      const auto& md = mask->shape().dims();
      bool ok = md.size() <= rank;
      int64_t stride = 1;
      for (size_t i = 0; ok && i < md.size(); ++i) {
        const size_t axis = rank - 1 - i;
        const int64_t dim = md[md.size() - 1 - i];
        ok = dim == 1 || dim == score_dims[axis];
        if (dim != 1) mask_strides[axis] = stride;
        stride *= dim;
      }
      if (!ok) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": mask of shape " + mask->shape().to_string() +
                        " does not broadcast to the scores " + ints_to_string(score_dims));
      }
    }
    Tensor scores = ctx.allocate_temp(Shape{batches, sq, sk}, q.dtype());
    dispatch_float32_or_64(node, q.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* pq = q.data<T>();
      const T* pk = k.data<T>();
      const T* pv = v.data<T>();
      const T* pm = mask != nullptr ? mask->data<T>() : nullptr;
      T* ps = scores.data<T>();
      T* py = y.data<T>();
      const bool parallel_heads = batches >= kernels::available_parallelism();
      auto head = [&](int64_t b) {
        T* s = ps + b * sq * sk;
        const T* kb = pk + b * sk * d;
        const int64_t ldk = k_transposed_ ? sk : d;
        // Heads in parallel when there are enough of them, else each product split over threads.
        if (parallel_heads) {
          kernels::gemm<T>(false, !k_transposed_, sq, sk, d, static_cast<T>(scale_),
                           pq + b * sq * d, d, kb, ldk, T(0), s, sk);
        } else {
          kernels::gemm_parallel<T>(false, !k_transposed_, sq, sk, d, static_cast<T>(scale_),
                                    pq + b * sq * d, d, kb, ldk, T(0), s, sk);
        }
        if (pm != nullptr) {
          int64_t base = 0;
          for (int64_t rest = b, axis = static_cast<int64_t>(rank) - 3; axis >= 0; --axis) {
            base += (rest % score_dims[axis]) * mask_strides[axis];
            rest /= score_dims[axis];
          }
          for (int64_t i = 0; i < sq; ++i) {
            const T* m_row = pm + base + i * mask_strides[rank - 2];
            for (int64_t j = 0; j < sk; ++j) s[i * sk + j] += m_row[j * mask_strides[rank - 1]];
          }
        }
        kernels::softmax(s, s, sq, sk, 1);
        if (parallel_heads) {
          kernels::gemm<T>(false, false, sq, dv, sk, T(1), s, sk, pv + b * sk * dv, dv, T(0),
                           py + b * sq * dv, dv);
        } else {
          kernels::gemm_parallel<T>(false, false, sq, dv, sk, T(1), s, sk, pv + b * sk * dv, dv,
                                    T(0), py + b * sq * dv, dv);
        }
      };
      if (parallel_heads) {
        kernels::parallel_for(batches, sq * sk * (d + dv) * 2, [&](int64_t begin, int64_t end) {
          for (int64_t b = begin; b < end; ++b) head(b);
        });
      } else {
        for (int64_t b = 0; b < batches; ++b) head(b);
      }
    });
  }

  float scale_;
  bool k_transposed_;
};

}  // namespace

void register_fused_kernels(KernelRegistry& registry) {
  const std::string domain = optimizer::kFusedDomain;
  const int version = static_cast<int>(optimizer::kFusedOpset);
  registry.add("FusedConv", version, version, {0, 1, 2, 3}, types::kFloats,
               make_kernel<FusedConv>(), domain);
  registry.add("FusedGemm", version, version, {0, 1, 2}, types::kFloats, make_kernel<FusedGemm>(),
               domain);
  registry.add("Gelu", version, version, {0}, types::kFloats, make_kernel<Gelu>(), domain);
  registry.add("LayerNormalization", version, version, {0, 1, 2}, types::kFloats,
               make_kernel<LayerNormalization>(), domain);
  registry.add("Attention", version, version, {0, 1, 2, 3}, types::kFloats,
               make_kernel<Attention>(), domain);
  registry.add("RMSNormalization", version, version, {0, 1}, types::kFloats,
               make_kernel<RMSNormalization>(), domain);
  registry.add("FusedMatMul", version, version, {0, 1}, types::kFloats,
               make_kernel<FusedMatMul>(), domain);
  KernelDef skip_norm;
  skip_norm.domain = domain;
  skip_norm.op_type = "SkipLayerNormalization";
  skip_norm.since_version = version;
  skip_norm.end_version = version;
  skip_norm.constraints = {{"T", {0, 1, 2, 3, 4}, {0, 1}, types::kFloats}};
  skip_norm.factory = make_kernel<SkipLayerNormalization>();
  registry.add(std::move(skip_norm));
}

}  // namespace aruntime::cpu
