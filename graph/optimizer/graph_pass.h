// One rewrite of the graph IR, run by the PassManager. A pass has a name (to turn it off), a level
// (1 basic: ONNX-to-ONNX rewrites any runtime could load; 2 extended: fusions into the runtime's
// own ops; 3 provider-aware: layouts, after partitioning), and a rewrite that reports how many
// changes it made, so the manager can run each level to a fixed point and tell the user what
// happened. A session runs level 3 after partitioning: the layout pass on the nodes of providers
// that prefer it (OptimizerOptions::layout_owner) and, with a device provider, the level-2
// fusions on the nodes of the providers that run the fused ops (OptimizerOptions::fusion_owner;
// docs/optimizer.md).
#pragma once

#include <string>

#include "graph/ir.h"

namespace aruntime::optimizer {

enum class Level { kOff = 0, kBasic = 1, kExtended = 2, kProviderAware = 3 };

class GraphPass {
 public:
  virtual ~GraphPass() = default;
  virtual const std::string& name() const = 0;
  virtual Level level() const = 0;
  // Rewrites `graph` (the model's main graph or a subgraph); returns the number of rewrites.
  // Must keep the graph valid: topologically sorted, every read value defined, graph outputs
  // produced under their names.
  virtual int run(const Model& model, Graph& graph) const = 0;
};

}  // namespace aruntime::optimizer
