// Loss operators: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. Both gather, for every
// position (n, d1..dk), the (log-)probability of the target class on axis 1 and reduce those with
// optional per-class weights. float16/bfloat16 run in float32 (HalfAsFloat32Kernel); reductions
// accumulate in double so large inputs keep float32 accuracy.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "providers/cpu/ops/nn_common.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

enum class Reduction { kNone, kSum, kMean };

Reduction parse_reduction(const Node& node) {
  const std::string reduction = node.attr_string("reduction", "mean");
  if (reduction == "none") return Reduction::kNone;
  if (reduction == "sum") return Reduction::kSum;
  if (reduction == "mean") return Reduction::kMean;
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute reduction must be one of " +
                                            "none, sum, mean, got '" + reduction + "'");
}

// Sizes of the input viewed as [N, C, D] with D the product of the spatial axes d1..dk.
struct LossShape {
  int64_t batch = 0;
  int64_t classes = 0;
  int64_t spatial = 0;
};

LossShape check_shapes(const Node& node, const Tensor& scores, const Tensor& target,
                       const Tensor* weight) {
  const Shape& shape = scores.shape();
  if (shape.rank() < 2) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input 0 must have rank >= 2 " +
                                                 "(N, C, d1..dk), got shape " + shape.to_string());
  }
  bool target_ok = target.rank() + 1 == shape.rank() && target.shape()[0] == shape[0];
  for (size_t i = 1; target_ok && i < target.rank(); ++i) {
    target_ok = target.shape()[i] == shape[i + 1];
  }
  if (!target_ok) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": input 1 (target) must have shape (N, d1..dk) of input 0 " +
                    shape.to_string() + ", got " + target.shape().to_string());
  }
  if (weight != nullptr && (weight->rank() != 1 || weight->shape()[0] != shape[1])) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": input 2 (weight) must have shape [" +
                    std::to_string(shape[1]) + "] (one weight per class), got " +
                    weight->shape().to_string());
  }
  return {shape[0], shape[1], shape.size_from_to(2, shape.rank())};
}

std::vector<int64_t> target_values(const Tensor& target) {
  if (target.dtype() == DataType::kInt32) {
    const int32_t* p = target.data<int32_t>();
    return std::vector<int64_t>(p, p + target.num_elements());
  }
  const int64_t* p = target.data<int64_t>();
  return std::vector<int64_t>(p, p + target.num_elements());
}

// Common attribute handling and the reduction of the per-position losses.
class LossKernel : public HalfAsFloat32Kernel {
 public:
  explicit LossKernel(const KernelInfo& info)
      : reduction_(parse_reduction(info.node())),
        has_ignore_index_(info.node().has_attribute("ignore_index")),
        ignore_index_(info.node().attr_int("ignore_index", 0)) {}

 protected:
  void run(KernelContext& ctx) const override {
    dispatch_float32_or_64(ctx.node(), ctx.required_input(0).dtype(), [&](auto tag) { run_typed<decltype(tag)>(ctx); });
  }

  // Fills `target_log_prob[n * D + d]` with the log-probability of class target[n, d] at (n, d);
  // only entries whose target is not ignored are read afterwards.
  virtual void gather_log_prob(KernelContext& ctx, const LossShape& dims,
                               const std::vector<int64_t>& targets,
                               std::vector<double>& target_log_prob) const = 0;

  bool ignored(int64_t target) const { return has_ignore_index_ && target == ignore_index_; }

 private:
  template <typename T>
  void run_typed(KernelContext& ctx) const {
    const Node& node = ctx.node();
    const Tensor& scores = ctx.required_input(0);
    const Tensor& target = ctx.required_input(1);
    const Tensor* weight = ctx.num_inputs() > 2 ? ctx.input(2) : nullptr;
    if (weight != nullptr && weight->dtype() != scores.dtype()) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": input 2 (weight) must have the element type of input 0 (" +
                      std::string(data_type_name(scores.dtype())) + "), got " +
                      std::string(data_type_name(weight->dtype())));
    }
    const LossShape dims = check_shapes(node, scores, target, weight);
    const std::vector<int64_t> targets = target_values(target);
    for (size_t i = 0; i < targets.size(); ++i) {
      if (!ignored(targets[i]) && (targets[i] < 0 || targets[i] >= dims.classes)) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": input 1 (target) value " + std::to_string(targets[i]) +
                        " at flat index " + std::to_string(i) + " is not a class in [0, " +
                        std::to_string(dims.classes) + ")" +
                        (has_ignore_index_ ? " nor ignore_index " + std::to_string(ignore_index_)
                                           : std::string()));
      }
    }

    std::vector<double> target_log_prob(targets.size(), 0.0);
    gather_log_prob(ctx, dims, targets, target_log_prob);

    const T* class_weight = weight != nullptr ? weight->data<T>() : nullptr;
    // Per-position loss -w[t] * log_prob[t], as T like the reference; ignored positions are 0 and
    // weigh 0, so they drop out of both the sum and the mean's denominator.
    std::vector<T> losses(targets.size(), T(0));
    double loss_sum = 0.0;
    double weight_sum = 0.0;
    for (size_t i = 0; i < targets.size(); ++i) {
      if (ignored(targets[i])) continue;
      const T w = class_weight != nullptr ? class_weight[targets[i]] : T(1);
      losses[i] = -w * static_cast<T>(target_log_prob[i]);
      loss_sum += static_cast<double>(losses[i]);
      weight_sum += static_cast<double>(w);
    }

    const DataType dtype = scores.dtype();
    if (reduction_ == Reduction::kNone) {
      Tensor& out = ctx.allocate_output(0, target.shape(), dtype);
      std::copy(losses.begin(), losses.end(), out.data<T>());
      return;
    }
    Tensor& out = ctx.allocate_output(0, Shape{}, dtype);
    // Mean over no applied weight (every target ignored) is 0/0, NaN as in the reference.
    out.data<T>()[0] =
        static_cast<T>(reduction_ == Reduction::kSum ? loss_sum : loss_sum / weight_sum);
  }

  Reduction reduction_;
  bool has_ignore_index_;
  int64_t ignore_index_;
};

// NegativeLogLikelihoodLoss: input 0 already holds log-probabilities.
class NegativeLogLikelihoodLoss final : public LossKernel {
 public:
  using LossKernel::LossKernel;

 protected:
  void gather_log_prob(KernelContext& ctx, const LossShape& dims,
                       const std::vector<int64_t>& targets,
                       std::vector<double>& target_log_prob) const override {
    const Tensor& scores = ctx.required_input(0);
    auto gather = [&](const auto* x) {
      for (int64_t n = 0; n < dims.batch; ++n) {
        for (int64_t d = 0; d < dims.spatial; ++d) {
          const size_t i = static_cast<size_t>(n * dims.spatial + d);
          if (ignored(targets[i])) continue;
          target_log_prob[i] =
              static_cast<double>(x[(n * dims.classes + targets[i]) * dims.spatial + d]);
        }
      }
    };
    if (scores.dtype() == DataType::kFloat32) {
      gather(scores.data<float>());
    } else {
      gather(scores.data<double>());
    }
  }
};

// SoftmaxCrossEntropyLoss: log_softmax over axis 1 first, optionally returned as output 1.
class SoftmaxCrossEntropyLoss final : public LossKernel {
 public:
  using LossKernel::LossKernel;

 protected:
  void gather_log_prob(KernelContext& ctx, const LossShape& dims,
                       const std::vector<int64_t>& targets,
                       std::vector<double>& target_log_prob) const override {
    const Tensor& scores = ctx.required_input(0);
    const bool want_log_prob = ctx.num_outputs() > 1 && ctx.output_requested(1);
    auto compute = [&](const auto* x, auto* log_prob) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
      for (int64_t n = 0; n < dims.batch; ++n) {
        const T* column0 = x + n * dims.classes * dims.spatial;
        for (int64_t d = 0; d < dims.spatial; ++d) {
          // log_softmax = x - max - log(sum(exp(x - max))): subtracting the max keeps exp finite.
          double max_score = -std::numeric_limits<double>::infinity();
          for (int64_t c = 0; c < dims.classes; ++c) {
            max_score = std::max(max_score, static_cast<double>(column0[c * dims.spatial + d]));
          }
          double exp_sum = 0.0;
          for (int64_t c = 0; c < dims.classes; ++c) {
            exp_sum += std::exp(static_cast<double>(column0[c * dims.spatial + d]) - max_score);
          }
          const double log_norm = max_score + std::log(exp_sum);
          const size_t i = static_cast<size_t>(n * dims.spatial + d);
          if (!ignored(targets[i])) {
            target_log_prob[i] =
                static_cast<double>(column0[targets[i] * dims.spatial + d]) - log_norm;
          }
          if (log_prob != nullptr) {
            T* out = log_prob + n * dims.classes * dims.spatial;
            for (int64_t c = 0; c < dims.classes; ++c) {
              out[c * dims.spatial + d] =
                  static_cast<T>(static_cast<double>(column0[c * dims.spatial + d]) - log_norm);
            }
          }
        }
      }
    };
    if (scores.dtype() == DataType::kFloat32) {
      float* log_prob = want_log_prob
                            ? ctx.allocate_output(1, scores.shape(), scores.dtype()).data<float>()
                            : nullptr;
      compute(scores.data<float>(), log_prob);
    } else {
      double* log_prob = want_log_prob
                             ? ctx.allocate_output(1, scores.shape(), scores.dtype()).data<double>()
                             : nullptr;
      compute(scores.data<double>(), log_prob);
    }
  }
};

KernelDef loss_def(const char* op_type, int since, int end, std::vector<DataType> float_types,
                   KernelFactory factory) {
  KernelDef def;
  def.op_type = op_type;
  def.since_version = since;
  def.end_version = end;
  def.constraints = {{"T", {0, 2}, {0, 1}, std::move(float_types)},
                     {"Tind", {1}, {}, types::kIndices}};
  def.factory = std::move(factory);
  return def;
}

}  // namespace

void register_loss_kernels(KernelRegistry& registry) {
  const std::vector<DataType> ieee_floats = {DataType::kFloat32, DataType::kFloat64,
                                             DataType::kFloat16};
  // NegativeLogLikelihoodLoss 12, 13 (same semantics), 22 (adds bfloat16).
  registry.add(loss_def("NegativeLogLikelihoodLoss", 12, 21, ieee_floats,
                        make_kernel<NegativeLogLikelihoodLoss>()));
  registry.add(loss_def("NegativeLogLikelihoodLoss", 22, kMaxOpset, types::kFloats,
                        make_kernel<NegativeLogLikelihoodLoss>()));
  // SoftmaxCrossEntropyLoss 12, 13 (adds bfloat16).
  registry.add(loss_def("SoftmaxCrossEntropyLoss", 12, 12, ieee_floats,
                        make_kernel<SoftmaxCrossEntropyLoss>()));
  registry.add(loss_def("SoftmaxCrossEntropyLoss", 13, kMaxOpset, types::kFloats,
                        make_kernel<SoftmaxCrossEntropyLoss>()));
}

}  // namespace aruntime::cpu
