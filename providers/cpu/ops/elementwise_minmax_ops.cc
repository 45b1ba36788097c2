// Variadic Min, Max, Sum and Mean. Inputs are folded left to right into the output, each step a
// broadcast binary op rounded to the element type, which is how the ONNX reference (numpy) computes
// them; float16/bfloat16 steps are computed in float. Min and Max propagate NaN like np.minimum.
#include <string>
#include <vector>

#include "kernels/broadcast.h"
#include "kernels/elementwise.h"
#include "providers/cpu/ops/elementwise_extra.h"

namespace aruntime::cpu {
namespace {

using kernels::compute_type_t;
using kernels::from_compute;
using kernels::is_half_v;
using kernels::to_compute;

struct MinOp {
  template <typename C>
  C operator()(C a, C b) const {
    return kernels::nan_propagating_min(a, b);
  }
};
struct MaxOp {
  template <typename C>
  C operator()(C a, C b) const {
    return kernels::nan_propagating_max(a, b);
  }
};
// Sum and Mean are defined for float types only, so there is no integer overflow to handle.
struct AddOp {
  template <typename C>
  C operator()(C a, C b) const {
    return a + b;
  }
};

// Before opset 8 the variadic ops did not broadcast: every input has the shape of input 0.
void check_same_shapes(const Node& node, const std::vector<const Tensor*>& inputs) {
  for (size_t k = 1; k < inputs.size(); ++k) {
    if (inputs[k]->shape() != inputs[0]->shape()) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": before opset 8 all inputs must have one shape; input " +
                      std::to_string(k) + " has " + inputs[k]->shape().to_string() +
                      ", input 0 has " + inputs[0]->shape().to_string());
    }
  }
}

template <typename Op, typename Types, bool kMean>
class VariadicKernel final : public OpKernel {
 public:
  explicit VariadicKernel(const KernelInfo& info) : broadcasts_(info.opset() >= 8) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const size_t n = ctx.num_inputs();
    if (n == 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": expected at least 1 input, got 0");
    }
    std::vector<const Tensor*> inputs;
    std::vector<size_t> indices;
    for (size_t i = 0; i < n; ++i) {
      inputs.push_back(&ctx.required_input(i));
      indices.push_back(i);
    }
    check_same_element_type(node, inputs, indices);
    if (!broadcasts_) check_same_shapes(node, inputs);
    const Shape out_shape = broadcast_input_shapes(node, inputs);
    const DataType dtype = inputs[0]->dtype();

    const bool handled = kernels::dispatch_type(Types{}, dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_type_t<T>;
      T* out = ctx.allocate_output(0, out_shape, dtype).template data<T>();
      const int64_t count = out_shape.num_elements();
      const int64_t cost = is_half_v<T> ? 4 : 1;
      const auto step = [](T a, T b) {
        return from_compute<T>(Op{}(to_compute(a), to_compute(b)));
      };
      if (n == 1) {
        kernels::unary_map(inputs[0]->data<T>(), out, count, cost, [](T v) { return v; });
        return;
      }
      kernels::binary_broadcast(
          kernels::make_broadcast_plan(inputs[0]->shape(), inputs[1]->shape(), out_shape),
          inputs[0]->data<T>(), inputs[1]->data<T>(), out, cost, step);
      // `out` has the output shape, so reading and writing it at the same offset is safe.
      for (size_t k = 2; k < n; ++k) {
        kernels::binary_broadcast(
            kernels::make_broadcast_plan(out_shape, inputs[k]->shape(), out_shape), out,
            inputs[k]->data<T>(), out, cost, step);
      }
      if constexpr (kMean) {
        const C divisor = static_cast<C>(n);
        kernels::unary_map(out, out, count, cost,
                           [divisor](T v) { return from_compute<T>(to_compute(v) / divisor); });
      }
    });
    if (!handled) throw_unsupported_input_type(node, 0, dtype);
  }

 private:
  bool broadcasts_;
};

}  // namespace

void register_variadic_kernels(KernelRegistry& registry) {
  // The type lists follow the ONNX schema of each opset range: float types until Min/Max-12 added
  // integers, bfloat16 from 13. Only input 0 is bound here; the kernel checks the others.
  using DT = DataType;
  const std::vector<DataType> floats_no_bf16 = types_without(types::kFloats, DT::kBFloat16);
  const std::vector<DataType> numeric_no_bf16 = types_without(types::kNumeric, DT::kBFloat16);

  using Min = VariadicKernel<MinOp, kernels::NumericTypes, false>;
  using Max = VariadicKernel<MaxOp, kernels::NumericTypes, false>;
  registry.add("Min", 6, 11, {0}, floats_no_bf16, make_kernel<Min>());
  registry.add("Min", 12, 12, {0}, numeric_no_bf16, make_kernel<Min>());
  registry.add("Min", 13, 23, {0}, types::kNumeric, make_kernel<Min>());
  registry.add("Max", 6, 11, {0}, floats_no_bf16, make_kernel<Max>());
  registry.add("Max", 12, 12, {0}, numeric_no_bf16, make_kernel<Max>());
  registry.add("Max", 13, 23, {0}, types::kNumeric, make_kernel<Max>());

  using Sum = VariadicKernel<AddOp, kernels::FloatTypes, false>;
  using Mean = VariadicKernel<AddOp, kernels::FloatTypes, true>;
  registry.add("Sum", 6, 12, {0}, floats_no_bf16, make_kernel<Sum>());
  registry.add("Sum", 13, 23, {0}, types::kFloats, make_kernel<Sum>());
  registry.add("Mean", 6, 12, {0}, floats_no_bf16, make_kernel<Mean>());
  registry.add("Mean", 13, 23, {0}, types::kFloats, make_kernel<Mean>());
}

}  // namespace aruntime::cpu
