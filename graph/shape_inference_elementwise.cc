// Shape rules of elementwise ops: unary ops keep their input's shape, binary and variadic ops
// broadcast (numpy rules), Where broadcasts its three inputs.
#include "graph/shape_inference_internal.h"

namespace aruntime::shape_inference {
namespace {

// Ops whose every output has the shape of input 0 (activations, math, casts, normalisations that
// keep the layout, and the data-shaped ops Scatter*/ReverseSequence).
constexpr const char* kSameShapeOps[] = {"Abs",
                                         "Acos",
                                         "Acosh",
                                         "Asin",
                                         "Asinh",
                                         "Atan",
                                         "Atanh",
                                         "BitwiseNot",
                                         "Cast",
                                         "CastLike",
                                         "Ceil",
                                         "Celu",
                                         "Clip",
                                         "Cos",
                                         "Cosh",
                                         "CumSum",
                                         "DequantizeLinear",
                                         "Elu",
                                         "Erf",
                                         "Exp",
                                         "EyeLike",
                                         "Floor",
                                         "Gelu",
                                         "HardSigmoid",
                                         "HardSwish",
                                         "Hardmax",
                                         "Identity",
                                         "IsInf",
                                         "IsNaN",
                                         "LeakyRelu",
                                         "Log",
                                         "LogSoftmax",
                                         "LpNormalization",
                                         "LRN",
                                         "MeanVarianceNormalization",
                                         "Mish",
                                         "Neg",
                                         "Not",
                                         "PRelu",
                                         "QuantizeLinear",
                                         "RandomNormalLike",
                                         "RandomUniformLike",
                                         "Bernoulli",
                                         "Reciprocal",
                                         "Relu",
                                         "ReverseSequence",
                                         "RMSNormalization",
                                         "RotaryEmbedding",
                                         "Round",
                                         "Scatter",
                                         "ScatterElements",
                                         "ScatterND",
                                         "Selu",
                                         "Shrink",
                                         "Sigmoid",
                                         "Sign",
                                         "Sin",
                                         "Sinh",
                                         "Softmax",
                                         "Softplus",
                                         "Softsign",
                                         "Sqrt",
                                         "Swish",
                                         "Tan",
                                         "Tanh",
                                         "ThresholdedRelu",
                                         "Trilu",
                                         "InstanceNormalization",
                                         "GroupNormalization"};

constexpr const char* kBroadcastBinaryOps[] = {
    "Add",        "And",         "BitShift", "BitwiseAnd", "BitwiseOr",
    "BitwiseXor", "Div",         "Equal",    "Greater",    "GreaterOrEqual",
    "Less",       "LessOrEqual", "Mod",      "Mul",        "Or",
    "Pow",        "Sub",         "Xor"};

constexpr const char* kVariadicOps[] = {"Max", "Mean", "Min", "Sum"};

void broadcast_all_inputs(NodeContext& ctx) {
  std::vector<size_t> all(ctx.num_inputs());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (auto d = broadcast_inputs(ctx, all)) ctx.set_shape(0, std::move(*d));
}

}  // namespace

void add_elementwise_rules(RuleTable& rules) {
  for (const char* op : kSameShapeOps)
    rules[op] = [](NodeContext& ctx) { same_shape_as_input(ctx); };
  for (const char* op : kBroadcastBinaryOps) rules[op] = broadcast_all_inputs;
  for (const char* op : kVariadicOps) rules[op] = broadcast_all_inputs;
  rules["Where"] = broadcast_all_inputs;
  // Dropout's optional mask has the data's shape too.
  rules["Dropout"] = [](NodeContext& ctx) {
    same_shape_as_input(ctx, 0, 0);
    same_shape_as_input(ctx, 0, 1);
  };
}

}  // namespace aruntime::shape_inference
