#include "graph/optimizer/pass_manager.h"

#include <algorithm>
#include <functional>
#include <map>

#include "aruntime/status.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/pass_context.h"
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

bool uses_domain(const Graph& graph, const std::string& domain) {
  for (const Node& node : graph.nodes) {
    if (node.domain == domain) return true;
    for (const Attribute& a : node.attributes) {
      if (a.g && uses_domain(*a.g, domain)) return true;
      for (const auto& g : a.graphs) {
        if (g && uses_domain(*g, domain)) return true;
      }
    }
  }
  return false;
}

}  // namespace

const std::vector<std::unique_ptr<GraphPass>>& builtin_passes() {
  static const std::vector<std::unique_ptr<GraphPass>> passes = [] {
    std::vector<std::unique_ptr<GraphPass>> p;
    p.push_back(make_eliminate_identity());
    p.push_back(make_eliminate_dead_code());
    p.push_back(make_fuse_conv_batchnorm());
    p.push_back(make_shape_folding());
    p.push_back(make_constant_folding());
    p.push_back(make_eliminate_noop());
    p.push_back(make_fuse_transpose_pairs());
    p.push_back(make_fuse_reshape_chains());
    p.push_back(make_div_to_mul());
    p.push_back(make_common_subexpression());
    p.push_back(make_fuse_qdq());  // first: the fusions below would take its float ops
    p.push_back(make_fuse_conv_add());
    p.push_back(make_fuse_conv_activation());
    p.push_back(make_fuse_matmul_add());
    p.push_back(make_fuse_gemm_activation());
    p.push_back(make_fuse_gelu());
    p.push_back(make_fuse_layer_normalization());
    // After fuse_layer_normalization: the normalizations it writes take their residual Add too.
    p.push_back(make_fuse_skip_layer_normalization());
    p.push_back(make_fuse_rms_normalization());
    p.push_back(make_fuse_attention());
    // After fuse_attention, which absorbs the Kᵀ of attention blocks itself.
    p.push_back(make_fuse_transpose_matmul());
    // Level 3, after partitioning, when the session names the nodes it may rewrite.
    p.push_back(make_blocked_channel_layout());
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
  const ScopedPassContext context(options);  // the evaluator and folding limits, for the passes
  OptimizationReport report;
  report.nodes_before = model.graph->nodes.size();
  std::map<std::string, int> counts;
  const int first =
      std::max(static_cast<int>(options.first_level), static_cast<int>(Level::kBasic));
  const int last = std::min(static_cast<int>(options.level), static_cast<int>(Level::kProviderAware));
  for (int level = first; level <= last; ++level) {
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
    const int level = static_cast<int>(pass->level());
    if (level >= first && level <= last && !options.disabled.count(pass->name())) {
      report.passes.push_back({pass->name(), counts[pass->name()]});
    }
  }
  // Fusions wrote ops of the runtime's own domain: their kernels are looked up by its version.
  if (uses_domain(*model.graph, kFusedDomain)) model.opset_imports.emplace(kFusedDomain, kFusedOpset);
  report.nodes_after = model.graph->nodes.size();
  return report;
}

}  // namespace aruntime::optimizer
