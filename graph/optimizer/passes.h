// Factories of the built-in passes (one file each), for the PassManager's list.
#pragma once

#include <memory>

#include "graph/optimizer/graph_pass.h"

namespace aruntime::optimizer {

// Level 1: Identity, and Dropout in inference (mask unused), become a renaming of their input.
std::unique_ptr<GraphPass> make_eliminate_identity();
// Level 1: nodes none of whose outputs is read or a graph output; initializers nothing reads.
std::unique_ptr<GraphPass> make_eliminate_dead_code();
// Level 1: Conv followed by BatchNormalization (inference) becomes one Conv with folded weights.
std::unique_ptr<GraphPass> make_fuse_conv_batchnorm();
// Level 1: Shape/Size of a value with a static inferred shape become initializers.
std::unique_ptr<GraphPass> make_shape_folding();
// Level 1: nodes whose inputs are all constants are evaluated once (OptimizerOptions::evaluator)
// and become initializers, within the size limits of OptimizerOptions.
std::unique_ptr<GraphPass> make_constant_folding();
// Level 1: Cast/Reshape/Expand/Transpose/Slice/Pad/Squeeze/Unsqueeze that change nothing.
std::unique_ptr<GraphPass> make_eliminate_noop();
// Level 1: Transpose -> Transpose becomes one Transpose, or nothing when the perms cancel.
std::unique_ptr<GraphPass> make_fuse_transpose_pairs();
// Level 1: Reshape -> Reshape becomes one Reshape; Unsqueeze/Squeeze pairs over the same axes go.
std::unique_ptr<GraphPass> make_fuse_reshape_chains();
// Level 1: Div by a float32/float64 constant becomes Mul by its reciprocal.
std::unique_ptr<GraphPass> make_div_to_mul();
// Level 1: a node equal to an earlier one (op, inputs, attributes) is replaced by it.
std::unique_ptr<GraphPass> make_common_subexpression();

// Level 2 (fusions into the aruntime domain, fused_domain.h; kernels in
// providers/cpu/ops/fused_ops.cc):
// DQ -> Conv/MatMul/Gemm [-> Relu] -> Q (QDQ-format quantized models) becomes QLinearConv or
// QLinearMatMul (standard ONNX ops).
std::unique_ptr<GraphPass> make_fuse_qdq();
// Conv + Add/Sum of a same-shape tensor becomes FusedConv with a residual input.
std::unique_ptr<GraphPass> make_fuse_conv_add();
// Conv (or FusedConv) + Relu/Clip/Sigmoid/HardSigmoid/HardSwish/LeakyRelu/Tanh/Gelu, or SiLU/Swish
// spelled x * Sigmoid(x), becomes FusedConv.
std::unique_ptr<GraphPass> make_fuse_conv_activation();
// MatMul with a 2-D B + Add of a bias becomes Gemm (2-D A) or FusedGemm (A of rank > 2).
std::unique_ptr<GraphPass> make_fuse_matmul_add();
// Gemm (or FusedGemm) + an activation (as for convs) becomes FusedGemm.
std::unique_ptr<GraphPass> make_fuse_gemm_activation();
// The erf and tanh spellings of GELU become Gelu (ONNX from opset 20, else aruntime).
std::unique_ptr<GraphPass> make_fuse_gelu();
// ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add become LayerNormalization.
std::unique_ptr<GraphPass> make_fuse_layer_normalization();
// Add(x, skip) [+ bias] -> LayerNormalization becomes SkipLayerNormalization (the sum stays an
// output when something else reads it).
std::unique_ptr<GraphPass> make_fuse_skip_layer_normalization();
// x * 1/Sqrt(ReduceMean(x^2) + eps) [* gamma] becomes RMSNormalization (ONNX from opset 23, else
// aruntime).
std::unique_ptr<GraphPass> make_fuse_rms_normalization();
// MatMul(Q, Kᵀ) [scaled] [+ mask | masked_fill] -> Softmax -> MatMul(., V) becomes
// aruntime.Attention.
std::unique_ptr<GraphPass> make_fuse_attention();
// A Transpose swapping the last two axes of a MatMul/Gemm/FusedGemm operand becomes its
// transA/transB (MatMul: FusedMatMul, or Gemm for 2-D operands).
std::unique_ptr<GraphPass> make_fuse_transpose_matmul();

// Level 3 (after partitioning, on the nodes OptimizerOptions::layout_owner names): convolutions,
// pools and the pointwise ops between them move into the blocked channel layout
// (aruntime.NchwcConv and friends, kernels/nchwc.h), with reorders at the region's edges.
std::unique_ptr<GraphPass> make_blocked_channel_layout();

}  // namespace aruntime::optimizer
