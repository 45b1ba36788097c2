#include "graph/optimizer/pass_manager.h"

#include <functional>
#include <map>

#include "aruntime/status.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

void for_each_graph(Graph& graph, const std::function<void(Graph&)>& fn) {
  fn(graph);
  for (Node& node : graph.nodes) {
    for (Attribute& a : node.attributes) {
      if (a.g) for_each_graph(*a.g, fn);
      for (auto& g : a.graphs) {
        if (g) for_each_graph(*g, fn);
      }
    }
  }
}

}  // namespace

const std::vector<std::unique_ptr<GraphPass>>& builtin_passes() {
  static const std::vector<std::unique_ptr<GraphPass>> passes = [] {
    std::vector<std::unique_ptr<GraphPass>> p;
    p.push_back(make_eliminate_identity());
    p.push_back(make_eliminate_dead_code());
    p.push_back(make_fuse_conv_batchnorm());
    return p;
  }();
  return passes;
}

OptimizationReport optimize(Model& model, const OptimizerOptions& options) {
  for (const std::string& name : options.disabled) {
    bool known = false;
    std::string names;
    for (const auto& pass : builtin_passes()) {
      known |= pass->name() == name;
      names += (names.empty() ? "" : ", ") + pass->name();
    }
    if (!known) {
      throw_error(ErrorCode::kInvalidArgument, "no optimizer pass is named '" + name + "' (passes: " + names + ")");
    }
  }
  OptimizationReport report;
  report.nodes_before = model.graph->nodes.size();
  std::map<std::string, int> counts;
  for (int level = static_cast<int>(Level::kBasic); level <= static_cast<int>(options.level) &&
                                                    level <= static_cast<int>(Level::kExtended);
       ++level) {
    for (int round = 0; round < options.max_iterations; ++round) {
      int changes = 0;
      for (const auto& pass : builtin_passes()) {
        if (static_cast<int>(pass->level()) != level || options.disabled.count(pass->name())) continue;
        for_each_graph(*model.graph, [&](Graph& g) {
          const int n = pass->run(model, g);
          counts[pass->name()] += n;
          changes += n;
        });
      }
      if (changes == 0) break;
    }
  }
  for (const auto& pass : builtin_passes()) {
    if (static_cast<int>(pass->level()) <= static_cast<int>(options.level) && !options.disabled.count(pass->name())) {
      report.passes.push_back({pass->name(), counts[pass->name()]});
    }
  }
  report.nodes_after = model.graph->nodes.size();
  return report;
}

}  // namespace aruntime::optimizer
