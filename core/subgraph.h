// Subgraphs (If branches, Loop and Scan bodies) run through the same machinery as the main
// graph: they are partitioned over the session's providers, planned and executed by the
// sequential executor. A control-flow kernel compiles its subgraphs once, in its prepare step,
// and runs them from compute with the values the enclosing graph provides.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aruntime/value.h"
#include "graph/ir.h"

namespace aruntime {

class CompiledSubgraph {
 public:
  virtual ~CompiledSubgraph() = default;
  // Runs the subgraph. `inputs` are its formal inputs in order; `outer` returns the value of an
  // outer-scope name the subgraph reads (one of outer_names()), or nullptr. Returns the
  // subgraph's outputs in order, owned by the caller.
  virtual std::vector<Value> run(std::vector<Value> inputs,
                                 const std::function<const Value*(const std::string&)>& outer) const = 0;
  // Names the subgraph (and any subgraph nested in it) reads from enclosing graphs.
  virtual const std::vector<std::string>& outer_names() const = 0;
};

class SubgraphCompiler {
 public:
  virtual ~SubgraphCompiler() = default;
  // Partitions and plans `subgraph` (an attribute graph of a node of the model). Errors name
  // the model and the subgraph's nodes like errors of the main graph.
  virtual std::unique_ptr<CompiledSubgraph> compile(const Graph& subgraph) const = 0;
};

}  // namespace aruntime
