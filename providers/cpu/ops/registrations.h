// One registration function per family of CPU kernels; each lives in the .cc files of its family.
#pragma once

#include "core/kernel_registry.h"

namespace aruntime::cpu {

// Add Sub Mul Div Pow Sqrt Exp Log Neg Abs Relu LeakyRelu Sigmoid Tanh Clip HardSigmoid HardSwish Erf
void register_elementwise_kernels(KernelRegistry& registry);
// Reshape Flatten Transpose Concat Split Slice Gather Squeeze Unsqueeze Shape Constant
// ConstantOfShape Identity Cast Pad
void register_tensor_kernels(KernelRegistry& registry);
// MatMul Gemm Conv MaxPool AveragePool GlobalAveragePool GlobalMaxPool BatchNormalization Softmax
void register_nn_kernels(KernelRegistry& registry);
// ReduceSum ReduceMean ReduceProd ReduceMax ReduceMin ReduceL1 ReduceL2 ReduceSumSquare ReduceLogSum
// ReduceLogSumExp ArgMax ArgMin
void register_reduction_kernels(KernelRegistry& registry);
// Resize
void register_resize_kernels(KernelRegistry& registry);
// QuantizeLinear DequantizeLinear DynamicQuantizeLinear MatMulInteger ConvInteger QLinearMatMul
// QLinearConv
void register_quantization_kernels(KernelRegistry& registry);
// RNN GRU LSTM
void register_rnn_kernels(KernelRegistry& registry);
// NegativeLogLikelihoodLoss SoftmaxCrossEntropyLoss
void register_loss_kernels(KernelRegistry& registry);

// If Loop Scan (bodies run through the session's SubgraphCompiler)
void register_control_flow_kernels(KernelRegistry& registry);

// DFT STFT HannWindow HammingWindow BlackmanWindow MelWeightMatrix
void register_signal_kernels(KernelRegistry& registry);
// StringNormalizer RegexFullMatch StringSplit StringConcat
void register_string_kernels(KernelRegistry& registry);
// SequenceConstruct SequenceEmpty SequenceInsert SequenceAt SequenceErase SequenceLength
// SplitToSequence ConcatFromSequence Optional OptionalHasElement OptionalGetElement
void register_sequence_kernels(KernelRegistry& registry);
// Einsum GridSample NonMaxSuppression CenterCropPad Attention RotaryEmbedding RandomNormal
// RandomUniform RandomNormalLike RandomUniformLike Bernoulli Multinomial
void register_misc_kernels(KernelRegistry& registry);
// AffineGrid DeformConv Det TfIdfVectorizer Upsample SequenceMap
void register_extra_kernels(KernelRegistry& registry);
// Domain aruntime (the optimizer's fusions): FusedConv FusedGemm Gelu LayerNormalization Attention
void register_fused_kernels(KernelRegistry& registry);
// Domain aruntime, the blocked layout (kBlockedLayoutOps): NchwcReorderInput NchwcReorderOutput
// NchwcConv NchwcMaxPool NchwcAveragePool NchwcGlobalAveragePool NchwcGlobalMaxPool
void register_nchwc_kernels(KernelRegistry& registry);

// ai.onnx.ml: LinearClassifier LinearRegressor Normalizer Scaler Binarizer Imputer
// ArrayFeatureExtractor LabelEncoder OneHotEncoder TreeEnsembleClassifier
// TreeEnsembleRegressor TreeEnsemble
void register_ml_kernels(KernelRegistry& registry);
// ai.onnx.ml over maps: ZipMap DictVectorizer CastMap (called by register_ml_kernels)
void register_ml_map_kernels(KernelRegistry& registry);

}  // namespace aruntime::cpu
