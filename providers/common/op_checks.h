// Provider-independent interpretation of op attributes and validation of op inputs whose errors
// name the node: every provider calls these rather than re-deriving the ONNX rules, so a model
// is refused with the same message whichever provider runs it.
#pragma once

#include <cstdint>
#include <vector>

#include <array>

#include "aruntime/shape.h"
#include "core/kernel.h"
#include "graph/ir.h"
#include "kernels/activation.h"

namespace aruntime {

// Throws Error(kInvalidArgument) when input `index` has another element type than `reference`
// (input 0): "node 'n' (Op): input 2 has type float64, expected float32 like input 0".
void check_same_type(const Node& node, const Tensor& reference, const Tensor& t, size_t index);

// The activation of aruntime.FusedConv / aruntime.FusedGemm / aruntime.FusedMatMul from the
// node's `activation` and `activation_params` attributes (graph/optimizer/fused_domain.h):
// identity when absent, the parameter count checked. Throws Error(kInvalidModel) naming the node
// on an unknown name or a wrong count.
kernels::Activation read_fused_activation(const Node& node);

// The batch axes of a batched matrix product (MatMul, FusedMatMul): the operands' leading axes
// broadcast numpy-style, and each batch reads its A and B matrices at offsets() (element counts).
struct MatMulBatches {
  std::vector<int64_t> dims;      // the output's batch axes
  std::vector<int64_t> a_stride;  // per batch axis: elements between A matrices (0: broadcast)
  std::vector<int64_t> b_stride;
  // The number of batches over all batch axes, or over the axes [begin, end).
  int64_t count() const { return count(0, dims.size()); }
  int64_t count(size_t begin, size_t end) const;
  void offsets(int64_t index, int64_t& a_offset, int64_t& b_offset) const;
};
// `a_dims`/`b_dims` have at least 2 axes; their last two are the matrices. Throws
// Error(kInvalidArgument) naming `node` and the shapes `a_shape`/`b_shape` (as the caller
// received them) when the batch axes do not broadcast.
MatMulBatches matmul_batches(const Node& node, const std::vector<int64_t>& a_dims,
                             const std::vector<int64_t>& b_dims, const Shape& a_shape,
                             const Shape& b_shape);

// LayerNormalization / RMSNormalization: checks the stash_type attribute (a floating-point type,
// else Error(kInvalidModel) naming the node) and gives the element types of the optional outputs
// Mean and InvStdDev (type U), float32 where the graph does not say.
std::array<DataType, 2> axis_norm_stat_types(const KernelInfo& info);

// aruntime.Attention's shapes: Q [..., Sq, D], K [..., Sk, D] ([..., D, Sk] when k_transposed),
// V [..., Sk, Dv], all of one rank >= 2 with the same leading axes `lead`. Throws
// Error(kInvalidArgument) naming the node when they do not agree.
struct AttentionShape {
  Dims lead;
  int64_t sq = 0, sk = 0, d = 0, dv = 0;
};
AttentionShape attention_shape(const Node& node, const Shape& q, const Shape& k, const Shape& v,
                               bool k_transposed);

// GlobalAveragePool / GlobalMaxPool over X [N, C, D1, ...]: the output shape (spatial axes 1),
// the number of (n, c) planes and the elements per plane. Throws Error(kInvalidArgument) naming
// the node when X has rank < 2, or when there are planes but their spatial axes are empty.
struct GlobalPoolShape {
  Dims output;
  int64_t planes = 0;
  int64_t plane_size = 0;
};
GlobalPoolShape global_pool_shape(const Node& node, const Shape& x);

// BatchNormalization's optional outputs against its mode: from opset 14 running_mean/running_var
// only with training_mode=1 (Error(kInvalidModel)); before, any extra output requests the old
// training mode, whose outputs the spec leaves undefined (Error(kNotImplemented)). Both name the
// node.
void check_batch_norm_outputs(const Node& node, int opset, bool training);

// The shape PRelu's slope is broadcast from: before opset 7 (`single_slope_only`) one element or
// X's shape, from 7 any shape broadcasting unidirectionally to X's. Throws Error(kRuntimeError)
// naming the node otherwise.
Shape prelu_slope_shape(const Node& node, const Tensor& x, const Tensor& slope, bool single_slope_only);

// The inputs of aruntime.LayerNormalization and aruntime.SkipLayerNormalization (contracts in
// providers/cpu/ops/fused_ops.cc): X, [Skip,] Scale/Gamma, [B/Beta (when `center`),] [Bias (with
// `skip`)], each checked to have X's element type and its shape: Skip X's, the others X's dims
// from `axis` (the attribute, negative from the end, checked against X's rank). Throws
// Error(kInvalidArgument) naming the node, the input and the expected shape.
struct RowNormInputs {
  const Tensor* x = nullptr;
  size_t axis = 0;  // X's first normalized axis
  const Tensor* skip = nullptr;
  const Tensor* scale = nullptr;
  const Tensor* bias = nullptr;
  const Tensor* skip_bias = nullptr;
};
RowNormInputs row_norm_inputs(const KernelContext& ctx, int64_t axis, bool center, bool skip);

// The multidirectional (numpy) broadcast of `shapes`, the output shape of an elementwise op.
// Throws Error(kRuntimeError) naming the node and every shape when they are incompatible:
// "node 'n' (Add): input shapes [2,3] and [4] cannot be broadcast".
Shape broadcast_output_shape(const Node& node, const std::vector<Shape>& shapes);
// The same for two shapes (binary ops, every run: no list to build).
Shape broadcast_output_shape(const Node& node, const Shape& a, const Shape& b);

}  // namespace aruntime
