// What a pass may need beyond the model and the graph it rewrites: the options of the optimize()
// call in progress (the node evaluator and folding limits) and what earlier rounds learned. The
// GraphPass interface passes only the graph, so optimize() publishes this for the calling thread
// for as long as it runs.
#pragma once

#include <set>
#include <string>

#include "graph/optimizer/pass_manager.h"

namespace aruntime::optimizer {

struct PassContext {
  const OptimizerOptions& options;
  // Nodes the evaluator could not run ("graph address/node name/op/inputs"), so that later rounds
  // of the fixed point do not try them again.
  std::set<std::string> unfoldable;
};

// The context of the optimize() call running on this thread, or nullptr outside one (a pass run
// directly, as tests do).
PassContext* active_pass_context();

// Makes a context active on this thread for its lifetime (restoring the previous one after).
class ScopedPassContext {
 public:
  explicit ScopedPassContext(const OptimizerOptions& options);
  ~ScopedPassContext();
  ScopedPassContext(const ScopedPassContext&) = delete;
  ScopedPassContext& operator=(const ScopedPassContext&) = delete;

 private:
  PassContext context_;
  PassContext* previous_;
};

}  // namespace aruntime::optimizer
