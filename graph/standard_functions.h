// ONNX defines some operators as functions: a body of simpler operators (Celu, LayerNormalization,
// Range, MeanVarianceNormalization, ...). When no provider can run such a node, the session replaces
// it with that body, built from the op schemas of the linked ONNX library, so a missing composite
// kernel is not a dead end. This file instantiates a body for one node; the partitioner decides
// when to use it.
#pragma once

#include <string>
#include <vector>

#include "graph/ir.h"

namespace aruntime {

struct FunctionExpansion {
  enum class Result {
    kNoFunction,  // ONNX defines no function body for this op
    kUnusable,    // it does, but not for this node (see `reason`)
    kExpanded,    // `nodes` holds the body
  };
  Result result = Result::kNoFunction;
  std::string reason;
  std::vector<Node> nodes;  // in topological order
};

// The function body ONNX defines for `node` at the model's opset of its domain, instantiated for
// this node: the body's formal inputs and outputs are bound to the node's values, its internal
// values and nodes get fresh names prefixed with the node's name ("ln/Mean"), and attributes that
// refer to the node's attributes take the node's value or the schema's default.
// Bodies are taken only from schemas of the opset the model asks for: a model newer than this
// build's ONNX schemas gets kUnusable rather than a body that may describe an older op.
FunctionExpansion expand_standard_function(const Model& model, Graph& graph, const Node& node);

}  // namespace aruntime
