// Softmax and BatchNormalization, plus the registration of every NN kernel family (MatMul/Gemm in
// gemm_ops.cc, Conv in conv_ops.cc, the pools in pool_ops.cc).
#include <algorithm>
#include <type_traits>

#include "kernels/batch_norm.h"
#include "kernels/softmax.h"
#include "providers/common/op_checks.h"
#include "providers/cpu/ops/nn_common.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

[[noreturn]] void unsupported_type(const Node& node, DataType type) {
  throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                              std::string(data_type_name(type)) +
                                              " is not supported");
}

// Softmax before opset 13 flattens the input to 2-D at `axis` (default 1) and normalises each
// row; from 13 it normalises along the single axis `axis` (default -1).
class Softmax final : public HalfAsFloat32Kernel {
 public:
  explicit Softmax(const KernelInfo& info)
      : flatten_(info.opset() < 13), axis_(info.node().attr_int("axis", flatten_ ? 1 : -1)) {}

 private:
  void run(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const int64_t rank = static_cast<int64_t>(x.rank());
    if (rank == 0 || axis_ < -rank || axis_ >= rank) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axis " + std::to_string(axis_) +
                                                   " is out of range for input of shape " +
                                                   x.shape().to_string());
    }
    const size_t axis = static_cast<size_t>(axis_ < 0 ? axis_ + rank : axis_);
    const int64_t outer = x.shape().size_from_to(0, axis);
    int64_t axis_size, inner;
    if (flatten_) {
      axis_size = x.shape().size_from_to(axis, x.rank());
      inner = 1;
    } else {
      axis_size = x.shape()[axis];
      inner = x.shape().size_from_to(axis + 1, x.rank());
    }
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    if (x.dtype() == DataType::kFloat32) {
      kernels::softmax(x.data<float>(), y.data<float>(), outer, axis_size, inner);
    } else if (x.dtype() == DataType::kFloat64) {
      kernels::softmax(x.data<double>(), y.data<double>(), outer, axis_size, inner);
    } else {
      unsupported_type(node, x.dtype());
    }
  }

  bool flatten_;
  int64_t axis_;
};

// BatchNormalization, opsets 7 to 15+: Y = (X - mean) / sqrt(var + eps) * scale + B folded into
// one multiplier and offset per channel. In inference mode mean/var are the inputs; opset 7/8 with
// spatial=0 normalises each position of a sample separately (parameters of shape [C, D1, ...]).
// From opset 14, training_mode=1 normalises with the batch's own mean and population variance
// over every axis but 1 and optionally outputs the momentum-blended running statistics.
class BatchNormalization final : public OpKernel {
 public:
  explicit BatchNormalization(const KernelInfo& info)
      : epsilon_(info.node().attr_float("epsilon", 1e-5f)),
        momentum_(info.node().attr_float("momentum", 0.9f)),
        per_element_(info.opset() < 9 && info.node().attr_int("spatial", 1) == 0),
        training_(info.opset() >= 14 && info.node().attr_int("training_mode", 0) != 0) {
    const Node& node = info.node();
    check_batch_norm_outputs(node, info.opset(), training_);
    if (training_) return;  // the statistics come from each batch
    // Constant statistics fold into the coefficients once.
    const Tensor* params[4];
    bool all_constant = true;
    for (size_t i = 0; i < 4; ++i) {
      params[i] = info.constant_input(i + 1);
      all_constant = all_constant && params[i] != nullptr;
    }
    if (all_constant) {
      fold(node, *params[0], *params[1], *params[2], *params[3], &multiplier_, &offset_);
      folded_ = true;
    }
  }

  void compute(KernelContext& ctx) const override {
    if (training_) {
      compute_training(ctx);
      return;
    }
    const DataType type = ctx.required_input(0).dtype();
    if (is_half(type)) {
      compute_in_float32(ctx, type, [this](KernelContext& c) { run(c); });
    } else {
      run(ctx);
    }
  }

 private:
  void fold(const Node& node, const Tensor& scale, const Tensor& bias, const Tensor& mean,
            const Tensor& var, std::vector<double>* multiplier, std::vector<double>* offset) const {
    const int64_t count = scale.num_elements();
    const Tensor* all[4] = {&scale, &bias, &mean, &var};
    const char* names[4] = {"scale", "B", "input_mean", "input_var"};
    for (size_t i = 0; i < 4; ++i) {
      if (all[i]->num_elements() != count || (!per_element_ && all[i]->rank() != 1)) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": " + names[i] + " has shape " +
                        all[i]->shape().to_string() + ", expected the shape of scale " +
                        scale.shape().to_string() + (per_element_ ? "" : " (1-D)"));
      }
    }
    const std::vector<double> s = tensor_to_doubles(scale), b = tensor_to_doubles(bias),
                              m = tensor_to_doubles(mean), v = tensor_to_doubles(var);
    multiplier->resize(count);
    offset->resize(count);
    kernels::batch_norm_coefficients(s.data(), b.data(), m.data(), v.data(), count, epsilon_,
                                     multiplier->data(), offset->data());
  }

  void run(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    check_rank(node, x);
    std::vector<double> computed_multiplier, computed_offset;
    const std::vector<double>* multiplier = &multiplier_;
    const std::vector<double>* offset = &offset_;
    if (!folded_) {
      fold(node, ctx.required_input(1), ctx.required_input(2), ctx.required_input(3),
           ctx.required_input(4), &computed_multiplier, &computed_offset);
      multiplier = &computed_multiplier;
      offset = &computed_offset;
    }
    const int64_t batch = x.shape()[0], channels = x.shape()[1];
    const int64_t spatial = x.shape().size_from_to(2, x.rank());
    const int64_t expected = per_element_ ? channels * spatial : channels;
    if (static_cast<int64_t>(multiplier->size()) != expected) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": scale/B/mean/var have " +
                      std::to_string(multiplier->size()) + " entries, expected " +
                      std::to_string(expected) + " for input X of shape " + x.shape().to_string());
    }
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    auto go = [&](auto tag) {
      using T = decltype(tag);
      const std::vector<T> m(multiplier->begin(), multiplier->end());
      const std::vector<T> o(offset->begin(), offset->end());
      kernels::batch_norm_apply(x.data<T>(), y.data<T>(), batch, channels, spatial, m.data(),
                                o.data(), per_element_);
    };
    if (x.dtype() == DataType::kFloat32) {
      go(float{});
    } else if (x.dtype() == DataType::kFloat64) {
      go(double{});
    } else {
      unsupported_type(node, x.dtype());
    }
  }

  static void check_rank(const Node& node, const Tensor& x) {
    if (x.rank() < 2) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input X has shape " +
                                                   x.shape().to_string() +
                                                   ", expected [N, C, D1, ...]");
    }
  }

  // Half inputs are widened to float32 here rather than through compute_in_float32, because the
  // running statistics keep the type of input_mean/input_var, which need not be X's type.
  void compute_training(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    check_rank(node, x);
    const int64_t batch = x.shape()[0], channels = x.shape()[1];
    const int64_t spatial = x.shape().size_from_to(2, x.rank());
    const Tensor* params[4];
    const char* names[4] = {"scale", "B", "input_mean", "input_var"};
    for (size_t i = 0; i < 4; ++i) {
      params[i] = &ctx.required_input(i + 1);
      if (params[i]->rank() != 1 || params[i]->num_elements() != channels) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": " + names[i] + " has shape " +
                        params[i]->shape().to_string() + ", expected [" + std::to_string(channels) +
                        "] for input X of shape " + x.shape().to_string());
      }
    }
    const std::vector<double> scale = tensor_to_doubles(*params[0]);
    const std::vector<double> bias = tensor_to_doubles(*params[1]);
    std::vector<double> mean(channels), var(channels), multiplier(channels), offset(channels);
    auto normalize = [&](const auto* in, auto* out) {
      using T = std::remove_cv_t<std::remove_pointer_t<decltype(in)>>;
      kernels::batch_norm_statistics(in, batch, channels, spatial, mean.data(), var.data());
      kernels::batch_norm_coefficients(scale.data(), bias.data(), mean.data(), var.data(), channels,
                                       epsilon_, multiplier.data(), offset.data());
      if (x.num_elements() == 0) return;
      const std::vector<T> m(multiplier.begin(), multiplier.end());
      const std::vector<T> o(offset.begin(), offset.end());
      kernels::batch_norm_apply(in, out, batch, channels, spatial, m.data(), o.data(), false);
    };
    if (x.dtype() == DataType::kFloat32) {
      Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
      normalize(x.data<float>(), y.data<float>());
    } else if (x.dtype() == DataType::kFloat64) {
      Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
      normalize(x.data<double>(), y.data<double>());
    } else if (is_half(x.dtype())) {
      Tensor x_float = ctx.allocate_temp(x.shape(), DataType::kFloat32);
      Tensor y_float = ctx.allocate_temp(x.shape(), DataType::kFloat32);
      half_to_float(x, x_float.data<float>());
      normalize(x_float.data<float>(), y_float.data<float>());
      Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
      float_to_half(y_float.data<float>(), y);
    } else {
      unsupported_type(node, x.dtype());
    }
    write_running_statistic(ctx, 1, *params[2], mean);
    write_running_statistic(ctx, 2, *params[3], var);
  }

  // Output `index` = previous * momentum + current * (1 - momentum), in the type of `previous`.
  void write_running_statistic(KernelContext& ctx, size_t index, const Tensor& previous,
                               const std::vector<double>& current) const {
    if (index >= ctx.num_outputs() || !ctx.output_requested(index)) return;
    std::vector<double> blended = tensor_to_doubles(previous);
    const double momentum = momentum_;
    for (size_t c = 0; c < blended.size(); ++c) {
      blended[c] = blended[c] * momentum + current[c] * (1.0 - momentum);
    }
    Tensor& out = ctx.allocate_output(index, previous.shape(), previous.dtype());
    if (previous.dtype() == DataType::kFloat32) {
      std::copy(blended.begin(), blended.end(), out.data<float>());
    } else if (previous.dtype() == DataType::kFloat64) {
      std::copy(blended.begin(), blended.end(), out.data<double>());
    } else if (is_half(previous.dtype())) {
      const std::vector<float> narrowed(blended.begin(), blended.end());
      float_to_half(narrowed.data(), out);
    } else {
      unsupported_type(ctx.node(), previous.dtype());
    }
  }

  double epsilon_;
  double momentum_;
  bool per_element_;
  bool training_;
  bool folded_ = false;
  std::vector<double> multiplier_, offset_;
};

}  // namespace

void register_nn_kernels(KernelRegistry& registry) {
  register_gemm_kernels(registry);
  register_conv_kernels(registry);
  register_pool_kernels(registry);

  registry.add("Softmax", 1, 12, {0}, types::kFloats, make_kernel<Softmax>());
  registry.add("Softmax", 13, kMaxOpset, {0}, types::kFloats, make_kernel<Softmax>());

  // BatchNormalization 7 (spatial attribute), 9 (spatial removed), 14 (training_mode, U type),
  // 15 (scale/B and mean/var may differ from X in type). Parameters are read as doubles, so any
  // float type combination works.
  registry.add("BatchNormalization", 7, 13, {0, 1, 2, 3, 4}, types::kFloats,
               make_kernel<BatchNormalization>());
  KernelDef bn;
  bn.op_type = "BatchNormalization";
  bn.since_version = 14;
  bn.end_version = kMaxOpset;
  bn.constraints = {{"T", {0}, {0}, types::kFloats},
                    {"T1", {1, 2}, {}, types::kFloats},
                    {"T2", {3, 4}, {1, 2}, types::kFloats}};
  bn.factory = make_kernel<BatchNormalization>();
  registry.add(std::move(bn));

  register_norm_kernels(registry);
}

}  // namespace aruntime::cpu
