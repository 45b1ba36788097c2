// Attention (opset 23: 3-D/4-D inputs, grouped KV heads, masks, causal, softcap, KV cache,
// qk_matmul_output) and RotaryEmbedding (opset 23).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/gemm.h"
#include "providers/cpu/ops/nn_common.h"

namespace aruntime::cpu {
namespace {

[[noreturn]] void invalid(const Node& node, const std::string& message) {
  throw_error(ErrorCode::kInvalidArgument, node.describe() + ": " + message);
}

// A [batch, heads, seq, head_size] view of a 3-D [batch, seq, heads*head_size] or 4-D tensor.
struct HeadLayout {
  int64_t batch = 0, heads = 0, seq = 0, head_size = 0;
  bool packed = false;  // 3-D input
  int64_t offset(int64_t b, int64_t h) const { return (b * heads + h) * seq * head_size; }
  int64_t row_stride() const { return head_size; }
};

HeadLayout head_layout(const Node& node, const Tensor& t, int64_t heads_attr, const char* name) {
  HeadLayout l;
  if (t.rank() == 4) {
    l = {t.shape()[0], t.shape()[1], t.shape()[2], t.shape()[3], false};
  } else if (t.rank() == 3) {
    if (heads_attr <= 0 || t.shape()[2] % heads_attr != 0) {
      invalid(node, std::string("3-D ") + name + " " + t.shape().to_string() +
                        " needs a positive head count attribute dividing its hidden size, got " +
                        std::to_string(heads_attr));
    }
    // The ONNX reference (whose outputs the backend tests hold) reshapes [batch, seq, hidden]
    // straight to [batch, heads, seq, head_size], without a transpose.
    l = {t.shape()[0], heads_attr, t.shape()[1], t.shape()[2] / heads_attr, true};
  } else {
    invalid(node, std::string(name) + " must be 3-D or 4-D, got " + t.shape().to_string());
  }
  return l;
}

class Attention final : public HalfAsFloat32Kernel {
 public:
  explicit Attention(const KernelInfo& info) {
    const Node& node = info.node();
    is_causal_ = node.attr_int("is_causal", 0) != 0;
    q_num_heads_ = node.attr_int("q_num_heads", 0);
    kv_num_heads_ = node.attr_int("kv_num_heads", 0);
    has_scale_ = node.has_attribute("scale");
    scale_ = node.attr_float("scale", 1.0f);
    softcap_ = node.attr_float("softcap", 0.0f);
    qk_mode_ = node.attr_int("qk_matmul_output_mode", 0);
    if (qk_mode_ < 0 || qk_mode_ > 3) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": qk_matmul_output_mode must be " +
                                                "0..3, got " + std::to_string(qk_mode_));
    }
  }

 private:
  void run(KernelContext& ctx) const override {
    dispatch_float32_or_64(ctx.node(), ctx.required_input(0).dtype(), [&](auto tag) { run_typed<decltype(tag)>(ctx); });
  }

  template <typename T>
  void run_typed(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& q = ctx.required_input(0);
    const Tensor& k = ctx.required_input(1);
    const Tensor& v = ctx.required_input(2);
    const Tensor* mask = ctx.input(3);
    const Tensor* past_key = ctx.input(4);
    const Tensor* past_value = ctx.input(5);
    if (q.rank() != k.rank() || q.rank() != v.rank()) {
      invalid(node, "Q, K and V must have the same rank, got " + q.shape().to_string() + ", " +
                        k.shape().to_string() + ", " + v.shape().to_string());
    }
    if ((past_key == nullptr) != (past_value == nullptr)) {
      invalid(node, "past_key and past_value must be given together");
    }
    if (k.dtype() != q.dtype() || v.dtype() != q.dtype()) {
      invalid(node, "Q, K and V must have the same element type");
    }
    const HeadLayout ql = head_layout(node, q, q_num_heads_, "Q");
    const HeadLayout kl = head_layout(node, k, kv_num_heads_, "K");
    const HeadLayout vl = head_layout(node, v, kv_num_heads_, "V");
    const int64_t batch = ql.batch, hq = ql.heads, sq = ql.seq, dh = ql.head_size;
    const int64_t hkv = kl.heads, dv = vl.head_size;
    if (kl.batch != batch || vl.batch != batch || vl.heads != hkv || kl.head_size != dh ||
        vl.seq != kl.seq) {
      invalid(node, "K " + k.shape().to_string() + " and V " + v.shape().to_string() +
                        " do not match Q " + q.shape().to_string());
    }
    if (hkv <= 0 || hq % hkv != 0) {
      invalid(node, "q heads " + std::to_string(hq) + " must be a multiple of kv heads " +
                        std::to_string(hkv));
    }
    int64_t past = 0;
    if (past_key != nullptr) {
      if (past_key->rank() != 4 || past_value->rank() != 4 || past_key->shape()[0] != batch ||
          past_key->shape()[1] != hkv || past_key->shape()[3] != dh ||
          past_value->shape()[0] != batch || past_value->shape()[1] != hkv ||
          past_value->shape()[3] != dv || past_value->shape()[2] != past_key->shape()[2]) {
        invalid(node, "past_key " + past_key->shape().to_string() + " / past_value " +
                          past_value->shape().to_string() + " do not match [batch, kv heads, " +
                          "past, head size]");
      }
      past = past_key->shape()[2];
    }
    const int64_t total = past + kl.seq;

    // present_key / present_value: the cache with the new keys appended, always 4-D.
    auto build_present = [&](size_t output, const Tensor* cache, const Tensor& fresh,
                             const HeadLayout& l) {
      const Shape shape{batch, hkv, total, l.head_size};
      Tensor out = ctx.output_requested(output) ? ctx.allocate_output(output, shape, q.dtype())
                                                : ctx.allocate_temp(shape, q.dtype());
      T* dst = out.data<T>();
      const T* src = fresh.data<T>();
      for (int64_t b = 0; b < batch; ++b) {
        for (int64_t h = 0; h < hkv; ++h) {
          T* head = dst + (b * hkv + h) * total * l.head_size;
          if (cache != nullptr) {
            const T* c = cache->data<T>() + (b * hkv + h) * past * l.head_size;
            std::copy(c, c + past * l.head_size, head);
          }
          for (int64_t s = 0; s < l.seq; ++s) {
            const T* row = src + l.offset(b, h) + s * l.row_stride();
            std::copy(row, row + l.head_size, head + (past + s) * l.head_size);
          }
        }
      }
      return out;
    };
    const Tensor present_k = build_present(1, past_key, k, kl);
    const Tensor present_v = build_present(2, past_value, v, vl);

    // The mask broadcasts (right-aligned) against [batch, q heads, q seq, total].
    std::array<int64_t, 4> mask_strides{0, 0, 0, 0};
    const std::array<int64_t, 4> full{batch, hq, sq, total};
    if (mask != nullptr) {
      if (mask->rank() > 4)
        invalid(node, "attn_mask must have rank <= 4, got " + mask->shape().to_string());
      int64_t stride = 1;
      for (size_t i = 0; i < mask->rank(); ++i) {
        const size_t axis = 3 - i;
        const int64_t dim = mask->shape()[mask->rank() - 1 - i];
        if (dim != 1 && dim != full[axis]) {
          invalid(node, "attn_mask " + mask->shape().to_string() +
                            " does not broadcast to [batch, q heads, q seq, total seq] = " +
                            ints_to_string({full[0], full[1], full[2], full[3]}));
        }
        mask_strides[axis] = dim == 1 ? 0 : stride;
        stride *= dim;
      }
      if (mask->dtype() != DataType::kBool && mask->dtype() != q.dtype()) {
        invalid(node, "attn_mask must be bool or Q's type, got " +
                          std::string(data_type_name(mask->dtype())));
      }
    }
    const bool bool_mask = mask != nullptr && mask->dtype() == DataType::kBool;

    Tensor* qk_out = nullptr;
    if (ctx.num_outputs() > 3 && ctx.output_requested(3)) {
      qk_out = &ctx.allocate_output(3, Shape{batch, hq, sq, total}, q.dtype());
    }
    const std::vector<int64_t> y_dims = ql.packed ? std::vector<int64_t>{batch, sq, hq * dv}
                                                  : std::vector<int64_t>{batch, hq, sq, dv};
    Tensor& y = ctx.allocate_output(0, Shape(y_dims), q.dtype());
    if (y.num_elements() == 0 && qk_out == nullptr) return;

    const T scale = has_scale_ ? static_cast<T>(scale_)
                               : static_cast<T>(1.0 / std::sqrt(static_cast<double>(dh)));
    const T negative_infinity = -std::numeric_limits<T>::infinity();
    std::vector<T> scores(static_cast<size_t>(sq * total));
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t h = 0; h < hq; ++h) {
        // Query head h reads kv head h % kv_heads: the ONNX reference tiles K and V along heads.
        const int64_t kvh = h % hkv;
        const T* qh = q.data<T>() + ql.offset(b, h);
        const T* kh = present_k.data<T>() + (b * hkv + kvh) * total * dh;
        const T* vh = present_v.data<T>() + (b * hkv + kvh) * total * dv;
        if (total > 0 && sq > 0) {
          if (dh > 0) {
            kernels::gemm<T>(false, true, sq, total, dh, scale, qh, ql.row_stride(), kh, dh, T(0),
                             scores.data(), total);
          } else {
            std::fill(scores.begin(), scores.end(), T(0));
          }
        }
        T* qk_head = qk_out != nullptr ? qk_out->data<T>() + (b * hq + h) * sq * total : nullptr;
        if (qk_head != nullptr && qk_mode_ == 0) std::copy(scores.begin(), scores.end(), qk_head);
        for (int64_t i = 0; i < sq; ++i) {
          T* row = scores.data() + i * total;
          for (int64_t j = 0; j < total; ++j) {
            if (is_causal_ && j > i) row[j] += negative_infinity;
            if (mask != nullptr) {
              const int64_t at = b * mask_strides[0] + h * mask_strides[1] + i * mask_strides[2] +
                                 j * mask_strides[3];
              if (bool_mask) {
                if (!mask->data<bool>()[at]) row[j] += negative_infinity;
              } else {
                row[j] += mask->data<T>()[at];
              }
            }
          }
          if (qk_head != nullptr && qk_mode_ == 1) std::copy(row, row + total, qk_head + i * total);
          if (softcap_ > 0) {
            const T cap = static_cast<T>(softcap_);
            for (int64_t j = 0; j < total; ++j) row[j] = cap * std::tanh(row[j] / cap);
          }
          if (qk_head != nullptr && qk_mode_ == 2) std::copy(row, row + total, qk_head + i * total);
          T top = negative_infinity;
          for (int64_t j = 0; j < total; ++j) top = std::max(top, row[j]);
          T sum = 0;
          for (int64_t j = 0; j < total; ++j) {
            row[j] = std::exp(row[j] - top);
            sum += row[j];
          }
          for (int64_t j = 0; j < total; ++j) row[j] /= sum;
          if (qk_head != nullptr && qk_mode_ == 3) std::copy(row, row + total, qk_head + i * total);
        }
        // Y head = softmax(scores) x V, written straight into the 3-D or 4-D layout.
        const int64_t y_offset = ql.packed ? b * sq * hq * dv + h * dv : (b * hq + h) * sq * dv;
        const int64_t y_stride = ql.packed ? hq * dv : dv;
        T* yh = y.data<T>() + y_offset;
        if (sq > 0 && dv > 0) {
          if (total > 0) {
            kernels::gemm<T>(false, false, sq, dv, total, T(1), scores.data(), total, vh, dv, T(0),
                             yh, y_stride);
          } else {
            for (int64_t i = 0; i < sq; ++i)
              std::fill(yh + i * y_stride, yh + i * y_stride + dv, T(0));
          }
        }
      }
    }
  }

  bool is_causal_ = false;
  int64_t q_num_heads_ = 0, kv_num_heads_ = 0;
  bool has_scale_ = false;
  float scale_ = 1.0f, softcap_ = 0.0f;
  int64_t qk_mode_ = 0;
};

class RotaryEmbedding final : public HalfAsFloat32Kernel {
 public:
  explicit RotaryEmbedding(const KernelInfo& info)
      : interleaved_(info.node().attr_int("interleaved", 0) != 0),
        rotary_dim_(info.node().attr_int("rotary_embedding_dim", 0)),
        num_heads_(info.node().attr_int("num_heads", 0)) {}

 private:
  void run(KernelContext& ctx) const override {
    dispatch_float32_or_64(ctx.node(), ctx.required_input(0).dtype(), [&](auto tag) { run_typed<decltype(tag)>(ctx); });
  }

  template <typename T>
  void run_typed(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& cos_cache = ctx.required_input(1);
    const Tensor& sin_cache = ctx.required_input(2);
    const Tensor* position_ids = ctx.input(3);
    if (cos_cache.dtype() != x.dtype() || sin_cache.dtype() != x.dtype()) {
      invalid(node, "cos_cache and sin_cache must have the input's element type");
    }
    // Views over [batch, seq, heads, head_size] of either layout.
    int64_t batch, seq, heads, head_size;
    int64_t stride_b, stride_s, stride_h;
    if (x.rank() == 4) {  // [batch, heads, seq, head_size]
      batch = x.shape()[0];
      heads = x.shape()[1];
      seq = x.shape()[2];
      head_size = x.shape()[3];
      stride_b = heads * seq * head_size;
      stride_h = seq * head_size;
      stride_s = head_size;
    } else if (x.rank() == 3) {  // [batch, seq, heads * head_size]
      if (num_heads_ <= 0 || x.shape()[2] % num_heads_ != 0) {
        invalid(node, "3-D input " + x.shape().to_string() +
                          " needs num_heads dividing its hidden size, got " +
                          std::to_string(num_heads_));
      }
      batch = x.shape()[0];
      seq = x.shape()[1];
      heads = num_heads_;
      head_size = x.shape()[2] / num_heads_;
      stride_b = seq * heads * head_size;
      stride_s = heads * head_size;
      stride_h = head_size;
    } else {
      invalid(node, "input must be 3-D or 4-D, got " + x.shape().to_string());
    }
    const int64_t rotary = rotary_dim_ > 0 ? rotary_dim_ : head_size;
    if (rotary > head_size || rotary % 2 != 0) {
      invalid(node, "rotary_embedding_dim " + std::to_string(rotary) +
                        " must be even and at most the head size " + std::to_string(head_size));
    }
    const int64_t half = rotary / 2;
    if (cos_cache.shape() != sin_cache.shape()) {
      invalid(node, "cos_cache " + cos_cache.shape().to_string() + " and sin_cache " +
                        sin_cache.shape().to_string() + " differ");
    }
    std::vector<int64_t> positions;
    int64_t cache_rows;
    if (position_ids != nullptr) {
      if (cos_cache.rank() != 2 || cos_cache.shape()[1] < half) {
        invalid(node, "with position_ids, cos_cache must be [max_position, >= " +
                          std::to_string(half) + "], got " + cos_cache.shape().to_string());
      }
      if (position_ids->shape() != Shape{batch, seq}) {
        invalid(node, "position_ids must be [batch, seq] = [" + std::to_string(batch) + "," +
                          std::to_string(seq) + "], got " + position_ids->shape().to_string());
      }
      positions = position_ids->to_int64_vector();
      cache_rows = cos_cache.shape()[0];
      for (int64_t p : positions) {
        if (p < 0 || p >= cache_rows) {
          invalid(node, "position id " + std::to_string(p) + " is outside [0, " +
                            std::to_string(cache_rows) + ")");
        }
      }
    } else if (cos_cache.rank() != 3 || cos_cache.shape()[0] != batch ||
               cos_cache.shape()[1] != seq || cos_cache.shape()[2] < half) {
      invalid(node, "without position_ids, cos_cache must be [batch, seq, >= " +
                        std::to_string(half) + "], got " + cos_cache.shape().to_string());
    }
    const int64_t cache_width = cos_cache.shape()[cos_cache.rank() - 1];
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    const T* px = x.data<T>();
    const T* pc = cos_cache.data<T>();
    const T* ps = sin_cache.data<T>();
    T* py = y.data<T>();
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t s = 0; s < seq; ++s) {
        const int64_t row = positions.empty() ? b * seq + s : positions[b * seq + s];
        const T* c = pc + row * cache_width;
        const T* sn = ps + row * cache_width;
        for (int64_t h = 0; h < heads; ++h) {
          const int64_t base = b * stride_b + s * stride_s + h * stride_h;
          const T* in = px + base;
          T* out = py + base;
          for (int64_t i = 0; i < half; ++i) {
            // Pairs are (2i, 2i+1) when interleaved, else (i, i + half).
            const int64_t first = interleaved_ ? 2 * i : i;
            const int64_t second = interleaved_ ? 2 * i + 1 : i + half;
            const T x1 = in[first], x2 = in[second];
            out[first] = c[i] * x1 - sn[i] * x2;
            out[second] = sn[i] * x1 + c[i] * x2;
          }
          std::copy(in + rotary, in + head_size, out + rotary);
        }
      }
    }
  }

  bool interleaved_;
  int64_t rotary_dim_;
  int64_t num_heads_;
};

}  // namespace

void register_attention_kernels(KernelRegistry& registry) {
  KernelDef attention;
  attention.op_type = "Attention";
  attention.since_version = 23;
  attention.end_version = kMaxOpset;
  attention.constraints.push_back({"T1", {0, 1, 2, 4, 5}, {0, 1, 2, 3}, types::kFloats});
  attention.factory = make_kernel<Attention>();
  registry.add(std::move(attention));
  registry.add("RotaryEmbedding", 23, kMaxOpset, {0, 1, 2}, types::kFloats,
               make_kernel<RotaryEmbedding>());
}

}  // namespace aruntime::cpu
