// Elementwise kernels registered from register_elementwise_kernels that live in their own files,
// and the input checks those files share.
#pragma once

#include <vector>

#include "core/kernel.h"
#include "core/kernel_registry.h"

namespace aruntime::cpu {

// Equal Less Greater LessOrEqual GreaterOrEqual And Or Xor Not Where
void register_logic_kernels(KernelRegistry& registry);
// Min Max Sum Mean
void register_variadic_kernels(KernelRegistry& registry);
// Floor Ceil Round Sign Reciprocal IsNaN IsInf Mod BitShift BitwiseAnd BitwiseOr BitwiseXor
// BitwiseNot Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh Atanh Softplus Softsign Elu Selu Celu
// ThresholdedRelu Mish Gelu Shrink PRelu
void register_math_kernels(KernelRegistry& registry);

// The multidirectional broadcast of the inputs' shapes; throws naming the node and every shape
// when they are incompatible.
Shape broadcast_input_shapes(const Node& node, const std::vector<const Tensor*>& inputs);

// Throws unless inputs[k] has the element type of inputs[0] for every k; `indices` are the node
// input positions of `inputs`, for the message.
void check_same_element_type(const Node& node, const std::vector<const Tensor*>& inputs,
                             const std::vector<size_t>& indices);

// `types` less `removed`, for the type lists of older opsets (before bfloat16 was added).
std::vector<DataType> types_without(std::vector<DataType> types, DataType removed);

// The NotImplemented error for an input type a kernel has no code for.
[[noreturn]] void throw_unsupported_input_type(const Node& node, size_t input, DataType dtype);

}  // namespace aruntime::cpu
