// The blocked-layout ("NCHWc") operators, domain "aruntime" version 1
// (graph/optimizer/fused_domain.h kBlockedLayoutOps), on kernels/nchwc.h. The optimizer's level-3
// layout pass rewrites CNN regions placed on the CPU into them (docs/optimizer.md). A blocked
// tensor of C channels is float32 [N, ceil(C/16), H, W, 16]; the padded channels of its last block
// are zero as the reorders write them. Everything here is float32 and 2-D. Each class below starts
// with its op's contract.
#include <optional>
#include <string>
#include <vector>

#include "graph/optimizer/fused_domain.h"
#include "kernels/nchwc.h"
#include "providers/common/op_checks.h"
#include "providers/common/window_attributes.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

namespace nchwc = kernels::nchwc;
using nchwc::ConvKind;

[[noreturn]] void fail(ErrorCode code, const Node& node, const std::string& what) {
  throw_error(code, node.describe() + ": " + what);
}

// The layout exists for float32 SIMD blocks only; the registry refuses other types at session
// creation, and this names the input when a run hands one in anyway.
void require_float32(const Node& node, const Tensor& t, size_t index) {
  if (t.dtype() != DataType::kFloat32) {
    fail(ErrorCode::kNotImplemented, node,
         "input " + std::to_string(index) + " has element type " +
             std::string(data_type_name(t.dtype())) +
             ", expected float32 (the blocked layout is float32 only)");
  }
}

void require_blocked(const Node& node, const Tensor& x) {
  if (x.rank() != 5 || x.shape()[4] != nchwc::kBlock) {
    fail(ErrorCode::kInvalidArgument, node,
         "input X has shape " + x.shape().to_string() +
             ", expected the blocked layout [N, ceil(C/16), H, W, 16]");
  }
}

// NchwcReorderInput(X) -> Y: X [N, C, H, W] to the blocked Y [N, ceil(C/16), H, W, 16], the
// channels past C in the last block zero.
class NchwcReorderInput final : public OpKernel {
 public:
  explicit NchwcReorderInput(const KernelInfo& info) { (void)info; }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    require_float32(node, x, 0);
    if (x.rank() != 4) {
      fail(ErrorCode::kInvalidArgument, node,
           "input X has shape " + x.shape().to_string() + ", expected [N, C, H, W]");
    }
    const auto& d = x.shape().dims();
    Tensor& y = ctx.allocate_output(0, Shape{d[0], nchwc::blocks(d[1]), d[2], d[3], nchwc::kBlock},
                                    DataType::kFloat32);
    if (y.num_elements() == 0) return;
    nchwc::reorder_to_blocked(x.data<float>(), y.data<float>(), d[0], d[1], d[2] * d[3]);
  }
};

// NchwcReorderOutput(X) -> Y, attribute `channels` (required, C > 0): the blocked X
// [N, ceil(C/16), H, W, 16] back to Y [N, C, H, W], the padded channels dropped.
class NchwcReorderOutput final : public OpKernel {
 public:
  explicit NchwcReorderOutput(const KernelInfo& info)
      : channels_(info.node().attr_int("channels")) {
    if (channels_ <= 0) {
      fail(ErrorCode::kInvalidModel, info.node(),
           "attribute channels is " + std::to_string(channels_) + ", expected a positive count");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    require_float32(node, x, 0);
    require_blocked(node, x);
    const auto& d = x.shape().dims();
    if (d[1] != nchwc::blocks(channels_)) {
      fail(ErrorCode::kInvalidArgument, node,
           "input X has shape " + x.shape().to_string() + ": " + std::to_string(d[1]) +
               " channel blocks, expected " + std::to_string(nchwc::blocks(channels_)) +
               " for attribute channels " + std::to_string(channels_));
    }
    Tensor& y = ctx.allocate_output(0, Shape{d[0], channels_, d[2], d[3]}, DataType::kFloat32);
    if (y.num_elements() == 0) return;
    nchwc::reorder_from_blocked(x.data<float>(), y.data<float>(), d[0], channels_, d[2] * d[3]);
  }

 private:
  int64_t channels_;
};

// NchwcConv(X, W, B?, Z?) -> Y: Y = activation(Conv(X, W, B) + Z), Y blocked
// [N, ceil(M/16), OH, OW, 16]. Attributes: FusedConv's (Conv's auto_pad, dilations, group,
// kernel_shape, pads, strides; `activation`, `activation_params`). W is ONNX's [M, C/group, KH, KW]
// (2-D only), B [M], Z (the residual) has Y's shape. X is either blocked
// [N, ceil(C/16), H, W, 16] with group 1 or group == C == M (depthwise), or plain NCHW
// [N, C, H, W] with group 1 (a network's first convolution). A constant W (and B) is packed into
// the kernels' layout once, here; a W that a feed supplies is packed on every run.
class NchwcConv final : public OpKernel {
 public:
  explicit NchwcConv(const KernelInfo& info)
      : attrs_(read_window_attributes(info.node(), false)),
        group_(read_conv_group(info.node())),
        activation_(read_fused_activation(info.node())) {
    const Node& node = info.node();
    if (!attrs_.kernel_shape.empty() && attrs_.kernel_shape.size() != 2) {
      fail(ErrorCode::kInvalidModel, node,
           "attribute kernel_shape " + ints_to_string(attrs_.kernel_shape) + " has " +
               std::to_string(attrs_.kernel_shape.size()) +
               " values, expected 2 (NchwcConv is 2-D)");
    }
    const Tensor* w = info.constant_input(1);
    if (w == nullptr) return;
    check_weight(node, w->shape(), ErrorCode::kInvalidModel);
    check_conv_weight(node, attrs_, group_, w->shape(), -1);
    // The kind depends on X's rank, known here when shape inference or the model declares it. An
    // unknown rank is taken as blocked: a plain input, the network's own, has a declared shape.
    const TypeInfo* x_type = node.has_input(0) ? info.graph().find_type(node.inputs[0]) : nullptr;
    const size_t x_rank = x_type != nullptr && x_type->shape ? x_type->shape->size() : 5;
    if (x_rank != 4 && x_rank != 5) return;  // every run refuses such an X
    const Shape& ws = w->shape();
    packed_kind_ = conv_kind(node, ws, x_rank, ErrorCode::kInvalidModel);
    packed_w_shape_ = ws;
    kind_is_final_ = x_type != nullptr && x_type->shape.has_value();
    nchwc::Conv2dGeometry g;
    g.in_channels = ws[1] * group_;
    g.out_channels = ws[0];
    g.kernel_h = ws[2];
    g.kernel_w = ws[3];
    if (g.in_channels == 0 || g.out_channels == 0) return;
    require_float32(node, *w, 1);
    packed_weights_ = Tensor(DataType::kFloat32, Shape{nchwc::packed_weights_size(packed_kind_, g)},
                             info.allocator());
    nchwc::pack_weights(packed_kind_, g, w->data<float>(), packed_weights_.data<float>());
    const Tensor* b = info.constant_input(2);
    if (info.has_input(2) && b == nullptr) return;  // B comes with each run
    bias_is_constant_ = b != nullptr;
    if (b != nullptr) {
      require_float32(node, *b, 2);
      check_bias(node, *b, g.out_channels, ErrorCode::kInvalidModel);
    }
    packed_bias_ =
        Tensor(DataType::kFloat32, Shape{nchwc::padded(g.out_channels)}, info.allocator());
    nchwc::pack_bias(b != nullptr ? b->data<float>() : nullptr, g.out_channels,
                     packed_bias_.data<float>());
  }

  // W was packed for the kind every run has (X's rank was known), and a constant B too: the plan
  // may release them (PlanInputs::release_packed_initializer), and they then read as omitted.
  bool packed_constant_input(size_t input) const override {
    if (input == 1) return packed_weights_.defined() && kind_is_final_;
    if (input == 2) return packed_bias_.defined() && bias_is_constant_;
    return false;
  }

  size_t packed_bytes() const override {
    return (packed_weights_.defined() ? packed_weights_.byte_size() : 0) +
           (packed_bias_.defined() ? packed_bias_.byte_size() : 0);
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    // Absent when the plan released the packed constant (packed_constant_input).
    const Tensor* w_fed = packed_weights_.defined() ? ctx.input(1) : &ctx.required_input(1);
    const Shape& w_shape = w_fed != nullptr ? w_fed->shape() : packed_w_shape_;
    const Tensor* b = ctx.input(2);
    const Tensor* z = ctx.input(3);
    require_float32(node, x, 0);
    if (w_fed != nullptr) require_float32(node, *w_fed, 1);
    if (b != nullptr) require_float32(node, *b, 2);
    if (z != nullptr) require_float32(node, *z, 3);
    check_weight(node, w_shape, ErrorCode::kInvalidArgument);
    if (x.rank() != 4 && x.rank() != 5) {
      fail(ErrorCode::kInvalidArgument, node,
           "input X has shape " + x.shape().to_string() +
               ", expected blocked [N, ceil(C/16), H, W, 16] or NCHW [N, C, H, W]");
    }
    const ConvKind kind = conv_kind(node, w_shape, x.rank(), ErrorCode::kInvalidArgument);
    const auto& xd = x.shape().dims();
    const auto& wd = w_shape.dims();
    const int64_t channels = wd[1] * group_;  // conv_kind bounded group_ by M or made it 1
    if (kind == ConvKind::kNchwInput) {
      check_conv_weight(node, attrs_, group_, w_shape, xd[1]);
    } else {
      require_blocked(node, x);
      check_conv_weight(node, attrs_, group_, w_shape, channels);
      if (xd[1] != nchwc::blocks(channels)) {
        fail(ErrorCode::kInvalidArgument, node,
             "input X has shape " + x.shape().to_string() + ": " + std::to_string(xd[1]) +
                 " channel blocks, but weight W " + w_shape.to_string() + " with group " +
                 std::to_string(group_) + " expects " + std::to_string(channels) + " channels, " +
                 std::to_string(nchwc::blocks(channels)) + " blocks");
      }
    }
    if (b != nullptr) check_bias(node, *b, wd[0], ErrorCode::kInvalidArgument);

    nchwc::Conv2dGeometry g;
    g.batch = xd[0];
    g.in_channels = channels;
    g.out_channels = wd[0];
    g.in_h = xd[2];
    g.in_w = xd[3];
    const WindowGeometry window =
        resolve_window(node, attrs_, Dims{xd[2], xd[3]}, Dims{wd[2], wd[3]}, false);
    g.out_h = window.output[0];
    g.out_w = window.output[1];
    g.kernel_h = window.kernel[0];
    g.kernel_w = window.kernel[1];
    g.stride_h = window.strides[0];
    g.stride_w = window.strides[1];
    g.dilation_h = window.dilations[0];
    g.dilation_w = window.dilations[1];
    g.pad_top = window.pads_begin[0];
    g.pad_left = window.pads_begin[1];

    const Shape y_shape{g.batch, nchwc::blocks(g.out_channels), g.out_h, g.out_w, nchwc::kBlock};
    if (z != nullptr && z->shape() != y_shape) {
      fail(ErrorCode::kInvalidArgument, node,
           "input Z has shape " + z->shape().to_string() + ", expected Y's " + y_shape.to_string());
    }
    Tensor& y = ctx.allocate_output(0, y_shape, DataType::kFloat32);
    if (y.num_elements() == 0) return;
    if (channels == 0 || g.in_h == 0 || g.in_w == 0) {
      // The kernels take at least one input channel and pixel; a convolution over nothing (Y =
      // the bias everywhere) is no network's region.
      fail(ErrorCode::kNotImplemented, node,
           "input X of shape " + x.shape().to_string() + " with weight W " + w_shape.to_string() +
               " has no channels or pixels");
    }

    const float* packed_w = nullptr;
    Tensor run_w;
    if (packed_weights_.defined() && packed_kind_ == kind) {
      packed_w = packed_weights_.data<float>();
    } else {
      if (w_fed == nullptr) {
        fail(ErrorCode::kRuntimeError, node,
             "input X has rank " + std::to_string(x.rank()) +
                 ", not the rank its weights were packed for when the session was created");
      }
      run_w = ctx.allocate_temp(Shape{nchwc::packed_weights_size(kind, g)}, DataType::kFloat32);
      nchwc::pack_weights(kind, g, w_fed->data<float>(), run_w.data<float>());
      packed_w = run_w.data<float>();
    }
    const float* packed_b = nullptr;
    Tensor run_b;
    if (packed_bias_.defined()) {
      packed_b = packed_bias_.data<float>();
    } else {
      run_b = ctx.allocate_temp(Shape{nchwc::padded(g.out_channels)}, DataType::kFloat32);
      nchwc::pack_bias(b != nullptr ? b->data<float>() : nullptr, g.out_channels,
                       run_b.data<float>());
      packed_b = run_b.data<float>();
    }
    const int64_t scratch_size = nchwc::conv_scratch_size(kind, g);
    Tensor scratch;
    if (scratch_size > 0) scratch = ctx.allocate_temp(Shape{scratch_size}, DataType::kFloat32);
    nchwc::conv(kind, g, x.data<float>(), packed_w, packed_b,
                z != nullptr ? z->data<float>() : nullptr, activation_, y.data<float>(),
                scratch_size > 0 ? scratch.data<float>() : nullptr);
  }

 private:
  static void check_weight(const Node& node, const Shape& w, ErrorCode code) {
    if (w.rank() != 4) {
      fail(code, node,
           "weight W has shape " + w.to_string() +
               ", expected [M, C/group, KH, KW] (NchwcConv is 2-D)");
    }
  }

  static void check_bias(const Node& node, const Tensor& b, int64_t out_channels, ErrorCode code) {
    if (b.rank() != 1 || b.shape()[0] != out_channels) {
      fail(code, node,
           "bias B has shape " + b.shape().to_string() + ", expected [" +
               std::to_string(out_channels) + "]");
    }
  }

  // The kernel's kind for an X of rank `x_rank` (4: NCHW, 5: blocked) and weight `w`
  // [M, C/group, KH, KW]; any other group is refused with `code`.
  ConvKind conv_kind(const Node& node, const Shape& w, size_t x_rank, ErrorCode code) const {
    if (x_rank == 4) {
      if (group_ != 1) {
        fail(code, node,
             "group " + std::to_string(group_) +
                 " with a plain NCHW input X: NchwcConv takes an NCHW X only with group 1");
      }
      return ConvKind::kNchwInput;
    }
    if (group_ == 1) return ConvKind::kDense;
    // Depthwise: C = W.dim(1) * group equals group, so W.dim(1) is 1, and M equals group.
    if (w[1] == 1 && w[0] == group_) return ConvKind::kDepthwise;
    fail(code, node,
         "group " + std::to_string(group_) + " with weight W " + w.to_string() +
             " is not supported: NchwcConv takes group 1 or a depthwise convolution "
             "(group == C == M)");
  }

  WindowAttributes attrs_;
  int64_t group_;
  kernels::Activation activation_;
  // Packed once from a constant W (for the kind X's known rank gives) and a constant or omitted
  // B; undefined otherwise, and then packed per run.
  ConvKind packed_kind_ = ConvKind::kDense;
  Shape packed_w_shape_;        // W's shape, for runs after the plan released W
  bool kind_is_final_ = false;  // X's rank was known: every run uses packed_kind_
  bool bias_is_constant_ = false;
  Tensor packed_weights_;
  Tensor packed_bias_;
};

// The windowed pools over blocked X [N, Cb, H, W, 16] -> Y [N, Cb, OH, OW, 16], 2-D only, with
// the ONNX pools' window attributes (kernel_shape required, strides, pads, auto_pad, dilations,
// ceil_mode) and one output.
class BlockedWindowPool : public OpKernel {
 protected:
  explicit BlockedWindowPool(const KernelInfo& info)
      : attrs_(read_window_attributes(info.node(), true)),
        ceil_mode_(info.node().attr_int("ceil_mode", 0) != 0) {
    const Node& node = info.node();
    if (attrs_.kernel_shape.size() != 2) {
      fail(ErrorCode::kInvalidModel, node,
           "attribute kernel_shape " + ints_to_string(attrs_.kernel_shape) + " has " +
               std::to_string(attrs_.kernel_shape.size()) +
               " values, expected 2 (blocked pools are 2-D)");
    }
    if (node.outputs.size() > 1) {
      fail(ErrorCode::kInvalidModel, node,
           "has " + std::to_string(node.outputs.size()) +
               " outputs, expected 1 (blocked pools give no Indices)");
    }
  }

  // Checks X, resolves the window and allocates Y; nullopt when Y is empty. Channels are the
  // padded count: the padded lanes pool like the others and stay out of every real channel.
  std::optional<nchwc::Pool2dGeometry> prepare(KernelContext& ctx, const Tensor& x,
                                               Tensor*& y) const {
    const Node& node = ctx.node();
    require_float32(node, x, 0);
    require_blocked(node, x);
    const auto& d = x.shape().dims();
    const WindowGeometry w =
        resolve_window(node, attrs_, Dims{d[2], d[3]}, Dims(attrs_.kernel_shape), ceil_mode_);
    nchwc::Pool2dGeometry g;
    g.batch = d[0];
    g.channels = d[1] * nchwc::kBlock;
    g.in_h = d[2];
    g.in_w = d[3];
    g.out_h = w.output[0];
    g.out_w = w.output[1];
    g.kernel_h = w.kernel[0];
    g.kernel_w = w.kernel[1];
    g.stride_h = w.strides[0];
    g.stride_w = w.strides[1];
    g.dilation_h = w.dilations[0];
    g.dilation_w = w.dilations[1];
    g.pad_top = w.pads_begin[0];
    g.pad_left = w.pads_begin[1];
    g.pad_bottom = w.pads_end[0];
    g.pad_right = w.pads_end[1];
    y = &ctx.allocate_output(0, Shape{g.batch, d[1], g.out_h, g.out_w, nchwc::kBlock},
                             DataType::kFloat32);
    if (y->num_elements() == 0) return std::nullopt;
    if (g.in_h == 0 || g.in_w == 0) {
      // Every window would lie in the padding.
      fail(ErrorCode::kInvalidArgument, node,
           "input X has shape " + x.shape().to_string() + ": no pixels to pool");
    }
    return g;
  }

  WindowAttributes attrs_;
  bool ceil_mode_;
};

// NchwcMaxPool(X) -> Y: ONNX MaxPool over blocked X. storage_order must be 0 (there is no
// Indices output to order).
class NchwcMaxPool final : public BlockedWindowPool {
 public:
  explicit NchwcMaxPool(const KernelInfo& info) : BlockedWindowPool(info) {
    const int64_t storage_order = info.node().attr_int("storage_order", 0);
    if (storage_order != 0) {
      fail(ErrorCode::kInvalidModel, info.node(),
           "attribute storage_order is " + std::to_string(storage_order) + ", expected 0");
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    Tensor* y = nullptr;
    const std::optional<nchwc::Pool2dGeometry> g = prepare(ctx, x, y);
    if (!g) return;
    nchwc::max_pool(*g, x.data<float>(), y->data<float>());
  }
};

// NchwcAveragePool(X) -> Y: ONNX AveragePool over blocked X, count_include_pad as there;
// dilations, when given, must be 1.
class NchwcAveragePool final : public BlockedWindowPool {
 public:
  explicit NchwcAveragePool(const KernelInfo& info)
      : BlockedWindowPool(info),
        count_include_pad_(info.node().attr_int("count_include_pad", 0) != 0) {
    for (int64_t d : attrs_.dilations) {
      if (d != 1) {
        fail(ErrorCode::kInvalidModel, info.node(),
             "attribute dilations " + ints_to_string(attrs_.dilations) +
                 " is not supported, expected all 1");
      }
    }
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    Tensor* y = nullptr;
    const std::optional<nchwc::Pool2dGeometry> g = prepare(ctx, x, y);
    if (!g) return;
    nchwc::average_pool(*g, count_include_pad_, x.data<float>(), y->data<float>());
  }

 private:
  bool count_include_pad_;
};

// NchwcGlobalAveragePool(X) -> Y, NchwcGlobalMaxPool(X) -> Y: blocked X [N, Cb, H, W, 16] ->
// Y [N, Cb, 1, 1, 16], the mean / max over each channel's H x W pixels.
template <bool kMax>
class NchwcGlobalPool final : public OpKernel {
 public:
  explicit NchwcGlobalPool(const KernelInfo& info) { (void)info; }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    require_float32(node, x, 0);
    require_blocked(node, x);
    const auto& d = x.shape().dims();
    Tensor& y = ctx.allocate_output(0, Shape{d[0], d[1], 1, 1, nchwc::kBlock}, DataType::kFloat32);
    if (y.num_elements() == 0) return;
    const int64_t spatial = d[2] * d[3];
    if (spatial == 0) {
      fail(ErrorCode::kInvalidArgument, node,
           "input X has shape " + x.shape().to_string() + ": no pixels to pool");
    }
    if constexpr (kMax) {
      nchwc::global_max_pool(x.data<float>(), y.data<float>(), d[0], d[1] * nchwc::kBlock, spatial);
    } else {
      nchwc::global_average_pool(x.data<float>(), y.data<float>(), d[0], d[1] * nchwc::kBlock,
                                 spatial);
    }
  }
};

}  // namespace

void register_nchwc_kernels(KernelRegistry& registry) {
  const std::string domain = optimizer::kFusedDomain;
  const int version = static_cast<int>(optimizer::kFusedOpset);
  auto add = [&](const char* op, std::vector<int> inputs, KernelFactory factory) {
    registry.add(op, version, version, std::move(inputs), types::kFloat32Only, std::move(factory),
                 domain);
  };
  add("NchwcReorderInput", {0}, make_kernel<NchwcReorderInput>());
  add("NchwcReorderOutput", {0}, make_kernel<NchwcReorderOutput>());
  add("NchwcConv", {0, 1, 2, 3}, make_kernel<NchwcConv>());
  add("NchwcMaxPool", {0}, make_kernel<NchwcMaxPool>());
  add("NchwcAveragePool", {0}, make_kernel<NchwcAveragePool>());
  add("NchwcGlobalAveragePool", {0}, make_kernel<NchwcGlobalPool<false>>());
  add("NchwcGlobalMaxPool", {0}, make_kernel<NchwcGlobalPool<true>>());
}

}  // namespace aruntime::cpu
