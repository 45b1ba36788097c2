// Element-type propagation. Kernels are chosen by the types of a node's inputs, and exporters do
// not always record the types of intermediate values, so the session derives them from the
// ONNX type rules of each op before partitioning. Shapes are not inferred here.
#pragma once

#include "graph/ir.h"

namespace aruntime {

// Fills graph.value_types for every node output whose element type follows from its inputs and
// attributes (declared types are kept). Recurses into subgraphs. Outputs whose type cannot be
// derived stay absent, which the partitioner reports as an unknown type.
void infer_types(Graph& graph);

}  // namespace aruntime
