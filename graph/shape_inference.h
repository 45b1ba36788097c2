// Shape inference. Providers that only take static shapes, the memory planner and per-node cost
// estimates need output shapes before the first run, and exporters declare them for graph inputs
// and outputs only. This pass derives them from the ONNX shape rules of each op, input shapes,
// attributes and constant inputs. It also follows the values of the small integer tensors that
// exporters compute from shapes (Shape -> Gather -> Unsqueeze -> Concat -> Reshape), so such
// chains give static or symbolic shapes instead of unknown ones.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "graph/ir.h"

namespace aruntime {

// Fills graph.value_types[...].shape for node outputs whose shape follows from input shapes,
// attributes and constant inputs; recurses into subgraph bodies (which see the shapes of the
// enclosing graphs). `dim_values` binds symbolic dims ("batch" -> 8) in graph.value_types (of this
// graph and of its subgraphs) before propagation; graph.inputs/outputs are left as declared.
//
// Never guesses: an output whose shape cannot be derived keeps what it had, and ops it does not
// know leave their outputs unknown. A declared shape is kept, except that an unknown or symbolic
// declared dim takes an inferred static dim (or an inferred symbol, for an unknown dim). A declared
// static dim or rank that contradicts the inferred one, and input shapes that the op's rules prove
// invalid (Conv channel mismatch, MatMul inner dims, Reshape element count, Concat ranks...), are
// an Error(kInvalidModel) whose message names the node, the inputs and both shapes.
//
// Run after infer_types: element types decide which integer tensors carry shape values. Only
// values with a type entry get a shape.
void infer_shapes(Graph& graph, const std::map<std::string, int64_t>& dim_values = {});

}  // namespace aruntime
